"""One bad record never breaks a run: the index rebuilt after `perfkit run` skips an unreadable
result.json with one warning naming it, and an index build that fails anyway prints one line
and leaves the run's outcome and exit code as they were."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfkit import cli
from perfkit.jobs.kernel import KernelEnding
from perfkit.report.index import load_runs
from perfkit.run.spec import initial_record, prepare
from support.fake_kernel import fake_runs

BAD_RESULTS = {"a list": "[]", "not json": "{", "a number": "1", "unknown version": '{"schema_version": 99}',
               "deep": "[" * 50_000 + "]" * 50_000, "not utf-8": b"\xff\xfe".decode("latin-1")}


@pytest.fixture()
def reports(tmp_path, monkeypatch) -> Path:
    return fake_runs(monkeypatch, tmp_path / "reports", "ok", KernelEnding("ok", 1.0), metrics={"p_core": 5.0})


@pytest.mark.parametrize("case", sorted(BAD_RESULTS))
def test_an_unreadable_result_is_skipped_with_one_warning_naming_it(reports, capsys, case):
    bad = reports / "runs/glm/cpu/smoke/result.json"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(BAD_RESULTS[case].encode("latin-1"))
    assert load_runs(reports) == []
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and str(bad) in lines[0] and "warning" in lines[0], lines


@pytest.mark.parametrize("failure", [RuntimeError("summary.ipynb: cell 4 raised\nKeyError: 'x'"),
                                     ValueError("metrics is a list"), KeyError("p_core")])
def test_a_failing_index_build_never_changes_the_runs_exit_code(reports, capsys, monkeypatch, failure):
    def build_index(*args, **kwargs):
        raise failure

    monkeypatch.setattr("perfkit.jobs.index_build.build_index", build_index)
    code = cli.main(["run", "bert", "--vendor", "cpu", "--config", "smoke", "--no-html", "--quiet"])
    err = capsys.readouterr().err
    assert code == 0, err
    warnings = [line for line in err.splitlines() if "index was not rebuilt" in line]
    assert len(warnings) == 1 and "Traceback" not in err
    assert json.loads((reports / "runs/bert/cpu/smoke/result.json").read_text())["status"] == "ok"


def test_a_result_with_metrics_of_the_wrong_type_elsewhere_leaves_an_ok_run_ok(reports, capsys):
    """The real index build (host tables and the summary notebook) over a tree holding a
    malformed record: the run stays ok, exit 0, no traceback."""
    bad = reports / "runs/glm/cpu/smoke/result.json"
    bad.parent.mkdir(parents=True)
    record = initial_record(prepare("bert", "cpu", "smoke", {}, bad.parent), "2026-01-01T00:00:00+00:00", status="ok")
    data = record.to_dict()
    data.update(benchmark="glm", metrics=["p_core", 1.0], run=[])
    bad.write_text(json.dumps(data))
    code = cli.main(["run", "bert", "--vendor", "cpu", "--config", "smoke", "--no-html", "--quiet"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err
    assert json.loads((reports / "runs/bert/cpu/smoke/result.json").read_text())["status"] == "ok"
