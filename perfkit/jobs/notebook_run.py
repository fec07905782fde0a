"""Execute a benchmark notebook with papermill and publish it: the unit `perfkit run` and
`perfkit suite` are made of. Runs on the host; the notebook's kernel runs perfkit.cells.

The host resolves the run once (perfkit.run.spec) and hands it to the kernel as the notebook
parameter ``resolved``; the kernel checks its params hash instead of resolving again. The other
parameters (vendor, config, overrides) come from the same prepared run
(perfkit.run.spec.notebook_parameters): a saved notebook run again without ``resolved``, a
sweep point's included, resolves the same params hash.

The run is staged in a hidden sibling folder and published by perfkit.jobs.publish: an ok run
replaces the run folder; any other ending replaces it only when it holds no ok result, else it
is kept beside it as an attempt (``attempts/<UTC time>-<status>/``). A writer killed at any
moment leaves only hidden debris, cleaned up by the next run of that folder. Usage errors
raised inside the kernel (missing data, unsupported precision) come back as a UserError and
leave nothing behind. A run that ends otherwise has its status: ``failed`` (a cell raised; the
traceback is in result.json and the report), ``crashed`` (the kernel, a distributed worker or a
DataLoader worker died: killed, out of memory), ``timeout``, ``stalled`` (no progress and no
CPU for the stall timeout) or ``interrupted`` (Ctrl-C, SIGTERM, SIGHUP). perfkit writes
result.json itself when the kernel died before it could, and keeps the partial notebook,
rendered to HTML. When the HTML export fails the run keeps its status, result.json and
notebook, and ``NotebookRun.report_error`` says why in one line.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from perfkit import paths
from perfkit.benchmarks import declaration
from perfkit.errors import UserError
from perfkit.jobs import publish
from perfkit.jobs.early_kernel import EarlyKernel
from perfkit.jobs.kernel import KernelChecksFailed, KernelEnding, run_notebook
from perfkit.jobs.kernel_command import RUN_IMPORTS
from perfkit.jobs.live_progress import live_progress
from perfkit.jobs.stall import DEFAULT_STALL_TIMEOUT_S
from perfkit.params import sources
from perfkit.results import publishing, run_folder
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult, error_record, utc_now
from perfkit.results.run_folder import HTML_FILE, NOTEBOOK_FILE
from perfkit.results.store import RESULT_FILE, load_result, write_json_atomic
from perfkit.run.progress import FEED_FILE as PROGRESS_FEED
from perfkit.run.spec import PreparedRun, initial_record, notebook_parameters

USER_ERROR_NAMES = {"UserError", "ParamsError", "DataError", "VendorError"}
# how the notebook ended -> the run's status when it did not end well
STATUS_OF_ENDING = {"error": vocab.FAILED, "died": vocab.CRASHED, "timeout": vocab.TIMEOUT,
                    "interrupted": vocab.INTERRUPTED, "stalled": vocab.STALLED}
ERROR_OF_ENDING = {"died": "KernelDied", "timeout": "Timeout", "interrupted": "Interrupted", "stalled": "Stalled"}

# what `perfkit run` prints after a run, and what `perfkit bench overhead` reads back from it
KIT_LINE = "kit {kit:.2f} s around the benchmark's e2e_time, of which HTML export {html:.2f} s"
_KIT_NUMBERS = re.compile(re.escape(KIT_LINE).replace(re.escape("{kit:.2f}"), r"([\d.]+)")
                          .replace(re.escape("{html:.2f}"), r"([\d.]+)"))


@dataclass(frozen=True)
class NotebookRun:
    run_dir: Path
    status: str  # one of vocabulary.RUN_STATUSES
    result: RunResult | None
    seconds: float  # the whole execution: staging, notebook, result, HTML, swap
    error: str = ""
    html_seconds: float = 0.0
    notebook_seconds: float = 0.0  # papermill alone: kernel start, every cell, saving
    report_error: str = ""  # one line: why the HTML report could not be made ('' when it was, or not asked)
    kept_as_attempt: bool = False  # run_dir is an attempt beside the ok result still published in ``published``
    published: Path | None = None  # the run folder

    def notes(self) -> list[str]:
        """One line each: the report that could not be made; where a run that did not replace the
        published ok result was kept."""
        lines = [f"warning: {self.report_error}; result.json and notebook.ipynb are kept"] if self.report_error else []
        if self.kept_as_attempt:
            lines.append(f"kept as an attempt in {self.run_dir}; the ok result in {self.published} stays published")
        return lines

    @property
    def html(self) -> Path:
        return self.run_dir / HTML_FILE

    @property
    def e2e_time(self) -> float | None:
        value = self.result.metrics.get(vocab.E2E_TIME) if self.result else None
        return value if isinstance(value, (int, float)) else None

    @property
    def kit_overhead(self) -> float | None:
        """Wall time of the notebook run minus the benchmark's own e2e_time."""
        return None if self.e2e_time is None else self.notebook_seconds - self.e2e_time

    def kit_line(self) -> str | None:
        """``KIT_LINE`` for this run (None without an e2e_time): the whole execution's time
        outside the benchmark (staging, kernel, every cell, HTML export, publishing), the HTML
        export within it."""
        if self.e2e_time is None:
            return None
        return KIT_LINE.format(kit=self.seconds - self.e2e_time, html=self.html_seconds)


def read_kit_line(text: str) -> tuple[float, float] | None:
    """(kit seconds, HTML export seconds) from the first ``KIT_LINE`` in ``text``; None without one."""
    found = _KIT_NUMBERS.search(text)
    return (float(found.group(1)), float(found.group(2))) if found else None


def _notebook_path(benchmark: str) -> Path:
    return sources.notebook_path(declaration(benchmark).info.notebook)  # torch-free: no benchmark module


def _check_notebook_parameters(notebook: Path, names: list[str]) -> None:
    import papermill  # after the kernel's launch (a host check): its import overlaps the kernel's boot

    declared = papermill.inspect_notebook(str(notebook))
    missing = [name for name in names if name not in declared]
    if missing:
        raise UserError(f"{notebook.name}: has no parameter '{missing[0]}'; declared: {', '.join(declared)}")


def settle_result(
    prepared: PreparedRun, written: RunResult | None, ending: KernelEnding, timeout: float | None, started: str
) -> RunResult:
    """The run's final record: what the kernel wrote, corrected by how the notebook ended.

    A kernel that died or was stopped wrote nothing; perfkit writes the record for it. A cell
    that failed after the benchmark finished still fails the run: the report is incomplete."""
    if ending.ending == "ok":
        if written is not None:
            return written
        record = initial_record(prepared, started)
        record.error = error_record("MissingResult", f"the notebook finished without writing {RESULT_FILE}")
        record.finished_at = utc_now()
        return record
    record = written or initial_record(prepared, started)
    # a cell that raised because a process it depends on died (a distributed or DataLoader
    # worker) keeps the kernel's verdict: crashed
    kept_crash = ending.ending == "error" and written is not None and written.status == vocab.CRASHED
    record.status = vocab.CRASHED if kept_crash else STATUS_OF_ENDING[ending.ending]
    if record.error is None or ending.ending != "error":
        earlier = record.error or {}
        record.error = error_record(
            ERROR_OF_ENDING.get(ending.ending, ending.ename),
            ending.reason(timeout),
            earlier.get("step"),
            ending.traceback or earlier.get("traceback"),
            kernel=(ending.cell_index, ending.exit_code),
        )
    record.finished_at = record.finished_at or utc_now()
    return record


def execute_notebook(
    prepared: PreparedRun,
    timeout: float | None = None,
    html: bool = True,
    redacted: bool = False,
    live: bool = False,
    wait_lock: bool = False,
    stall_timeout: float | None = DEFAULT_STALL_TIMEOUT_S,
    host_checks: Callable[[], None] | None = None,
    early: EarlyKernel | None = None,
    kernel_checks: str = "",
) -> NotebookRun:
    """Run one prepared benchmark through its notebook into ``prepared.output_dir``.

    ``timeout`` is wall seconds for the whole notebook, kernel start included. ``live``: draw the
    kernel's progress as a bar on stderr while it runs (perfkit.jobs.live_progress). Another
    process writing the same run folder: a UserError naming it, or wait for it (``wait_lock``).
    ``stall_timeout``: seconds with no progress and no CPU use of the kernel before the run ends
    as ``stalled`` (perfkit.jobs.kernel); None or 0: no watchdog. ``kernel_checks``: code that
    checks the run in its kernel once it is up (perfkit.run.preflight.kernel_code), then
    ``host_checks``, the host's own; the run folder is locked and staged, and the notebook
    started, only once both pass: what they raise (a UserError; a user error the kernel's checks
    raised, as a UserError with its message) is raised from here with nothing written. The HTML
    exporter is readied once the run's result is written, while the report cells run: nothing
    runs on the host while the benchmark measures. ``early``: the kernel ``perfkit run`` started
    before anything else (perfkit.jobs.early_kernel), used where it is the kernel this run would
    start; its progress feed is the run's."""
    resolved = prepared.resolved
    notebook = _notebook_path(resolved.benchmark)
    final = prepared.output_dir
    parameters = notebook_parameters(prepared)  # all from the prepared run: the payload and what it was resolved from
    staging = run_folder.staging_path(final)  # created once the host's checks passed
    parameters["output_dir"] = str(staging)
    started, started_at = time.perf_counter(), utc_now()
    label = f"{resolved.benchmark}/{resolved.vendor}/{resolved.config}"
    with contextlib.ExitStack() as held:
        stages: list[publishing.Stage] = []

        def before_the_notebook() -> None:  # while the kernel boots; nothing is written before it passes
            if host_checks is not None:
                host_checks()
            _check_notebook_parameters(notebook, list(parameters))  # papermill: imported meanwhile by the kernel's thread
            # one writer per run folder, for the rest of the execution; published by perfkit.jobs.publish's rule
            stages.append(held.enter_context(publishing.staged(final, wait=wait_lock)))

        read: list[RunResult | None] = []  # result.json as the kernel left it, read once
        exported: list[tuple[float, str]] = []  # (seconds, error) of the HTML export

        def export_ok_report() -> None:  # an ok notebook with its result is final: no banner to add
            read.append(_read_result(staging / RESULT_FILE))
            if read[0] is not None and read[0].status != vocab.CRASHED:  # else: settled, bannered, exported below
                exported.append(_export_html(staging, redacted))

        feed = early.feed if early is not None else staging / PROGRESS_FEED
        with live_progress(feed, label, live, feed_only=bool(stall_timeout)) as kernel_env:
            try:
                ending = run_notebook(notebook, staging / NOTEBOOK_FILE, parameters, paths.project_root(), timeout,
                                      env=kernel_env, stall_timeout=stall_timeout, progress_feed=feed, early=early,
                                      kernel_checks=kernel_checks, host_checks=before_the_notebook,
                                      preload=RUN_IMPORTS,
                                      # the exporter is readied while the report cells run: after the benchmark
                                      once_written=(staging / RESULT_FILE, publish.warm_exporter) if html else None,
                                      when_ok=export_ok_report if html else None)
            except KernelChecksFailed as refused:
                if refused.ename in USER_ERROR_NAMES:
                    raise UserError(refused.evalue) from None
                raise RuntimeError(f"the run's checks failed in its kernel:\n{refused.traceback}") from None
        stage = stages[0]
        if ending.ending == "error" and ending.ename in USER_ERROR_NAMES:
            raise UserError(ending.evalue)
        result_file = staging / RESULT_FILE
        written = read[0] if read else _read_result(result_file)
        record = settle_result(prepared, written, ending, timeout, started_at)
        if record is not written or ending.ending != "ok":
            write_json_atomic(result_file, record.to_dict())
        if ending.ending in ("died", "timeout", "interrupted", "stalled") or record.status == vocab.CRASHED:
            publish.add_banner(staging / NOTEBOOK_FILE, record)
        if html and not exported and (staging / NOTEBOOK_FILE).is_file():
            exported.append(_export_html(staging, redacted))
        html_seconds, report_error = exported[0] if exported else (0.0, "")
        stage.status, stage.report_missing = record.status, bool(report_error)
    return NotebookRun(stage.folder, record.status, record, time.perf_counter() - started, error_line(record), html_seconds,
                       ending.seconds, report_error, stage.attempt is not None, final)


def _export_html(staging: Path, redacted: bool) -> tuple[float, str]:
    """The staged notebook rendered to its report: (seconds, '' or why not, in one line)."""
    started = time.perf_counter()
    error = publish.export_html(staging / NOTEBOOK_FILE, staging / HTML_FILE, redacted)
    return time.perf_counter() - started, error


def error_line(record: RunResult) -> str:
    """What went wrong, in one line: "InjectedFault: ..." for a cell that raised, the reason
    for a kernel that died or was stopped; empty for an ok run."""
    if record.status == vocab.OK or not record.error:
        return ""
    kind, message = record.error.get("type"), record.error.get("message", "")
    return message if kind in ERROR_OF_ENDING.values() else f"{kind}: {message}"


def _read_result(path: Path) -> RunResult | None:
    try:
        return load_result(path) if path.is_file() else None
    except (ValueError, TypeError, OSError, AttributeError, RecursionError):
        return None
