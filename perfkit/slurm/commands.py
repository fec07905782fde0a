"""Slurm's commands, called and parsed: ``sbatch --parsable``, ``scontrol show job -o``,
``sacct`` (where accounting is on), ``scancel``.

A job's state comes from ``scontrol`` while the controller remembers it (MinJobAge seconds
after it ends, 300 by default), then from ``sacct``; with neither, the job is unknown. Array
tasks are asked about by their ``<array>_<task>`` id (perfkit.slurm.job_ids); a task cancelled
while still pending may be dropped by Slurm at once, and is unknown from then on.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from perfkit.errors import UserError
from perfkit.slurm.job_ids import is_job_id
from perfkit.slurm.states import JobState, normalise_reason, normalise_state

_FIELD = re.compile(r"(\w[\w/:]*)=(\S*)")
COMMAND_TIMEOUT_S = 60


class SlurmError(UserError):
    """A Slurm command failed (not installed, controller unreachable, submission refused)."""


def check_job_id(text: str) -> str:
    if not is_job_id(text):
        raise SlurmError(f"'{text}' is not a Slurm job id (digits, or ARRAYID_TASK for an array task)")
    return text


def require(command: str) -> None:
    if shutil.which(command) is None:
        raise SlurmError(f"{command} not found: --launcher slurm needs Slurm's client commands on PATH")


def _run(args: list[str]) -> subprocess.CompletedProcess:
    require(args[0])
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise SlurmError(f"{' '.join(args[:3])}: no answer within {COMMAND_TIMEOUT_S} s (is slurmctld up?)") from None


def _last_line(done: subprocess.CompletedProcess) -> str:
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit status {done.returncode}"


def submit(script: Path, extra: list[str] | None = None) -> str:
    """``sbatch --parsable SCRIPT``: the new job's id (an array's: its tasks are ``<id>_<task>``)."""
    done = _run(["sbatch", "--parsable", *(extra or []), str(script)])
    if done.returncode != 0:
        raise SlurmError(f"sbatch {script.name}: {_last_line(done)}")
    job_id = done.stdout.strip().splitlines()[-1].split(";")[0] if done.stdout.strip() else ""
    if "_" in job_id:
        raise SlurmError(f"sbatch {script.name}: answered '{job_id[:40]}', not a job id")
    return check_job_id(job_id)


def parse_scontrol(text: str) -> dict[str, str]:
    """``scontrol show job -o`` output: ``Key=Value`` pairs (values without spaces)."""
    return {key: value for key, value in _FIELD.findall(text)}


def scontrol_names(fields: dict[str, str], job_id: str) -> bool:
    """Whether a ``scontrol show job`` record is ``job_id``'s: an array task's record has a job
    id of its own, and names the task as ``ArrayJobId`` and ``ArrayTaskId``."""
    if "_" in job_id:
        return f"{fields.get('ArrayJobId')}_{fields.get('ArrayTaskId')}" == job_id
    return fields.get("JobId") == job_id


def _from_scontrol(job_id: str) -> JobState | None:
    done = _run(["scontrol", "show", "job", "-o", job_id])
    if done.returncode != 0:
        said = done.stderr + done.stdout
        if "Invalid job id" in said or "not found" in said:  # "Job 12_3 not found": a dropped array task
            return None
        raise SlurmError(f"scontrol show job {job_id}: {_last_line(done)}")
    fields = parse_scontrol(done.stdout)
    if not scontrol_names(fields, job_id) or "JobState" not in fields:
        return None
    nodes = fields.get("NodeList", "")
    return JobState(job_id, normalise_state(fields["JobState"]), normalise_reason(fields.get("Reason", "")),
                    fields.get("ExitCode", ""), "" if nodes == "(null)" else nodes)


def parse_sacct(job_id: str, text: str) -> JobState | None:
    """``sacct -X -n -P -o JobID,State,Reason,ExitCode,NodeList`` output for one job."""
    for line in text.splitlines():
        parts = line.split("|")
        if len(parts) >= 5 and parts[0] == job_id:
            nodes = parts[4] if parts[4] not in ("None assigned", "") else ""
            return JobState(job_id, normalise_state(parts[1]), normalise_reason(parts[2]), parts[3], nodes)
    return None


def _from_sacct(job_id: str) -> JobState | None:
    if shutil.which("sacct") is None:
        return None
    done = _run(["sacct", "-X", "-n", "-P", "-j", job_id, "-o", "JobID,State,Reason,ExitCode,NodeList"])
    return parse_sacct(job_id, done.stdout) if done.returncode == 0 else None


def job_state(job_id: str) -> JobState | None:
    """What Slurm knows about the job now; None when it has forgotten it."""
    check_job_id(job_id)
    return _from_scontrol(job_id) or _from_sacct(job_id)


def parse_squeue(text: str) -> dict[str, JobState]:
    """``squeue -h -r -t all -o %i|%T|%r|%N`` lines -> job id -> state (no exit code: squeue has
    none). ``-r`` lists a pending array task by task (``12_3``), not as ``12_[3-5%2]``."""
    states = {}
    for line in text.splitlines():
        parts = line.strip().split("|")
        if len(parts) == 4 and is_job_id(parts[0]):
            states[parts[0]] = JobState(parts[0], normalise_state(parts[1]), normalise_reason(parts[2]), "", parts[3])
    return states


def job_states(job_ids: list[str]) -> dict[str, JobState | None]:
    """Every job's state with one ``squeue`` call for those the controller holds; a job that
    ended, or that squeue does not list, is asked about on its own (exit code, sacct)."""
    if not job_ids:
        return {}
    done = _run(["squeue", "-h", "-r", "-t", "all", "-j", ",".join(check_job_id(j) for j in job_ids), "-o", "%i|%T|%r|%N"])
    listed = parse_squeue(done.stdout) if done.returncode == 0 else {}
    states: dict[str, JobState | None] = {}
    for job_id in job_ids:
        state = listed.get(job_id)
        states[job_id] = state if state is not None and not state.terminal else job_state(job_id)
    return states


DEFAULT_MAX_ARRAY_SIZE = 1001  # Slurm's default: array indices 0..1000


def parse_max_array_size(text: str) -> int:
    """``MaxArraySize`` from ``scontrol show config`` output (Slurm's default when absent)."""
    match = re.search(r"^MaxArraySize\s*=\s*(\d+)\s*$", text, re.MULTILINE)
    return int(match.group(1)) if match else DEFAULT_MAX_ARRAY_SIZE


def max_array_size() -> int:
    """How many tasks one array may hold on this cluster (indices 0..N-1; 0 or 1: no arrays)."""
    done = _run(["scontrol", "show", "config"])
    return parse_max_array_size(done.stdout) if done.returncode == 0 else DEFAULT_MAX_ARRAY_SIZE


def cancel(job_ids: list[str]) -> None:
    if not job_ids:
        return
    done = _run(["scancel", *[check_job_id(j) for j in job_ids]])
    # a job that ended meanwhile is no error: it is stopped either way
    errors = [line for line in done.stderr.splitlines()
              if line.strip() and "already completing or completed" not in line and "Invalid job id" not in line]
    if done.returncode != 0 and errors:
        raise SlurmError(f"scancel: {errors[-1]}")
