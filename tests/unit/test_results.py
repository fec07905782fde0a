import json
import math

import pytest

from perfkit.results.record import SCHEMA_VERSION, RunResult
from perfkit.report.index import load_runs
from perfkit.results.store import load_result, write_json_atomic


def make(**changes) -> RunResult:
    base = dict(
        benchmark="bert", vendor="cpu", config="smoke", status="ok", kit_version="0.1.0",
        started_at="2026-01-01T00:00:00+00:00", finished_at="2026-01-01T00:01:00+00:00",
        run={"params": {"precision": "fp32"}, "params_hash": "abc", "nnodes": 1, "nproc_per_node": 1,
             "nonstandard_keys": []},
        environment={"os": "Linux"}, hardware={"short_name": "CPU"}, data={"hash": "d"},
        metrics={"p_core": 10.0, "acc": math.nan},
    )
    base.update(changes)
    return RunResult(**base)


def test_roundtrip_through_json(tmp_path):
    path = tmp_path / "runs" / "result.json"
    write_json_atomic(path, make().to_dict())
    loaded = load_result(path)
    assert loaded.schema_version == SCHEMA_VERSION
    assert loaded.metrics["p_core"] == 10.0
    assert loaded.metrics["acc"] is None  # NaN is stored as null, the file stays valid JSON
    assert loaded.params_hash == "abc" and loaded.standard
    json.loads(path.read_text())


def test_unknown_schema_version_is_refused(tmp_path):
    path = tmp_path / "runs" / "bert" / "cpu" / "smoke" / "result.json"
    path.parent.mkdir(parents=True)
    data = make().to_dict()
    data["schema_version"] = 999
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="schema_version"):
        load_result(path)
    assert load_runs(tmp_path) == []  # the index skips it rather than fail


def test_atomic_write_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "result.json"
    write_json_atomic(path, {"a": 1})
    write_json_atomic(path, {"a": 2})
    assert json.loads(path.read_text()) == {"a": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_failed_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "result.json"
    write_json_atomic(path, {"a": 1})
    with pytest.raises(TypeError):
        write_json_atomic(path, {"a": object()})  # not serialisable: fails mid-way
    assert json.loads(path.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


@pytest.mark.parametrize("metrics, kind", [({"p_core": 10.0}, "training"), ({"p_infer_core": 50.0}, "inference")])
def test_a_version_1_record_is_read_with_its_kind(tmp_path, metrics, kind):
    """Version 1 records (before ``kind`` was stored) stay readable; their kind follows their metrics."""
    data = make(metrics=metrics).to_dict()
    data["schema_version"] = 1
    del data["kind"]
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data))
    loaded = load_result(path)
    assert loaded.kind == kind
    assert loaded.schema_version == SCHEMA_VERSION == 2


def test_the_kind_is_stored(tmp_path):
    path = tmp_path / "result.json"
    write_json_atomic(path, make(kind="inference").to_dict())
    assert json.loads(path.read_text())["kind"] == "inference"
    assert load_result(path).kind == "inference"
