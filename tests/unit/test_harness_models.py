"""`perfkit bench harness` runs the perfkit loop and the hand-written loop on GLM and MobileNetV2."""

from __future__ import annotations

import math

import pytest

from perfkit.selfcheck import harness


@pytest.mark.parametrize("name", ["glm", "mobilenetv2"])
def test_harness_measures_both_loops_on_the_same_model(name, request):
    data = request.getfixturevalue({"glm": "glm_data", "mobilenetv2": "imagenet_data"}[name])
    pairs = harness.measure(name, steps=3, pairs=1, overrides={"data_dir": str(data)})
    assert len(pairs) == 1
    pair = pairs[0]
    assert math.isfinite(pair.perfkit_p_core) and pair.perfkit_p_core > 0
    assert math.isfinite(pair.hand_throughput) and pair.hand_throughput > 0
    assert f"{name}: perfkit p_core / hand-loop throughput, 1 interleaved pairs" in harness.report(name, pairs)
