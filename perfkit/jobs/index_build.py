"""`perfkit report`, and the index rebuilt after `perfkit run` (once per `perfkit suite`), host
side: notebooks/summary.ipynb executed over reports/ and published as reports/index.html.

The summary notebook's cells only call perfkit.cells.summary and display what they get, so
they run in this process (perfkit.jobs.inprocess_notebook), not in a second kernel: that
saves the kernel's start and imports on every run. The executed notebook is saved beside the
page (reports/summary.ipynb) and opens in JupyterLab like any other."""

from __future__ import annotations

import os
from pathlib import Path

from perfkit import paths
from perfkit.errors import UserError
from perfkit.files.reading import describe_os_error
from perfkit.params import sources
from perfkit.report.index import check_reports_folder
from perfkit.report.site_data import load_site, write_csv_tables

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
    write_csv_tables(load_site(reports), reference_run, redacted)
    node = nbformat.read(str(sources.notebook_path(SUMMARY_NOTEBOOK)), as_version=4)
    executed = reports / f".summary.{os.getpid()}.ipynb"
    try:
        try:
            execute_in_process(node, {"reports_dir": str(reports), "reference_run": reference_run})
        except CellFailed as exc:
            raise IndexBuildFailed(f"{SUMMARY_NOTEBOOK}: {exc}") from None
        write_text_atomic(executed, nbformat.writes(node))
        notebook_to_html(executed, reports / INDEX_FILE, redacted=redacted)
        os.replace(executed, reports / SUMMARY_NOTEBOOK)
    finally:
        executed.unlink(missing_ok=True)
    return reports / INDEX_FILE
