"""ResNet FLOPs from the architecture agree with torch's FlopCounterMode, forward and backward."""

from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from perfkit.benchmarks.resnet50_training import ResNet50Params, ResNet50Training, resnet_forward_flops


def _bench(**keys) -> ResNet50Training:
    return ResNet50Training(ResNet50Params(**keys))


@pytest.mark.parametrize(
    "keys",
    [
        {"image_size": 32, "num_labels": 10, "embedding_size": 16, "hidden_sizes": [32, 64], "depths": [1, 2]},
        {"image_size": 37, "num_labels": 7, "embedding_size": 8, "hidden_sizes": [16, 16, 32],
         "depths": [2, 1, 1], "layer_type": "basic"},
        {"image_size": 64, "num_labels": 100},  # the ResNet-50 architecture itself, small images
    ],
    ids=["bottleneck-small", "basic-odd-size", "resnet50"],
)
def test_resnet_training_flops_match_the_counter(keys):
    """Dense convolutions only, so the counter's backward is exact: forward + backward of one
    training step must equal flops_per_sample (3 x forward less the stem's input gradient)."""
    bench = _bench(**keys)
    model = bench.build_model()
    size = bench.params.image_size
    images = 2
    batch = {
        "pixel_values": torch.randn(images, 3, size, size, generator=torch.Generator().manual_seed(0)),
        "labels": torch.arange(images) % bench.params.num_labels,
    }
    with FlopCounterMode(display=False) as forward_counter:
        model(pixel_values=batch["pixel_values"])
    forward, _ = resnet_forward_flops(bench.model_config(), size)
    assert forward_counter.get_total_flops() / images == pytest.approx(forward, rel=1e-9)
    with FlopCounterMode(display=False) as step_counter:
        bench.train_loss(model, batch).backward()
    assert step_counter.get_total_flops() / images == pytest.approx(bench.flops_per_sample(), rel=1e-9)


def test_reference_resnet50_is_the_published_size():
    """Defaults are ResNet-50: 25.6 M parameters and about 4.1 G multiply-accumulates at 224 px."""
    bench = _bench()
    model = bench.build_model()
    assert sum(p.numel() for p in model.parameters()) == pytest.approx(25.56e6, rel=0.01)
    forward, _ = resnet_forward_flops(bench.model_config(), 224)
    assert forward / 2 == pytest.approx(4.09e9, rel=0.02)


def test_stage_count_mismatch_is_a_params_error():
    from perfkit.errors import ParamsError

    # refused with the params themselves (perfkit.benchmarks.declared.resnet50), before any model
    with pytest.raises((ParamsError, ValueError), match="hidden_sizes has 2 stages but depths has 3"):
        _bench(hidden_sizes=[16, 32], depths=[1, 1, 1]).model_config()
