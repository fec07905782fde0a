"""What every ImageNet-folder classification benchmark's params share (no torch here)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from perfkit.params.schema import CommonParams


class ImageClassificationParams(CommonParams):
    """ImageNet2012 keys; each benchmark sets its own reference learning rate and target."""

    batch_size: int = Field(256, gt=0, description="images per card per step")
    image_size: int = Field(224, gt=0, description="training crop and evaluation crop, pixels")
    num_labels: int = Field(1000, gt=0, description="classes (ImageNet2012: 1000)")
    momentum: float = Field(0.9, ge=0, lt=1, description="SGD momentum")
    weight_decay: float = Field(1e-4, ge=0, description="L2 weight decay")
    min_crop_scale: float = Field(0.08, gt=0, le=1, description="smallest area of the random resized crop")
    random_flip: bool = Field(True, description="random horizontal flip in training")
    crop_fraction: float = Field(0.875, gt=0, le=1, description="eval: center crop / resized short side")
    target_top1: float = Field(0.759, gt=0, le=1, description="convergence target, top-1 accuracy")
    eval_samples: int = Field(50000, gt=0, description="validation images used")
    eval_batch_size: int = Field(256, gt=0, description="eval batch per card")
    train_dir: str = Field("train", description="training class folders under data_dir")
    val_dir: str = Field("val", description="validation class folders under data_dir")

    def data_settings(self) -> dict[str, Any]:
        """The stored image size (the eval resize before the center crop), as the builder has it."""
        return {"image_size": int(round(self.image_size / self.crop_fraction)), "train_dir": self.train_dir,
                "val_dir": self.val_dir}
