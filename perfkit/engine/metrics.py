"""Metric arithmetic, one definition for every benchmark (see DESIGN.md and the report's legend).

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
    compute: device-synchronized forward+backward+optimizer time, summed over steps.
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
