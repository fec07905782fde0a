"""Measured runs and published (imported) rows in one shape, and the seeds' tables over them.

A ``Row`` is one configuration as the seeds print it: the 配置 label, its topology, where it
comes from (a run's result.json or an imported page) and its numbers in base units (seconds,
samples/s, fractions, GiB). Blank stays None all the way to the cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from perfkit.importing.readme import ReferencePage
from perfkit.report.tables import config_label, fmt
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult

MEASURED = "measured"
PUBLISHED = "published"
INFERENCE_KEYS = (vocab.P_INFER_CORE, vocab.P_INFER_WHOLE, vocab.P_VAL_CORE, vocab.P_VAL_WHOLE, vocab.INFER_TIME)
NUMBER_KEYS = (
    vocab.E2E_TIME, vocab.P_WHOLE, vocab.P_TRAIN, vocab.P_CORE, vocab.THROUGHPUT, vocab.ACC, vocab.ACC_VAL, vocab.TARGET,
    vocab.STEPS, vocab.MEM_PEAK_GIB, vocab.MEM_TOTAL_GIB, vocab.BATCH_SIZE, vocab.BYTE_PER_BATCH, *INFERENCE_KEYS,
    vocab.TOKENS_PER_CARD_S, vocab.MFU, vocab.MFU_HIGH, vocab.LOSS, vocab.MAP, vocab.EPOCHS,
)
# The seeds' columns, in order: (header, how to print it)
TRAINING_COLUMNS = ("配置", "precision", "fix_hp", "e2e_time", "p_whole", "p_train", "p_core", "acc", "mem")
INFERENCE_COLUMNS = (
    "配置", "precision", "bs", "byte_per_batch", "e2e_time", "p_val_whole", "p_val_core",
    "p_infer_whole", "p_infer_core", "infer_time", "acc", "mem",
)
# Throughput used for charts and scaling, best first: compute throughput where the page has it.
THROUGHPUT_KEYS = (vocab.P_CORE, vocab.P_TRAIN, vocab.P_WHOLE, vocab.THROUGHPUT, vocab.P_INFER_CORE, vocab.P_INFER_WHOLE)


@dataclass(frozen=True)
class Row:
    benchmark: str
    vendor: str
    kind: str  # training or inference
    config: str  # the run config name, or the page's 配置 cell
    label: str  # the 配置 cell
    nnodes: int | None
    nproc_per_node: int | None
    source: str  # measured or published
    origin: str  # run folder (relative) or imported file name
    status: str  # ok, failed, crashed, timeout; published rows: published
    standard: bool = True
    reason: str = ""
    precision: str = ""
    fix_hp: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    parallel: str = ""  # LLM pages: PPxDPyTPz
    extras: tuple[str, ...] = ()  # metric keys of columns perfkit has no canonical name for

    @property
    def like_for_like(self) -> tuple[str, str, str, str, str, str]:
        """Rows that may be averaged or scaled against each other share this: benchmark, vendor,
        source, precision, fix_hp (the hyperparameters, so the global batch) and parallel."""
        return (self.benchmark, self.vendor, self.source, self.precision, hyperparams_key(self.fix_hp), self.parallel)

    @property
    def cards(self) -> int | None:
        return self.nnodes * self.nproc_per_node if self.nnodes and self.nproc_per_node else None

    @property
    def topology(self) -> str:
        return f"{self.nnodes}x{self.nproc_per_node}" if self.cards else ""


def hyperparams_key(fix_hp: str) -> str:
    """fix_hp as a comparable key: 'bs=16, lr=1e-05' and 'lr=1e-05,bs=16' are one; '/' and '' are one."""
    text = (fix_hp or "").strip()
    if text in ("", "/", "-", "\\"):
        return ""
    parts = [p.strip().replace(" ", "") for p in text.replace("，", ",").split(",") if p.strip()]
    return ",".join(sorted(parts))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def run_kind(result: RunResult) -> str:
    """The run's scenario, as its record stores it (version 1 records: from their metrics)."""
    return result.kind


def failure_reason(result: RunResult) -> str:
    """Why a run is flagged: its error, and which keys a vendor may not change were changed."""
    parts = []
    if result.error:
        where = f" (step {result.error['step']})" if result.error.get("step") is not None else ""
        parts.append(f"{result.error.get('type', 'error')}: {result.error.get('message', '')}{where}")
    if not result.standard:
        parts.append("non-standard: " + ", ".join(result.run.get("nonstandard_keys") or []))
    return "; ".join(parts)


def measured_row(result: RunResult, origin: str = "") -> Row:
    run = result.run
    nnodes, nproc = run.get("nnodes"), run.get("nproc_per_node")
    label = config_label(result.hardware.get("short_name") or result.vendor, nnodes or 1, nproc or 1)
    if result.config not in label:
        label = f"{label} {result.config}"
    metrics = {key: _number(result.metrics.get(key)) for key in NUMBER_KEYS}
    if metrics[vocab.ACC] is None:  # inference results print acc as "infer/val" percent text
        metrics[vocab.ACC] = _number(result.metrics.get(vocab.ACC_INFER))
    metrics[vocab.BATCH_SIZE] = metrics[vocab.BATCH_SIZE] or _number(run.get("params", {}).get("batch_size"))
    return Row(
        benchmark=result.benchmark,
        vendor=result.vendor,
        kind=run_kind(result),
        config=result.config,
        label=label + ("" if result.standard else " †"),
        nnodes=nnodes,
        nproc_per_node=nproc,
        source=MEASURED,
        origin=origin,
        status=result.status,
        standard=result.standard,
        reason=failure_reason(result),
        precision=str(run.get("params", {}).get("precision", "") or ""),
        fix_hp=str(result.metrics.get(vocab.FIX_HP) or ""),
        metrics=metrics,
    )


def published_rows(page: ReferencePage) -> list[Row]:
    """One Row per configuration of an imported page; every numeric column comes along (the
    canonical ones under NUMBER_KEYS, the page's other columns as extras)."""
    rows: list[Row] = []
    if page.kind == "spec":  # a FlagPerf base (spec sheet) page has no training or inference rows
        return rows
    for ref in page.rows:
        metrics = {key: _number(ref.metrics.get(key)) for key in NUMBER_KEYS}
        extras = tuple(k for k in ref.metrics if k not in NUMBER_KEYS and _number(ref.metrics.get(k)) is not None)
        metrics.update({k: _number(ref.metrics[k]) for k in extras})
        rows.append(
            Row(
                benchmark=page.benchmark,
                vendor=ref.vendor or page.vendor,
                kind=page.kind,
                config=ref.metrics.get("config_file") or ref.config,
                label=ref.config,
                nnodes=ref.nnodes,
                nproc_per_node=ref.nproc_per_node,
                source=PUBLISHED,
                origin=f"{page.source}:{ref.line}",
                status=PUBLISHED,
                precision=str(ref.metrics.get("precision") or ""),
                fix_hp=str(ref.metrics.get(vocab.FIX_HP) or ""),
                metrics=metrics,
                parallel=str(ref.metrics.get("parallel") or ""),
                extras=extras,
            )
        )
    return rows


def throughput(row: Row) -> tuple[str, float | None]:
    """(key, value) of the best throughput the row has; ('', None) when it has none."""
    for key in THROUGHPUT_KEYS:
        if row.metrics.get(key) is not None:
            return key, row.metrics[key]
    return "", None


def format_time(seconds: float | None) -> str:
    """infer_time as the seeds print it: ms, or μs below a millisecond."""
    if seconds is None:
        return ""
    return f"{seconds * 1e6:.0f}μs" if seconds < 1e-3 else f"{seconds * 1e3:.3g}ms"


def format_memory(used: float | None, total: float | None) -> str:
    if used is None:
        return ""
    return f"{used:.2f}/{total:.1f}" if total is not None else f"{used:.2f}"


def cell(row: Row, column: str) -> str:
    """One of the seeds' columns for this row, as text (empty when unknown)."""
    m = row.metrics
    if column == "配置":
        return row.label
    if column == "precision":
        return row.precision
    if column == "fix_hp":
        return row.fix_hp
    if column == "bs":
        return fmt(m.get(vocab.BATCH_SIZE), 0)
    if column == "byte_per_batch":
        return fmt(m.get(vocab.BYTE_PER_BATCH), 0)
    if column == "e2e_time":
        return fmt(m.get(vocab.E2E_TIME), 1)
    if column == "infer_time":
        return format_time(m.get(vocab.INFER_TIME))
    if column == "mem":
        return format_memory(m.get(vocab.MEM_PEAK_GIB), m.get(vocab.MEM_TOTAL_GIB))
    if column == "acc":
        if row.kind == vocab.INFERENCE and m.get(vocab.ACC_VAL) is not None:
            return f"{fmt(m.get('acc'), 4)}/{fmt(m.get('acc_val'), 4)}"
        return fmt(m.get(vocab.ACC), 4)
    return fmt(m.get(column), 2)


def seed_columns(kind: str) -> tuple[str, ...]:
    return INFERENCE_COLUMNS if kind == vocab.INFERENCE else TRAINING_COLUMNS


def seed_table(rows: list[Row], kind: str, quality_header: str = "acc") -> pd.DataFrame:
    """The seeds' 性能指标 (training) or 指标值 (inference) table: exactly their columns."""
    columns = seed_columns(kind)
    data = [[cell(row, c) for c in columns] for row in rows]
    headers = [quality_header if c == "acc" else c for c in columns]
    return pd.DataFrame(data, columns=headers)


PERCENT_KEYS = (vocab.MFU, vocab.MFU_HIGH)  # stored as fractions (0–1), shown in % as their headers say


def metric_cell(key: str, value: Any) -> str:
    """An extra column's cell: MFU in percent (23.9, never 0.239 under a "%" header)."""
    if key in PERCENT_KEYS:
        return fmt(value * 100, 1) if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
    return fmt(value, 4 if key.startswith("map") else 2)


def comparison_table(rows: list[Row], kind: str) -> pd.DataFrame:
    """The seeds' columns plus where each row comes from: published beside measured. Columns a
    published page has beyond the seeds' (token/p/s, MFU, loss, a CLIP score, ...) follow, so
    every imported number reaches the CSV and the site."""
    extra_published = kind == vocab.TRAINING and any(r.metrics.get(vocab.THROUGHPUT) is not None for r in rows)
    more = [k for k in (vocab.TOKENS_PER_CARD_S, vocab.MFU, vocab.MFU_HIGH, vocab.LOSS, vocab.MAP, vocab.EPOCHS)
            if any(r.metrics.get(k) is not None for r in rows)]
    extras = sorted({k for r in rows for k in r.extras if k not in more and r.metrics.get(k) is not None})
    with_parallel = any(r.parallel for r in rows)
    out = []
    for row in rows:
        record = {"source": row.source, "vendor": row.vendor, **{c: cell(row, c) for c in seed_columns(kind)}}
        if with_parallel:
            record["parallel"] = row.parallel
        if extra_published:
            record["性能(samples/s)"] = fmt(row.metrics.get(vocab.THROUGHPUT), 2)
            record["目标精度"] = fmt(row.metrics.get(vocab.TARGET), 4)
            record["Steps数"] = fmt(row.metrics.get(vocab.STEPS), 0)
        for key in more + extras:
            record[key] = metric_cell(key, row.metrics.get(key))
        record["status"] = row.status
        record["from"] = row.origin
        out.append(record)
    return pd.DataFrame(out)
