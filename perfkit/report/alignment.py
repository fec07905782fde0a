"""Loss alignment: how far each run's loss curve is from a chosen reference run's.

Mean relative loss error over the steps both runs have: mean(|loss - ref| / |ref|). Over 2%
is flagged: the run did not train the same way (different data order, precision trouble, a bug).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult

THRESHOLD = 0.02


def mean_relative_loss_error(loss: list[float | None], reference: list[float | None]) -> float | None:
    """Mean |loss - ref| / |ref| over the common steps with finite values; None when none."""
    errors = [
        abs(a - b) / abs(b)
        for a, b in zip(loss, reference, strict=False)
        if a is not None and b is not None and math.isfinite(a) and math.isfinite(b) and b != 0
    ]
    return sum(errors) / len(errors) if errors else None


def pick_reference(runs: list[tuple[str, RunResult]], benchmark: str, wanted: str = "") -> tuple[str, RunResult] | None:
    """The run named ``wanted`` (a run id such as bert/cpu/smoke) if it is of this benchmark,
    else the first ok run of the benchmark with a loss curve."""
    mine = [(rid, r) for rid, r in runs if r.benchmark == benchmark and r.curves.get("loss")]
    for rid, r in mine:
        if wanted and rid == wanted:
            return rid, r
    return next(((rid, r) for rid, r in mine if r.status == vocab.OK), None)


def alignment_rows(runs: list[tuple[str, RunResult]], wanted: str = "") -> list[dict[str, Any]]:
    out = []
    for benchmark in sorted({r.benchmark for _, r in runs}):
        reference = pick_reference(runs, benchmark, wanted)
        if reference is None:
            continue
        ref_id, ref = reference
        for rid, r in runs:
            if r.benchmark != benchmark or rid == ref_id:
                continue
            error = mean_relative_loss_error(r.curves.get("loss") or [], ref.curves["loss"])
            steps = min(len(r.curves.get("loss") or []), len(ref.curves["loss"]))
            out.append({
                "benchmark": benchmark,
                "run": rid,
                "reference": ref_id,
                "steps compared": steps,
                "mean relative loss error": error,
                "flag": "" if error is None else ("over 2%" if error > THRESHOLD else "ok"),
            })
    return out


def alignment_table(runs: list[tuple[str, RunResult]], wanted: str = "") -> pd.DataFrame:
    records = alignment_rows(runs, wanted)
    for record in records:
        value = record["mean relative loss error"]
        record["mean relative loss error"] = "" if value is None else f"{value * 100:.2f}%"
    return pd.DataFrame(records)
