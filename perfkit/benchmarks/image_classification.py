"""What every ImageNet-folder classification benchmark shares: params, data, loss, top-1.

A benchmark built on ``ImageClassificationTraining`` names its model (``model_class`` and
``model_config``), its learning-rate schedule (``lr_schedule``) and its FLOPs; reading the
``train/<class>/*.JPEG`` folders, the offline builder, SGD with momentum, the reference
initialisation, the cross-entropy loss and the top-1 count live here once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import torch

from perfkit.benchmarks.base import Batch, TrainingBenchmark
from perfkit.benchmarks.declared.image_classification import ImageClassificationParams
from perfkit.benchmarks.optim import fast_kernels
from perfkit.data import imagenet_folder as folder
from perfkit.data.build_imagenet import ImagenetBuildSettings, build_imagenet_dataset
from perfkit.data.hashing import DataIdentity, identify
from perfkit.errors import DataError
from perfkit.params.schema import CommonParams


def world_size() -> int:
    dist = torch.distributed
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


class ImageClassificationTraining(TrainingBenchmark):
    """SGD with momentum on an ImageNet-layout folder; subclasses give model, schedule, FLOPs."""

    params_model: ClassVar[type[CommonParams]] = ImageClassificationParams
    params: ImageClassificationParams

    # -- what a subclass says -----------------------------------------------------------------
    def model_class(self) -> type:
        """The transformers ``...ForImageClassification`` class."""
        raise NotImplementedError

    def model_config(self) -> Any:
        """The transformers config built from the params."""
        raise NotImplementedError

    def checkpoint_model_class(self) -> type:
        return self.model_class()

    def lr_schedule(self, optimizer: torch.optim.Optimizer, steps_per_epoch: int) -> Any:
        """The learning-rate scheduler stepped once per optimizer step."""
        raise NotImplementedError

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
        root = self.autobuild_or_fail(self.data_dir(), self.info.name)
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
    def build_model(self) -> torch.nn.Module:
        torch.manual_seed(self.params.seed)
        model_cls = self.model_class()
        loaded = self.pretrained(model_cls)
        if loaded is not None:
            return loaded
        model = model_cls(self.model_config())
        reference_init(model)
        return model

    def build_optimizer(self, model: torch.nn.Module):
        p = self.params
        optimizer = torch.optim.SGD(model.parameters(), lr=p.learning_rate, momentum=p.momentum,
                                    weight_decay=p.weight_decay, **fast_kernels(model))
        return optimizer, self.lr_schedule(optimizer, self.steps_per_epoch(world_size()))

    def train_loss(self, model: torch.nn.Module, batch: Batch) -> torch.Tensor:
        logits = model(pixel_values=batch["pixel_values"]).logits
        return torch.nn.functional.cross_entropy(logits, batch["labels"])

    def eval_counts(self, model: torch.nn.Module, batch: Batch) -> tuple[float, float]:
        return top1_counts(model(pixel_values=batch["pixel_values"]).logits, batch["labels"])

    def target(self) -> float:
        return self.params.target_top1


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
