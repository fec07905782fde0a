"""Reader for the ImageNet (ILSVRC2012) folder layout, the format FlagPerf's MobileNetV2 case uses.

Layout under ``data_dir``::

    train/<class>/*.JPEG     one folder per class (wnid), images of any size
    val/<class>/*.JPEG       the same class folders, held-out images

Class indices are the sorted training class folder names. Images are decoded with Pillow and
augmented in torch: random resized crop + horizontal flip + normalize for training, resize +
center crop + normalize for evaluation (the torchvision ImageNet recipe, without torchvision).
A truncated or corrupt image, an empty or missing folder raise a DataError naming the path.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from perfkit.errors import DataError

IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png")
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def list_classes(split: Path, what: str) -> list[str]:
    """Sorted class folder names of one split; an error if there are none."""
    if not split.is_dir():
        raise DataError(f"{what} folder {split} does not exist (expected {split}/<class>/*.JPEG)")
    classes = sorted(p.name for p in split.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise DataError(f"{what} folder {split} holds no class folders (expected {split}/<class>/*.JPEG)")
    return classes


def scan(split: Path, classes: list[str], what: str) -> list[tuple[Path, int]]:
    """(image path, class index) for every image of the split, in sorted order."""
    present = set(list_classes(split, what))
    missing = [name for name in classes if name not in present]
    if missing:
        raise DataError(f"{what} folder {split} is missing class folder '{missing[0]}' (the training set has it)")
    extra = sorted(present - set(classes))
    if extra:
        raise DataError(f"{what} folder {split} has class folder '{extra[0]}' that the training set lacks")
    samples: list[tuple[Path, int]] = []
    for label, name in enumerate(classes):
        files = sorted(p for p in (split / name).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        if not files:
            raise DataError(f"class folder {split / name} holds no images ({'/'.join(IMAGE_SUFFIXES)})")
        samples.extend((path, label) for path in files)
    return samples


def decode(path: Path) -> Image.Image:
    """The image as RGB, fully decoded (so a truncated file fails here, named)."""
    try:
        with warnings.catch_warnings():
            # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that: both are refused
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.load()
                return image.convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DataError(f"{path}: refused, the image is too large to decode safely ({' '.join(str(exc).split())})") from None
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise DataError(f"{path}: cannot decode image ({' '.join(str(exc).split())})") from None


def check_header(path: Path) -> None:
    """Open the image without decoding its pixels: the format is known and the size is within
    Pillow's decompression-bomb limit. Cheap enough to run over a small set before a run."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path):
                pass
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DataError(f"{path}: refused, the image is too large to decode safely ({' '.join(str(exc).split())})") from None
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError, EOFError) as exc:
        raise DataError(f"{path}: cannot decode image ({' '.join(str(exc).split())})") from None


HEADER_CHECK_MAX = 20000  # preflight opens every image header of a set this small


def to_tensor(image: Image.Image) -> torch.Tensor:
    """HWC uint8 to normalized CHW float."""
    array = torch.from_numpy(np.asarray(image, dtype=np.uint8).copy()).permute(2, 0, 1).float().div_(255.0)
    mean = torch.tensor(MEAN).view(3, 1, 1)
    std = torch.tensor(STD).view(3, 1, 1)
    return (array - mean) / std


def crop_box(width: int, height: int, scale: tuple[float, float], ratio: tuple[float, float],
             rng: np.random.Generator) -> tuple[int, int, int, int]:
    """torchvision's RandomResizedCrop box (left, top, right, bottom): ten tries at a random area
    and aspect ratio, then the central crop clamped to the ratio range."""
    area = width * height
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        target = area * rng.uniform(scale[0], scale[1])
        aspect = math.exp(rng.uniform(*log_ratio))
        w = int(round(math.sqrt(target * aspect)))
        h = int(round(math.sqrt(target / aspect)))
        if 0 < w <= width and 0 < h <= height:
            left = int(rng.integers(0, width - w + 1))
            top = int(rng.integers(0, height - h + 1))
            return left, top, left + w, top + h
    in_ratio = width / height
    if in_ratio < ratio[0]:
        w, h = width, int(round(width / ratio[0]))
    elif in_ratio > ratio[1]:
        w, h = int(round(height * ratio[1])), height
    else:
        w, h = width, height
    left, top = (width - w) // 2, (height - h) // 2
    return left, top, left + w, top + h


@dataclass(frozen=True)
class TrainTransform:
    size: int
    min_scale: float = 0.08
    flip: bool = True

    def __call__(self, image: Image.Image, rng: np.random.Generator) -> torch.Tensor:
        box = crop_box(image.width, image.height, (self.min_scale, 1.0), (3 / 4, 4 / 3), rng)
        tensor = to_tensor(image.resize((self.size, self.size), Image.Resampling.BILINEAR, box=box))
        if self.flip and rng.random() < 0.5:
            tensor = tensor.flip(-1)
        return tensor


@dataclass(frozen=True)
class EvalTransform:
    size: int
    crop_fraction: float = 0.875  # resize the short side to size / 0.875, then center-crop size

    def __call__(self, image: Image.Image) -> torch.Tensor:
        short = int(round(self.size / self.crop_fraction))
        scale = short / min(image.width, image.height)
        w, h = max(self.size, round(image.width * scale)), max(self.size, round(image.height * scale))
        resized = image.resize((w, h), Image.Resampling.BILINEAR)
        left, top = (w - self.size) // 2, (h - self.size) // 2
        return to_tensor(resized.crop((left, top, left + self.size, top + self.size)))


class ImageFolderTrain(torch.utils.data.Dataset):
    """Training images with augmentation. The augmentation of a sample is drawn from a generator
    seeded by (seed, index, how often this index was read here), so runs repeat exactly."""

    def __init__(self, samples: list[tuple[Path, int]], transform: TrainTransform, seed: int) -> None:
        self.samples = samples
        self.transform = transform
        self.seed = seed
        self._visits: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        path, label = self.samples[index]
        visit = self._visits.get(index, 0)
        self._visits[index] = visit + 1
        rng = np.random.default_rng([self.seed, index, visit])
        return {"pixel_values": self.transform(decode(path), rng), "labels": torch.tensor(label)}


class ImageFolderEval(torch.utils.data.Dataset):
    def __init__(self, samples: list[tuple[Path, int]], transform: EvalTransform) -> None:
        self.samples = samples
        self.transform = transform

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        path, label = self.samples[index]
        return {"pixel_values": self.transform(decode(path)), "labels": torch.tensor(label)}
