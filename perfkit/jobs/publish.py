"""Publishing a run folder: the one sequence local runs (perfkit.jobs.notebook_run) and Slurm's
settling of a finished job (perfkit.slurm.settle) go through.

    with staged(final, wait=False) as stage:      # one writer; a hidden staging folder
        ... write result.json, notebook.ipynb, report.html into stage.staging ...
        stage.status = record.status               # how the run ended
        stage.report_missing = True                # when the HTML export failed
    stage.folder                                   # where it went: final, or a kept attempt

On leaving the block the staged folder is published by this rule (never lose a good result):

- a complete ok run (status ok, its report made, or no report asked) replaces ``final``
  (repeat subfolders kept; the attempts of the result it replaces go with it);
- any other ending (failed, crashed, timeout, stalled, interrupted, or ok with the HTML export
  failed), when ``final`` holds an ok result, is kept as an attempt beside it,
  ``final/attempts/<UTC time>-<status>/`` (perfkit.results.run_folder), and the ok result
  stays published; the index shows it with a "latest attempt" note;
- any other ending when no ok result is published replaces ``final``, so the user sees why.

An exception inside the block (a usage error, Ctrl-C before a verdict) discards the staging
folder and publishes nothing. ``into``: the attempt folder the staged content came from (Slurm
settling a job whose own run was kept as an attempt): the staged folder takes its place.
"""

from __future__ import annotations

import contextlib
import html as html_text
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from perfkit.results import run_folder
from perfkit.results.record import RunResult
from perfkit.results.store import write_text_atomic

EXPORT_FAILED = "export-failed"  # an attempt's status when the run was ok but its report could not be made
TITLE_OF_STATUS = {"failed": "failed", "crashed": "crashed", "timeout": "timed out", "interrupted": "was interrupted",
                   "stalled": "stalled"}
BANNER_TAG = "perfkit-status"


@dataclass
class Stage:
    """A run folder being written: where to write, and what the writer says about the run."""

    final: Path
    staging: Path
    status: str = ""  # the run's status; "" (never set): not ok
    report_missing: bool = False  # ok, but the HTML report could not be made
    attempt: Path | None = None  # set on publishing: the attempt folder it was kept as

    @property
    def complete_ok(self) -> bool:
        return self.status == "ok" and not self.report_missing

    @property
    def folder(self) -> Path:
        """Where the run was published: the run folder, or the attempt it was kept as."""
        return self.attempt or self.final

    @property
    def attempt_status(self) -> str:
        return EXPORT_FAILED if self.status == "ok" else (self.status or "failed")


@contextlib.contextmanager
def staged(final: Path, wait: bool = False, into: Path | None = None) -> Iterator[Stage]:
    """Hold ``final`` for one writer, stage a folder for it, publish it by the rule above."""
    with run_folder.locked(final, wait=wait):
        stage = Stage(final, run_folder.new_staging(final))
        try:
            yield stage
            publish(stage, into)
        except BaseException:
            if stage.staging.is_dir() and not stage.staging.is_symlink():
                run_folder.discard(stage.staging)
            raise


def publish(stage: Stage, into: Path | None = None) -> None:
    """Swap the staged folder in, or keep it as an attempt (see the module's rule)."""
    if stage.complete_ok or not run_folder.published_ok(stage.final):
        run_folder.swap_into_place(stage.staging, stage.final)
    elif into is not None and into.parent == run_folder.attempts_dir(stage.final) and into.is_dir():
        run_folder.swap_into_place(stage.staging, into)
        stage.attempt = into
    else:
        stage.attempt = run_folder.keep_as_attempt(stage.staging, stage.final, stage.attempt_status)


def copy_files(source: Path, staging: Path) -> None:
    """The plain files of a published folder (not its repeats or attempts) into ``staging``."""
    for item in source.iterdir():
        if item.is_file() and not item.is_symlink():
            shutil.copy2(item, staging / item.name)


# -- the banner of a run that did not finish ------------------------------------------------------
def add_banner(notebook: Path, record: RunResult) -> None:
    """A first cell that says the run did not finish, and why (an earlier such cell replaced);
    papermill's own banner covers cells that raised, this one kernels that died or were stopped."""
    import nbformat

    if not notebook.is_file():
        return
    node = nbformat.read(str(notebook), as_version=4)
    node.cells = [c for c in node.cells if BANNER_TAG not in c.get("metadata", {}).get("tags", [])]
    title = TITLE_OF_STATUS.get(record.status, record.status)
    message = html_text.escape((record.error or {}).get("message", ""))
    text = (f"<div class=\"perfkit-run-status\"><b>This run {html_text.escape(title)}</b> (status "
            f"<code>{html_text.escape(record.status)}</code>): {message}. The outputs below are what it produced "
            "before that.</div>")
    node.cells.insert(0, nbformat.v4.new_markdown_cell(text, metadata={"tags": [BANNER_TAG]}))
    write_text_atomic(notebook, nbformat.writes(node))


def export_html(notebook: Path, html: Path, redacted: bool) -> str:
    """``notebook`` rendered to ``html``; '' when done, else one line saying why not (the
    exporter's own error, e.g. nbconvert without its ``lab`` template). No partial page is left."""
    from perfkit.report.html import notebook_to_html

    try:
        notebook_to_html(notebook, html, redacted=redacted)
        return ""
    except Exception as exc:  # noqa: BLE001 - any exporter failure leaves the run's result standing
        html.unlink(missing_ok=True)
        said = " ".join(str(exc).split())[:200]
        return f"the HTML report could not be made ({type(exc).__name__}{': ' + said if said else ''})"
