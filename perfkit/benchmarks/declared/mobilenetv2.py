"""MobileNetV2 on ImageNet2012 as the host sees it: params (reference: width 1.0, 224 px) and description."""

from __future__ import annotations

from pydantic import Field

from perfkit.benchmarks.declared import BenchmarkDeclaration
from perfkit.benchmarks.declared.image_classification import ImageClassificationParams
from perfkit.results import vocabulary as vocab
from perfkit.results.benchmark_info import BenchmarkInfo


class MobileNetV2Params(ImageClassificationParams):
    learning_rate: float = Field(0.045, gt=0, description="initial SGD learning rate")
    depth_multiplier: float = Field(1.0, gt=0, le=64, description="width multiplier of every layer")
    weight_decay: float = Field(4e-5, ge=0, description="L2 weight decay")
    lr_decay: float = Field(0.98, gt=0, le=1, description="learning-rate factor per epoch")
    target_top1: float = Field(0.686, gt=0, le=1, description="convergence target, top-1 accuracy")


INFO = BenchmarkInfo(
    name="mobilenetv2",
    title="MobileNetV2 on ImageNet2012",
    kind=vocab.TRAINING,
    task="图像分类",
    model="MobilenetV2",
    dataset="ImageNet2012 (train/<class>/*.JPEG folder layout)",
    quality_metric=vocab.TOP1_ACCURACY,
    quality_label="单位为top1分类准确率(acc1)",
    notebook="mobilenetv2_training.ipynb",
    quality_column="acc",
)
DECLARATION = BenchmarkDeclaration(MobileNetV2Params, INFO)
