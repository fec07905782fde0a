"""Publishing a run folder: the one rule local runs (perfkit.jobs.notebook_run), Slurm's
settling of a finished job (perfkit.slurm.settle) and an interactive notebook run asked to
publish (perfkit.cells.benchmark) go through.

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
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from perfkit.results import run_folder
from perfkit.results import vocabulary as vocab

EXPORT_FAILED = "export-failed"  # an attempt's status when the run was ok but its report could not be made


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
        return self.status == vocab.OK and not self.report_missing

    @property
    def folder(self) -> Path:
        """Where the run was published: the run folder, or the attempt it was kept as."""
        return self.attempt or self.final

    @property
    def attempt_status(self) -> str:
        return EXPORT_FAILED if self.status == vocab.OK else (self.status or vocab.FAILED)


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
