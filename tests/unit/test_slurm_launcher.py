"""The Slurm launcher's parts that need no Slurm: the job script as text, the options a user can
get wrong, the state mapping, the task's role, the ledger as hostile input, and settling a run
folder after Slurm ended the job (fabricated states; the real cluster is in tests/slurm/)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from perfkit.errors import UserError
from perfkit.results.record import RunResult
from perfkit.run.spec import initial_record, prepare, save_payload_file
from perfkit.slurm import ledger
from perfkit.slurm.commands import parse_sacct, parse_scontrol
from perfkit.slurm.ledger import JobRecord
from perfkit.slurm.node import task_rank
from perfkit.slurm.options import SlurmOptions, minutes_for, parse_pairs
from perfkit.slurm.script import JobRequest, directives, render, render_array
from perfkit.slurm.settle import settle
from perfkit.slurm.states import JobState, normalise_state, slurm_verdict
from perfkit.slurm.suite import group_by_allocation, plan_lanes


def _request(tmp_path: Path, **changes) -> JobRequest:
    values = dict(benchmark="bert", vendor="cpu", config="cpux2x1", payload="{}",
                  output_dir=tmp_path / "reports/runs/bert/cpu/cpux2x1", nnodes=2, nproc_per_node=1,
                  project_root=tmp_path / "project with space", reports_dir=tmp_path / "reports",
                  python="/opt/venv/bin/python", log_path=tmp_path / "reports/jobs/%j.log", timeout=600.0)
    values.update(changes)
    values.setdefault("prepared_file", tmp_path / f"reports/jobs/prepared/{values['config']}.json")
    return JobRequest(**values)


def test_script_asks_one_task_per_node_and_meets_on_the_first_node(tmp_path):
    text = render(_request(tmp_path), SlurmOptions(partition="batch", account="perf"))
    assert text.startswith("#!/bin/bash\n")
    for line in ("#SBATCH --nodes=2", "#SBATCH --ntasks-per-node=1", "#SBATCH --partition=batch",
                 "#SBATCH --account=perf", "#SBATCH --time=15", "#SBATCH --job-name=perfkit-bert-cpu-cpux2x1"):
        assert line in text.splitlines()
    assert "gpus-per-node" not in text  # the cpu vendor has no cards
    assert 'scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1' in text
    assert "export PERFKIT_RDZV_ENDPOINT=" in text
    assert f"export PERFKIT_ROOT='{tmp_path}/project with space'" in text
    srun = [line for line in text.splitlines() if line.startswith("srun ")]
    assert len(srun) == 1 and "-m perfkit.slurm.node" in srun[0] and "--timeout 600" in srun[0]
    # the script is valid bash
    assert subprocess.run(["bash", "-n"], input=text, text=True).returncode == 0


def test_single_node_script_has_no_rendezvous_and_user_options_win(tmp_path):
    request = _request(tmp_path, config="x", nnodes=1, nproc_per_node=8, vendor="nvidia", timeout=None)
    options = SlurmOptions(time="02:00:00", sbatch_args=parse_pairs(["gpus-per-node=", "gres=gpu:a100:8", "exclusive"],
                                                                     "--slurm-arg"),
                           srun_args=parse_pairs(["container-image=nvcr.io/nvidia/pytorch:24.05-py3"], "--srun-arg"))
    text = render(request, options)
    assert "PERFKIT_RDZV_ENDPOINT" not in text
    assert "#SBATCH --time=02:00:00" in text and "#SBATCH --exclusive" in text
    assert "#SBATCH --gres=gpu:a100:8" in text and "gpus-per-node" not in text
    assert "srun --kill-on-bad-exit=1 --container-image=nvcr.io/nvidia/pytorch:24.05-py3 " in text
    by_name = dict(directives(_request(tmp_path, vendor="nvidia", nproc_per_node=8), SlurmOptions()))
    assert by_name["gpus-per-node"] == "8"


def test_time_limit_covers_the_timeout_in_whole_minutes():
    assert minutes_for(None) == ""
    assert minutes_for(20) == "6"  # 20 s of notebook + 300 s for everything around it
    assert minutes_for(3600) == "65"


@pytest.mark.parametrize("item", ["output=/etc/x", "chdir=/", "no spaces allowed=1", "comment=a b", "x=`id`",
                                  "dependency=afterok:1", "Bad_Key=1"])
def test_bad_slurm_args_are_one_line_user_errors(item):
    with pytest.raises(UserError) as err:
        parse_pairs([item], "--slurm-arg")
    assert "--slurm-arg" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("value,ok", [("10", True), ("1:30", True), ("1-12:00:00", True), ("UNLIMITED", True),
                                      ("1h", False), ("10;rm", False), ("", True)])
def test_time_values(value, ok):
    if ok:
        SlurmOptions(time=value)
    else:
        with pytest.raises(UserError, match="--time"):
            SlurmOptions(time=value)


def test_states_map_to_statuses():
    assert normalise_state("CANCELLED by 0") == "CANCELLED"
    assert normalise_state("TIMEOUT+") == "TIMEOUT"
    assert [slurm_verdict(s) for s in ("TIMEOUT", "CANCELLED", "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY")] == [
        "timeout", "interrupted", "crashed", "interrupted", "crashed"]
    assert slurm_verdict("COMPLETED") is None and slurm_verdict("FAILED") is None
    assert JobState("7", "TIMEOUT", "TimeLimit", "0:15", "n1").describe() == \
        "Slurm job 7 TIMEOUT (reason: TimeLimit, exit code 0:15, nodes n1)"


def test_parsing_scontrol_and_sacct():
    fields = parse_scontrol("JobId=12 JobName=perfkit-bert JobState=NODE_FAIL Reason=NodeDown Dependency=(null) "
                            "ExitCode=0:0 NodeList=n[1-2]")
    assert fields["JobState"] == "NODE_FAIL" and fields["Reason"] == "NodeDown" and fields["NodeList"] == "n[1-2]"
    state = parse_sacct("12", "12|CANCELLED by 1000|None|0:15|n1\n")
    assert state == JobState("12", "CANCELLED", "", "0:15", "n1")
    assert parse_sacct("13", "12|COMPLETED|None|0:0|n1") is None


def test_task_rank_comes_from_slurm():
    assert task_rank({"SLURM_PROCID": "1", "SLURM_NTASKS": "2"}) == (1, 2)
    assert task_rank({}) == (0, 1)
    with pytest.raises(UserError):
        task_rank({"SLURM_PROCID": "x"})


def test_max_jobs_deals_submissions_onto_lanes():
    # three single jobs, two lanes: the third waits for the first (the old chain k - N)
    assert plan_lanes([1, 1, 1], 2) == [[], [], [0]]
    assert plan_lanes([1, 1, 1], None) == [[], [], []]
    # an array two at a time takes both lanes: the job after it waits for the array
    assert plan_lanes([2, 1, 1], 2) == [[], [0], [0]]
    assert plan_lanes([1, 3, 1], 3) == [[], [0], [1]]
    with pytest.raises(ValueError):
        plan_lanes([3], 2)


def _most_at_once(sizes: list[int], widths: list[int], waits: list[list[int]], durations: list[list[int]]) -> int:
    """Simulate Slurm: a submission starts once every one it waits for ended, then runs its
    tasks (durations) at most ``width`` at a time; the most runs seen going at once."""
    ends: dict[int, int] = {}
    busy: list[tuple[int, int]] = []  # (start, end) of every task
    for unit in range(len(sizes)):  # waits point backwards: units in order
        start = max((ends[w] for w in waits[unit]), default=0)
        slots = [start] * widths[unit]
        for d in durations[unit][: sizes[unit]]:
            slot = min(range(len(slots)), key=slots.__getitem__)
            busy.append((slots[slot], slots[slot] + d))
            slots[slot] += d
        ends[unit] = max(slots)
    return max(sum(1 for s, e in busy if s <= t < e) for t in {s for s, _ in busy})


@pytest.mark.parametrize("seed", range(40))
def test_lanes_never_let_more_than_max_jobs_runs_go_at_once(seed):
    import random

    rng = random.Random(seed)
    cap = rng.randint(1, 4)
    sizes = [rng.choice([1, 1, 2, 3, 6]) for _ in range(rng.randint(1, 8))]
    widths = [min(size, cap) for size in sizes]
    durations = [[rng.randint(1, 9) for _ in range(size)] for size in sizes]
    most = _most_at_once(sizes, widths, plan_lanes(widths, cap), durations)
    assert most <= cap
    # and the cap is not met by running one thing at a time: the first two runs start together
    if sum(sizes) > 1 and cap > 1:
        assert most >= 2


def test_runs_asking_for_the_same_allocation_share_an_array(tmp_path):
    options = SlurmOptions(partition="batch")
    requests = [
        _request(tmp_path, config="a", nnodes=1),
        _request(tmp_path, config="b", nnodes=1, output_dir=tmp_path / "reports/runs/bert/cpu/b"),
        _request(tmp_path, config="a", nnodes=1, output_dir=tmp_path / "reports/runs/bert/cpu/a/r2"),
        _request(tmp_path, config="c", nnodes=1, timeout=60.0),  # another time limit
        _request(tmp_path, config="d", nnodes=2),  # another node count
    ]
    assert group_by_allocation(requests, options, 1001) == [[0, 1, 2], [3], [4]]
    # the cluster's MaxArraySize caps an array; 0 or 1 (arrays off) leaves one job per run
    assert group_by_allocation(requests, options, 2) == [[0, 1], [2], [3], [4]]
    assert group_by_allocation(requests, options, 0) == [[0], [1], [2], [3], [4]]
    text = render_array([requests[i] for i in (0, 1, 2)], options, "perfkit-suite-nightly",
                        tmp_path / "reports/jobs/%A_%a.log", dependency="afterany:41", throttle=2)
    lines = text.splitlines()
    for line in ("#SBATCH --array=0-2%2", f"#SBATCH --output={tmp_path}/reports/jobs/%A_%a.log",
                 "#SBATCH --job-name=perfkit-suite-nightly", "#SBATCH --dependency=afterany:41",
                 "#SBATCH --partition=batch", "#SBATCH --nodes=1", "#SBATCH --time=15"):
        assert line in lines
    assert 'case "${SLURM_ARRAY_TASK_ID:-}" in' in lines
    sruns = [line.strip() for line in lines if line.strip().startswith("srun ")]
    assert len(sruns) == 3
    assert "prepared/a.json" in sruns[0] and "prepared/b.json" in sruns[1] and "cpu/a/r2 --timeout 600 ;;" in sruns[2]
    assert not any("--config" in srun or "--overrides" in srun for srun in sruns)  # the prepared run alone travels
    assert "PERFKIT_RDZV_ENDPOINT" not in text  # one node each
    assert subprocess.run(["bash", "-n"], input=text, text=True).returncode == 0
    # task K runs the K-th run; a task the script does not know stops with exit 2
    stub = tmp_path / "bin"
    stub.mkdir()
    (stub / "srun").write_text('#!/bin/sh\necho "$@"\n')
    (stub / "srun").chmod(0o755)
    env = {"PATH": f"{stub}:/usr/bin:/bin", "SLURM_ARRAY_TASK_ID": "1"}
    ran = subprocess.run(["bash", "-c", text], env=env, capture_output=True, text=True)
    assert ran.returncode == 0 and "prepared/b.json" in ran.stdout and "prepared/a.json" not in ran.stdout
    ran = subprocess.run(["bash", "-c", text], env={**env, "SLURM_ARRAY_TASK_ID": "3"}, capture_output=True, text=True)
    assert ran.returncode == 2 and "no run for array task 3" in ran.stderr
    with pytest.raises(ValueError):
        render_array([requests[0], requests[3]], options, "x", tmp_path / "%A_%a.log")


def test_array_task_ids_in_commands_and_the_ledger(reports):
    from perfkit.slurm.commands import check_job_id, parse_max_array_size, parse_squeue, scontrol_names

    assert parse_max_array_size("MaxArraySize            = 4\nMaxJobCount             = 10000\n") == 4
    assert parse_max_array_size("no such line\n") == 1001
    from perfkit.slurm.job_ids import sort_key

    states = parse_squeue("12_[3-5%2]|PENDING|JobArrayTaskLimit|\n12_1|RUNNING|None|n1\n12_3|PENDING|JobArrayTaskLimit|\n")
    assert set(states) == {"12_1", "12_3"} and states["12_3"].reason == "JobArrayTaskLimit"
    task = parse_scontrol("JobId=14 ArrayJobId=12 ArrayTaskId=1 JobState=COMPLETED Reason=None ExitCode=0:0")
    assert scontrol_names(task, "12_1") and not scontrol_names(task, "14_1") and not scontrol_names(task, "12_2")
    assert scontrol_names(parse_scontrol("JobId=14 JobState=RUNNING"), "14")
    assert check_job_id("12_1") == "12_1"
    for bad in ("12_", "_1", "12_1_2", "12-1", "12_1;rm"):
        with pytest.raises(UserError):
            check_job_id(bad)
    assert sorted(["12_10", "13", "12_2", "12_0"], key=sort_key) == ["12_0", "12_2", "12_10", "13"]
    folder = ledger.jobs_dir()
    folder.mkdir(parents=True)
    for job_id in ("12_0", "12_1", "13"):
        ledger.save(JobRecord(job_id, "2026-01-01T00:00:00+00:00", "bert", "cpu", "smoke", "bert/cpu/smoke",
                              str(reports / "runs/bert/cpu/smoke")))
    assert [r.job_id for r in ledger.all_records()] == ["13", "12_1", "12_0"]


def test_ledger_rejects_hostile_records(reports):
    folder = ledger.jobs_dir()
    folder.mkdir(parents=True)
    good = JobRecord("42", "2026-01-01T00:00:00+00:00", "bert", "cpu", "smoke", "bert/cpu/smoke",
                     str(reports / "runs/bert/cpu/smoke"))
    ledger.save(good)
    (folder / "43.json").write_text(json.dumps({**good.to_dict(), "job_id": "43", "run_dir": "/etc"}))
    (folder / "44.json").write_text(json.dumps({**good.to_dict(), "job_id": "../44"}))
    (folder / "45.json").write_text("not json")
    assert [r.job_id for r in ledger.all_records()] == ["42"]


def _job(reports: Path, submitted_at: str) -> JobRecord:
    """A job as SlurmLauncher.submit records it: its prepared run (3 steps) saved in the ledger."""
    run_dir = reports / "runs/bert/cpu/smoke"
    prepared = save_payload_file(prepare("bert", "cpu", "smoke", {"max_steps": 3}, run_dir),
                                 ledger.new_prepared_path(reports))
    return JobRecord("77", submitted_at, "bert", "cpu", "smoke", "bert/cpu/smoke", str(run_dir), str(prepared))


def test_a_job_cancelled_before_it_ran_is_recorded_interrupted(reports, tmp_path):
    job = _job(reports, "2026-01-01T00:00:00+00:00")
    log = tmp_path / "77.log"
    log.write_text("slurmstepd: error: *** JOB 77 ON n1 CANCELLED AT 2026-01-01T00:01:00 ***\n")
    record = settle(job, JobState("77", "CANCELLED", "", "0:0", ""), log)
    written = json.loads((Path(job.run_dir) / "result.json").read_text())
    assert written["status"] == record.status == "interrupted"
    assert written["error"]["slurm_job_id"] == "77" and written["error"]["slurm_state"] == "CANCELLED"
    assert "CANCELLED AT" in written["error"]["traceback"]
    assert (Path(job.run_dir) / "slurm.log").is_file()
    # no staging or moved-aside folder left (the run folder's lock file stays, by design)
    assert not [p for p in Path(job.run_dir).parent.iterdir() if p.name.startswith(".") and not p.name.endswith(".lock")]


def test_slurm_time_limit_overrides_what_the_killed_run_wrote(reports, tmp_path):
    job = _job(reports, "2026-01-01T00:00:00+00:00")
    run_dir = Path(job.run_dir)
    run_dir.mkdir(parents=True)
    killed = initial_record(prepare("bert", "cpu", "smoke", {"max_steps": 3}, run_dir), "2026-01-01T00:00:05+00:00",
                            status="crashed")
    killed.error = {"type": "KernelDied", "message": "the kernel was killed by SIGTERM", "step": 2, "traceback": "tb"}
    (run_dir / "result.json").write_text(json.dumps(killed.to_dict()))
    record = settle(job, JobState("77", "TIMEOUT", "TimeLimit", "0:15", "n1"), tmp_path / "missing.log")
    assert record.status == "timeout"
    assert record.error["slurm_reason"] == "TimeLimit" and record.error["step"] == 2
    assert record.error["run_error"] == "KernelDied: the kernel was killed by SIGTERM"
    assert RunResult.from_dict(json.loads((run_dir / "result.json").read_text())).status == "timeout"


def test_a_run_that_ended_by_itself_keeps_its_record(reports, tmp_path):
    job = _job(reports, "2026-01-01T00:00:00+00:00")
    run_dir = Path(job.run_dir)
    run_dir.mkdir(parents=True)
    own = initial_record(prepare("bert", "cpu", "smoke", {"max_steps": 3}, run_dir), "2026-01-01T00:00:05+00:00",
                         status="timeout")
    own.error = {"type": "Timeout", "message": "timed out after 20 s", "step": None, "traceback": ""}
    (run_dir / "result.json").write_text(json.dumps(own.to_dict()))
    record = settle(job, JobState("77", "FAILED", "NonZeroExitCode", "1:0", "n1"), tmp_path / "none.log")
    assert record.status == "timeout" and record.error["message"] == "timed out after 20 s"
    assert record.error["slurm_job_id"] == "77"


def test_an_older_result_does_not_pass_for_the_job(reports, tmp_path):
    job = _job(reports, "2026-06-01T00:00:00+00:00")
    run_dir = Path(job.run_dir)
    run_dir.mkdir(parents=True)
    old = initial_record(prepare("bert", "cpu", "smoke", {"max_steps": 3}, run_dir), "2026-01-01T00:00:05+00:00",
                         status="ok")
    (run_dir / "result.json").write_text(json.dumps(old.to_dict()))
    record = settle(job, JobState("77", "NODE_FAIL", "NodeDown", "0:0", "n2"), tmp_path / "none.log")
    assert record.status == "crashed" and "NodeDown" in record.error["message"]


def test_without_slurm_the_launcher_is_a_usage_error_and_writes_nothing(reports, tmp_path):
    import os
    import sys

    from support.cli import run_cli

    bin_dir = tmp_path / "bin"  # python only: no sbatch on PATH
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    done = run_cli("run", "bert", "--vendor", "cpu", "--config", "smoke", "--launcher", "slurm",
                   env_extra={"PATH": str(bin_dir), "PERFKIT_REPORTS": str(reports), "HOME": os.environ.get("HOME", "/")})
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "perfkit: error: sbatch not found: --launcher slurm needs Slurm's client commands on PATH")
    assert not reports.exists()


def test_a_settled_job_becomes_a_suite_outcome_line(reports):
    from perfkit.slurm.suite import outcome_of

    job = _job(reports, "2026-01-01T00:00:00+00:00")
    job.detail = "Slurm job 77 TIMEOUT"
    record = initial_record(prepare("bert", "cpu", "smoke", {}, job.run_dir), "2026-01-01T00:00:05+00:00", "timeout")
    record.finished_at = "2026-01-01T00:01:05+00:00"
    record.metrics = {"e2e_time": 50.0}
    assert outcome_of(job, record).line() == "bert/cpu/smoke: timeout in 60.0 s - Slurm job 77 TIMEOUT"


def test_parsing_squeue_for_many_jobs_at_once():
    from perfkit.slurm.commands import parse_squeue

    states = parse_squeue("12|RUNNING|None|n[1-2]\n13|PENDING|Dependency|\n14|COMPLETED|None|n3\nnoise\n")
    assert states["12"] == JobState("12", "RUNNING", "", "", "n[1-2]")
    assert states["13"].reason == "Dependency" and not states["13"].terminal
    assert states["14"].terminal and set(states) == {"12", "13", "14"}


def test_an_array_task_slurm_dropped_before_it_started_is_interrupted(reports, tmp_path):
    from perfkit.slurm.launcher import forgotten

    job = _job(reports, "2026-01-01T00:00:00+00:00")
    job.job_id = "77_1"
    record = settle(job, forgotten("77_1"), tmp_path / "none.log")
    assert record.status == "interrupted" and "cancelled while pending" in record.error["message"]
    assert record.error["slurm_job_id"] == "77_1"
    # a plain job Slurm forgot without a result stays what it was: a crash
    job.job_id, job.run_dir = "78", str(reports / "runs/bert/cpu/other")
    assert settle(job, forgotten("78"), tmp_path / "none.log").status == "crashed"


@pytest.mark.parametrize("bad", ["12\n", "12_1\n", "１２", "١٢_1"])
def test_job_ids_are_ascii_digits_through_the_whole_string(bad, reports):
    from perfkit.slurm.commands import check_job_id
    from perfkit.slurm.job_ids import is_job_id

    assert not is_job_id(bad)
    with pytest.raises(UserError):
        check_job_id(bad)
    folder = ledger.jobs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "x.json").write_text(json.dumps({"job_id": bad, "submitted_at": "", "benchmark": "bert", "vendor": "cpu",
                                               "config": "smoke", "label": "l", "run_dir": str(reports / "runs/x")}))
    assert ledger.all_records() == []


@pytest.mark.parametrize("options", [{"partition": "gpu\n"}, {"account": "perf\n"}, {"time": "10\n"}])
def test_a_trailing_newline_never_reaches_a_script_line(options):
    with pytest.raises(UserError):
        SlurmOptions(**options)
    with pytest.raises(UserError):
        parse_pairs([f"gres={next(iter(options.values()))}"], "--slurm-arg")


def _tampered(path: Path, **params) -> None:
    """The prepared-run file with some params changed and its recorded hash left as it was."""
    data = json.loads(path.read_text())
    data["run"]["params"].update(params)
    path.write_text(json.dumps(data))


def test_a_job_that_wrote_nothing_is_recorded_from_its_prepared_run_not_the_yaml(reports, tmp_path, monkeypatch):
    job = _job(reports, "2026-01-01T00:00:00+00:00")
    monkeypatch.setattr("perfkit.run.spec.prepare", None)  # settling never resolves again
    record = settle(job, JobState("77", "CANCELLED", "", "0:0", ""), tmp_path / "none.log")
    assert record.status == "interrupted"
    assert record.run["params"]["max_steps"] == 3 and record.run["overrides"] == {"max_steps": 3}
    assert record.params_hash == prepare("bert", "cpu", "smoke", {"max_steps": 3}).resolved.params_hash


def test_settling_refuses_a_prepared_run_whose_hash_does_not_match(reports, tmp_path):
    job = _job(reports, "2026-01-01T00:00:00+00:00")
    _tampered(Path(job.prepared), max_steps=5)
    record = settle(job, JobState("77", "CANCELLED", "", "0:0", ""), tmp_path / "none.log")
    assert record.status == "interrupted" and record.run == {}  # what the ledger knows, not the edited params


@pytest.mark.parametrize("case", ["edited params", "edited hash", "not json", "missing", "another benchmark"])
def test_a_node_checks_its_prepared_runs_hash_and_names_the_file(reports, tmp_path, monkeypatch, capsys, case):
    from perfkit.slurm import node

    job = _job(reports, "2026-01-01T00:00:00+00:00")
    path = Path(job.prepared)
    if case == "edited params":
        _tampered(path, max_steps=5)
    elif case == "edited hash":
        data = json.loads(path.read_text())
        data["run"]["params_hash"] = "0" * 16
        path.write_text(json.dumps(data))
    elif case == "not json":
        path.write_text("{")
    elif case == "missing":
        path.unlink()
    else:
        data = json.loads(path.read_text())
        data["run"]["benchmark"] = "no_such_benchmark"
        path.write_text(json.dumps(data))
    monkeypatch.setattr("perfkit.jobs.launcher.LocalLauncher.run", None)  # nothing may start
    monkeypatch.setenv("SLURM_PROCID", "0")
    monkeypatch.setenv("SLURM_NTASKS", "1")
    assert node.main(["--prepared", str(path), "--output-dir", job.run_dir]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0], err
    if case.startswith("edited"):
        assert "params hash mismatch" in err[0]


def test_a_node_takes_its_run_from_the_prepared_file(reports, tmp_path, monkeypatch):
    from perfkit.slurm import node

    job = _job(reports, "2026-01-01T00:00:00+00:00")
    ran = []

    class Done:
        status, seconds, error, run_dir = "ok", 1.0, "", job.run_dir

    def run(self, prepared, timeout=None, html=True, redacted=False):
        ran.append((prepared.resolved.params.max_steps, str(prepared.output_dir), timeout, html))
        return Done()

    monkeypatch.setattr("perfkit.run.spec.prepare", None)  # the node never resolves again
    monkeypatch.setattr("perfkit.jobs.launcher.LocalLauncher.run", run)
    monkeypatch.setenv("SLURM_PROCID", "0")
    monkeypatch.setenv("SLURM_NTASKS", "1")
    assert node.main(["--prepared", job.prepared, "--output-dir", job.run_dir, "--timeout", "60", "--no-html"]) == 0
    assert ran == [(3, job.run_dir, 60.0, False)]


def test_another_node_joins_with_the_prepared_run_in_a_scratch_folder(reports, tmp_path, monkeypatch):
    from perfkit.run import elastic
    from perfkit.slurm import node

    run_dir = reports / "runs/bert/cpu/cpux2x1"
    prepared = save_payload_file(prepare("bert", "cpu", "cpux2x1", {"max_steps": 3}, run_dir),
                                 ledger.new_prepared_path(reports))
    joined = []

    def launch(self, run):
        joined.append((run.resolved.params.max_steps, run.resolved.nnodes, run.output_dir != run_dir))

    monkeypatch.setattr("perfkit.run.spec.prepare", None)
    monkeypatch.setattr(elastic.ElasticLauncher, "launch", launch)
    monkeypatch.setattr("perfkit.run.preflight.preflight", lambda run: None)
    monkeypatch.setenv("SLURM_PROCID", "1")
    monkeypatch.setenv("SLURM_NTASKS", "2")
    assert node.main(["--prepared", str(prepared), "--output-dir", str(run_dir)]) == 0
    assert joined == [(3, 2, True)]  # the prepared run, in a scratch folder: only node 0 writes the run folder
