"""Repeats of one configuration (…/<config>/result.json, …/<config>/r2/result.json, …):
mean ± standard deviation and coefficient of variation of the headline numbers.

Repeats whose coefficient of variation (sample standard deviation / mean) is above ``CV_BOUND``
(10 %) are flagged *noisy*: the runs disagree more than a comparison or a published figure
should rest on (a busy host, thermal throttling, a changed setup). The same bound flags them on
the index's Repeats table, in `perfkit compare` and in `perfkit.report.load()`."""

from __future__ import annotations

import math
import statistics
from typing import Any

import pandas as pd

from perfkit.report.compare import hyperparams_key
from perfkit.report.tables import fmt
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult

KEYS = (vocab.P_CORE, vocab.P_TRAIN, vocab.P_WHOLE, vocab.E2E_TIME, vocab.ACC, vocab.P_INFER_CORE)
CV_BOUND = 0.10  # repeats with a coefficient of variation above this are flagged noisy
NOISY = "noisy"


def is_noisy(cv: float | None) -> bool:
    return cv is not None and cv > CV_BOUND


def _finite(value: object) -> float | None:
    """A finite float, or None (text, bools, NaN, infinities, integers too large for a float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def spread(values: list[float]) -> tuple[float, float | None, float | None]:
    """(mean, sample std, coefficient of variation); std and CV need two values, CV a non-zero mean."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, None, None
    std = statistics.stdev(values)
    return mean, std, (std / abs(mean) if mean else None)


def _like_for_like(result: RunResult) -> tuple[str, str, str, str, str, str]:
    """Runs are repeats of each other only with the same configuration, params hash, precision
    and fix_hp."""
    raw = result.run.get("params")
    params: dict[str, Any] = raw if isinstance(raw, dict) else {}
    fix_hp = str(result.metrics.get(vocab.FIX_HP) or "")
    return (result.benchmark, result.vendor, result.config, str(result.params_hash),
            str(params.get("precision", "") or ""), hyperparams_key(fix_hp))


def repeat_rows(results: list[RunResult]) -> list[dict[str, Any]]:
    """One row per (configuration, metric) with at least two ok runs of the same hyperparameters."""
    groups: dict[tuple[str, ...], list[RunResult]] = {}
    for r in results:
        if r.status == vocab.OK and isinstance(r.metrics, dict) and isinstance(r.run, dict):
            groups.setdefault(_like_for_like(r), []).append(r)
    out = []
    for (benchmark, vendor, config, *_), members in sorted(groups.items()):
        if len(members) < 2:
            continue
        for key in KEYS:
            values = [v for m in members if (v := _finite(m.metrics.get(key))) is not None]
            if len(values) < 2:
                continue
            mean, std, cv = spread(values)
            out.append({"benchmark": benchmark, "vendor": vendor, "config": config, "metric": key,
                        "n": len(values), "mean": mean, "std": std, "cv": cv, NOISY: is_noisy(cv)})
    return out


def repeats_table(results: list[RunResult]) -> pd.DataFrame:
    records = repeat_rows(results)
    for record in records:
        digits = 4 if record["metric"] == vocab.ACC else 2
        record["mean ± std"] = f"{fmt(record.pop('mean'), digits)} ± {fmt(record.pop('std'), digits)}"
        cv = record.pop("cv")
        record["CV"] = "" if cv is None else f"{cv * 100:.2f}%"
        record[NOISY] = f"⚠ CV > {CV_BOUND:.0%}" if record.pop(NOISY) else ""
    return pd.DataFrame(records)


HEADLINE_KEYS = (vocab.P_CORE, vocab.P_INFER_CORE, vocab.P_TRAIN, vocab.P_WHOLE, vocab.P_INFER_WHOLE)
REPEAT_COLUMNS = ("repeats_n", "repeats_cv", NOISY)


def add_noise_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``perfkit.report.load()``'s noise columns on every measured row: ``repeats_n`` (ok runs of
    its benchmark/vendor/config and params hash with a headline throughput), ``repeats_cv`` (the
    coefficient of variation of that throughput over them, NaN under two) and ``noisy``
    (``repeats_cv`` above CV_BOUND)."""
    frame = frame.copy()
    frame["repeats_n"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    frame["repeats_cv"] = float("nan")
    frame[NOISY] = False
    if frame.empty:
        return frame
    keys = [k for k in HEADLINE_KEYS if k in frame.columns]
    if not keys:
        return frame
    headline = frame[keys].bfill(axis=1).iloc[:, 0]
    usable = (frame["source"] == "measured") & (frame["status"] == vocab.OK) & headline.notna()
    group_keys = ["benchmark", "vendor", "config", "params_hash"]
    for _, members in frame[usable].groupby(group_keys, dropna=False).groups.items():
        values = [float(v) for v in headline[members]]
        _, _, cv = spread(values)
        frame.loc[members, "repeats_n"] = len(values)
        frame.loc[members, "repeats_cv"] = float("nan") if cv is None else cv
        frame.loc[members, NOISY] = is_noisy(cv)
    return frame
