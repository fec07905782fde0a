"""Refusals that need no notebook: bad overrides, missing data, unsupported backends and
precisions; each exits 2 with one line and writes nothing (`perfkit join`'s refusals:
tests/unit/test_join.py). A multi-node config's topology, and how a failed distributed worker
is named."""

from __future__ import annotations

import pytest

from perfkit.benchmarks import benchmark_class
from perfkit.params import resolve_params
from perfkit.run.elastic import failure_summary
from support.cli import run_main


class _Failure:
    def __init__(self, exitcode, error_file="", message="", timestamp=0):
        self.exitcode, self.error_file, self.message, self.timestamp = exitcode, error_file, message, timestamp


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
    # preflight refused while the kernel booted: the run folder was never locked nor staged
    assert not reports.exists(), sorted(reports.rglob("*"))


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
    summary = failure_summary(failures, nproc_per_node=2)
    assert summary.startswith("worker rank 1 (node 0, local rank 1) failed with exit code 17; then rank 0")


