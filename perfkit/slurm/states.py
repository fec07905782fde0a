"""Slurm's job states and what they mean for a perfkit run.

A job that ran to its end (COMPLETED, or FAILED: the run's own exit status 1) leaves the record
perfkit wrote standing: ``ok``, ``failed``, ``crashed``, ``timeout``. A job Slurm ended decides
the status itself, whatever perfkit managed to write before it was stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

from perfkit.results import vocabulary as vocab

# Slurm states in which a job will not change any more
TERMINAL = frozenset({
    "COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "NODE_FAIL", "BOOT_FAIL", "OUT_OF_MEMORY", "PREEMPTED",
    "DEADLINE", "REVOKED", "SPECIAL_EXIT",
})

UNKNOWN = "UNKNOWN"  # perfkit's word for a job neither scontrol nor sacct knows any more

# the job's state -> the run's status, where Slurm (not the run) ended it
STATUS_OF_STATE = {
    "TIMEOUT": vocab.TIMEOUT,  # the job's time limit passed
    "DEADLINE": vocab.TIMEOUT,  # the job's --deadline passed
    "CANCELLED": vocab.INTERRUPTED,  # scancel, by the user or an administrator
    "PREEMPTED": vocab.INTERRUPTED,  # a higher-priority job took the nodes
    "REVOKED": vocab.INTERRUPTED,  # a federated sibling started elsewhere
    "NODE_FAIL": vocab.CRASHED,  # a node of the allocation failed
    "BOOT_FAIL": vocab.CRASHED,  # a node could not boot
    "OUT_OF_MEMORY": vocab.CRASHED,  # the cgroup memory limit killed a process
    "SPECIAL_EXIT": vocab.CRASHED,
}


@dataclass(frozen=True)
class JobState:
    """What Slurm says about one job."""

    job_id: str
    state: str  # JobState, first word (CANCELLED, not "CANCELLED by 0")
    reason: str = ""  # Slurm's Reason, '' for None
    exit_code: str = ""  # "N:S": exit status and signal of the batch script
    nodes: str = ""

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL

    def describe(self) -> str:
        """One line for people: "Slurm job 12 TIMEOUT (reason: TimeLimit, exit code 0:15, nodes n1)"."""
        details = []
        if self.reason:
            details.append(f"reason: {self.reason}")
        if self.exit_code:
            details.append(f"exit code {self.exit_code}")
        if self.nodes:
            details.append(f"nodes {self.nodes}")
        return f"Slurm job {self.job_id} {self.state}" + (f" ({', '.join(details)})" if details else "")


def normalise_state(text: str) -> str:
    """``CANCELLED by 0`` / ``CANCELLED+`` -> ``CANCELLED``."""
    word = text.strip().split(" ")[0] if text.strip() else ""
    return word.rstrip("+").upper()


def normalise_reason(text: str) -> str:
    return "" if text.strip() in ("", "None", "(null)") else text.strip()


def slurm_verdict(state: str) -> str | None:
    """The run's status when Slurm ended the job, else None (the run's own record stands)."""
    return STATUS_OF_STATE.get(state)
