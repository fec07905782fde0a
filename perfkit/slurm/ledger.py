"""The job ledger: one JSON record per submitted job, ``reports/jobs/<jobid>.json``, next to the
job's script (``<jobid>.sh``) and its output (``<jobid>.log``). ``perfkit status`` reads it.

An array's tasks (``<arrayid>_<task>``, perfkit.slurm.job_ids) have a record each; they share the
array's script (``<arrayid>.sh``) and write their own output (``<arrayid>_<task>.log``).

A record is read back as untrusted input: a job id is a job id, a run folder lies under the
reports folder, or the record is ignored.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from perfkit import paths
from perfkit.results.store import write_json_atomic
from perfkit.slurm.job_ids import is_job_id, sort_key

JOBS_DIR = "jobs"


@dataclass
class JobRecord:
    job_id: str
    submitted_at: str  # utc_now() at submission; a result started before it is an older run's
    benchmark: str
    vendor: str
    config: str
    label: str  # bert/cpu/smoke, plus " r2" for a repeat
    run_dir: str
    overrides: dict[str, Any] = field(default_factory=dict)
    timeout: float | None = None
    suite: str = ""
    html: bool = True
    redacted: bool = False
    state: str = "PENDING"  # the last Slurm state seen
    reason: str = ""
    status: str = ""  # the run's status once settled
    detail: str = ""  # one line: what went wrong
    settled_at: str = ""

    @property
    def settled(self) -> bool:
        return bool(self.settled_at)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> JobRecord | None:
        if not isinstance(data, dict):
            return None
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        try:
            record = cls(**known)
        except TypeError:
            return None
        if not is_job_id(record.job_id):
            return None
        if not all(isinstance(getattr(record, name), str) for name in ("run_dir", "label", "benchmark", "vendor", "config")):
            return None
        if not isinstance(record.overrides, dict):
            return None
        return record


def jobs_dir(reports: Path | None = None) -> Path:
    return (reports or paths.reports_dir()) / JOBS_DIR


def record_path(job_id: str, reports: Path | None = None) -> Path:
    if not is_job_id(job_id):
        raise ValueError(f"not a job id: {job_id!r}")
    return jobs_dir(reports) / f"{job_id}.json"


def save(record: JobRecord, reports: Path | None = None) -> Path:
    path = record_path(record.job_id, reports)
    write_json_atomic(path, record.to_dict())
    return path


def load(path: Path, reports: Path | None = None) -> JobRecord | None:
    """One record, or None when it is unreadable or points outside the reports folder."""
    try:
        record = JobRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None
    if record is None:
        return None
    base = (reports or paths.reports_dir()).resolve()
    run_dir = Path(record.run_dir).resolve()
    if base != run_dir and base not in run_dir.parents:
        return None
    return record


def all_records(reports: Path | None = None) -> list[JobRecord]:
    """Every readable record, newest job first."""
    folder = jobs_dir(reports)
    records = [load(p, reports) for p in folder.glob("*.json")] if folder.is_dir() else []
    return sorted((r for r in records if r is not None), key=lambda r: sort_key(r.job_id), reverse=True)
