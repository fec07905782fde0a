"""The result record of one run: what was asked, where it ran, what it measured.

``schema_version`` changes whenever a field changes meaning; readers refuse versions they do
not know rather than guess.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = 1
STATUSES = ("ok", "failed", "crashed", "timeout", "interrupted")


def utc_now() -> str:
    """A record's timestamps: UTC, ISO 8601, to the second."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@dataclass
class RunResult:
    benchmark: str
    vendor: str
    config: str
    status: str
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
        if version != SCHEMA_VERSION:
            raise ValueError(f"result schema_version {version!r} is not {SCHEMA_VERSION}")
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})
