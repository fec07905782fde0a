"""Repeats of one configuration (…/<config>/result.json, …/<config>/r2/result.json, …):
mean ± standard deviation and coefficient of variation of the headline numbers."""

from __future__ import annotations

import math
import statistics

import pandas as pd

from perfkit.report.compare import hyperparams_key
from perfkit.report.tables import fmt
from perfkit.results.record import RunResult

KEYS = ("p_core", "p_train", "p_whole", "e2e_time", "acc", "p_infer_core")


def spread(values: list[float]) -> tuple[float, float | None, float | None]:
    """(mean, sample std, coefficient of variation); std and CV need two values, CV a non-zero mean."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, None, None
    std = statistics.stdev(values)
    return mean, std, (std / abs(mean) if mean else None)


def _like_for_like(result: RunResult) -> tuple[str, str, str, str, str]:
    """Runs are repeats of each other only with the same configuration, precision and fix_hp."""
    params = result.run.get("params", {}) or {}
    fix_hp = str(result.metrics.get("fix_hp") or "")
    return (result.benchmark, result.vendor, result.config, str(params.get("precision", "") or ""),
            hyperparams_key(fix_hp))


def repeat_rows(results: list[RunResult]) -> list[dict[str, object]]:
    """One row per (configuration, metric) with at least two ok runs of the same hyperparameters."""
    groups: dict[tuple[str, ...], list[RunResult]] = {}
    for r in results:
        if r.status == "ok":
            groups.setdefault(_like_for_like(r), []).append(r)
    out = []
    for (benchmark, vendor, config, _, _), members in sorted(groups.items()):
        if len(members) < 2:
            continue
        for key in KEYS:
            values = [float(m.metrics[key]) for m in members if isinstance(m.metrics.get(key), (int, float))
                      and math.isfinite(m.metrics[key])]
            if len(values) < 2:
                continue
            mean, std, cv = spread(values)
            out.append({"benchmark": benchmark, "vendor": vendor, "config": config, "metric": key,
                        "n": len(values), "mean": mean, "std": std, "cv": cv})
    return out


def repeats_table(results: list[RunResult]) -> pd.DataFrame:
    records = repeat_rows(results)
    for record in records:
        digits = 4 if record["metric"] == "acc" else 2
        record["mean ± std"] = f"{fmt(record.pop('mean'), digits)} ± {fmt(record.pop('std'), digits)}"
        cv = record.pop("cv")
        record["CV"] = "" if cv is None else f"{cv * 100:.2f}%"
    return pd.DataFrame(records)
