"""The report site's front page: every run, grouped by benchmark, with links to its report.

Built as HTML fragments for the summary notebook. Every value is escaped; only the anchors
this module writes are markup.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from perfkit.errors import UserError
from perfkit.files.given_paths import check_given_path
from perfkit.report import tables
from perfkit.report.headline import mfu_text
from perfkit.report.table import Table
from perfkit.results import run_folder
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult
from perfkit.results.store import load_result, load_results  # noqa: F401  (load_result: re-exported)

REPORT_FILE = "report.html"


def check_reports_folder(reports: Path) -> None:
    """A reports folder given on the command line is a path a file system can hold, and a folder
    (or not there yet), never a file."""
    check_given_path(reports, "--reports")
    if reports.exists() and not reports.is_dir():
        raise UserError(f"--reports {reports} is a file, not a folder")


def load_runs(reports: Path) -> list[tuple[Path, RunResult]]:
    """(run folder, result) for every readable result under reports/runs, sorted; repeats
    (…/<config>/r2/result.json) come right after their first run. An unreadable one is skipped
    with one warning on stderr naming it."""
    check_reports_folder(reports)
    runs = [(path.parent, result) for path, result in load_results(run_folder.result_files(reports))]
    return sorted(runs, key=lambda item: (item[1].benchmark, item[1].vendor, item[1].config, str(item[0])))


def report_href(run_dir: Path, reports: Path) -> str:
    """Relative link from reports/index.html to the run's report ('' when it has none)."""
    target = run_dir / REPORT_FILE
    return os.path.relpath(target, reports).replace(os.sep, "/") if target.is_file() else ""


def html_table(frame: pd.DataFrame, hrefs: dict[int, str] | None = None, link_column: str | tuple[str, ...] = "",
               column_hrefs: dict[str, dict[int, str]] | None = None) -> str:
    """``frame`` as the site's HTML table (perfkit.report.table.Table.html: display headers,
    every cell escaped, links where ``hrefs``/``column_hrefs`` say)."""
    return Table.of_frame(frame).html(hrefs, link_column, column_hrefs)


REASON_CHARS = 60


def short_reason(reason: str, limit: int = REASON_CHARS) -> str:
    """The first ``limit`` characters of a reason; the full text is in the run's report and
    in the failed and non-standard table."""
    return reason if len(reason) <= limit else reason[: limit - 1].rstrip() + "…"


def _headline_throughput(metrics: dict) -> str:
    for key in (vocab.P_CORE, vocab.P_INFER_CORE, vocab.P_TRAIN, vocab.P_WHOLE, vocab.P_INFER_WHOLE):
        value = metrics.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"{tables.fmt(float(value))} ({key})"
    return ""


def _accuracy(metrics: dict) -> str:
    value = metrics.get(vocab.ACC_INFER, metrics.get(vocab.ACC))
    return tables.fmt(float(value), 4) if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


def _finished(text: str) -> str:
    """2026-01-01T00:01:00+00:00 -> 2026-01-01 00:01 (the header says UTC)."""
    return text[:16].replace("T", " ") if text else ""


def attempt_note(run_dir: Path, reports: Path) -> tuple[str, str]:
    """("latest attempt failed 2026-12-07 01:30", link) for a published ok run whose later
    attempt did not end ok (perfkit.results.run_folder); ("", "") when there is none."""
    attempt = run_folder.latest_attempt(run_dir)
    if attempt is None:
        return "", ""
    target = attempt.folder / REPORT_FILE
    if not target.is_file():
        target = attempt.folder / "result.json"
    href = os.path.relpath(target, reports).replace(os.sep, "/") if target.is_file() else ""
    return f"latest attempt {attempt.status} {attempt.when}", href


def runs_frame(runs: list[tuple[Path, RunResult]], reports: Path) -> pd.DataFrame:
    """One row per run: its id (benchmark/vendor/config[/rK]), status, topology, standardness,
    headline throughput, accuracy, MFU with its peak and source, memory, end-to-end time, when
    it finished, a short reason, and its report file."""
    from perfkit.report.compare import failure_reason, format_memory

    records = []
    for run_dir, r in runs:
        m = r.metrics
        note, note_href = attempt_note(run_dir, reports) if r.status == vocab.OK else ("", "")
        records.append({
            "run": run_folder.run_id(run_dir, reports) if run_dir.is_relative_to(run_folder.runs_root(reports)) else str(run_dir),
            "status": r.status,
            "topology": f"{r.run['nnodes']}x{r.run['nproc_per_node']}" if r.run.get("nnodes") and r.run.get("nproc_per_node") else "",
            "standard": "yes" if r.standard else "no †",
            "throughput": _headline_throughput(m),
            "token/p/s": tables.fmt(m.get(vocab.TOKENS_PER_CARD_S), 1),
            "acc": _accuracy(m),
            "mfu": mfu_text(m) if m.get(vocab.MFU) is not None or m.get(vocab.PEAK_TFLOPS) is not None else "",
            "mem": format_memory(m.get(vocab.MEM_PEAK_GIB), m.get(vocab.MEM_TOTAL_GIB)),
            "e2e_time": tables.fmt(m.get(vocab.E2E_TIME), 1),
            "finished (UTC)": _finished(r.finished_at),
            "reason": short_reason(failure_reason(r)),
            "report": report_href(run_dir, reports),
            "latest attempt": note,
            "attempt_href": note_href,
        })
    columns = ["run", "status", "topology", "standard", "throughput", "token/p/s", "acc", "mfu", "mem", "e2e_time",
               "finished (UTC)", "reason", "report", "latest attempt", "attempt_href"]
    if not any(record["token/p/s"] for record in records):  # only LLM runs have it
        columns.remove("token/p/s")
    return pd.DataFrame(records, columns=columns)


def runs_table_html(runs: list[tuple[Path, RunResult]], reports: Path) -> str:
    """All runs; the run id and the report column link to each run's report."""
    if not runs:
        return "<p>No runs yet under reports/runs. Run <code>perfkit run</code> or <code>perfkit suite smoke</code>.</p>"
    frame = runs_frame(runs, reports)
    hrefs = {i: href for i, href in enumerate(frame["report"]) if href}
    attempt_hrefs = {i: href for i, href in enumerate(frame.pop("attempt_href")) if href}
    if not attempt_hrefs and not any(frame["latest attempt"]):
        frame = frame.drop(columns="latest attempt")
    frame["report"] = ["报告 report" if href else "" for href in frame["report"]]
    return html_table(frame, hrefs, ("run", "report"), {"latest attempt": attempt_hrefs})
