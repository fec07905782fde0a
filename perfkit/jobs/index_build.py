"""`perfkit report`, and the index rebuilt after `perfkit run` (once per `perfkit suite`), host
side: notebooks/summary.ipynb executed over reports/ and published as reports/index.html.

The summary notebook's cells only call perfkit.cells.summary and display what they get, so
they run in this process (perfkit.jobs.inprocess_notebook), not in a second kernel: that
saves the kernel's start and imports on every run. The executed notebook is saved beside the
page (reports/summary.ipynb) and opens in JupyterLab like any other."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from perfkit import paths
from perfkit.errors import UserError
from perfkit.files.reading import describe_os_error
from perfkit.files.writing import check_target, move_file_into, remove_file
from perfkit.params import sources
from perfkit.report.index import check_reports_folder
from perfkit.report.site_data import check_csv_tables, load_site, write_csv_tables

SUMMARY_NOTEBOOK = "summary.ipynb"
INDEX_FILE = "index.html"


class IndexBuildFailed(RuntimeError):
    """notebooks/summary.ipynb did not run to its end; the message says where and why."""


def build_index(reports: Path | None = None, redacted: bool = False, reference_run: str = "") -> Path:
    """reports/tables/*.csv, then summary.ipynb executed over reports/ and exported to index.html."""
    import nbformat

    from perfkit.jobs.inprocess_notebook import CellFailed, execute_in_process
    from perfkit.report.html import notebook_to_html
    from perfkit.results.store import write_text_atomic

    reports = (reports or paths.reports_dir()).resolve()
    check_reports_folder(reports)
    try:
        reports.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"reports folder {reports} cannot be created ({describe_os_error(exc)})") from None
    check_index_targets(reports)
    site = load_site(reports)
    known = sorted(run_id for run_id, _ in site.identified_runs)
    if reference_run and reference_run not in known:
        raise UserError(f"--reference-run {reference_run!r:.80}: no such run in {reports / 'runs'}; "
                        f"known: {', '.join(known[:10]) or 'none'}" + (" …" if len(known) > 10 else ""))
    write_csv_tables(site, reference_run, redacted)
    node = nbformat.read(str(sources.notebook_path(SUMMARY_NOTEBOOK)), as_version=4)
    executed = reports / f".summary.{os.getpid()}.ipynb"
    try:
        try:
            execute_in_process(node, {"reports_dir": str(reports), "reference_run": reference_run})
        except CellFailed as exc:
            raise IndexBuildFailed(f"{SUMMARY_NOTEBOOK}: {exc}") from None
        check_index_targets(reports)  # the cells ran for a while: checked again right before the writes
        write_text_atomic(executed, nbformat.writes(node), root=reports)
        notebook_to_html(executed, reports / INDEX_FILE, redacted=redacted, root=reports)
        move_file_into(reports, executed, reports / SUMMARY_NOTEBOOK)
    finally:
        remove_file(reports, executed)
    return reports / INDEX_FILE


def check_index_targets(reports: Path) -> None:
    """Before any work: reports/tables is a real folder (or none yet), and index.html and
    summary.ipynb are missing or regular files. A link or a special file there is one line
    (UserError); nothing is written or deleted in what it points at."""
    check_csv_tables(reports)
    for name in (INDEX_FILE, SUMMARY_NOTEBOOK):
        check_target(reports, reports / name)


def rebuild_index_after_runs(reports: Path | None = None, redacted: bool = False) -> Path | None:
    """The index rebuilt after ``perfkit run``/``suite``/``status``: a failure here never changes
    the runs' outcome or exit code. It prints one line on stderr (no traceback) and returns
    None; Ctrl-C still stops the command."""
    try:
        return build_index(reports, redacted=redacted)
    except Exception as exc:  # noqa: BLE001 - the runs are published; the index is a view of them
        said = " ".join(str(exc).split())[:300]
        print(f"perfkit: warning: the index was not rebuilt ({type(exc).__name__}: {said}); "
              "the runs are published; `perfkit report` retries", file=sys.stderr)
        return None
