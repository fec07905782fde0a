"""`--launcher slurm` against a real single-host Slurm (tests/support/slurm_cluster.py): a BERT
smoke submitted and waited for, a two-"node" run (two tasks on this host, each a node, as the
localhost two-node test does), a suite of three runs (one ok, one with an injected failure, one
over its time limit; the first two share a job array) that is cancelled midway and resumed, a
suite cancelled while tasks of its array are still pending, and a job that Slurm's own time
limit stops.

Runs happen in a scratch project (PERFKIT_ROOT) with small BERT configs: `short` (3 steps),
`pairx1x2` (6 steps, two workers: the fault ``raise@4@rank=1`` fails only this one, single-rank
runs have no rank 1), `slow` (far more steps than its 20 s timeout allows) and `stuck` (hangs at
its first step, asleep, until Slurm's one-minute limit ends it), `twice` (three repeats of a long
run, one at a time).

Kept quick for a 2-core CI machine: few steps, HTML only where a test looks at it, the BERT set
built once per session, and the one-minute time-limit job submitted (``--no-wait``) before the
other tests, asleep beside them, and checked last."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import yaml

from support.cli import run_cli

pytestmark = [pytest.mark.slurm, pytest.mark.e2e]
FAULT = "raise@4@rank=1"
SLOW_TIMEOUT_S = 20
WAIT_S = 600


@pytest.fixture(scope="module")
def project(tmp_path_factory, bert_data, project_root) -> Path:
    root = tmp_path_factory.mktemp("slurm-project")
    shutil.copytree(project_root / "params", root / "params")
    shutil.copytree(project_root / "notebooks", root / "notebooks")
    smoke = yaml.safe_load((root / "params/bert/cpu/smoke.yaml").read_text())
    small = {"eval_interval": 3, "eval_samples": 500, "data_dir": str(bert_data), "data_autobuild": False,
             "num_workers": 0}
    configs = {
        "short": {"max_steps": 3},
        "pairx1x2": {"max_steps": 6, "batch_size": 16},
        "slow": {"max_steps": 100000, "eval_interval": 100000},
        "stuck": {"max_steps": 100000, "eval_interval": 100000},
        "twice": {"max_steps": 100000, "eval_interval": 100000},
    }
    for name, params in configs.items():
        config = {**smoke, "description": f"{name}: the Slurm tests' run"}
        config["params"] = {**smoke["params"], **small, **params}
        (root / f"params/bert/cpu/{name}.yaml").write_text(yaml.safe_dump(config))
    runs = [{"benchmark": "bert", "vendor": "cpu", "config": c} for c in ("short", "pairx1x2", "slow")]
    runs[2]["timeout"] = SLOW_TIMEOUT_S
    (root / "params/suites/onslurm.yaml").write_text(yaml.safe_dump({"description": "Slurm test suite", "runs": runs}))
    twice = [{"benchmark": "bert", "vendor": "cpu", "config": "twice", "repeats": 3}]
    (root / "params/suites/twice.yaml").write_text(yaml.safe_dump({"description": "one array", "runs": twice}))
    return root


def perfkit(project: Path, slurm_env: dict, *args: str, fault: str = ""):
    env = {**slurm_env, "PERFKIT_ROOT": str(project), "PERFKIT_REPORTS": str(project / "reports"),
           "OMP_NUM_THREADS": "1"}
    if fault:
        env["PERFKIT_TEST_FAULT"] = fault
    return run_cli(*args, env_extra=env, timeout=WAIT_S)


def result(project: Path, config: str) -> dict:
    return json.loads((project / "reports/runs/bert/cpu" / config / "result.json").read_text())


def ledger(project: Path) -> dict[str, dict]:
    """Job id -> ledger record."""
    return {p.stem: json.loads(p.read_text()) for p in (project / "reports/jobs").glob("*.json")}


def jobs_of(project: Path, config: str) -> list[dict]:
    from perfkit.slurm.job_ids import sort_key

    return sorted((r for r in ledger(project).values() if r["config"] == config), key=lambda r: sort_key(r["job_id"]))


@pytest.fixture(scope="module")
def stuck_job(project, slurm_env) -> str:
    """A run that hangs at its first step, asleep, under a one-minute Slurm time limit and no
    notebook timeout of its own: submitted first, so that the minute passes beside the other tests."""
    done = perfkit(project, slurm_env, "run", "bert", "--vendor", "cpu", "--config", "stuck", "--launcher", "slurm",
                   "--time", "1", "--no-wait", "--no-html", "--no-index", fault="hang@1")
    assert done.returncode == 0, done.stdout + done.stderr
    job_id = done.stdout.strip()
    assert job_id.isdigit(), done.stdout
    return job_id


def test_smoke_run_is_submitted_waited_for_and_published(project, slurm_env, bert_data, stuck_job):
    done = perfkit(project, slurm_env, "run", "bert", "--vendor", "cpu", "--config", "smoke", "--launcher", "slurm",
                   "--set", "max_steps=4", "--set", f"data_dir={bert_data}", "--set", "eval_interval=2",
                   "--set", "eval_samples=500", "--set", "num_workers=0", "--no-index")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "submitted Slurm job" in done.stdout and "COMPLETED" in done.stdout
    record = result(project, "smoke")
    assert record["status"] == "ok" and record["metrics"]["steps"] == 4
    run_dir = project / "reports/runs/bert/cpu/smoke"
    assert (run_dir / "report.html").is_file() and (run_dir / "notebook.ipynb").is_file()
    (job,) = jobs_of(project, "smoke")
    assert job["state"] == "COMPLETED" and job["status"] == "ok" and job["settled_at"]
    script = (project / "reports/jobs" / f"{job['job_id']}.sh").read_text()
    assert "#SBATCH --nodes=1" in script and "perfkit.slurm.node" in script
    # `perfkit status` lists it: checked by the last test, whose status call settles the stuck job
    # (each settling rebuilds the index, a notebook run of its own; once is enough)


def test_two_nodes_meet_at_the_allocations_first_node(project, slurm_env, bert_data):
    """Two tasks on this one host, each a node: task 0 runs the notebook and hosts the
    rendezvous, task 1 joins it as node 1."""
    done = perfkit(project, slurm_env, "run", "bert", "--vendor", "cpu", "--config", "cpux2x1", "--launcher", "slurm",
                   "--slurm-arg", "nodes=1", "--slurm-arg", "ntasks-per-node=2", "--no-index", "--no-html",
                   "--set", "max_steps=4", "--set", f"data_dir={bert_data}", "--set", "eval_interval=4",
                   "--set", "eval_samples=500")
    assert done.returncode == 0, done.stdout + done.stderr
    record = result(project, "cpux2x1")
    assert record["status"] == "ok"
    assert record["environment"]["world_size"] == 2 and record["metrics"]["global_batch"] == 32
    (job,) = jobs_of(project, "cpux2x1")
    log = (project / "reports/jobs" / f"{job['job_id']}.log").read_text()
    assert "node 1: workers finished" in log
    assert "PERFKIT_RDZV_ENDPOINT" in (project / "reports/jobs" / f"{job['job_id']}.sh").read_text()


def _wait_for(what, check, timeout: float = WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"gave up waiting for {what}")


def _state(slurm_env: dict, job_id: str) -> str:
    import os

    from perfkit.slurm.commands import job_state

    old = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = slurm_env["SLURM_CONF"]
    try:
        state = job_state(job_id)
    finally:
        if old is None:
            os.environ.pop("SLURM_CONF")
        else:
            os.environ["SLURM_CONF"] = old
    return state.state if state else ""


def test_suite_isolates_failures_and_resumes_after_a_cancel(project, slurm_env):
    # 1. submit and return: `short` and `pairx1x2` ask for the same allocation and share an
    # array; at most two runs at once, so `slow` (its own time limit) waits for the array
    submitted = perfkit(project, slurm_env, "suite", "onslurm", "--launcher", "slurm", "--max-jobs", "2",
                        "--no-wait", "--no-html", fault=FAULT)
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    ids = submitted.stdout.split()
    assert len(ids) == 3 and ids[2].isdigit(), ids
    short_id, pair_id, slow_id = ids
    array = short_id.split("_")[0]
    assert (short_id, pair_id) == (f"{array}_0", f"{array}_1")
    assert f"bert/cpu/slow: submitted as Slurm job {slow_id} (after {array})" in submitted.stderr
    script = (project / "reports/jobs" / f"{array}.sh").read_text()
    assert "#SBATCH --array=0-1" in script.splitlines() and script.count("perfkit.slurm.node") == 2
    # 2. once `slow` runs (so `short` has ended), cancel the suite
    _wait_for("the slow run to start", lambda: _state(slurm_env, slow_id) == "RUNNING")
    assert _state(slurm_env, short_id) == "COMPLETED"
    cancelled = perfkit(project, slurm_env, "status", "--suite", "onslurm", "--cancel")
    assert cancelled.returncode == 0, cancelled.stdout + cancelled.stderr
    assert result(project, "short")["status"] == "ok"
    slow = result(project, "slow")
    assert slow["status"] == "interrupted"
    assert slow["error"]["slurm_job_id"] == slow_id and slow["error"]["slurm_state"] == "CANCELLED"
    assert ledger(project)[slow_id]["status"] == "interrupted"
    # 3. resume: `short` is done and is not submitted again; the failure and the timeout are each
    # recorded with the run's own reason, the suite goes on, the index is rebuilt
    resumed = perfkit(project, slurm_env, "suite", "onslurm", "--launcher", "slurm", "--max-jobs", "2", "--no-html",
                      fault=FAULT)
    assert resumed.returncode == 102, resumed.stdout + resumed.stderr
    assert "bert/cpu/short: skipped" in resumed.stdout
    assert len(jobs_of(project, "short")) == 1 and len(jobs_of(project, "slow")) == 2
    pair = result(project, "pairx1x2")
    assert pair["status"] == "failed" and "injected failure at step 4 (rank 1)" in pair["error"]["message"]
    slow = result(project, "slow")
    assert slow["status"] == "timeout" and f"{SLOW_TIMEOUT_S:g} s" in slow["error"]["message"]
    assert slow["error"]["slurm_job_id"] == jobs_of(project, "slow")[-1]["job_id"]
    suite_record = json.loads((project / "reports/suites/onslurm.json").read_text())
    assert {r["label"]: r["status"] for r in suite_record["runs"]} == {
        "bert/cpu/short": "skipped", "bert/cpu/pairx1x2": "failed", "bert/cpu/slow": "timeout"}
    assert (project / "reports/index.html").is_file()


def test_cancelling_an_array_with_tasks_still_pending(project, slurm_env):
    """Three repeats as one array, one at a time: cancelled while task 0 runs and tasks 1 and 2
    wait. Slurm keeps a cancelled pending task as CANCELLED or drops it without a trace (task 2,
    cancelled first, always is: "Job 12_2 not found"); every run is recorded as interrupted,
    with its task's id."""
    submitted = perfkit(project, slurm_env, "suite", "twice", "--launcher", "slurm", "--max-jobs", "1",
                        "--no-wait", "--no-html", "--no-index")
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    tasks = submitted.stdout.split()
    array = tasks[0].split("_")[0]
    assert tasks == [f"{array}_{k}" for k in range(3)]
    assert "#SBATCH --array=0-2%1" in (project / "reports/jobs" / f"{array}.sh").read_text().splitlines()
    _wait_for("the first repeat to start", lambda: _state(slurm_env, tasks[0]) == "RUNNING")
    assert _state(slurm_env, tasks[1]) == _state(slurm_env, tasks[2]) == "PENDING"
    cancelled = perfkit(project, slurm_env, "status", "--suite", "twice", "--cancel")
    assert cancelled.returncode == 0, cancelled.stdout + cancelled.stderr
    assert f"cancelled 3 job(s): {' '.join(reversed(tasks))}" in cancelled.stdout
    records = [result(project, folder) for folder in ("twice", "twice/r2", "twice/r3")]
    assert [r["status"] for r in records] == ["interrupted"] * 3
    assert [r["error"]["slurm_job_id"] for r in records] == tasks
    assert records[0]["error"]["slurm_state"] == "CANCELLED"
    assert records[1]["error"]["slurm_state"] in ("CANCELLED", "UNKNOWN")
    assert "cancelled while pending" in records[2]["error"]["message"], records[2]["error"]
    assert [ledger(project)[t]["status"] for t in tasks] == ["interrupted"] * 3


def test_slurm_time_limit_is_recorded_as_timeout_with_slurms_reason(project, slurm_env, stuck_job):
    """The `stuck` run outlived its job's time limit (1 minute, no notebook timeout of its own):
    Slurm stopped it, and once `perfkit status` has settled it the run folder says timeout, with
    the job id and Slurm's reason, and nothing half-written is left."""
    _wait_for("Slurm's time limit to end the stuck job", lambda: _state(slurm_env, stuck_job) == "TIMEOUT")
    status = perfkit(project, slurm_env, "status")
    assert status.returncode == 0, status.stdout + status.stderr
    rows = [line.split()[:3] for line in status.stdout.splitlines()]
    assert [stuck_job, "TIMEOUT", "timeout"] in rows, status.stdout
    (smoke,) = jobs_of(project, "smoke")  # the first test's job, settled when it ended
    assert [smoke["job_id"], "COMPLETED", "ok"] in rows, status.stdout
    assert "index:" in status.stdout and (project / "reports/index.html").is_file()
    record = result(project, "stuck")
    assert record["status"] == "timeout"
    error = record["error"]
    assert error["type"] == "SlurmJobEnded" and error["slurm_state"] == "TIMEOUT"
    assert error["slurm_job_id"] == stuck_job and f"Slurm job {stuck_job} TIMEOUT" in error["message"]
    job = ledger(project)[stuck_job]
    assert job["status"] == "timeout" and job["state"] == "TIMEOUT" and job["settled_at"]
    run_dir = project / "reports/runs/bert/cpu/stuck"
    assert (run_dir / "slurm.log").is_file()
    # nothing half-written left (the run folder's lock file stays, by design)
    assert not [p for p in run_dir.parent.iterdir() if p.name.startswith(".") and not p.name.endswith(".lock")]
