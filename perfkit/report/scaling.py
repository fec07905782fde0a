"""Scaling efficiency 1x1 -> 1xN -> MxN: each configuration's throughput against the smallest one."""

from __future__ import annotations

import pandas as pd

from perfkit.engine.metrics import scaling_efficiency
from perfkit.report.compare import THROUGHPUT_KEYS, Row, throughput
from perfkit.report.tables import fmt


def _mean(rows: list[Row], key: str) -> float:
    return sum(r.metrics[key] for r in rows) / len(rows)


def scaling_rows(rows: list[Row]) -> list[dict[str, object]]:
    """Per (benchmark, vendor, source, precision): every configuration (the mean over its
    repeats) against the one with fewest cards (1x1 where there is one), all with the same
    throughput key. Non-standard runs and rows without that throughput or a topology are
    left out; a lone configuration gives no efficiency."""
    out = []
    groups: dict[tuple, list[Row]] = {}
    for row in rows:
        if row.cards and row.standard and row.status in ("ok", "published"):
            groups.setdefault((row.benchmark, row.vendor, row.source, row.precision), []).append(row)
    for (benchmark, vendor, source, precision), members in sorted(groups.items()):
        keys = [throughput(r)[0] for r in members]
        key = next((k for k in THROUGHPUT_KEYS if k in keys), "")
        per_config: dict[str, list[Row]] = {}
        for r in members:
            if r.metrics.get(key) is not None:
                per_config.setdefault(r.config, []).append(r)  # repeats of a configuration: their mean
        usable = sorted(per_config.values(), key=lambda rs: (rs[0].cards, rs[0].nnodes))
        if len(usable) < 2:
            continue
        base = _mean(usable[0], key)
        for runs in usable:
            row = runs[0]
            value = _mean(runs, key)
            out.append({
                "benchmark": benchmark,
                "vendor": vendor,
                "source": source,
                "precision": precision,
                "配置": row.label,
                "topology": row.topology,
                "cards": row.cards,
                "throughput key": key,
                "runs": len(runs),
                "throughput": value,
                "baseline": usable[0][0].topology,
                "efficiency": scaling_efficiency(value, base, row.cards / usable[0][0].cards),
            })
    return out


def scaling_table(rows: list[Row]) -> pd.DataFrame:
    records = scaling_rows(rows)
    for record in records:
        record["throughput"] = fmt(record["throughput"], 2)
        record["efficiency"] = fmt(record["efficiency"], 3)
    return pd.DataFrame(records)
