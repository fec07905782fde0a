"""The metric legend shown in every report: one definition per key, shared by all benchmarks."""

from __future__ import annotations

TRAINING = [
    ("e2e_time", "端到端时间", "wall seconds from benchmark start (before model/data setup) to the end of the final evaluation"),
    ("p_whole", "总吞吐量", "samples / (TRAIN_END − TRAIN_START); includes data loading and evaluations"),
    ("p_train", "训练吞吐量", "samples / (training wall time − evaluation time)"),
    ("p_core", "计算吞吐量", "samples / compute time (forward, backward, optimizer step) timed on the device with device events, read back at window edges; excludes waiting for data and host→device copies"),
    ("acc", "训练结果", "the benchmark's quality metric after the final evaluation; converged = target reached, after how many steps"),
    ("mem", "硬件存储使用", "peak memory actually used / total, GiB (CPU: peak resident memory of the process / RAM), from the loop's start; the busiest rank"),
    ("mfu", "MFU", "analytic model FLOPs per sample × p_core / peak FLOPs of the run's precision, in %, shown with that peak (TFLOP/s) and its source (blank without a stated or measured peak)"),
]

INFERENCE = [
    ("byte_per_batch", "批输入大小", "bytes of the input tensors of one batch as fed to the engine (input_ids, attention_mask, token_type_ids)"),
    ("e2e_time", "端到端时间", "wall seconds from benchmark start (before data, checkpoint and model setup) to the end of the inference pass; includes validation and export"),
    ("p_val_whole", "验证总吞吐量", "validation samples / validation pass wall time (framework model; host→device copies and accuracy bookkeeping included; warm-up excluded)"),
    ("p_val_core", "验证计算吞吐量", "validation samples / forward time of the framework model, timed on the device with device events"),
    ("p_infer_whole", "推理总吞吐量", "inference samples / inference pass wall time through the backend (warm-up and export/compile excluded)"),
    ("p_infer_core", "推理计算吞吐量", "inference samples / engine time, timed on the device with device events"),
    ("infer_time", "推理单样本耗时", "1 / p_infer_core, in ms or µs"),
    ("acc", "推理结果", "top-1 masked-LM accuracy as a fraction (0–1), inference (backend) / validation (framework), over the same masked tokens"),
    ("mem", "硬件存储使用", "peak memory actually used / total, GiB (CPU: peak resident memory of the process / RAM), from the loop's start"),
    ("latency_p50/p90/p99", "单批延迟", "per-batch engine latency percentiles over every measured batch of the inference pass"),
    ("export_time", "导出时间", "export / compile / engine build seconds, measured apart and never inside throughput"),
    ("mfu", "MFU", "analytic forward FLOPs per sample × p_infer_core / peak FLOPs of the run's precision (hardware file, else a measured GEMM peak)"),
]

SPECS = [
    ("gemm", "算力", "torch.mm (int8: torch._int_mm, fp8: torch._scaled_mm) of M×K by K×N in the dtype; FLOPs = 2·M·N·K per product; TFLOP/s (int8: TOP/s) = FLOPs / seconds per product / 1e12, the median of the repeats"),
    ("memory_bandwidth", "存储带宽", "dst.copy_(src) of one buffer on the device; bytes moved = 2 × size (read + write); GB/s = bytes moved / seconds / 1e9"),
    ("memory_capacity", "存储容量", "GiB held: on the CPU the request, allocated in chunks, written and freed, bounded by a share of the available memory; on an accelerator chunks until its out-of-memory error, then all freed"),
    ("h2d/d2h", "主机-设备带宽", "card.copy_(host) / host.copy_(card) from pinned or pageable host memory; bytes moved = size; GB/s; not applicable on the CPU"),
    ("p2p", "卡间带宽", "copy from card 0 to card 1 of one node; bytes moved = size; GB/s; not applicable without two cards"),
    ("all_reduce/all_gather", "集合通信带宽", "nccl-tests' busbw: algbw = S / t (S: the all_reduce buffer, or the whole all_gather output), busbw = algbw × 2(n−1)/n (all_reduce), algbw × (n−1)/n (all_gather); t: the slowest rank's time"),
    ("spread", "波动", "coefficient of variation of the repeats' rates: population standard deviation / mean, in %"),
    ("datasheet", "标称值", "the hardware file's figure for the case (dense peak per dtype, memory bandwidth and size, interconnect); unknown where the file states none"),
    ("percent", "实测/标称", "measured / datasheet × 100, only when both exist"),
]

# the English beside each Chinese name, for labels that show the name without its key
ENGLISH = {
    "端到端时间": "End-to-end time", "总吞吐量": "Whole throughput", "训练吞吐量": "Training throughput",
    "计算吞吐量": "Compute throughput", "训练结果": "Training result", "硬件存储使用": "Memory used", "MFU": "",
    "批输入大小": "Bytes per batch", "验证总吞吐量": "Validation whole throughput",
    "验证计算吞吐量": "Validation compute throughput", "推理总吞吐量": "Inference whole throughput",
    "推理计算吞吐量": "Inference compute throughput", "推理单样本耗时": "Time per sample",
    "推理结果": "Inference result", "单批延迟": "Batch latency", "导出时间": "Export time",
    "算力": "Compute", "存储带宽": "Memory bandwidth", "存储容量": "Memory capacity", "主机-设备带宽": "Host-device bandwidth",
    "卡间带宽": "Card-to-card bandwidth", "集合通信带宽": "Collective bus bandwidth", "波动": "Spread",
    "标称值": "Datasheet", "实测/标称": "Measured / datasheet",
}


def bilingual_name(key: str, name: str) -> str:
    """``端到端时间 End-to-end time``; MFU stays "算力利用率 MFU"."""
    if name == "MFU":
        return "算力利用率 MFU"
    english = ENGLISH.get(name, key)
    return f"{name} {english}".strip()
