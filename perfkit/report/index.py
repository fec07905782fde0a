"""The report site's front page: every run, grouped by benchmark, with links to its report.

Built as HTML fragments for the summary notebook. Every value is escaped; only the anchors
this module writes are markup.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from perfkit.report import tables
from perfkit.report.scaling import scaling_table
from perfkit.results.record import RunResult
from perfkit.results.store import find_results, load_result

REPORT_FILE = "report.html"


def load_runs(reports: Path) -> list[tuple[Path, RunResult]]:
    """(run folder, result) for every readable result under reports/runs, sorted."""
    runs = []
    for path in find_results(reports / "runs"):
        if any(part.startswith(".") for part in path.relative_to(reports).parts):
            continue  # staging or replaced folders
        try:
            runs.append((path.parent, load_result(path)))
        except (ValueError, TypeError, OSError):
            continue
    return sorted(runs, key=lambda item: (item[1].benchmark, item[1].vendor, item[1].config))


def _cell(value: object) -> str:
    return f"<td>{html.escape(str(value))}</td>"


def _link(run_dir: Path, reports: Path, text: str) -> str:
    target = run_dir / REPORT_FILE
    if not target.is_file():
        return f"<td>{html.escape(text)}</td>"
    href = os.path.relpath(target, reports).replace(os.sep, "/")
    return f'<td><a href="{html.escape(href, quote=True)}">{html.escape(text)}</a></td>'


def runs_table_html(runs: list[tuple[Path, RunResult]], reports: Path) -> str:
    """All runs: benchmark, vendor, config, status, headline numbers, link to the report."""
    if not runs:
        return "<p>No runs yet under reports/runs. Run <code>perfkit run</code> or <code>perfkit suite smoke</code>.</p>"
    head = ["benchmark", "vendor", "config", "status", "topology", "standard", "finished (UTC)", "report"]
    rows = []
    for run_dir, r in runs:
        cells = [
            _cell(r.benchmark),
            _cell(r.vendor),
            _cell(r.config),
            _cell(r.status),
            _cell(f"{r.run.get('nnodes')}x{r.run.get('nproc_per_node')}"),
            _cell("yes" if r.standard else "no †"),
            _cell(r.finished_at),
            _link(run_dir, reports, "report"),
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def performance_sections_html(runs: list[tuple[Path, RunResult]]) -> str:
    """Per benchmark, the seeds' 性能指标 table over all its runs."""
    parts = []
    for benchmark in sorted({r.benchmark for _, r in runs}):
        results = [r for _, r in runs if r.benchmark == benchmark]
        frame = tables.performance_table(results)
        parts.append(f"<h3>{html.escape(benchmark)} 性能指标</h3>" + frame.to_html(index=False, escape=True))
        if any(r.run.get("world_size", 1) > 1 for r in results):
            scaling = scaling_table(results)
            parts.append(f"<h3>{html.escape(benchmark)} scaling</h3>" + scaling.to_html(index=False, escape=True))
    return "".join(parts)


