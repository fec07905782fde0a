"""`perfkit init DIR` gives a wheel user the notebooks, a params/ overlay skeleton and the
`perfkit` kernel; it never overwrites and never follows a symbolic link."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from perfkit.cli import main
from perfkit.jobs import init_folder


def test_init_copies_notebooks_and_an_overlay(tmp_path, capsys):
    target = tmp_path / "bench"
    assert main(["init", str(target), "--kernel", "none"]) == 0
    names = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert "notebooks/bert_training.ipynb" in names and "notebooks/summary.ipynb" in names
    assert "params/README.md" in names and "params/bert/cpu/my_smoke.yaml" in names
    assert "cd " in capsys.readouterr().out


def test_the_example_config_runs_from_the_overlay(tmp_path, monkeypatch):
    from perfkit.params import sources

    target = tmp_path / "bench"
    init_folder.init_folder(target, kernel="none")
    monkeypatch.setenv("PERFKIT_ROOT", str(target))
    assert sources.run_config_path("bert", "cpu", "my_smoke") == target / "params/bert/cpu/my_smoke.yaml"


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path, capsys):
    target = tmp_path / "bench"
    (target / "notebooks").mkdir(parents=True)
    (target / "notebooks" / "glm_training.ipynb").write_text("mine")
    assert main(["init", str(target), "--kernel", "none"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "glm_training.ipynb" in err and "never overwrites" in err
    assert (target / "notebooks" / "glm_training.ipynb").read_text() == "mine"
    assert sorted(p.name for p in target.rglob("*")) == ["glm_training.ipynb", "notebooks"]


@pytest.mark.parametrize("link", ["bench", "bench/notebooks", "bench/params/README.md"])
def test_init_never_follows_a_symlink(tmp_path, capsys, link):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = tmp_path / "bench"
    path = tmp_path / link
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(elsewhere / "x" if link.endswith(".md") else elsewhere)
    assert main(["init", str(target), "--kernel", "none"]) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []


def test_init_refuses_a_file(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    assert main(["init", str(tmp_path / "f"), "--kernel", "none"]) == 2
    assert "is a file" in capsys.readouterr().err


def test_the_kernel_the_notebooks_name_is_installed_for_this_interpreter(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "env"))
    folder = Path(init_folder.register_kernel("sys-prefix"))
    assert folder == tmp_path / "env" / "share" / "jupyter" / "kernels" / "perfkit"
    spec = json.loads((folder / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable and spec["display_name"] == "Python (perfkit)"
    notebook = json.loads((Path(__file__).resolve().parents[2] / "notebooks" / "bert_training.ipynb").read_text())
    assert notebook["metadata"]["kernelspec"]["name"] == folder.name
