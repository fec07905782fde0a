"""The harness's ratio interval (pure arithmetic), its instability flag, and the interleaved
training and inference harnesses' plumbing (no assertions on their figures)."""

from __future__ import annotations

import math

import pytest

from perfkit.selfcheck import harness, inference_harness
from perfkit.selfcheck.interval import MIN_PAIRS, RatioInterval, ratio_interval


def test_identical_pairs_give_a_point_interval_that_is_stable():
    got = ratio_interval([0.99] * 8)
    assert got.estimate == pytest.approx(0.99)
    assert got.low == pytest.approx(0.99) and got.high == pytest.approx(0.99)
    assert got.half_width == pytest.approx(0.0, abs=1e-12) and not got.unstable


def test_the_estimate_is_the_geometric_mean_of_the_pair_ratios():
    assert ratio_interval([0.5, 2.0, 1.0]).estimate == pytest.approx(1.0)
    assert ratio_interval([0.9, 1.1, 1.0, 1.0]).estimate == pytest.approx((0.9 * 1.1) ** 0.25)


def test_the_interval_holds_the_estimate_and_lies_within_the_pairs():
    ratios = [0.96, 0.98, 1.0, 1.01, 0.97, 0.99, 1.02, 0.98]
    got = ratio_interval(ratios)
    assert min(ratios) <= got.low <= got.estimate <= got.high <= max(ratios)
    assert got.confidence == 0.95 and got.pairs == 8


def test_more_confidence_gives_a_wider_interval():
    ratios = [0.9, 1.0, 1.05, 0.95, 1.1, 0.97, 1.02, 0.99]
    narrow, wide = ratio_interval(ratios, confidence=0.5), ratio_interval(ratios, confidence=0.99)
    assert wide.low < narrow.low and wide.high > narrow.high


def test_a_tight_set_of_pairs_is_stable_and_a_spread_one_is_flagged():
    tight = ratio_interval([0.985, 0.99, 0.995, 0.99, 0.988, 0.992, 0.99, 0.991])
    spread = ratio_interval([0.11, 1.66, 0.92, 0.85, 1.06, 0.94])  # the figures under load
    assert not tight.unstable and "UNSTABLE" not in tight.label()
    assert spread.unstable and "UNSTABLE: interval wider than +/-3%" in spread.label()
    assert spread.half_width > 0.03


def test_too_few_pairs_are_unstable_whatever_their_spread():
    assert ratio_interval([1.0, 1.0]).unstable
    one = ratio_interval([1.0])
    assert one.unstable and math.isinf(one.half_width)
    assert f"fewer than {MIN_PAIRS} pairs" in one.label()


def test_the_instability_threshold_is_a_parameter_and_compares_both_sides():
    interval = RatioInterval(estimate=1.0, low=0.98, high=1.035, confidence=0.95, pairs=10)
    assert interval.half_width == pytest.approx(0.035) and interval.unstable  # the upper side decides
    assert not RatioInterval(1.0, 0.98, 1.035, 0.95, 10, unstable_above=0.05).unstable


def test_the_interval_is_reproducible_and_rejects_bad_ratios():
    ratios = [0.9, 1.2, 1.0, 0.95]
    assert ratio_interval(ratios) == ratio_interval(ratios)
    for bad in ([], [1.0, 0.0], [1.0, -2.0], [1.0, math.nan]):
        with pytest.raises(ValueError):
            ratio_interval(bad)
    with pytest.raises(ValueError):
        ratio_interval([1.0, 1.0], confidence=1.0)


def test_the_training_harness_alternates_blocks_and_prints_an_interval(bert_data):
    overrides = {"data_dir": str(bert_data), "num_layers": 1, "hidden_size": 32, "num_heads": 2,
                 "intermediate_size": 64, "seq_len": 64, "max_predictions_per_seq": 10, "batch_size": 2}
    seen = []
    pairs = harness.measure("bert", steps=2, pairs=3, overrides=overrides, on_pair=seen.append)
    assert len(pairs) == 3 and seen == pairs and all(p.perfkit_p_core > 0 and p.hand_throughput > 0 for p in pairs)
    text = harness.report("bert", pairs)
    assert "bert: perfkit p_core / hand-loop throughput, 3 interleaved pairs" in text
    assert "95% interval" in text and "goal >= 0.98" in text


def test_the_inference_harness_compares_the_loops_and_prints_an_interval(tmp_path):
    overrides = dict(num_layers=1, hidden_size=32, num_heads=2, intermediate_size=64, vocab_size=4096, seq_len=32,
                     batch_size=4, eval_samples=12, max_documents=4, data_dir=str(tmp_path / "set"),
                     data_autobuild=True)
    pairs = inference_harness.measure("bert_inference", steps=2, pairs=3, overrides=overrides)
    assert len(pairs) == 3 and all(p.perfkit_p_core > 0 and p.hand_throughput > 0 for p in pairs)
    text = harness.report("bert_inference", pairs, "inference")
    assert "perfkit p_infer_core / hand-loop throughput, 3 interleaved pairs" in text and "goal >= 0.97" in text
