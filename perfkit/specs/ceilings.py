"""The ceilings a spec sheet measured on a machine, for the runs of the same machine: the GEMM
rate per dtype and the memory bandwidth of the latest ok ``specs`` run.

"The same machine" is what a record can tell without a host name (records keep none): the same
vendor adapter, the same hardware file (its name) and the same accelerator as the vendor
reported it (``environment.accelerator.accelerator``: the CPU or card model). Only the PyTorch
implementation's measured entries count (a vendor tool's figure is its own). Records are read
with the one strict loader (perfkit.results.store); a damaged one is skipped with a warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from perfkit.results import run_folder
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult
from perfkit.results.store import load_results

SPECS = "specs"  # the spec-sheet benchmark's name (perfkit.benchmarks.declared.specs)


@dataclass(frozen=True)
class Ceiling:
    value: float
    unit: str
    source: str  # which sheet, which entry, when


def accelerator_of(result: RunResult) -> str:
    facts = result.environment.get("accelerator") if isinstance(result.environment, dict) else None
    value = facts.get("accelerator") if isinstance(facts, dict) else None
    return value if isinstance(value, str) else ""


def hardware_of(result: RunResult) -> str:
    value = result.hardware.get("name") if isinstance(result.hardware, dict) else None
    return value if isinstance(value, str) else ""


def spec_runs(reports: Path) -> list[tuple[Path, RunResult]]:
    """(run folder, result) of every published specs result under ``reports`` (reports/runs/specs/...)."""
    root = run_folder.runs_root(reports)
    files = [p for p in run_folder.result_files(reports) if p.relative_to(root).parts[:1] == (SPECS,)]
    return [(path.parent, result) for path, result in load_results(files)]


def latest_sheet(runs: list[tuple[Path, RunResult]], vendor: str, hardware: str,
                 accelerator: str) -> tuple[Path, RunResult] | None:
    """The latest ok specs run (by finished_at, then folder) of this machine, or None."""
    mine = [(d, r) for d, r in runs
            if r.kind == vocab.SPECS and r.status == vocab.OK and r.vendor == vendor and hardware_of(r) == hardware
            and accelerator_of(r) == accelerator]
    return max(mine, key=lambda item: (item[1].finished_at, str(item[0])), default=None)


def sheet_ceiling(run_id: str, result: RunResult, case: str, variant: str) -> Ceiling | None:
    """The sheet's PyTorch figure for (case, variant), or None when it has no finite positive one."""
    cases = result.metrics.get(vocab.SPEC_CASES)
    for entry in cases if isinstance(cases, list) else []:
        if not isinstance(entry, dict) or entry.get("kind") != "measured":
            continue
        if entry.get("implementation", "pytorch") != "pytorch" or (entry.get("case"), entry.get("variant")) != (case, variant):
            continue
        value, unit = entry.get("value"), entry.get("unit")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            return None
        label = f"{case} {variant}".strip()
        return Ceiling(float(value), unit if isinstance(unit, str) else "",
                       f"spec sheet {run_id} ({label}, {result.finished_at[:10]})")
    return None


def machine_ceilings(reports: Path, vendor: str, hardware: str, accelerator: str,
                     wanted: list[tuple[str, str]]) -> list[Ceiling | None]:
    """Each (case, variant)'s figure from the latest ok spec sheet of this machine under
    ``reports`` (None where it has none), all from the same sheet."""
    found = latest_sheet(spec_runs(reports), vendor, hardware, accelerator)
    if found is None:
        return [None] * len(wanted)
    run_dir, result = found
    run_id = run_folder.run_id(run_dir, reports)
    return [sheet_ceiling(run_id, result, case, variant) for case, variant in wanted]


def machine_ceiling(reports: Path, vendor: str, hardware: str, accelerator: str, case: str,
                    variant: str) -> Ceiling | None:
    """(case, variant)'s figure from the latest ok spec sheet of this machine under ``reports``."""
    return machine_ceilings(reports, vendor, hardware, accelerator, [(case, variant)])[0]
