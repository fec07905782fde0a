"""Multi-card and multi-node BERT smoke runs on the CPU: one worker per "card" through the
elastic launch, gloo, DDP. Loss curves of 1x2 and 2x1 agree with 1x1 at the same global batch
and seed; node 1 of a two-node run joins with the line node 0 printed (its prepared-run file);
a dying worker fails the run naming its rank and leaves no process behind."""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from perfkit.run.execute import execute
from perfkit.run.spec import load_payload_file, prepare, save_payload_file

from support.cli import ROOT, run_cli

STEPS = 8
# 1x1 with batch 32 and Nx M with 32/(N*M) per card see the same samples at every step; they
# differ in dropout masks and in averaging per-card mean losses, so per-step losses agree to
# within this relative tolerance (measured: 0.2% over 10 steps).
LOSS_RTOL = 0.01


def _settings(bert_data) -> list[str]:
    values = {"data_dir": str(bert_data), "max_steps": STEPS, "eval_interval": 4, "eval_samples": 500}
    return [item for key, value in values.items() for item in ("--set", f"{key}={value}")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _no_worker_left(marker: str) -> list[int]:
    left = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if "perfkit.run.worker" in cmdline and marker in cmdline:
            left.append(proc.info["pid"])
    return left


@pytest.fixture(scope="module")
def single(bert_data, tmp_path_factory):
    """1x1 reference: the smoke config with the distributed configs' global batch of 32."""
    overrides = {"data_dir": str(bert_data), "max_steps": STEPS, "eval_interval": 4, "eval_samples": 500,
                 "batch_size": 32, "num_workers": 0}
    return execute(prepare("bert", "cpu", "smoke", overrides, tmp_path_factory.mktemp("single")), progress=False)


@pytest.fixture(scope="module")
def one_by_two(bert_data, tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports12")
    done = run_cli("run", "bert", "--vendor", "cpu", "--config", "cpux1x2", *_settings(bert_data), "--no-index",
                   env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 0, done.stdout + done.stderr
    return reports / "runs/bert/cpu/cpux1x2"


@pytest.fixture(scope="module")
def two_nodes(bert_data, tmp_path_factory):
    """Node 0 through `perfkit run`, node 1 through the `perfkit join` line node 0 printed, both
    on 127.0.0.1."""
    reports = tmp_path_factory.mktemp("reports21")
    endpoint = f"127.0.0.1:{_free_port()}"
    # two "nodes" share this host's cores: one thread per worker, as torchrun would set for 1x2
    env = {"PERFKIT_REPORTS": str(reports), "OMP_NUM_THREADS": "1"}
    host_log, join_log = reports.parent / "host.log", reports.parent / "join.log"
    with host_log.open("w") as out, join_log.open("w") as log:
        started = [_start(["run", "bert", "--vendor", "cpu", "--config", "cpux2x1", "--rdzv-endpoint", endpoint,
                           "--no-index", *_settings(bert_data)], env, out)]
        try:
            command = _announced_join(host_log, started[0])
            started.append(_start([*command[1:-1], "1"], env, log))  # `perfkit join ... --node-rank K`, K = 1
            for proc in reversed(started):
                proc.wait(timeout=600)
        finally:
            for proc in started:
                if proc.poll() is None:
                    proc.kill()
    host, joiner = started
    out = join_log.read_text()
    assert host.returncode == 0, host_log.read_text()
    assert joiner.returncode == 0, out
    assert "node 1" in out
    return reports / "runs/bert/cpu/cpux2x1", command


def _start(args: list[str], env: dict[str, str], log) -> subprocess.Popen:
    """`perfkit ARGS` in the background, its output to a file (a full pipe would block it)."""
    return subprocess.Popen([sys.executable, "-m", "perfkit", *args], cwd=ROOT, env={**os.environ, **env},
                            stdout=log, stderr=subprocess.STDOUT, text=True)


def _announced_join(host_log, host: subprocess.Popen, wait_s: float = 120) -> list[str]:
    """The `perfkit join ...` line node 0 printed (its node rank still K), split as a shell would."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and host.poll() is None:
        for line in host_log.read_text().splitlines():
            if line.strip().startswith("perfkit join --prepared "):
                return shlex.split(line)
        time.sleep(0.2)
    raise AssertionError(f"node 0 printed no join line:\n{host_log.read_text()}")


def _result(run_dir):
    return json.loads((run_dir / "result.json").read_text())


def test_one_node_two_cards_reduces_metrics_over_ranks(one_by_two, single):
    result = _result(one_by_two)
    assert result["status"] == "ok"
    assert result["environment"]["world_size"] == 2 and result["environment"]["dist_backend"] == "gloo"
    metrics = result["metrics"]
    assert metrics["global_batch"] == 32 and metrics["samples"] == STEPS * 32
    assert metrics["p_core"] >= metrics["p_train"] >= metrics["p_whole"] > 0
    # accuracy is correct/total summed over ranks: the whole eval set, as on one card
    assert metrics["acc"] == pytest.approx(single.metrics["acc"], abs=0.02)
    assert metrics["mem_peak_gib"] > 0
    html = (one_by_two / "report.html").read_text()
    assert "world 2" in html and "环境配置" in html
    notebook = (one_by_two / "notebook.ipynb").read_text()
    assert "world 2" in notebook  # the notebook shows rank 0's result


@pytest.mark.parametrize("which", ["one_by_two", "two_nodes"])
def test_loss_curve_agrees_with_one_card(which, request, single):
    run_dir = request.getfixturevalue(which)
    run_dir = run_dir[0] if isinstance(run_dir, tuple) else run_dir
    losses = _result(run_dir)["curves"]["loss"]
    assert len(losses) == len(single.curves["loss"]) == STEPS
    assert losses == pytest.approx(single.curves["loss"], rel=LOSS_RTOL)


def test_two_nodes_on_localhost_complete(two_nodes):
    run_dir, command = two_nodes
    result = _result(run_dir)
    assert result["status"] == "ok"
    assert result["run"]["nnodes"] == 2 and result["run"]["world_size"] == 2
    assert result["environment"]["world_size"] == 2
    # node 1 ran node 0's prepared run, from the file node 0 wrote under its reports folder
    prepared = Path(command[command.index("--prepared") + 1])
    assert prepared.parent == run_dir.parents[3].resolve() / "jobs" / "prepared"
    assert load_payload_file(prepared).resolved.params_hash == result["run"]["params_hash"]


def test_a_dying_worker_crashes_the_run_naming_its_rank_and_leaves_nothing_running(bert_data, tmp_path):
    reports = tmp_path / "reports"
    done = run_cli("run", "bert", "--vendor", "cpu", "--config", "cpux1x2", *_settings(bert_data), "--no-index",
                   env_extra={"PERFKIT_REPORTS": str(reports), "PERFKIT_TEST_FAULT": "exit@3@rank=1"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "rank 1 (node 0, local rank 1)" in done.stderr
    result = _result(reports / "runs/bert/cpu/cpux1x2")
    # the worker died outright (os._exit, as a killed one would): crashed, as the README says
    assert result["status"] == "crashed" and result["error"]["type"] == "WorkerFailed"
    assert result["error"]["message"].startswith("worker rank 1 ")
    assert _no_worker_left(str(reports)) == []


def test_a_node_joining_with_another_prepared_run_stops_the_run(bert_data, tmp_path):
    """A joining node runs the file it is given: one prepared with another learning rate (its own
    hash intact) meets node 0's run at the rendezvous, and the workers' hash check stops both."""
    endpoint = f"127.0.0.1:{_free_port()}"
    env = {"PERFKIT_REPORTS": str(tmp_path / "reports"), "OMP_NUM_THREADS": "1"}
    overrides = {"data_dir": str(bert_data), "max_steps": STEPS, "eval_interval": 4, "eval_samples": 500,
                 "learning_rate": 0.001}
    other = save_payload_file(prepare("bert", "cpu", "cpux2x1", overrides, tmp_path / "other"), tmp_path / "other.json")
    log_path = tmp_path / "join.log"
    with log_path.open("w") as log:
        joiner = _start(["join", "--prepared", str(other), "--rdzv-endpoint", endpoint, "--node-rank", "1"], env, log)
        host = run_cli("run", "bert", "--vendor", "cpu", "--config", "cpux2x1", "--rdzv-endpoint", endpoint,
                       "--no-index", *_settings(bert_data), env_extra=env, timeout=300)
        joiner.wait(timeout=300)
    assert host.returncode == 1 and joiner.returncode == 1
    assert "has params hash" in host.stderr and "rank 0 (node 0, local rank 0)" in host.stderr
    assert "rank 1 (node 1, local rank 0)" in log_path.read_text()
    assert _no_worker_left(str(tmp_path)) == []
