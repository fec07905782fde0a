"""MobileNetV2 on ImageNet2012, the FlagPerf case of seed 004.

Defaults are the public reference: 224x224 inputs, 1000 classes, width 1.0, SGD with momentum
0.9 and weight decay 4e-5, learning rate 0.045 decayed by 0.98 every epoch, target top-1 0.686.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from functools import cached_property
from pathlib import Path
from typing import ClassVar

import torch
from pydantic import Field

from perfkit.benchmarks.base import Batch, BenchmarkInfo, TrainingBenchmark
from perfkit.data import imagenet_folder as folder
from perfkit.data.build_imagenet import ImagenetBuildSettings, build_imagenet_dataset
from perfkit.data.hashing import DataIdentity, identify
from perfkit.engine.optim import epoch_step_decay_schedule
from perfkit.errors import DataError
from perfkit.params.schema import CommonParams


class MobileNetV2Params(CommonParams):
    batch_size: int = Field(256, gt=0, description="images per card per step")
    learning_rate: float = Field(0.045, gt=0, description="initial SGD learning rate")
    image_size: int = Field(224, gt=0, description="training crop and evaluation crop, pixels")
    num_labels: int = Field(1000, gt=0, description="classes (ImageNet2012: 1000)")
    depth_multiplier: float = Field(1.0, gt=0, description="width multiplier of every layer")
    momentum: float = Field(0.9, ge=0, lt=1, description="SGD momentum")
    weight_decay: float = Field(4e-5, ge=0, description="L2 weight decay")
    lr_decay: float = Field(0.98, gt=0, le=1, description="learning-rate factor per epoch")
    min_crop_scale: float = Field(0.08, gt=0, le=1, description="smallest area of the random resized crop")
    random_flip: bool = Field(True, description="random horizontal flip in training")
    crop_fraction: float = Field(0.875, gt=0, le=1, description="eval: center crop / resized short side")
    target_top1: float = Field(0.686, gt=0, le=1, description="convergence target, top-1 accuracy")
    eval_samples: int = Field(50000, gt=0, description="validation images used")
    eval_batch_size: int = Field(256, gt=0, description="eval batch per card")
    train_dir: str = Field("train", description="training class folders under data_dir")
    val_dir: str = Field("val", description="validation class folders under data_dir")


def _world_size() -> int:
    dist = torch.distributed
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


class MobileNetV2Training(TrainingBenchmark):
    info = BenchmarkInfo(
        name="mobilenetv2",
        title="MobileNetV2 on ImageNet2012",
        kind="training",
        task="图像分类",
        model="MobilenetV2",
        dataset="ImageNet2012 (train/<class>/*.JPEG folder layout)",
        quality_metric="top1_accuracy",
        quality_label="单位为top1分类准确率(acc1)",
        notebook="mobilenetv2_training.ipynb",
        quality_column="acc",
    )
    params_model: ClassVar[type[CommonParams]] = MobileNetV2Params
    params: MobileNetV2Params

    # -- data -------------------------------------------------------------------------------
    def _build_settings(self) -> ImagenetBuildSettings:
        p = self.params
        stored = int(round(p.image_size / p.crop_fraction))
        return ImagenetBuildSettings(image_size=stored, train_dir=p.train_dir, val_dir=p.val_dir)

    def build_settings(self) -> dict:
        return asdict(self._build_settings())

    def build_data(self, out: Path) -> str:
        return build_imagenet_dataset(out, self._build_settings())

    @cached_property
    def _samples(self) -> tuple[list[tuple[Path, int]], list[tuple[Path, int]]]:
        """(training, validation) image paths and labels, scanned once (ImageNet: 1.33M files)."""
        root = self.data_dir()
        classes = folder.list_classes(root / self.params.train_dir, "training")
        if len(classes) > self.params.num_labels:
            raise DataError(
                f"{root / self.params.train_dir}: {len(classes)} class folders but num_labels="
                f"{self.params.num_labels}; set num_labels to at least {len(classes)}"
            )
        train = folder.scan(root / self.params.train_dir, classes, "training")
        val = folder.scan(root / self.params.val_dir, classes, "validation")
        return train, val

    def prepare_data(self) -> DataIdentity:
        root = self.data_dir()
        self.autobuild_or_fail(root, "mobilenetv2")
        train, val = self._samples
        samples = train + val
        for path, _ in samples if len(samples) <= folder.HEADER_CHECK_MAX else []:
            folder.check_header(path)
        folder.decode(train[0][0])
        folder.decode(val[0][0])
        return identify(root)

    def train_dataset(self):
        p = self.params
        train, _ = self._samples
        transform = folder.TrainTransform(p.image_size, p.min_crop_scale, p.random_flip)
        return folder.ImageFolderTrain(train, transform, p.seed), [len(train)]

    def steps_per_epoch(self, world_size: int) -> int:
        train, _ = self._samples
        global_batch = self.params.batch_size * self.params.gradient_accumulation_steps * world_size
        return max(1, len(train) // global_batch)

    def eval_batches(self, rank: int, world_size: int) -> Iterable[Batch]:
        p = self.params
        _, val = self._samples
        share = val[: p.eval_samples][rank::world_size]
        dataset = folder.ImageFolderEval(share, folder.EvalTransform(p.image_size, p.crop_fraction))
        return torch.utils.data.DataLoader(dataset, batch_size=p.eval_batch_size, num_workers=p.num_workers)

    # -- model ------------------------------------------------------------------------------
    def model_config(self):
        from transformers import MobileNetV2Config

        p = self.params
        return MobileNetV2Config(image_size=p.image_size, num_labels=p.num_labels,
                                 depth_multiplier=p.depth_multiplier)

    def build_model(self) -> torch.nn.Module:
        from transformers import MobileNetV2ForImageClassification

        torch.manual_seed(self.params.seed)
        loaded = self.pretrained(MobileNetV2ForImageClassification)
        if loaded is not None:
            return loaded
        model = MobileNetV2ForImageClassification(self.model_config())
        reference_init(model)
        return model

    def build_optimizer(self, model: torch.nn.Module):
        p = self.params
        optimizer = torch.optim.SGD(model.parameters(), lr=p.learning_rate, momentum=p.momentum,
                                    weight_decay=p.weight_decay)
        return optimizer, epoch_step_decay_schedule(optimizer, self.steps_per_epoch(_world_size()), p.lr_decay)

    def train_loss(self, model: torch.nn.Module, batch: Batch) -> torch.Tensor:
        logits = model(pixel_values=batch["pixel_values"]).logits
        return torch.nn.functional.cross_entropy(logits, batch["labels"])

    def eval_counts(self, model: torch.nn.Module, batch: Batch) -> tuple[float, float]:
        return top1_counts(model(pixel_values=batch["pixel_values"]).logits, batch["labels"])

    def target(self) -> float:
        return self.params.target_top1

    def flops_per_sample(self) -> float:
        return mobilenetv2_training_flops(self.model_config())


def reference_init(model: torch.nn.Module) -> None:
    """The reference (torchvision) initialisation: Kaiming-normal fan-out convolutions, unit
    BatchNorm, N(0, 0.01) classifier. transformers' N(0, 0.02) convolutions in front of BatchNorm
    give gradients in the thousands at step one and SGD at lr 0.045 diverges."""
    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d):
            torch.nn.init.kaiming_normal_(module.weight, mode="fan_out")
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, torch.nn.BatchNorm2d):
            torch.nn.init.ones_(module.weight)
            torch.nn.init.zeros_(module.bias)
        elif isinstance(module, torch.nn.Linear):
            torch.nn.init.normal_(module.weight, 0.0, 0.01)
            torch.nn.init.zeros_(module.bias)


def top1_counts(logits: torch.Tensor, labels: torch.Tensor) -> tuple[float, float]:
    """(images whose highest logit is the label, images)."""
    return float((logits.argmax(dim=-1) == labels).sum().item()), float(labels.numel())


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
