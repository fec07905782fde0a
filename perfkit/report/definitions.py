"""The metric legend shown in every report: one definition per key, shared by all benchmarks."""

from __future__ import annotations

TRAINING = [
    ("e2e_time", "端到端时间", "wall seconds from benchmark start (before model/data setup) to the end of the final evaluation"),
    ("p_whole", "总吞吐量", "samples / (TRAIN_END − TRAIN_START); includes data loading and evaluations"),
    ("p_train", "训练吞吐量", "samples / (training wall time − evaluation time)"),
    ("p_core", "计算吞吐量", "samples / device-synchronized compute time (forward, backward, optimizer step); excludes waiting for data and host→device copies"),
    ("acc", "训练结果", "the benchmark's quality metric after the final evaluation; converged = target reached, after how many steps"),
    ("mem", "硬件存储使用", "peak memory actually used / total, GiB (CPU: peak resident memory of the process / RAM); the busiest rank"),
    ("mfu", "MFU", "analytic model FLOPs per sample × p_core / peak FLOPs of the run's precision (blank without a stated or measured peak)"),
]
SAMPLES_NOTE = "samples are global: summed over all ranks. Always p_core ≥ p_train ≥ p_whole."
