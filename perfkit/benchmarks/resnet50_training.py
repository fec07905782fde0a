"""ResNet-50 on ImageNet2012, FlagPerf's most published training case.

Defaults are the public reference: transformers' ResNet-50 (bottleneck blocks, depths 3-4-6-3,
widths 256-512-1024-2048, stride in the 3x3 convolution: "v1.5"), 224x224 inputs, 1000
classes, batch 256 per card, SGD with momentum 0.9 and weight decay 1e-4, learning rate 0.1
divided by 10 every 30 epochs (FlagPerf's A100 configuration and scheduler), target top-1 0.759
(the MLPerf reference target; FlagPerf's published A100 1x8 fp32 run reached 75.0%).

The architecture keys (``embedding_size``, ``hidden_sizes``, ``depths``, ``layer_type``) are
there so that a CPU smoke can train a small ResNet; changing them makes a run non-standard.
"""

from __future__ import annotations

from typing import ClassVar

from perfkit.benchmarks.declared.resnet50 import INFO, ResNet50Params
from perfkit.benchmarks.image_classification import ImageClassificationTraining
from perfkit.benchmarks.optim import epoch_step_decay_schedule
from perfkit.errors import ParamsError


class ResNet50Training(ImageClassificationTraining):
    info = INFO
    params_model: ClassVar[type[ResNet50Params]] = ResNet50Params
    params: ResNet50Params

    def model_class(self) -> type:
        from transformers import ResNetForImageClassification

        return ResNetForImageClassification

    def model_config(self):
        from transformers import ResNetConfig

        p = self.params
        if len(p.hidden_sizes) != len(p.depths):
            raise ParamsError(f"resnet50: hidden_sizes has {len(p.hidden_sizes)} stages but depths has "
                              f"{len(p.depths)}; give one depth per stage")
        return ResNetConfig(num_labels=p.num_labels, embedding_size=p.embedding_size,
                            hidden_sizes=list(p.hidden_sizes), depths=list(p.depths), layer_type=p.layer_type)

    def lr_schedule(self, optimizer, steps_per_epoch: int):
        p = self.params
        return epoch_step_decay_schedule(optimizer, steps_per_epoch * p.lr_decay_epochs, p.lr_decay)

    def flops_per_sample(self) -> float:
        return resnet_training_flops(self.model_config(), self.params.image_size)


def resnet_training_flops(config, image_size: int) -> float:
    """Forward + backward FLOPs of one image: backward costs twice the forward, except for the
    stem convolution, whose input (the image) needs no gradient, only its weight."""
    forward, stem = resnet_forward_flops(config, image_size)
    return 3.0 * forward - stem


def resnet_forward_flops(config, image_size: int) -> tuple[float, float]:
    """(forward FLOPs of one image, of which the stem convolution) in transformers' ResNet.

    Every convolution and the max-pool pad by k // 2, so a stride-2 layer's output side is
    ceil(input / 2). A convolution costs 2 x output pixels x output channels x input channels x
    k^2; the classifier 2 x in x out. Normalisation, activations, pooling and the residual sums
    are not counted (they are not multiply-accumulates).
    """

    def conv(side: int, c_in: int, c_out: int, k: int = 1) -> float:
        return 2.0 * side * side * c_out * c_in * k * k

    def half(side: int) -> int:
        return -(-side // 2)

    side = half(image_size)
    stem = conv(side, config.num_channels, config.embedding_size, 7)
    forward = stem
    side = half(side)  # max-pool 3x3 stride 2
    c_in = config.embedding_size
    for stage, (c_out, depth) in enumerate(zip(config.hidden_sizes, config.depths, strict=False)):
        downsample = stage > 0 or config.downsample_in_first_stage
        for block in range(depth):
            stride_here = downsample and block == 0
            out_side = half(side) if stride_here else side
            if c_in != c_out or stride_here:
                forward += conv(out_side, c_in, c_out)  # projection shortcut
            if config.layer_type == "bottleneck":
                reduced = c_out // 4
                first_side = out_side if config.downsample_in_bottleneck else side
                forward += conv(first_side, c_in, reduced) + conv(out_side, reduced, reduced, 3)
                forward += conv(out_side, reduced, c_out)
            else:
                forward += conv(out_side, c_in, c_out, 3) + conv(out_side, c_out, c_out, 3)
            side, c_in = out_side, c_out
    forward += 2.0 * config.hidden_sizes[-1] * config.num_labels
    return forward, stem
