"""Scaling across 1x1 -> 1xN -> MxN: each multi-card run's throughput over its 1x1 baseline's
times the number of cards (engine.metrics.scaling_efficiency). The baseline is the 1x1 run of
the same benchmark, vendor and hardware with status ok."""

from __future__ import annotations

import pandas as pd

from perfkit.engine.metrics import scaling_efficiency
from perfkit.report.tables import fmt
from perfkit.results.record import RunResult

THROUGHPUT = "p_train"


def _group(result: RunResult) -> tuple[str, str, str]:
    return (result.benchmark, result.vendor, result.hardware.get("name", ""))


def scaling_rows(results: list[RunResult]) -> list[dict[str, str]]:
    ok = [r for r in results if r.status == "ok" and isinstance(r.metrics.get(THROUGHPUT), float)]
    baselines = {_group(r): r for r in ok if r.run.get("world_size") == 1}
    rows = []
    for r in sorted(ok, key=lambda r: (_group(r), r.run.get("world_size", 1), r.config)):
        world = r.run.get("world_size", 1)
        base = baselines.get(_group(r))
        efficiency = (
            scaling_efficiency(r.metrics[THROUGHPUT], base.metrics[THROUGHPUT], world) if base else None
        )
        rows.append({
            "vendor": r.vendor,
            "config": r.config,
            "nodes x cards": f"{r.run.get('nnodes')}x{r.run.get('nproc_per_node')}",
            THROUGHPUT: fmt(r.metrics[THROUGHPUT]),
            f"{THROUGHPUT} per card": fmt(r.metrics[THROUGHPUT] / world),
            "baseline (1x1)": base.config if base else "",
            "scaling efficiency": fmt(efficiency, 3),
        })
    return rows


def scaling_table(results: list[RunResult]) -> pd.DataFrame:
    """One row per ok run; efficiency is blank where no 1x1 baseline exists."""
    return pd.DataFrame(scaling_rows(results))
