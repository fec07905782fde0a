"""Secrets stay out of records, YAML is loaded safely, reports escape what they show."""

from __future__ import annotations

import pytest

from perfkit.errors import DataError, ParamsError
from perfkit.params.loading import load_yaml_mapping
from perfkit.report import index, tables
from perfkit.report.redact import Identity, redact
from perfkit.results.environment import collect_environment
from perfkit.results.record import RunResult

from support.secrets import SECRETS



def test_environment_record_keeps_only_whitelisted_variables(monkeypatch):
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    env = collect_environment({"accelerator": "cpu"})
    text = repr(env)
    assert env["env"] == {"OMP_NUM_THREADS": "2"}
    for value in SECRETS.values():
        assert value not in text


def test_yaml_is_loaded_safely(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("params: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ParamsError, match="malformed YAML"):
        load_yaml_mapping(path)


def _result(text: str) -> RunResult:
    return RunResult(
        benchmark="bert", vendor="cpu", config=text, status="ok", kit_version="0", started_at="", finished_at=text,
        run={"params": {"precision": text}, "nnodes": 1, "nproc_per_node": 1, "nonstandard_keys": [text],
             "config_file": text},
        environment={"os": text, "accelerator": {"accelerator": text}}, hardware={"short_name": text},
        data={"hash": text}, metrics={"fix_hp": text, "mem": text},
    )


def test_values_from_results_render_as_text_not_markup(tmp_path):
    import perfkit.cells.benchmark as pk

    evil = "<script>alert('x')</script>"
    result = _result(evil)
    pages = [
        pk.performance(result)._repr_html_(),
        pk.general(result)._repr_html_(),
        pk.environment(result)._repr_html_(),
        pk.summary(result)._repr_html_(),
        index.runs_table_html([(tmp_path, result)], tmp_path),
    ]
    for page in pages:
        assert "<script>" not in page
        assert "&lt;script&gt;" in page
    assert evil in tables.performance_table([result])["fix_hp"][0]  # the data itself is untouched


def test_redact_replaces_home_user_and_host():
    who = Identity(home="/home/alice", user="alice", host="gpu-node-17")
    text = "data at /home/alice/data, run by alice on gpu-node-17; /home/bob/x; alice@gpu-node-17"
    out = redact(text, who)
    assert "alice" not in out and "gpu-node-17" not in out and "bob" not in out
    assert "~/data" in out and "<host>" in out and "<user>" in out


def test_redact_keeps_ordinary_words_for_generic_accounts():
    who = Identity(home="/root", user="root", host="box")
    out = redact("the project root is /root/work and /opt/root/x", who)
    assert "project root" in out
    assert "/root/work" not in out and "~/work" in out
    assert "/opt/<user>/x" in out


def test_checkpoints_load_only_from_safetensors(tmp_path):
    from perfkit.benchmarks.bert_training import BertParams, BertTraining

    folder = tmp_path / "ckpt"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "pytorch_model.bin").write_bytes(b"pickle would run code")
    bench = BertTraining(BertParams(init_checkpoint=str(folder)))
    with pytest.raises(DataError, match="no \\*.safetensors"):
        bench.build_model()
