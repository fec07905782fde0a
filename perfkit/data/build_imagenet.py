"""Build a small ImageNet-layout set from real images that ship with scikit-learn.

scikit-learn's ``load_digits`` holds 1,797 real 8x8 grey scans of hand-written digits (UCI
optdigits). Each is upscaled (bicubic) to ``image_size`` pixels, made RGB and written as a JPEG
into ``train/<class>/`` or ``val/<class>/``, the ten classes named like ImageNet wnids
(``n00000000`` .. ``n00000009``). The split is drawn from one seed, so the same settings always
give the same bytes and the same content hash.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from perfkit import paths
from perfkit.data.hashing import write_manifest
from perfkit.data.staging import staged_folder

BUILDER = "perfkit.data.build_imagenet/1"


@dataclass(frozen=True)
class ImagenetBuildSettings:
    image_size: int = 256  # stored pixels; training crops and evaluation resizes from these
    val_fraction: float = 0.2
    jpeg_quality: int = 90
    seed: int = 12345
    train_dir: str = "train"
    val_dir: str = "val"


def class_name(label: int) -> str:
    return f"n{label:08d}"


def _to_image(pixels: np.ndarray, size: int) -> Image.Image:
    grey = Image.fromarray(np.clip(pixels * (255.0 / 16.0), 0, 255).astype(np.uint8), mode="L")
    return grey.resize((size, size), Image.Resampling.BICUBIC).convert("RGB")


def build_imagenet_dataset(out: Path, settings: ImagenetBuildSettings = ImagenetBuildSettings()) -> str:
    """Write the dataset to ``out`` (replacing it) and return its content hash."""
    from perfkit.plugins import require

    s = settings
    for key in ("train_dir", "val_dir"):
        paths.safe_name(getattr(s, key), f"key '{key}'")  # folders the builder creates under out
    digits = require("sklearn.datasets").load_digits()
    rng = np.random.default_rng(s.seed)
    order = rng.permutation(len(digits.target))
    n_val = max(1, int(round(len(order) * s.val_fraction)))
    split_of = {int(i): s.val_dir for i in order[:n_val]}
    labels = sorted(int(t) for t in set(digits.target.tolist()))
    with staged_folder(out) as staging:
        for split in (s.train_dir, s.val_dir):
            for label in labels:
                (staging / split / class_name(label)).mkdir(parents=True)
        files = []
        for index, (pixels, label) in enumerate(zip(digits.images, digits.target, strict=False)):
            split = split_of.get(index, s.train_dir)
            prefix = "ILSVRC2012_val" if split == s.val_dir else class_name(int(label))
            path = staging / split / class_name(int(label)) / f"{prefix}_{index:08d}.JPEG"
            _to_image(pixels, s.image_size).save(path, format="JPEG", quality=s.jpeg_quality)
            files.append(path)
        content = write_manifest(staging, BUILDER, asdict(s), files)
    return content
