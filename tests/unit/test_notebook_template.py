"""The benchmark notebooks are generated from one template (perfkit/cells/notebook_template.py):
the committed ones equal the generated ones, carry no outputs, an annotated parameters cell, the
run cell tagged for the collapsed run log, and a kernel name `perfkit init` installs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from perfkit.cells import notebook_template as template
from perfkit.jobs.init_folder import KERNEL_NAME

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.mark.parametrize("entry", template.NOTEBOOKS, ids=lambda e: e.file)
def test_the_committed_notebook_is_the_generated_one(entry):
    committed = (NOTEBOOKS / f"{entry.file}.ipynb").read_text(encoding="utf-8")
    assert committed == template.render(entry), (
        f"notebooks/{entry.file}.ipynb differs from its template: run python -m perfkit.cells.notebook_template")


def test_every_benchmark_notebook_comes_from_the_template():
    benchmark_notebooks = {p.stem for p in NOTEBOOKS.glob("*.ipynb")} - {"summary"}
    assert benchmark_notebooks == {e.file for e in template.NOTEBOOKS}
    assert template.differing(NOTEBOOKS) == []


def test_a_hand_edit_is_found(tmp_path):
    copy = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, copy)
    path = copy / "glm_training.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[6].source += "\nprint('hand edit')"
    nbformat.write(nb, path)
    assert template.differing(copy) == [path]
    assert template.main(["--notebooks", str(copy), "--check"]) == 1
    assert template.main(["--notebooks", str(copy)]) == 0 and template.differing(copy) == []


@pytest.mark.parametrize("entry", template.NOTEBOOKS, ids=lambda e: e.file)
def test_notebook_shape(entry):
    nb = template.notebook(entry)
    assert nb.metadata["kernelspec"]["name"] == KERNEL_NAME
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and nb.cells.index(params[0]) == 1
    for line in params[0].source.splitlines()[1:]:  # `name: type = value  # help`, no logic
        assert re.fullmatch(r"\w+: (str|bool|int|float) = .+  # .+", line), line
    run_log = [c for c in code if template.RUN_LOG_TAG in c.metadata.get("tags", [])]
    assert len(run_log) == 1 and f'pk.prepare("{entry.benchmark}"' in run_log[0].source
    headline = next(i for i, c in enumerate(nb.cells) if "结果概要 Headline" in c.source)
    assert nb.cells.index(run_log[0]) < headline  # the progress never prints inside the headline
    assert all(c.source.startswith(("pk.", "run = pk.", "import perfkit")) for c in code[1:])
