"""Suites: a matrix of runs from params/suites/<name>.yaml, executed one notebook at a time.

A suite file::

    description: what it is for
    runs:
      - {benchmark: bert, vendor: cpu, config: smoke, repeats: 1, set: {max_steps: 100}}

Each run gets its own kernel. A run that fails is recorded and the suite goes on; the exit
code is the number of runs that did not finish ok.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from perfkit import paths
from perfkit.errors import ParamsError, UserError
from perfkit.params.loading import load_yaml_mapping

RUN_KEYS = ("benchmark", "vendor", "config", "repeats", "set", "timeout")


@dataclass(frozen=True)
class SuiteEntry:
    benchmark: str
    vendor: str
    config: str
    repeats: int = 1
    overrides: dict[str, Any] = field(default_factory=dict)
    timeout: float | None = None

    @property
    def label(self) -> str:
        return f"{self.benchmark}/{self.vendor}/{self.config}"


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    entries: list[SuiteEntry]


def load_suite(name: str) -> Suite:
    folder = paths.params_dir() / "suites"
    path = folder / f"{name}.yaml"
    shown = f"params/suites/{name}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml")))
        raise ParamsError(f"unknown suite '{name}' (no file {shown}); allowed: {known}")
    data = load_yaml_mapping(path)
    runs = data.get("runs")
    if not isinstance(runs, list) or not runs:
        raise ParamsError(f"{shown}: key 'runs' must be a non-empty list of runs")
    entries = []
    for i, item in enumerate(runs):
        where = f"{shown}: runs[{i}]"
        if not isinstance(item, dict):
            raise ParamsError(f"{where}: must be a mapping with keys {', '.join(RUN_KEYS)}")
        unknown = sorted(set(item) - set(RUN_KEYS))
        if unknown:
            raise ParamsError(f"{where}: unknown key '{unknown[0]}'; allowed: {', '.join(RUN_KEYS)}")
        for key in ("benchmark", "vendor", "config"):
            if not isinstance(item.get(key), str):
                raise ParamsError(f"{where}: key '{key}' is required (a string)")
        repeats = item.get("repeats", 1)
        if not isinstance(repeats, int) or repeats < 1:
            raise ParamsError(f"{where}: key 'repeats' must be a whole number >= 1 (got {repeats!r})")
        overrides = item.get("set") or {}
        if not isinstance(overrides, dict):
            raise ParamsError(f"{where}: key 'set' must be a mapping of param overrides")
        entries.append(
            SuiteEntry(item["benchmark"], item["vendor"], item["config"], repeats, overrides, item.get("timeout"))
        )
    return Suite(name, str(data.get("description", "")), entries)


@dataclass
class SuiteOutcome:
    label: str
    status: str
    seconds: float
    detail: str = ""


def run_suite(suite: Suite, html: bool = True, echo=print, redacted: bool = False) -> list[SuiteOutcome]:
    from perfkit.execution import run_benchmark

    outcomes = []
    for entry in suite.entries:
        for repeat in range(entry.repeats):
            label = entry.label + (f" #{repeat + 1}" if entry.repeats > 1 else "")
            echo(f"[suite {suite.name}] {label}: running")
            try:
                done = run_benchmark(entry.benchmark, entry.vendor, entry.config, entry.overrides, entry.timeout, html, redacted)
                outcome = SuiteOutcome(label, done.status, done.seconds, done.error)
            except UserError as exc:
                outcome = SuiteOutcome(label, "invalid", 0.0, str(exc))
            echo(f"[suite {suite.name}] {label}: {outcome.status} in {outcome.seconds:.1f} s {outcome.detail}".rstrip())
            outcomes.append(outcome)
    return outcomes
