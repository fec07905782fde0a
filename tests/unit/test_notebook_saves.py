"""When papermill saves a run's output notebook (perfkit.jobs.notebook_saves): not around
markdown cells, not at a code cell's start right after a save, always at a code cell's end and at
the notebook's start and end; what a skipped save held is in the next one."""

from __future__ import annotations

import datetime

import nbformat
from papermill.iorw import LocalHandler, papermill_io

from perfkit.jobs.notebook_saves import START_SAVE_GAP_S, CodeCellSaves

SCHEME = "perfkit-test-counted://"


class _Counted(LocalHandler):
    def __init__(self) -> None:
        super().__init__()
        self.saved: list[dict] = []

    def write(self, buf: str, path: str) -> None:
        self.saved.append(nbformat.reads(buf, as_version=4))


class _Clocked(CodeCellSaves):
    """The manager on a clock the test moves."""

    seconds = 0.0

    def now(self) -> datetime.datetime:
        return datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=self.seconds)


def _notebook() -> nbformat.NotebookNode:
    node = nbformat.v4.new_notebook()
    node.cells = [nbformat.v4.new_markdown_cell("# title"), nbformat.v4.new_code_cell("x = 1"),
                  nbformat.v4.new_markdown_cell("## part"), nbformat.v4.new_code_cell("y = 2"),
                  nbformat.v4.new_code_cell("z = 3")]
    node.metadata.papermill = {}  # as papermill.execute_notebook prepares it
    return node


def _run_cell(manager: _Clocked, index: int, seconds: float) -> None:
    cell = manager.nb.cells[index]
    manager.cell_start(cell, index)
    manager.seconds += seconds
    manager.cell_complete(cell, index)


def test_saves_skip_markdown_cells_and_starts_right_after_a_save_but_keep_every_code_cells_end():
    handler = _Counted()
    papermill_io.register(SCHEME, handler)
    manager = _Clocked(_notebook(), output_path=SCHEME + "out.ipynb", progress_bar=False)
    manager.notebook_start()  # saved
    assert len(handler.saved) == 1
    _run_cell(manager, 0, 0.01)  # markdown: not saved
    assert len(handler.saved) == 1
    manager.seconds += START_SAVE_GAP_S * 2  # the kernel was slow to start: this start is saved
    manager.cell_start(manager.nb.cells[1], 1)
    assert len(handler.saved) == 2 and handler.saved[-1].cells[1].metadata.papermill["status"] == "running"
    manager.seconds += 0.01
    manager.cell_complete(manager.nb.cells[1], 1)  # saved
    _run_cell(manager, 2, 0.01)  # markdown: not saved
    manager.seconds += 0.01
    manager.cell_start(manager.nb.cells[3], 3)  # 0.02 s after the last save: not saved
    assert len(handler.saved) == 3
    manager.seconds += 0.01
    manager.cell_complete(manager.nb.cells[3], 3)  # saved, with the markdown cell's times held before
    last = handler.saved[-1]
    assert len(handler.saved) == 4
    assert last.cells[2].metadata.papermill["status"] == "completed" and last.cells[2].metadata.papermill["end_time"]
    _run_cell(manager, 4, 0.01)
    manager.notebook_complete()
    assert len(handler.saved) == 6  # papermill saves 12 times for these cells
    final = handler.saved[-1]
    assert [c.metadata.papermill["status"] for c in final.cells] == ["completed"] * 5
    assert all(c.metadata.papermill["start_time"] and c.metadata.papermill["end_time"] for c in final.cells)
