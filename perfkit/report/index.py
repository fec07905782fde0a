"""The report site's front page: every run, grouped by benchmark, with links to its report.

Built as HTML fragments for the summary notebook. Every value is escaped; only the anchors
this module writes are markup.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import pandas as pd

from perfkit.benchmarks import benchmark_class
from perfkit.errors import UserError
from perfkit.report import tables
from perfkit.results.record import RunResult
from perfkit.results.store import find_results, load_result

REPORT_FILE = "report.html"


def benchmark_kind(benchmark: str) -> str:
    """"training" or "inference"; a benchmark no longer registered counts as training."""
    try:
        return benchmark_class(benchmark).info.kind
    except UserError:
        return "training"


def check_reports_folder(reports: Path) -> None:
    """A reports folder given on the command line is a folder (or not there yet), never a file."""
    if reports.exists() and not reports.is_dir():
        raise UserError(f"--reports {reports} is a file, not a folder")


def load_runs(reports: Path) -> list[tuple[Path, RunResult]]:
    """(run folder, result) for every readable result under reports/runs, sorted; repeats
    (…/<config>/r2/result.json) come right after their first run."""
    check_reports_folder(reports)
    runs = []
    for path in find_results(reports / "runs"):
        if any(part.startswith(".") for part in path.relative_to(reports).parts):
            continue  # staging or replaced folders
        try:
            runs.append((path.parent, load_result(path)))
        except (ValueError, TypeError, OSError):
            continue
    return sorted(runs, key=lambda item: (item[1].benchmark, item[1].vendor, item[1].config, str(item[0])))


def report_href(run_dir: Path, reports: Path) -> str:
    """Relative link from reports/index.html to the run's report ('' when it has none)."""
    target = run_dir / REPORT_FILE
    return os.path.relpath(target, reports).replace(os.sep, "/") if target.is_file() else ""


def html_table(frame: pd.DataFrame, hrefs: dict[int, str] | None = None, link_column: str = "") -> str:
    """``frame`` as an HTML table, every cell escaped; ``link_column`` cells of the rows in
    ``hrefs`` (position -> relative URL) become links."""
    hrefs = hrefs or {}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for position, row in enumerate(frame.itertuples(index=False)):
        cells = []
        for column, value in zip(frame.columns, row):
            text = html.escape("" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value))
            if column == link_column and hrefs.get(position):
                text = f'<a href="{html.escape(hrefs[position], quote=True)}">{text}</a>'
            cells.append(f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def runs_frame(runs: list[tuple[Path, RunResult]], reports: Path) -> pd.DataFrame:
    """One row per run: identity, status and why, topology, standardness, its report file."""
    from perfkit.report.compare import failure_reason

    records = []
    for run_dir, r in runs:
        records.append({
            "benchmark": r.benchmark,
            "vendor": r.vendor,
            "config": r.config,
            "run": run_dir.relative_to(reports / "runs").as_posix() if run_dir.is_relative_to(reports / "runs") else str(run_dir),
            "status": r.status,
            "topology": f"{r.run['nnodes']}x{r.run['nproc_per_node']}" if r.run.get("nnodes") and r.run.get("nproc_per_node") else "",
            "standard": "yes" if r.standard else "no †",
            "p_core": tables.fmt(r.metrics.get("p_core") if r.metrics.get("p_core") is not None else r.metrics.get("p_infer_core")),
            "finished (UTC)": r.finished_at,
            "reason": failure_reason(r),
            "report": report_href(run_dir, reports),
        })
    columns = ["benchmark", "vendor", "config", "run", "status", "topology", "standard", "p_core", "finished (UTC)", "reason", "report"]
    return pd.DataFrame(records, columns=columns)


def runs_table_html(runs: list[tuple[Path, RunResult]], reports: Path) -> str:
    """All runs with a link to each run's report."""
    if not runs:
        return "<p>No runs yet under reports/runs. Run <code>perfkit run</code> or <code>perfkit suite smoke</code>.</p>"
    frame = runs_frame(runs, reports)
    hrefs = {i: href for i, href in enumerate(frame["report"]) if href}
    frame["report"] = ["report" if href else "" for href in frame["report"]]
    return html_table(frame, hrefs, "report")


def performance_sections_html(runs: list[tuple[Path, RunResult]]) -> str:
    """Per benchmark, the seeds' 性能指标 table over all its runs."""
    parts = []
    for benchmark in sorted({r.benchmark for _, r in runs}):
        results = [r for _, r in runs if r.benchmark == benchmark]
        inference = benchmark_kind(benchmark) == "inference"
        frame = tables.inference_table(results) if inference else tables.performance_table(results)
        title = "指标值" if inference else "性能指标"
        parts.append(f"<h3>{html.escape(benchmark)} {title}</h3>" + frame.to_html(index=False, escape=True))
    return "".join(parts)
