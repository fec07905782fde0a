"""MobileNetV2 on ImageNet2012, the FlagPerf case of seed 004.

Defaults are the public reference: 224x224 inputs, 1000 classes, width 1.0, SGD with momentum
0.9 and weight decay 4e-5, learning rate 0.045 decayed by 0.98 every epoch, target top-1 0.686.
"""

from __future__ import annotations

from typing import ClassVar

from perfkit.benchmarks.declared.mobilenetv2 import INFO, MobileNetV2Params
from perfkit.benchmarks.image_classification import ImageClassificationTraining, top1_counts
from perfkit.benchmarks.optim import epoch_step_decay_schedule

__all__ = ["MobileNetV2Params", "MobileNetV2Training", "mobilenetv2_forward_flops", "mobilenetv2_training_flops",
           "top1_counts"]


class MobileNetV2Training(ImageClassificationTraining):
    info = INFO
    params_model: ClassVar[type[MobileNetV2Params]] = MobileNetV2Params
    params: MobileNetV2Params

    def model_class(self) -> type:
        from transformers import MobileNetV2ForImageClassification

        return MobileNetV2ForImageClassification

    def model_config(self):
        from transformers import MobileNetV2Config

        p = self.params
        return MobileNetV2Config(image_size=p.image_size, num_labels=p.num_labels,
                                 depth_multiplier=p.depth_multiplier)

    def lr_schedule(self, optimizer, steps_per_epoch: int):
        return epoch_step_decay_schedule(optimizer, steps_per_epoch, self.params.lr_decay)

    def flops_per_sample(self) -> float:
        return mobilenetv2_training_flops(self.model_config())


def mobilenetv2_training_flops(config) -> float:
    """Forward + backward FLOPs of one image: backward costs twice the forward, except for the
    first convolution, whose input (the image) needs no gradient, only its weight."""
    forward, first = mobilenetv2_forward_flops(config)
    return 3.0 * forward - first


def mobilenetv2_forward_flops(config) -> tuple[float, float]:
    """(forward FLOPs of one image, of which the first convolution) in transformers' MobileNetV2.

    Walks the architecture from the config (stem, 16 inverted residual blocks, 1x1 head,
    classifier) with TF "same" padding (output side = ceil(input / stride)). A convolution costs
    2 x output pixels x output channels x input channels per group x k^2; the classifier 2 x in x out.
    """
    from transformers.models.mobilenet_v2.modeling_mobilenet_v2 import apply_depth_multiplier, make_divisible

    def conv(side: int, c_in: int, c_out: int, k: int = 1, groups: int = 1) -> float:
        return 2.0 * side * side * c_out * (c_in // groups) * k * k

    channels = [apply_depth_multiplier(config, c) for c in
                (16, 24, 24, 32, 32, 32, 64, 64, 64, 64, 96, 96, 96, 160, 160, 160, 320)]
    strides = (2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1)
    stem = apply_depth_multiplier(config, 32)
    side = -(-config.image_size // 2)
    first = conv(side, config.num_channels, stem, 3)
    forward = first
    if not config.first_layer_is_expansion:  # transformers adds a 1x1 expansion only then
        forward += conv(side, stem, stem)
    forward += conv(side, stem, stem, 3, stem) + conv(side, stem, channels[0])
    for i, stride in enumerate(strides):
        c_in, c_out = channels[i], channels[i + 1]
        expanded = make_divisible(int(round(c_in * config.expand_ratio)), config.depth_divisible_by, config.min_depth)
        forward += conv(side, c_in, expanded)
        side = -(-side // stride)
        forward += conv(side, expanded, expanded, 3, expanded) + conv(side, expanded, c_out)
    head = 1280 if config.finegrained_output and config.depth_multiplier < 1.0 else apply_depth_multiplier(config, 1280)
    forward += conv(side, channels[-1], head) + 2.0 * head * config.num_labels
    return forward, first
