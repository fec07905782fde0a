"""Inference metric arithmetic and the peak FLOP/s used for MFU (hardware file, else measured)."""

from __future__ import annotations

import math

import pytest
import torch

from perfkit.engine import metrics as m
from perfkit.engine import peak
from perfkit.params.hardware import HardwareSpec
from perfkit.report.tables import duration_label


def test_inference_throughput_from_windows():
    t = m.InferenceTimings(e2e=10.0, val_window=2.0, val_core=1.0, val_samples=64,
                           infer_window=4.0, infer_core=2.0, infer_samples=400)
    out = m.inference_throughput(t)
    assert out.p_val_whole == 32 and out.p_val_core == 64
    assert out.p_infer_whole == 100 and out.p_infer_core == 200
    assert out.infer_time == pytest.approx(1 / 200)
    assert out.p_infer_core >= out.p_infer_whole and out.p_val_core >= out.p_val_whole


def test_inconsistent_windows_are_refused():
    with pytest.raises(ValueError, match="core time exceeds"):
        m.inference_throughput(m.InferenceTimings(10, 1, 2, 8, 1, 1, 8))
    with pytest.raises(ValueError, match="end-to-end"):
        m.inference_throughput(m.InferenceTimings(1, 1, 1, 8, 1, 1, 8))


def test_latency_percentiles_use_every_batch():
    values = [float(v) for v in range(1, 101)]
    p = m.latency_percentiles(values)
    assert (p["latency_p50"], p["latency_p90"], p["latency_p99"]) == (51.0, 90.0, 99.0)
    assert m.latency_percentiles([])["latency_p50"] is None


def test_infer_time_cell_is_ms_or_microseconds():
    assert duration_label(0.0033) == "3.3ms"
    assert duration_label(0.000831) == "831μs"
    assert duration_label(math.nan) == "" and duration_label(None) == ""


def _hardware(peaks: dict[str, float]) -> HardwareSpec:
    return HardwareSpec(name="x", vendor="cpu", short_name="X", peak_tflops=peaks)


def test_a_declared_peak_wins_and_nothing_is_measured(tmp_path):
    cpu = torch.device("cpu")
    got = peak.peak_flops(_hardware({"fp16": 312.0}), "fp16", torch.float16, cpu, "card", lambda: None, tmp_path)
    assert got == peak.PeakFlops(312.0, "hardware file")
    assert not (tmp_path / peak.CACHE_FILE).exists()


def test_a_measured_peak_is_cached_per_device_and_dtype(tmp_path, monkeypatch):
    cpu = torch.device("cpu")
    calls = []

    def fake_gemm(device, dtype, sync, seconds=0.3):
        calls.append(dtype)
        return 1.5 if dtype == torch.float32 else 0.5

    monkeypatch.setattr(peak, "gemm_tflops", fake_gemm)
    first = peak.peak_flops(_hardware({}), "fp32", torch.float32, cpu, "cpu model", lambda: None, tmp_path)
    again = peak.peak_flops(_hardware({}), "fp32", torch.float32, cpu, "cpu model", lambda: None, tmp_path)
    other = peak.peak_flops(_hardware({}), "bf16", torch.bfloat16, cpu, "cpu model", lambda: None, tmp_path)
    assert first == peak.PeakFlops(1.5, "measured")
    assert again == peak.PeakFlops(1.5, "measured (cached)")
    assert other == peak.PeakFlops(0.5, "measured")
    assert calls == [torch.float32, torch.bfloat16]


def test_the_gemm_microbenchmark_measures_a_positive_rate():
    assert peak.gemm_tflops(torch.device("cpu"), torch.float32, lambda: None, seconds=0.01) > 0


def test_remeasuring_the_peak_keeps_the_higher_figure(tmp_path, monkeypatch):
    cpu = torch.device("cpu")
    rates = iter([2.0, 1.0, 3.0])
    monkeypatch.setattr(peak, "gemm_tflops", lambda device, dtype, sync, seconds=0.3: next(rates))
    assert peak.measured_peak(cpu, "m", torch.float32, lambda: None, tmp_path).tflops == 2.0
    assert peak.measured_peak(cpu, "m", torch.float32, lambda: None, tmp_path, remeasure=True).tflops == 2.0  # 1.0 was a busy moment
    assert peak.measured_peak(cpu, "m", torch.float32, lambda: None, tmp_path, remeasure=True).tflops == 3.0
    assert peak.measured_peak(cpu, "m", torch.float32, lambda: None, tmp_path) == peak.PeakFlops(3.0, "measured (cached)")
