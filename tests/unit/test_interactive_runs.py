"""A notebook run from JupyterLab with its default parameters writes to its own folder under
reports/interactive/, never over the published run; told to publish, it is published when it
ends by the rule every run follows (an ok run replaces the published one, any other ending is
kept as an attempt beside a published ok result). Readers of published runs never see interactive ones."""

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


class _Finishes:
    """A launcher that writes the run's result.json with the given status, as a run would."""

    def __init__(self, status: str, p_core: float) -> None:
        self.status, self.p_core = status, p_core

    def launch(self, run):
        from perfkit.results.store import write_json_atomic

        result = make_result(status=self.status, metrics={"p_core": self.p_core})
        write_json_atomic(run.result_path, result.to_dict())
        return result


def test_publish_waits_for_the_end_and_an_ok_run_replaces_the_published_one(published, capsys):
    run = pk.prepare("bert", "cpu", "smoke", "{}", None, "", publish=True)
    assert run_folder.is_interactive(run.output_dir)  # the published run is untouched while it runs
    assert (published / "report.html").is_file() and (published / "notebook.ipynb").is_file()
    pk.execute(run, _Finishes("ok", 7.0), publish=True)
    assert '"p_core": 7.0' in (published / "result.json").read_text()
    assert not (published / "report.html").exists() and not (published / "notebook.ipynb").exists()
    out = capsys.readouterr().out
    assert "published to" in out and "when it ends" in out


@pytest.mark.parametrize("status", ["failed", "interrupted", "crashed"])
def test_publish_of_a_run_that_did_not_end_ok_keeps_the_published_ok_result(published, capsys, status):
    before = (published / "result.json").read_text()
    run = pk.prepare("bert", "cpu", "smoke", "{}", None, "", publish=True)
    pk.execute(run, _Finishes(status, 1.0), publish=True)
    assert (published / "result.json").read_text() == before and (published / "report.html").is_file()
    attempt = run_folder.latest_attempt(published)
    assert attempt is not None and attempt.status == status
    assert "kept as an attempt" in capsys.readouterr().out


def test_publish_is_ignored_for_a_run_with_its_own_output_dir(published, tmp_path):
    before = (published / "result.json").read_text()
    run = pk.prepare("bert", "cpu", "smoke", "{}", str(tmp_path / "mine"), "", publish=True)
    pk.execute(run, _Finishes("ok", 7.0), publish=True)
    assert (published / "result.json").read_text() == before


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
