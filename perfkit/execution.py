"""Execute a benchmark notebook with papermill and publish it: the unit `perfkit run` and
`perfkit suite` are made of.

The run is staged in a hidden sibling folder and moved into place at the end, so the run
folder holds either the previous complete run or the new one. Usage errors raised inside the
kernel (missing data, unsupported precision) come back as a UserError and leave nothing behind;
a run that fails after it started keeps its executed notebook, its failed result.json and an
HTML report with the traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import papermill
from papermill.exceptions import PapermillExecutionError

from perfkit import paths
from perfkit.benchmarks import benchmark_class
from perfkit.errors import UserError
from perfkit.report.html import notebook_to_html
from perfkit.results.record import RunResult
from perfkit.results.store import RESULT_FILE, load_result
from perfkit.preflight import preflight
from perfkit.runner import PreparedRun, prepare

NOTEBOOK_FILE = "notebook.ipynb"
HTML_FILE = "report.html"
USER_ERROR_NAMES = {"UserError", "ParamsError", "DataError", "VendorError"}


@dataclass(frozen=True)
class NotebookRun:
    run_dir: Path
    status: str  # ok, failed
    result: RunResult | None
    seconds: float
    error: str = ""
    html_seconds: float = 0.0

    @property
    def html(self) -> Path:
        return self.run_dir / HTML_FILE


def _notebook_path(benchmark: str) -> Path:
    return paths.notebooks_dir() / benchmark_class(benchmark).info.notebook


def _check_notebook_parameters(notebook: Path, names: list[str]) -> None:
    declared = papermill.inspect_notebook(str(notebook))
    missing = [name for name in names if name not in declared]
    if missing:
        raise UserError(f"{notebook.name}: has no parameter '{missing[0]}'; declared: {', '.join(declared)}")


def _swap_into_place(staging: Path, final: Path) -> None:
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def execute_notebook(
    prepared: PreparedRun,
    overrides: dict[str, Any],
    timeout: float | None = None,
    html: bool = True,
    redacted: bool = False,
) -> NotebookRun:
    """Run one prepared benchmark through its notebook into its run folder."""
    resolved = prepared.resolved
    notebook = _notebook_path(resolved.benchmark)
    parameters = {
        "vendor": resolved.vendor,
        "config": resolved.config,
        "overrides": json.dumps(overrides),
    }
    final = prepared.output_dir
    staging = final.with_name(f".{final.name}.staging-{os.getpid()}")
    parameters["output_dir"] = str(staging)
    _check_notebook_parameters(notebook, list(parameters))
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    started = time.perf_counter()
    error = ""
    try:
        papermill.execute_notebook(
            str(notebook),
            str(staging / NOTEBOOK_FILE),
            parameters=parameters,
            cwd=str(paths.project_root()),
            execution_timeout=timeout,
            progress_bar=False,
            log_output=False,
            kernel_name="python3",
        )
    except PapermillExecutionError as exc:
        if exc.ename in USER_ERROR_NAMES:
            shutil.rmtree(staging, ignore_errors=True)
            raise UserError(exc.evalue) from None
        error = f"{exc.ename}: {exc.evalue}"
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    result_file = staging / RESULT_FILE
    result = load_result(result_file) if result_file.is_file() else None
    status = result.status if result else "failed"
    html_started = time.perf_counter()
    if html:
        notebook_to_html(staging / NOTEBOOK_FILE, staging / HTML_FILE, redacted=redacted)
    html_seconds = time.perf_counter() - html_started
    _swap_into_place(staging, final)
    return NotebookRun(final, status, result, time.perf_counter() - started, error, html_seconds)


def run_benchmark(
    benchmark: str,
    vendor: str,
    config: str,
    overrides: dict[str, Any] | None = None,
    timeout: float | None = None,
    html: bool = True,
    redacted: bool = False,
) -> NotebookRun:
    """Validate, then execute. Validation errors raise before anything is written."""
    overrides = dict(overrides or {})
    prepared = prepare(benchmark, vendor, config, overrides)
    preflight(prepared)
    if prepared.resolved.nnodes > 1:
        from perfkit.launch import announce_host

        announce_host(prepared)
    return execute_notebook(prepared, overrides, timeout=timeout, html=html, redacted=redacted)
