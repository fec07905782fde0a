"""When papermill saves a run's output notebook (perfkit.jobs.notebook_saves): not around
markdown cells, not at a code cell's start or end right after a save, always at the notebook's
start and end; what a skipped save held is in the next one."""

from __future__ import annotations

import datetime

import nbformat
from papermill.iorw import LocalHandler, papermill_io

from perfkit.jobs.notebook_saves import SAVE_GAP_S, CodeCellSaves

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


def test_saves_skip_markdown_cells_and_code_cells_right_after_a_save_and_keep_the_rest():
    handler = _Counted()
    papermill_io.register(SCHEME, handler)
    manager = _Clocked(_notebook(), output_path=SCHEME + "out.ipynb", progress_bar=False)
    manager.notebook_start()  # saved
    assert len(handler.saved) == 1
    _run_cell(manager, 0, SAVE_GAP_S * 2)  # markdown: not saved, however long after
    assert len(handler.saved) == 1
    manager.cell_start(manager.nb.cells[1], 1)  # the kernel was slow to start: this start is saved
    assert len(handler.saved) == 2 and handler.saved[-1].cells[1].metadata.papermill["status"] == "running"
    manager.seconds += SAVE_GAP_S * 4  # a long cell (the run): its end is saved
    manager.cell_complete(manager.nb.cells[1], 1)
    assert len(handler.saved) == 3 and handler.saved[-1].cells[1].metadata.papermill["status"] == "completed"
    _run_cell(manager, 2, 0.01)  # markdown: not saved
    manager.seconds += 0.01
    manager.cell_start(manager.nb.cells[3], 3)  # 0.02 s after the last save: not saved
    manager.seconds += 0.01
    manager.cell_complete(manager.nb.cells[3], 3)  # 0.03 s after: not saved either
    assert len(handler.saved) == 3
    _run_cell(manager, 4, SAVE_GAP_S)  # its start is not saved; its end, SAVE_GAP_S after the last save, is
    assert len(handler.saved) == 4
    held = handler.saved[-1]  # with what the skipped saves held
    assert [c.metadata.papermill["status"] for c in held.cells] == ["completed"] * 5
    manager.notebook_complete()
    assert len(handler.saved) == 5  # papermill saves 12 times for these cells
    final = handler.saved[-1]
    assert [c.metadata.papermill["status"] for c in final.cells] == ["completed"] * 5
    assert all(c.metadata.papermill["start_time"] and c.metadata.papermill["end_time"] for c in final.cells)


def test_a_failing_quick_cell_is_in_the_final_notebook_with_its_error():
    """A quick cell that raises right after a save is not saved at its end; papermill's end of
    the notebook (in a ``finally``) saves it with the exception marked."""
    handler = _Counted()
    papermill_io.register(SCHEME, handler)
    manager = _Clocked(_notebook(), output_path=SCHEME + "out.ipynb", progress_bar=False)
    manager.notebook_start()
    cell = manager.nb.cells[1]
    manager.cell_start(cell, 1)
    manager.seconds += 0.01
    manager.cell_exception(cell, 1)
    manager.cell_complete(cell, 1)
    assert len(handler.saved) == 1
    manager.notebook_complete()
    final = handler.saved[-1]
    assert final.cells[1].metadata.papermill["exception"] is True
    assert final.cells[1].metadata.papermill["status"] == "failed"
