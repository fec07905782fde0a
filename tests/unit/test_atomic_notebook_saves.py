"""papermill's notebook saves go through a temporary file and a rename, so a host killed while
papermill saves after a cell leaves the previous save, never an empty or cut notebook."""

from __future__ import annotations

import json

import nbformat
import pytest
from papermill.iorw import papermill_io, write_ipynb

import perfkit.files.writing as writing
from perfkit.jobs.notebook_saves import AtomicLocalHandler, atomic_path, register


def _notebook(text: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(text))
    return nb


def test_papermill_uses_the_atomic_handler_for_perfkits_output_paths(tmp_path):
    register()
    register()  # idempotent: registered once
    assert isinstance(papermill_io.get_handler(atomic_path(tmp_path / "out.ipynb")), AtomicLocalHandler)
    assert not isinstance(papermill_io.get_handler(str(tmp_path / "out.ipynb")), AtomicLocalHandler)
    assert sum(isinstance(h, AtomicLocalHandler) for _, h in papermill_io._handlers) == 1
    write_ipynb(_notebook("x = 1"), atomic_path(tmp_path / "out.ipynb"))
    assert "".join(json.loads((tmp_path / "out.ipynb").read_text())["cells"][0]["source"]) == "x = 1"


def test_a_save_killed_before_the_rename_leaves_the_previous_save(tmp_path, monkeypatch):
    register()
    path = tmp_path / "notebook.ipynb"
    write_ipynb(_notebook("first"), atomic_path(path))

    def killed(*_args, **_kwargs):
        raise KeyboardInterrupt  # stands in for the signal that ends the host mid-save

    monkeypatch.setattr(writing.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        write_ipynb(_notebook("second " * 10_000), atomic_path(path))
    assert "".join(json.loads(path.read_text())["cells"][0]["source"]) == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["notebook.ipynb"]  # no temporary file left


def test_a_missing_output_folder_is_refused_as_papermill_does(tmp_path):
    with pytest.raises(FileNotFoundError, match="doesn't exist"):
        AtomicLocalHandler().write("{}", atomic_path(tmp_path / "absent" / "notebook.ipynb"))
    assert not (tmp_path / "absent").exists()
