"""Data pipeline efficiency from finished runs: p_whole / p_core and p_train / p_core.

1.0 means loading, copies and evaluations cost nothing next to compute. Read from the results
of the smoke suite (run `perfkit suite smoke` first).
"""

from __future__ import annotations

from pathlib import Path

from perfkit.report.index import load_runs
from perfkit.results import vocabulary as vocab


def ratios(reports: Path, config: str = "smoke") -> list[tuple[str, float, float, float]]:
    rows = []
    for _, result in load_runs(reports):
        m = result.metrics
        if result.config != config or result.status != vocab.OK or not m.get(vocab.P_CORE) or vocab.P_WHOLE not in m:
            continue
        rows.append((f"{result.benchmark}/{result.vendor}/{result.config}", m[vocab.P_WHOLE] / m[vocab.P_CORE],
                     m[vocab.P_TRAIN] / m[vocab.P_CORE], m[vocab.P_CORE]))
    return rows


def report(reports: Path, config: str = "smoke") -> str:
    rows = ratios(reports, config)
    if not rows:
        return f"no finished training runs with config '{config}' under {reports}; run `perfkit suite smoke` first"
    lines = ["data pipeline: p_whole/p_core (goal >= 0.9), p_train/p_core"]
    for label, whole, train, core in rows:
        lines.append(f"  {label:32s} p_whole/p_core {whole:.3f}  p_train/p_core {train:.3f}  (p_core {core:.1f}/s)")
    return "\n".join(lines)
