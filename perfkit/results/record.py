"""The result record of one run: what was asked, where it ran, what it measured.

``schema_version`` changes whenever a field changes meaning; readers refuse versions they do
not know rather than guess. Version 2 added ``kind`` ("training" or "inference", the run's
scenario); a version 1 record is read as version 2 with its kind taken from its metrics.
The names a record is written in (its kinds, statuses and metric keys) are
perfkit.results.vocabulary's.
"""

from __future__ import annotations

import datetime as dt
import traceback as tb
from dataclasses import asdict, dataclass, field
from typing import Any

from perfkit.results import vocabulary as vocab

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_ERROR_TEXT = 64 * 1024  # characters of an error's message, and of its traceback, a record keeps


def utc_now() -> str:
    """A record's timestamps: UTC, ISO 8601, to the second."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@dataclass
class RunResult:
    benchmark: str
    vendor: str
    config: str
    status: str  # one of vocabulary.RUN_STATUSES
    kit_version: str
    started_at: str
    finished_at: str
    run: dict[str, Any]  # ResolvedParams.to_dict(): params, hash, topology, standardness
    environment: dict[str, Any]
    hardware: dict[str, Any]
    data: dict[str, Any]
    metrics: dict[str, Any] = field(default_factory=dict)
    curves: dict[str, Any] = field(default_factory=dict)
    seeds: dict[str, int] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    schema_version: int = SCHEMA_VERSION
    kind: str = vocab.TRAINING  # the scenario: one of vocabulary.RECORD_KINDS
    # the benchmark's description (perfkit.results.benchmark_info): reports need no benchmark import
    benchmark_info: dict[str, str] = field(default_factory=dict)

    @property
    def params_hash(self) -> str:
        return self.run.get("params_hash", "")

    @property
    def standard(self) -> bool:
        return not self.run.get("nonstandard_keys")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        version = data.get("schema_version")
        if version not in READABLE_VERSIONS:
            raise ValueError(f"result schema_version {version!r} is not one of {READABLE_VERSIONS}")
        if version == 1:
            data = _upgrade_v1(data)
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})


def _upgrade_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 did not store the kind: only inference runs measured p_infer_core."""
    kind = vocab.INFERENCE if vocab.P_INFER_CORE in (data.get("metrics") or {}) else vocab.TRAINING
    return {**data, "kind": kind, "schema_version": SCHEMA_VERSION}


def error_record(
    type_name: str,
    message: str,
    step: int | None = None,
    traceback: str | None = None,
    kernel: tuple[int | None, int | None] | None = None,
    **details: Any,
) -> dict[str, Any]:
    """The ``error`` of a record, the only way one is built. ``kernel``: (the cell that was
    running, the kernel's exit code) when the notebook's kernel ended the run; ``details``: what
    the one who ended the run adds (Slurm: ``slurm_job_id``, ``slurm_state``…), never replacing
    the four common keys. Message and traceback are cut to MAX_ERROR_TEXT characters."""
    message = message if len(message) <= MAX_ERROR_TEXT else message[:MAX_ERROR_TEXT] + " …"
    if traceback is not None and len(traceback) > MAX_ERROR_TEXT:  # the end says where it failed
        traceback = "… (start cut)\n" + traceback[-MAX_ERROR_TEXT:]
    error: dict[str, Any] = {"type": type_name, "message": message, "step": step, "traceback": traceback}
    if kernel is not None:
        error["cell"], error["kernel_exit_code"] = kernel
    error.update({key: value for key, value in details.items() if key not in error})
    return error


def error_from_exception(exc: BaseException) -> dict[str, Any]:
    """The error record of an exception being handled (its traceback included)."""
    return error_record(type(exc).__name__, str(exc), getattr(exc, "step", None), tb.format_exc())
