"""Inference metric arithmetic (the peak FLOP/s used for MFU: tests/test_peak_cache.py)."""

from __future__ import annotations

import math

import pytest

from perfkit.measure import metrics as m
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
