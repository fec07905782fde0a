"""`perfkit report`: execute notebooks/summary.ipynb over reports/ and publish reports/index.html."""

from __future__ import annotations

import os
from pathlib import Path

import papermill

from perfkit import paths
from perfkit.errors import UserError
from perfkit.reading import describe_os_error
from perfkit.report.html import notebook_to_html
from perfkit.report.index import check_reports_folder
from perfkit.report.site_data import load_site, write_csv_tables

SUMMARY_NOTEBOOK = "summary.ipynb"
INDEX_FILE = "index.html"


def build_index(reports: Path | None = None, redacted: bool = False, reference_run: str = "") -> Path:
    """reports/tables/*.csv, then summary.ipynb executed over reports/ and exported to index.html."""
    reports = (reports or paths.reports_dir()).resolve()
    check_reports_folder(reports)
    try:
        reports.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"reports folder {reports} cannot be created ({describe_os_error(exc)})") from None
    write_csv_tables(load_site(reports), reference_run, redacted)
    executed = reports / f".summary.{os.getpid()}.ipynb"
    try:
        papermill.execute_notebook(
            str(paths.notebooks_dir() / SUMMARY_NOTEBOOK),
            str(executed),
            parameters={"reports_dir": str(reports), "reference_run": reference_run},
            cwd=str(paths.project_root()),
            progress_bar=False,
            kernel_name="python3",
        )
        notebook_to_html(executed, reports / INDEX_FILE, redacted=redacted)
        os.replace(executed, reports / SUMMARY_NOTEBOOK)
    finally:
        executed.unlink(missing_ok=True)
    return reports / INDEX_FILE
