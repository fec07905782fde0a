"""Metric arithmetic, one definition for every benchmark (the report's legend, perfkit/report/definitions.py, defines each).

Pure functions over measured durations: nothing here touches a clock or a device, so the same
numbers in give the same metrics out, whichever benchmark produced them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

GIB = float(1 << 30)


@dataclass(frozen=True)
class TrainingTimings:
    """Durations in seconds and the global sample count of one training run.

    e2e: benchmark start (before model/data setup) to the end of the final evaluation.
    train_window: TRAIN_START (first step begins) to TRAIN_END (final evaluation ends).
    evaluation: time spent in evaluations inside the train window.
    compute: forward+backward+optimizer time on the device (device events), summed over steps.
    samples: training samples over all ranks.
    """

    e2e: float
    train_window: float
    evaluation: float
    compute: float
    samples: int

    def check(self) -> None:
        if min(self.e2e, self.train_window, self.evaluation, self.compute) < 0 or self.samples < 0:
            raise ValueError(f"negative duration or sample count: {self}")
        if self.evaluation > self.train_window + 1e-9:
            raise ValueError("evaluation time exceeds the train window")
        if self.compute > self.train_window - self.evaluation + 1e-9:
            raise ValueError("compute time exceeds the training time outside evaluations")
        if self.train_window > self.e2e + 1e-9:
            raise ValueError("train window exceeds the end-to-end time")


def _rate(samples: float, seconds: float) -> float:
    return samples / seconds if seconds > 0 else math.nan


@dataclass(frozen=True)
class TrainingThroughput:
    e2e_time: float
    p_whole: float
    p_train: float
    p_core: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def training_throughput(t: TrainingTimings) -> TrainingThroughput:
    """p_whole = samples / train window; p_train excludes evaluations; p_core is compute only.

    Because compute <= train window - evaluation <= train window, p_core >= p_train >= p_whole.
    """
    t.check()
    return TrainingThroughput(
        e2e_time=t.e2e,
        p_whole=_rate(t.samples, t.train_window),
        p_train=_rate(t.samples, t.train_window - t.evaluation),
        p_core=_rate(t.samples, t.compute),
    )


@dataclass(frozen=True)
class MemoryUse:
    peak_gib: float
    total_gib: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    def label(self) -> str:
        return f"{self.peak_gib:.2f}/{self.total_gib:.1f}"


def memory_use(peak_bytes_per_rank: list[int], total_bytes: int) -> MemoryUse:
    """The seeds' mem column: the busiest card's peak over the card's total, in GiB."""
    return MemoryUse(peak_gib=max(peak_bytes_per_rank) / GIB, total_gib=total_bytes / GIB)


def accuracy(correct: float, total: float) -> float:
    return correct / total if total > 0 else math.nan


def mfu(flops_per_sample: float, samples_per_second: float, peak_tflops: float | None) -> float | None:
    """Model FLOPs utilisation: achieved model FLOP/s over the stated peak (None without a peak)."""
    if not peak_tflops or not math.isfinite(samples_per_second):
        return None
    return flops_per_sample * samples_per_second / (peak_tflops * 1e12)


def scaling_efficiency(throughput: float, baseline: float, cards_ratio: float) -> float:
    """Throughput of N cards over N/1 times the baseline's: 1.0 is perfect scaling."""
    return throughput / (baseline * cards_ratio)


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0..100) of the values, nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass(frozen=True)
class InferenceTimings:
    """Durations in seconds and sample counts of one inference run.

    e2e: benchmark start (before model/data setup) to the end of the inference pass.
    val_window / val_core: the validation pass through the framework model, whole loop
    (host->device copies, forward, accuracy bookkeeping) and device-timed forwards only.
    infer_window / infer_core: the same for the inference pass through the backend.
    Warm-up batches and export/compile time are in neither window.
    """

    e2e: float
    val_window: float
    val_core: float
    val_samples: int
    infer_window: float
    infer_core: float
    infer_samples: int

    def check(self) -> None:
        durations = (self.e2e, self.val_window, self.val_core, self.infer_window, self.infer_core)
        if min(durations) < 0 or min(self.val_samples, self.infer_samples) < 0:
            raise ValueError(f"negative duration or sample count: {self}")
        if self.val_core > self.val_window + 1e-9 or self.infer_core > self.infer_window + 1e-9:
            raise ValueError("core time exceeds its whole window")
        if self.val_window + self.infer_window > self.e2e + 1e-9:
            raise ValueError("the passes exceed the end-to-end time")


@dataclass(frozen=True)
class InferenceThroughput:
    e2e_time: float
    p_val_whole: float
    p_val_core: float
    p_infer_whole: float
    p_infer_core: float
    infer_time: float  # seconds per sample: 1 / p_infer_core

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def inference_throughput(t: InferenceTimings) -> InferenceThroughput:
    """Samples per second of each pass, whole loop and core; p_*_core >= p_*_whole."""
    t.check()
    p_infer_core = _rate(t.infer_samples, t.infer_core)
    return InferenceThroughput(
        e2e_time=t.e2e,
        p_val_whole=_rate(t.val_samples, t.val_window),
        p_val_core=_rate(t.val_samples, t.val_core),
        p_infer_whole=_rate(t.infer_samples, t.infer_window),
        p_infer_core=p_infer_core,
        infer_time=1.0 / p_infer_core if p_infer_core > 0 else math.nan,
    )


def latency_percentiles(latencies: list[float]) -> dict[str, float | None]:
    """Per-batch latency p50/p90/p99 (seconds) over every measured batch."""
    return {f"latency_p{q}": percentile(latencies, q) for q in (50, 90, 99)}


# -- LLM pre-training (FlagPerf's LLM pages) ------------------------------------------------------

ALIGNMENT_FIRST_STEP = 21  # FlagPerf: from step 21 on ...
ALIGNMENT_TOLERANCE = 0.02  # ... the mean relative loss error must stay under 2 %


def tokens_per_chip_per_second(tokens: float, seconds: float, chips: int) -> float:
    """FlagPerf's token/p/s: tokens trained (global batch tokens x steps) / seconds / chips."""
    return tokens / seconds / chips if seconds > 0 and chips > 0 else math.nan


def llm_flops_per_token(non_embedding_params: int, layers: int, hidden: int, seq_len: int) -> tuple[float, float]:
    """Training FLOPs per token, forward + backward: (6·N, 6·N + 12·L·h·s).

    6·N is the PaLM paper's count that FlagPerf's MFU uses, N the parameters without the input
    embedding (the output projection is a matmul and counts). 12·L·h·s adds the attention
    scores and the weighted sum (2·s·h each per token and layer forward, x3 with backward),
    counted over the full s x s, as Megatron and PaLM do.
    """
    six_n = 6.0 * non_embedding_params
    return six_n, six_n + 12.0 * layers * hidden * seq_len


def loss_alignment(measured: list[float], reference: list[float], first_step: int = ALIGNMENT_FIRST_STEP,
                   tolerance: float = ALIGNMENT_TOLERANCE) -> dict[str, object]:
    """FlagPerf's rule: over steps first_step.. (1-based) that both curves have, the mean of
    |measured - reference| / reference must be below ``tolerance``. No common step: no verdict."""
    pairs = [(m, r) for m, r in list(zip(measured, reference, strict=False))[first_step - 1 :] if r]
    if not pairs:
        return {"aligned": None, "mean_relative_error": None, "steps_compared": 0}
    error = sum(abs(m - r) / abs(r) for m, r in pairs) / len(pairs)
    return {"aligned": error < tolerance, "mean_relative_error": error, "steps_compared": len(pairs)}
