"""Refusals that need no notebook: bad overrides, missing data, unsupported backends and
precisions, bad multi-node options; each exits 2 with one line and writes nothing."""

from __future__ import annotations

import pytest

from perfkit.benchmarks import benchmark_class
from perfkit.params import resolve_params
from perfkit.run.elastic import failure_summary

from support.cli import run_main

STEPS = 8


class _Failure:
    def __init__(self, exitcode, error_file="", message="", timestamp=0):
        self.exitcode, self.error_file, self.message, self.timestamp = exitcode, error_file, message, timestamp


def _settings(bert_data) -> list[str]:
    values = {"data_dir": str(bert_data), "max_steps": STEPS, "eval_interval": 4, "eval_samples": 500}
    return [item for key, value in values.items() for item in ("--set", f"{key}={value}")]


def test_unknown_override_exits_2_naming_it_and_writes_nothing(tmp_path):
    reports = tmp_path / "reports"
    done = run_main("run", "bert", "--vendor", "cpu", "--config", "smoke", "--set", "no_such_key=1",
                   env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no_such_key" in lines[0]
    assert not reports.exists()


def test_missing_data_dir_exits_2_and_writes_nothing(tmp_path):
    reports = tmp_path / "reports"
    done = run_main("run", "bert", "--vendor", "cpu", "--config", "smoke",
                   "--set", f"data_dir={tmp_path / 'absent'}", "--set", "data_autobuild=false",
                   env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 2, done.stderr
    assert "absent" in done.stderr and "perfkit data build bert" in done.stderr
    assert not list(reports.rglob("result.json"))
    assert not list(reports.rglob("*.ipynb"))


@pytest.mark.parametrize("config, setting, named", [
    ("smoke", "backend=openvino", "backend"),
    ("smoke", "precision=fp16", "precision"),  # the cpu vendor has no fp16
    ("smoke", "backend=tensorrt", "tensorrt"),  # package absent, no CUDA card
    ("smoke_onnxruntime", "precision=bf16", "precision"),  # the CPU execution provider runs fp32
    ("smoke_onnxruntime", "onnx_provider=CUDAExecutionProvider", "onnx_provider"),
])
def test_unsupported_backend_or_precision_exits_2_with_one_line(tmp_path, config, setting, named):
    reports = tmp_path / "reports"
    done = run_main("run", "bert_inference", "--vendor", "cpu", "--config", config, "--set", setting,
                   "--set", f"data_dir={tmp_path / 'data'}", env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0]
    assert not list(reports.rglob("result.json"))
def test_topology_comes_from_the_config_name():
    schema = benchmark_class("bert").params_model
    assert resolve_params("bert", schema, "cpu", "cpux1x2").topology == "1x2"
    two = resolve_params("bert", schema, "cpu", "cpux2x1")
    assert (two.nnodes, two.nproc_per_node, two.world_size) == (2, 1, 2)


def test_join_refuses_a_node_rank_outside_the_topology(bert_data):
    done = run_main("join", "--rdzv-endpoint", "127.0.0.1:29999", "--node-rank", "2", "bert",
                   "--vendor", "cpu", "--config", "cpux2x1", *_settings(bert_data))
    assert done.returncode == 2
    assert "--node-rank 2" in done.stderr and "allowed: 1..1" in done.stderr


def test_bad_endpoint_is_a_usage_error():
    done = run_main("join", "--rdzv-endpoint", "nohostport", "--node-rank", "1", "bert", "--config", "cpux2x1")
    assert done.returncode == 2 and "HOST:PORT" in done.stderr


def test_failure_summary_names_the_rank_that_died_first(tmp_path):
    recorded = tmp_path / "error.json"
    recorded.write_text("{}")
    failures = {
        0: _Failure(-15, str(recorded), {"message": "RuntimeError: Connection closed by peer"}, 1),
        3: _Failure(17, timestamp=2),
    }
    summary = failure_summary(failures, nproc_per_node=2)
    assert summary.startswith("worker rank 3 (node 1, local rank 1) failed with exit code 17")
    assert "rank 0 (node 0, local rank 0) failed with killed by signal 15 (RuntimeError" in summary


def test_failure_summary_puts_the_agents_sigterm_victims_last():
    failures = {0: _Failure(-15, timestamp=5), 1: _Failure(17, timestamp=5)}
    assert failure_summary(failures, nproc_per_node=2).startswith("worker rank 1 (node 0, local rank 1) failed with exit code 17; then rank 0")


