"""What a user asks of Slurm, validated: every value ends up in a job script, so each is
checked against what Slurm accepts and what a script line can hold."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from perfkit.errors import UserError

_KEY = re.compile(r"^[a-z][a-z0-9-]*$")
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9_@%+=:,./~^-]*$")
_TIME = re.compile(r"^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2})$")
# options the generated script sets itself; a user value would break the run's bookkeeping
RESERVED = {"output", "error", "chdir", "parsable", "wrap", "array", "dependency", "ntasks", "export", "kill-on-bad-exit"}
# seconds a job gets beyond its run's notebook timeout: interpreter and kernel start, data check,
# HTML export, the swap into place
TIME_GRACE_S = 300


@dataclass(frozen=True)
class SlurmOptions:
    """``--partition``, ``--account``, ``--time`` and the ``--slurm-arg`` / ``--srun-arg`` pairs."""

    partition: str = ""
    account: str = ""
    time: str = ""
    sbatch_args: tuple[tuple[str, str], ...] = ()
    srun_args: tuple[tuple[str, str], ...] = ()
    wait: bool = True
    max_jobs: int | None = None
    poll_seconds: float = 2.0

    def __post_init__(self) -> None:
        if self.partition:
            check_value("--partition", self.partition)
        if self.account:
            check_value("--account", self.account)
        if self.time:
            check_time(self.time)
        if self.max_jobs is not None and self.max_jobs < 1:
            raise UserError(f"--max-jobs: must be a whole number >= 1 (got {self.max_jobs})")


def check_value(flag: str, value: str) -> str:
    if not _SAFE_VALUE.fullmatch(value):
        raise UserError(f"{flag}: '{value}' may hold only letters, digits and _@%+=:,./~^- (no spaces or quotes)")
    return value


def check_time(value: str, flag: str = "--time") -> str:
    if value.lower() in ("unlimited", "infinite") or _TIME.fullmatch(value):
        return value
    raise UserError(f"{flag}: '{value}' is not a Slurm time limit; allowed: MINUTES, MM:SS, HH:MM:SS, D-HH, D-HH:MM, "
                    "D-HH:MM:SS or UNLIMITED")


def parse_pairs(items: list[str] | None, flag: str) -> tuple[tuple[str, str], ...]:
    """``KEY=VALUE`` (or a bare ``KEY`` for a flag such as ``exclusive``) to validated pairs."""
    pairs = []
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip().lstrip("-")
        if not _KEY.fullmatch(key):
            raise UserError(f"{flag}: '{item}' is not KEY=VALUE with KEY a long option name such as "
                            "gpus-per-node or container-image")
        if key in RESERVED:
            raise UserError(f"{flag}: '{key}' is set by perfkit itself; allowed: any other sbatch/srun option")
        check_value(f"{flag} {key}", value)
        pairs.append((key, value if sep else ""))
    return tuple(pairs)


def minutes_for(timeout: float | None) -> str:
    """The job's time limit for a run with this notebook timeout (Slurm counts whole minutes)."""
    if timeout is None:
        return ""
    return str(max(1, math.ceil((timeout + TIME_GRACE_S) / 60)))
