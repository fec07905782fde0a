"""A notebook run from JupyterLab with its default parameters writes to its own folder under
reports/interactive/, never over the published run; told to publish, it replaces the published
result and leaves no stale report beside it. Readers of published runs never see interactive ones."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import perfkit.report
from perfkit.cells import benchmark as pk
from perfkit.errors import UserError
from perfkit.report.index import load_runs
from perfkit.results import run_folder

from support.fabricated import make_result, write_run

NOW = datetime(2026, 11, 29, 23, 35, 1, tzinfo=timezone.utc)


@pytest.fixture()
def published(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFKIT_REPORTS", str(tmp_path))
    folder = write_run(tmp_path, make_result())
    (folder / "notebook.ipynb").write_text("{}")
    return folder


def test_default_parameters_make_an_interactive_folder(published, tmp_path, capsys):
    before = (published / "result.json").read_text()
    run = pk.prepare("bert", "cpu", "smoke", "{}", None, "")
    assert run.output_dir.parent == tmp_path / "interactive/bert/cpu/smoke" and run.output_dir.is_dir()
    assert run.result_path != published / "result.json"
    assert "interactive run: writing to" in capsys.readouterr().out
    assert (published / "result.json").read_text() == before and (published / "report.html").is_file()


def test_interactive_folders_are_named_by_utc_time_and_never_shared(tmp_path):
    first = run_folder.interactive_dir("bert", "cpu", "smoke", tmp_path, NOW)
    second = run_folder.interactive_dir("bert", "cpu", "smoke", tmp_path, NOW)
    assert first.name == "20261129T233501Z" and second.name == "20261129T233501Z-2"
    with pytest.raises(UserError):
        run_folder.interactive_dir("bert", "..", "smoke", tmp_path, NOW)


def test_publish_replaces_the_result_and_drops_the_stale_report(published, capsys):
    run = pk.prepare("bert", "cpu", "smoke", "{}", None, "", publish=True)
    assert run.output_dir == published
    assert not (published / "report.html").exists() and not (published / "notebook.ipynb").exists()
    assert (published / "result.json").is_file()  # replaced by the run when it ends
    assert "publishing to" in capsys.readouterr().out


def test_an_output_dir_is_used_as_given(published, tmp_path):
    run = pk.prepare("bert", "cpu", "smoke", "{}", str(tmp_path / "mine"), "")
    assert run.output_dir == tmp_path / "mine" and not (tmp_path / "interactive").exists()


def test_readers_of_published_runs_skip_interactive_ones(published, tmp_path):
    folder = run_folder.interactive_dir("bert", "cpu", "smoke", tmp_path, NOW)
    from perfkit.results.store import write_json_atomic

    write_json_atomic(folder / "result.json", make_result(metrics={"p_core": 1.0}).to_dict())
    assert run_folder.result_files(tmp_path) == [published / "result.json"]
    assert [d for d, _ in load_runs(tmp_path)] == [published]
    frame = perfkit.report.load(tmp_path)
    measured = frame[frame["source"] == "measured"]
    assert list(measured["run_id"]) == ["bert/cpu/smoke"] and list(measured["p_core"]) == [100.0]
