"""One form for a run: what a notebook is given comes from the prepared run alone
(perfkit.run.spec.notebook_parameters), and resolves that run again; a payload whose params do
not match its recorded hash is refused in one line naming where it came from."""

from __future__ import annotations

import json

import pytest

from perfkit.errors import ParamsError
from perfkit.run.spec import from_payload, load_payload_file, notebook_parameters, prepare, save_payload_file, to_payload

CASES = {
    "a plain run": ("bert", "cpu", "smoke", {}),
    "overrides": ("bert", "cpu", "smoke", {"max_steps": 7, "batch_size": 16}),
    "allow_nonstandard from --set": ("bert", "kunlunxin", "R300x1x8", {"num_layers": 2, "allow_nonstandard": True}),
    "a multi-node config": ("bert", "cpu", "cpux2x1", {"max_steps": 5}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_notebooks_parameters_resolve_the_same_run_again(case, tmp_path):
    benchmark, vendor, config, overrides = CASES[case]
    run = prepare(benchmark, vendor, config, overrides, tmp_path)
    parameters = notebook_parameters(run)
    assert parameters["vendor"] == vendor and parameters["config"] == config
    again = prepare(benchmark, parameters["vendor"], parameters["config"], parameters["overrides"])
    assert again.resolved.params_hash == run.resolved.params_hash
    assert again.resolved.to_dict() == run.resolved.to_dict()
    assert from_payload(parameters["resolved"]).resolved.params_hash == run.resolved.params_hash


def test_a_payload_file_round_trips_and_an_edit_is_refused_naming_the_file(tmp_path):
    run = prepare("bert", "cpu", "smoke", {"max_steps": 3}, tmp_path / "run")
    path = save_payload_file(run, tmp_path / "prepared.json")
    loaded = load_payload_file(path)
    assert loaded.resolved.to_dict() == run.resolved.to_dict() and loaded.output_dir == run.output_dir
    data = json.loads(path.read_text())
    data["run"]["params"]["max_steps"] = 4
    path.write_text(json.dumps(data))
    with pytest.raises(ParamsError, match="params hash mismatch") as refused:
        load_payload_file(path)
    assert str(refused.value).startswith(f"{path}: ") and "\n" not in str(refused.value)


@pytest.mark.parametrize("text", ["", "[]", '{"run": {}}', '{"run": {"benchmark": "bert"}, "output_dir": "x"}',
                                  '{"run": {"benchmark": "../x"}, "output_dir": "x"}'])
def test_a_payload_that_is_not_a_run_is_one_params_error(text):
    with pytest.raises(ParamsError) as refused:
        from_payload(text)
    assert str(refused.value).startswith("parameter 'resolved': ") and "\n" not in str(refused.value)


def test_a_payload_with_params_of_the_wrong_type_is_one_params_error(tmp_path):
    data = json.loads(to_payload(prepare("bert", "cpu", "smoke", {}, tmp_path)))
    data["run"]["params"]["max_steps"] = "many"
    with pytest.raises(ParamsError, match="not a run resolved by perfkit"):
        from_payload(json.dumps(data))
