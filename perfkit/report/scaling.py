"""Scaling efficiency 1x1 -> 1xN -> MxN: each configuration's throughput against the smallest one
with the same hyperparameters (like for like: see ``compare.Row.like_for_like``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from perfkit.measure.metrics import scaling_efficiency
from perfkit.report.compare import PUBLISHED, THROUGHPUT_KEYS, Row, throughput
from perfkit.report.tables import fmt
from perfkit.results import vocabulary as vocab


def _mean(rows: list[Row], key: str) -> float:
    return sum(r.metrics[key] for r in rows) / len(rows)


def scaling_rows(rows: list[Row]) -> list[dict[str, Any]]:
    """Like for like only: per (benchmark, vendor, source, precision, fix_hp, parallel) every
    configuration (the mean over its repeats) against the one with fewest cards (1x1 where there
    is one), all with the same throughput key. Rows whose hyperparameters differ from the others
    of their benchmark and vendor are never averaged with them: they form their own group, and a
    group with one configuration is still listed (its efficiency blank) when other groups of the
    same benchmark, vendor and source exist. Non-standard runs and rows without that throughput
    or a topology are left out."""
    out = []
    groups: dict[tuple, list[Row]] = {}
    for row in rows:
        if row.cards and row.standard and row.status in (vocab.OK, PUBLISHED):
            groups.setdefault(row.like_for_like, []).append(row)
    split: dict[tuple, int] = {}
    for like in groups:
        split[like[:3]] = split.get(like[:3], 0) + 1
    for (benchmark, vendor, source, precision, _, parallel), members in sorted(groups.items()):
        keys = [throughput(r)[0] for r in members]
        key = next((k for k in THROUGHPUT_KEYS if k in keys), "")
        per_config: dict[str, list[Row]] = {}
        for r in members:
            if r.metrics.get(key) is not None:
                per_config.setdefault(r.config, []).append(r)  # repeats of a configuration: their mean
        usable = sorted(per_config.values(), key=lambda rs: (rs[0].cards, rs[0].nnodes))
        if not usable or (len(usable) < 2 and split[(benchmark, vendor, source)] < 2):
            continue
        base = _mean(usable[0], key)
        for runs in usable:
            row, first = runs[0], usable[0][0]
            value = _mean(runs, key)
            efficiency = None  # every row here has cards (the groups hold only those)
            if len(usable) > 1 and row.cards and first.cards:
                efficiency = scaling_efficiency(value, base, row.cards / first.cards)
            out.append({
                "benchmark": benchmark,
                "vendor": vendor,
                "source": source,
                "precision": precision,
                "fix_hp": row.fix_hp,
                "parallel": parallel,
                "配置": row.label,
                "topology": row.topology,
                "cards": row.cards,
                "throughput key": key,
                "runs": len(runs),
                "throughput": value,
                "baseline": first.topology,
                "efficiency": efficiency,
            })
    return out


def scaling_table(rows: list[Row]) -> pd.DataFrame:
    records = scaling_rows(rows)
    for record in records:
        record["throughput"] = fmt(record["throughput"], 2)
        record["efficiency"] = fmt(record["efficiency"], 3)
    return pd.DataFrame(records)
