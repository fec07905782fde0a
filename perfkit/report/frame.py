"""Results as data: every measured run and every imported reference row as one pandas table.

    import perfkit.report
    df = perfkit.report.load()              # reports/ of the project, or PERFKIT_REPORTS
    df = perfkit.report.load("ci/reports")  # any reports folder

One row per measured run or repeat (``source == "measured"``) and per published row of an
imported FlagPerf page (``source == "published"``). Numbers are raw floats in base units
(seconds, samples/s, fractions, GiB, TFLOP/s), never formatted text; a quantity a row does not
have is NaN. Columns (see docs/reports.md for the full list):

- identity: ``source, benchmark, vendor, config, repeat, run_id, origin``
- outcome: ``status, standard, nonstandard_keys, reason``
- topology: ``nnodes, nproc_per_node, world_size``
- provenance: ``params_hash, kit_version, git_commit, started_at, finished_at`` (UTC timestamps)
- ``param.<key>`` for every resolved parameter (``param.batch_size``, ``param.precision``, …)
- every numeric metric by its key (``p_core``, ``e2e_time``, ``acc``, ``mfu``, ``peak_tflops``,
  ``mem_peak_gib``, ``energy_j`` when measured, …) and the text metrics ``peak_source``,
  ``backend``, ``engine``, ``provider``, ``fix_hp``.
- host load during the run: ``host_other_cpu_share`` (CPU share of other processes, 0–1),
  ``host_loadavg_start``, ``host_loadavg_end`` (1-minute load average)
- noise: ``repeats_n``, ``repeats_cv`` (coefficient of variation of the headline throughput over
  the ok runs of the row's configuration and params hash) and ``noisy`` (``repeats_cv`` above
  ``perfkit.report.repeats.CV_BOUND``, 10 %).

``acc`` is always a fraction: for inference runs it is the inference-set accuracy
(``acc_infer``), not the "infer/val" percent text the seed tables print.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult

IDENTITY_COLUMNS = (
    "source", "benchmark", "vendor", "config", "repeat", "run_id", "origin", "status", "standard",
    "nonstandard_keys", "reason", "nnodes", "nproc_per_node", "world_size", "params_hash", "kit_version",
    "git_commit", "started_at", "finished_at",
)
TEXT_METRICS = (vocab.PEAK_SOURCE, vocab.PEAK_MEASURED_SOURCE, vocab.PEAK_DATASHEET_SOURCE, vocab.BACKEND, vocab.ENGINE, vocab.PROVIDER,
                vocab.FIX_HP)
# Formatted text the seed tables print; the raw numbers are in other columns.
FORMATTED_METRICS = (vocab.MEM,)
_REPEAT = re.compile(r"r(\d+)")


def number(value: Any) -> float | None:
    """A finite float, or None for anything else (text, bools, NaN, infinities, integers too
    large for a float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        as_float = float(value)
    except OverflowError:
        return None
    return as_float if math.isfinite(as_float) else None


def repeat_of(run_id: str) -> int:
    """bert/cpu/smoke -> 1, bert/cpu/smoke/r3 -> 3."""
    match = _REPEAT.fullmatch(run_id.rsplit("/", 1)[-1])
    return int(match.group(1)) if match and run_id.count("/") >= 3 else 1


def metric_columns(metrics: dict[str, Any]) -> dict[str, Any]:
    """Every numeric metric as a float, the known text metrics as text; ``acc`` as a fraction."""
    out: dict[str, Any] = {}
    for key, value in metrics.items():
        if key in FORMATTED_METRICS or isinstance(value, (dict, list)):
            continue
        if key in TEXT_METRICS:
            out[key] = "" if value is None else str(value)
            continue
        as_number = number(value)
        if as_number is not None:
            out[key] = as_number
    if vocab.ACC not in out and number(metrics.get(vocab.ACC_INFER)) is not None:
        out[vocab.ACC] = float(metrics[vocab.ACC_INFER])
    return out


def measured_record(result: RunResult, run_id: str) -> dict[str, Any]:
    from perfkit.report.compare import failure_reason

    run = result.run
    record: dict[str, Any] = {
        "source": "measured",
        "benchmark": result.benchmark,
        "vendor": result.vendor,
        "config": result.config,
        "repeat": repeat_of(run_id) if run_id else 1,
        "run_id": run_id,
        "origin": run_id,
        "status": result.status,
        "standard": result.standard,
        "nonstandard_keys": ", ".join(run.get("nonstandard_keys") or []),
        "reason": failure_reason(result),
        "nnodes": run.get("nnodes"),
        "nproc_per_node": run.get("nproc_per_node"),
        "world_size": run.get("world_size"),
        "params_hash": result.params_hash,
        "kit_version": result.kit_version,
        "git_commit": (result.environment.get("git") or {}).get("commit", ""),
        "started_at": result.started_at,
        "finished_at": result.finished_at,
    }
    for key, value in (run.get("params") or {}).items():
        record[f"param.{key}"] = value if not isinstance(value, (dict, list)) else str(value)
    record.update(metric_columns(result.metrics))
    record.update(host_load_columns(result.environment))
    return record


def host_load_columns(environment: Any) -> dict[str, float]:
    """``host_other_cpu_share`` (0–1) and ``host_loadavg_start``/``host_loadavg_end`` (1 min)
    of the record's ``environment.host_load``, where it has them."""
    load = environment.get("host_load") if isinstance(environment, dict) else None
    if not isinstance(load, dict):
        return {}
    out = {}
    share = number(load.get("other_cpu_share"))
    if share is not None:
        out["host_other_cpu_share"] = share
    for key in ("loadavg_start", "loadavg_end"):
        values = load.get(key)
        first = number(values[0]) if isinstance(values, list) and values else None
        if first is not None:
            out[f"host_{key}"] = first
    return out


def published_record(row: Any) -> dict[str, Any]:
    """A ``perfkit.report.compare.Row`` of an imported page."""
    record: dict[str, Any] = {
        "source": "published",
        "benchmark": row.benchmark,
        "vendor": row.vendor,
        "config": row.config,
        "repeat": 1,
        "run_id": "",
        "origin": row.origin,
        "status": row.status,
        "standard": True,
        "nonstandard_keys": "",
        "reason": "",
        "nnodes": row.nnodes,
        "nproc_per_node": row.nproc_per_node,
        "world_size": row.cards,
    }
    if row.precision:
        record["param.precision"] = row.precision
    if row.fix_hp:
        record["fix_hp"] = row.fix_hp
    record.update({key: value for key, value in row.metrics.items() if value is not None})
    return record


def results_table(runs: list[tuple[str, RunResult]], published: Sequence[Any] = ()) -> pd.DataFrame:
    """The table ``load`` returns, from (run id, result) pairs and published compare rows."""
    records = [measured_record(r, run_id) for run_id, r in runs] + [published_record(p) for p in published]
    frame = pd.DataFrame.from_records(records)
    for column in IDENTITY_COLUMNS:
        if column not in frame.columns:
            frame[column] = pd.Series(dtype="object")
    params = sorted(c for c in frame.columns if c.startswith("param."))
    rest = sorted(c for c in frame.columns if c not in IDENTITY_COLUMNS and c not in params)
    frame = frame[[*IDENTITY_COLUMNS, *params, *rest]]
    for column in ("started_at", "finished_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, errors="coerce", format="ISO8601")
    for column in ("nnodes", "nproc_per_node", "world_size", "repeat"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    for column in rest:
        if column not in TEXT_METRICS:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    from perfkit.report.repeats import add_noise_columns

    return add_noise_columns(frame.reset_index(drop=True))


def load(reports_dir: str | Path | None = None) -> pd.DataFrame:
    """Every run and repeat under ``reports_dir``/runs and every imported reference row under
    ``reports_dir``/references, raw numbers, one row each. ``None``: the project's reports folder."""
    from perfkit import paths
    from perfkit.importing.references import load_references, references_dir
    from perfkit.report.compare import published_rows
    from perfkit.report.index import load_runs

    reports = Path(reports_dir).expanduser().resolve() if reports_dir is not None else paths.reports_dir()
    runs = [(d.relative_to(reports / "runs").as_posix(), r) for d, r in load_runs(reports)]
    published = [row for page in load_references(references_dir(reports)) for row in published_rows(page)]
    return results_table(runs, published)
