"""How papermill saves a run's output notebook: when (an engine that saves around code cells
only) and how (an I/O scheme that saves through a temporary file and a rename). Both are
registered with papermill's public registries (``papermill_engines.register``,
``papermill_io.register``) by :func:`register`, and chosen per call: ``engine_name=ENGINE`` and
an output path made by :func:`atomic_path`.

When: papermill saves the whole output notebook (serialized again, ~10 ms for a run's) as each
cell starts and as it ends, markdown cells included, and the next cell waits for each save: 52
saves for a run report, most of them within milliseconds of the one before. Here:

- a markdown cell's start and end are not saved: nothing of it changes but its timing
  metadata, which the next save writes;
- a code cell's start or end is saved only when the notebook was last saved SAVE_GAP_S ago or
  more. After a long cell (the run) its end is saved at once; of a row of quick cells (the
  report's), one save each SAVE_GAP_S. A long cell's outputs are saved "running" by the
  autosave, every AUTOSAVE_S (papermill's default is 30 s); one that prints nothing shows as
  pending in the saved notebook until it ends. The supervision knows the running cell without
  the file (perfkit.jobs.kernel);
- the notebook's start and its end are saved as papermill does, its end whatever happened
  (papermill saves it in a ``finally``): the final notebook holds every cell. Only a host killed
  outright (SIGKILL) leaves a notebook without the cells of its last SAVE_GAP_S.

A run report is saved about 6 times instead of 52.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
from papermill.iorw import LocalHandler, papermill_io

from perfkit.results.store import write_text_atomic

ENGINE = "perfkit"
SAVE_GAP_S = 0.5  # a code cell's start or end is saved only this long after the last save
AUTOSAVE_S = 10  # while a cell runs, its outputs are saved at most this often


class CodeCellSaves(NotebookExecutionManager):
    """papermill's execution manager, minus the saves at the start and end of non-code cells and
    at the start or end of a code cell less than SAVE_GAP_S after a save."""

    held = False  # the save now asked for waits for the next one

    def save(self, **kwargs: Any) -> None:
        if not self.held:
            super().save(**kwargs)

    @contextlib.contextmanager
    def _saves_held_unless_due(self, cell: Any) -> Iterator[None]:
        """Inside: a save is held for a non-code cell, or less than SAVE_GAP_S after the last."""
        recent = (self.now() - self.last_save_time).total_seconds() < SAVE_GAP_S
        self.held = cell.get("cell_type") != "code" or recent
        try:
            yield
        finally:
            self.held = False

    def cell_start(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
        with self._saves_held_unless_due(cell):
            super().cell_start(cell, cell_index, **kwargs)

    def cell_complete(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
        with self._saves_held_unless_due(cell):
            super().cell_complete(cell, cell_index, **kwargs)


class CodeCellSavingEngine(NBClientEngine):
    """``NBClientEngine`` with :class:`CodeCellSaves` as its execution manager (papermill's
    ``Engine.execute_notebook``, which builds the manager, with this one class changed)."""

    @classmethod
    def execute_notebook(cls, nb: Any, kernel_name: str, output_path: str | None = None, progress_bar: bool = True,
                         log_output: bool = False, autosave_cell_every: int = AUTOSAVE_S, **kwargs: Any) -> Any:
        manager = CodeCellSaves(nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
                                autosave_cell_every=autosave_cell_every)
        manager.notebook_start()
        try:
            cls.execute_managed_notebook(manager, kernel_name, log_output=log_output, **kwargs)
        finally:
            manager.cleanup_pbar()
            manager.notebook_complete()
        return manager.nb


ATOMIC_SCHEME = "perfkit-atomic://"  # papermill I/O scheme of the output notebooks perfkit writes


def _local(path: str) -> str:
    return path.removeprefix(ATOMIC_SCHEME)


def atomic_path(path: Path | str) -> str:
    """``path`` as papermill's output path, saved through :class:`AtomicLocalHandler`."""
    return ATOMIC_SCHEME + str(path)


class AtomicLocalHandler(LocalHandler):
    """papermill's handler for local paths, saving through a temporary file and a rename; it
    serves the ``perfkit-atomic://`` scheme (``atomic_path``), registered with papermill's public
    ``papermill_io.register``.

    papermill saves the output notebook after every cell by truncating it and writing it again;
    a host killed mid-save (SIGKILL, out of memory, power) left an empty or cut ``notebook.ipynb``.
    With this handler a reader sees the previous save or the new one, never part of one.
    """

    def read(self, path: str) -> str:
        return super().read(_local(path))

    def listdir(self, path: str) -> list[str]:
        return super().listdir(_local(path))

    def pretty_path(self, path: str) -> str:
        return _local(path)

    def write(self, buf: str, path: str) -> None:
        path = _local(path)
        target = Path(path) if os.path.isabs(path) or self._cwd is None else Path(self._cwd) / path
        if not target.parent.is_dir():
            raise FileNotFoundError(f"output folder {target.parent} doesn't exist.")
        write_text_atomic(target, buf)


_REGISTERED: list[AtomicLocalHandler] = []


def register() -> None:
    """Register ENGINE and :class:`AtomicLocalHandler` for ``perfkit-atomic://`` paths with
    papermill; once per process. Other local paths keep papermill's own handler."""
    if not _REGISTERED:
        papermill_engines.register(ENGINE, CodeCellSavingEngine)
        _REGISTERED.append(AtomicLocalHandler())
        papermill_io.register(ATOMIC_SCHEME, _REGISTERED[0])
