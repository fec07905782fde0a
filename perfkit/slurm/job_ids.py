"""Slurm job ids as perfkit keeps them: ``1234`` for a job, ``1234_5`` for task 5 of array job
1234 (Slurm's own ``%A_%a`` spelling, which ``squeue -r``, ``scontrol``, ``sacct`` and
``scancel`` all accept). Anything else read back from a file or a command is refused."""

from __future__ import annotations

import re

# ASCII digits, the whole string: ``$`` alone would let a trailing newline through, ``\d`` any
# script's digits
_JOB_ID = re.compile(r"([0-9]{1,18})(?:_([0-9]{1,9}))?")


def is_job_id(text: object) -> bool:
    return isinstance(text, str) and _JOB_ID.fullmatch(text) is not None


def array_task(array_job_id: str, task: int) -> str:
    """The id of task ``task`` of array job ``array_job_id``."""
    return f"{array_job_id}_{task}"


def is_array_task(job_id: str) -> bool:
    match = _JOB_ID.fullmatch(job_id)
    return match is not None and match.group(2) is not None


def sort_key(job_id: str) -> tuple[int, int]:
    """Submission order: the job (or array) id, then the task index (-1 for a plain job)."""
    match = _JOB_ID.fullmatch(job_id)
    if match is None:
        raise ValueError(f"not a Slurm job id: {job_id!r}")
    return int(match.group(1)), int(match.group(2)) if match.group(2) is not None else -1
