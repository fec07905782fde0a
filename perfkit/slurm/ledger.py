"""The job ledger: one JSON record per submitted job, ``reports/jobs/<jobid>.json``, next to the
job's script (``<jobid>.sh``) and its output (``<jobid>.log``). ``perfkit status`` reads it.

An array's tasks (``<arrayid>_<task>``, perfkit.slurm.job_ids) have a record each; they share the
array's script (``<arrayid>.sh``) and write their own output (``<arrayid>_<task>.log``).
Each job's run travels as its prepared run (perfkit.run.spec.to_payload), written before the
submission to ``reports/jobs/prepared/<name>.json``, named by the record's ``prepared``: the
job's nodes run it and settling a job that wrote nothing records it, neither reads the YAML.

A record is read back as untrusted input, validated against a schema (pydantic, strict types:
a ``submitted_at`` that is a number is refused, not compared), bounded in size, and its
``run_dir`` must be exactly the folder its own identity names: ``<reports>/runs/<benchmark>/
<vendor>/<config>``, plus ``r<K>`` when its label names repeat K. Anything else (the reports
folder itself, ``runs/``, ``references/``, another benchmark's run folder) is refused: the
record is skipped with one warning naming its file, and nothing is written or deleted for it.
Its ``prepared``, when set, must be a file of ``<reports>/jobs/prepared/`` named as perfkit names them.
"""

from __future__ import annotations

import json
import math
import re
import sys
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from perfkit import paths
from perfkit.errors import UserError
from perfkit.files.reading import KIB, read_text_bounded
from perfkit.results import run_folder
from perfkit.results.store import write_json_atomic
from perfkit.slurm.job_ids import is_job_id, sort_key

RECORD_LIMIT = 256 * KIB
_TIMESTAMP = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\+00:00|Z)$"
_LABEL_REPEAT = re.compile(r"^(?P<run>.+) r(?P<repeat>[1-9][0-9]{0,5})$")  # a suite labels repeat 1 " r1" too

JOBS_DIR = paths.JOBS_DIR
PREPARED_DIR = paths.PREPARED_DIR  # reports/jobs/prepared/<name>.json: each job's prepared run, written at submission
_PREPARED_NAME = re.compile(r"^[0-9a-f]{32}\.json$")


@dataclass
class JobRecord:
    job_id: str
    submitted_at: str  # utc_now() at submission; a result started before it is an older run's
    benchmark: str
    vendor: str
    config: str
    label: str  # bert/cpu/smoke, plus " r2" for a repeat
    run_dir: str
    prepared: str = ""  # the job's prepared run, reports/jobs/prepared/<name>.json ('' in records of older perfkits)
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
        try:
            return cls.checked(data)
        except ValueError:
            return None

    @classmethod
    def checked(cls, data: Any) -> JobRecord:
        """The record ``data`` describes, validated (LedgerSchema); a ValueError saying what is wrong."""
        try:
            model = LedgerSchema.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "record"
            raise ValueError(f"{where}: {first['msg']}") from None
        if not is_job_id(model.job_id):
            raise ValueError(f"job_id: {model.job_id[:40]!r} is not a Slurm job id")
        if model.timeout is not None and not (math.isfinite(model.timeout) and model.timeout > 0):
            raise ValueError("timeout: must be a finite number of seconds > 0")
        return cls(**model.model_dump(exclude={"overrides"}))


class LedgerSchema(BaseModel):
    """A ledger record as read back: strict types, no unknown keys, bounded text."""

    model_config = ConfigDict(strict=True, extra="forbid")

    job_id: str = Field(max_length=40)
    submitted_at: str = Field(pattern=_TIMESTAMP)
    benchmark: str = Field(max_length=paths.NAME_MAX)
    vendor: str = Field(max_length=paths.NAME_MAX)
    config: str = Field(max_length=paths.NAME_MAX)
    label: str = Field(max_length=3 * paths.NAME_MAX + 20)
    run_dir: str = Field(max_length=4096)
    prepared: str = Field(default="", max_length=4096)
    overrides: dict[str, Any] = {}  # written by perfkits before the prepared-run file; read, not kept
    timeout: float | None = None
    suite: str = Field(default="", max_length=paths.NAME_MAX)
    html: bool = True
    redacted: bool = False
    state: str = Field(default="PENDING", max_length=40)
    reason: str = Field(default="", max_length=1000)
    status: str = Field(default="", max_length=40)
    detail: str = Field(default="", max_length=4000)
    settled_at: str = Field(default="", pattern=r"^$|" + _TIMESTAMP)


def expected_run_dir(record: JobRecord, reports: Path) -> Path:
    """The run folder the record's identity names (benchmark, vendor, config, the repeat its
    label names), under the resolved reports folder; symlinks inside are not followed. A
    UserError when a name is not a name or the label does not match the identity."""
    names = [paths.safe_name(record.benchmark, "benchmark"), paths.safe_name(record.vendor, "vendor"),
             paths.safe_name(record.config, "config")]
    run = "/".join(names)
    repeat = _LABEL_REPEAT.fullmatch(record.label)
    if (repeat["run"] if repeat else record.label) != run:
        raise UserError(f"label {record.label[:80]!r} is not {run!r} (or {run!r} rK for repeat K)")
    folder = Path(reports).resolve() / "runs" / Path(*names)
    return run_folder.repeat_dir(folder, int(repeat["repeat"])) if repeat else folder


def jobs_dir(reports: Path | None = None) -> Path:
    return (reports or paths.reports_dir()) / JOBS_DIR


def new_prepared_path(reports: Path) -> Path:
    """A fresh name for a job's prepared-run file."""
    return Path(reports).resolve() / JOBS_DIR / PREPARED_DIR / f"{uuid.uuid4().hex}.json"


def expected_prepared(record: JobRecord, reports: Path) -> Path | None:
    """The record's prepared-run file, which must be one perfkit names (:func:`new_prepared_path`);
    None for a record without one. A UserError otherwise."""
    if not record.prepared:
        return None
    path = Path(record.prepared)
    if not _PREPARED_NAME.fullmatch(path.name) or path != Path(reports).resolve() / JOBS_DIR / PREPARED_DIR / path.name:
        raise UserError(f"prepared {record.prepared[:200]!r} is not a prepared-run file of {jobs_dir(Path(reports))}")
    return path


def record_path(job_id: str, reports: Path | None = None) -> Path:
    if not is_job_id(job_id):
        raise ValueError(f"not a job id: {job_id!r}")
    return jobs_dir(reports) / f"{job_id}.json"


def save(record: JobRecord, reports: Path | None = None) -> Path:
    path = record_path(record.job_id, reports)
    write_json_atomic(path, record.to_dict())
    return path


def check(path: Path, reports: Path | None = None) -> JobRecord:
    """One record, validated; a UserError (one line, naming the file) when it is unreadable,
    does not fit the schema, is not the record its name says, or its ``run_dir`` is not exactly
    the run folder its identity names."""
    try:
        text = read_text_bounded(path, RECORD_LIMIT, UserError, shown="the record")
        record = JobRecord.checked(json.loads(text))
        if path.name != f"{record.job_id}.json":
            raise ValueError(f"job_id: {record.job_id!r} is not the record of {path.name}")
        expected = expected_run_dir(record, reports or paths.reports_dir())
        expected_prepared(record, reports or paths.reports_dir())
    except (UserError, ValueError, RecursionError) as exc:
        raise UserError(f"{path}: {' '.join(str(exc).split())[:300]}") from None
    if Path(record.run_dir) != expected:
        raise UserError(f"{path}: run_dir {record.run_dir[:200]!r} is not the run folder of {record.label!r} "
                        f"({expected}); refused")
    return record


def load(path: Path, reports: Path | None = None, warn: bool = True) -> JobRecord | None:
    """One record, or None (with one warning on stderr, unless ``warn`` is off) when ``check``
    refuses it: perfkit then writes and deletes nothing for it."""
    try:
        return check(path, reports)
    except UserError as exc:
        if warn:
            print(f"perfkit: warning: skipped ledger record {exc}", file=sys.stderr)
        return None


def all_records(reports: Path | None = None) -> list[JobRecord]:
    """Every valid record, newest job first; each refused one skipped with a warning."""
    folder = jobs_dir(reports)
    records = [load(p, reports) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []
    return sorted((r for r in records if r is not None), key=lambda r: sort_key(r.job_id), reverse=True)
