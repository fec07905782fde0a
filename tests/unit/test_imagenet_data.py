"""The ImageNet folder reader and the offline digits builder, and top-1 on hand-made cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from perfkit.benchmarks.mobilenetv2_training import top1_counts
from perfkit.data import imagenet_folder as folder
from perfkit.data.build_imagenet import ImagenetBuildSettings, build_imagenet_dataset, class_name
from perfkit.data.hashing import identify
from perfkit.errors import DataError

TINY = ImagenetBuildSettings(image_size=12)


def test_build_is_deterministic_and_hashed(tmp_path):
    first = build_imagenet_dataset(tmp_path / "a", TINY)
    assert build_imagenet_dataset(tmp_path / "b", TINY) == first
    assert identify(tmp_path / "a").manifest_hash == first
    assert identify(tmp_path / "a").matches_build is True
    assert identify(tmp_path / "a").builder_seed == TINY.seed
    assert build_imagenet_dataset(tmp_path / "c", ImagenetBuildSettings(image_size=12, seed=7)) != first


def test_built_set_has_the_imagenet_layout(imagenet_data: Path):
    classes = folder.list_classes(imagenet_data / "train", "training")
    assert classes == [class_name(k) for k in range(10)]
    train = folder.scan(imagenet_data / "train", classes, "training")
    val = folder.scan(imagenet_data / "val", classes, "validation")
    assert len(train) + len(val) == 1797  # every digit of load_digits, once
    assert {p.name for p, _ in train}.isdisjoint({p.name for p, _ in val})
    assert all(p.suffix == ".JPEG" and p.parent.name == classes[label] for p, label in train + val)
    assert {label for _, label in val} == set(range(10))
    image = folder.decode(train[0][0])
    assert image.mode == "RGB" and image.size == (37, 37)


def test_train_transform_crops_flips_and_normalizes(imagenet_data: Path):
    classes = folder.list_classes(imagenet_data / "train", "training")
    samples = folder.scan(imagenet_data / "train", classes, "training")[:4]
    dataset = folder.ImageFolderTrain(samples, folder.TrainTransform(32, 0.5, True), seed=3)
    first = dataset[1]
    assert first["pixel_values"].shape == (3, 32, 32) and first["pixel_values"].dtype == torch.float32
    assert int(first["labels"]) == samples[1][1]
    again = folder.ImageFolderTrain(samples, folder.TrainTransform(32, 0.5, True), seed=3)[1]
    assert torch.equal(first["pixel_values"], again["pixel_values"])  # same seed, same visit: same crop
    assert not torch.equal(first["pixel_values"], dataset[1]["pixel_values"])  # next visit: a new crop
    values = first["pixel_values"]
    assert values.min() < -1.5 and values.max() > 1.5  # normalized with the ImageNet mean/std


def test_eval_transform_is_a_center_crop(imagenet_data: Path):
    classes = folder.list_classes(imagenet_data / "val", "validation")
    samples = folder.scan(imagenet_data / "val", classes, "validation")[:2]
    dataset = folder.ImageFolderEval(samples, folder.EvalTransform(32))
    a, b = dataset[0]["pixel_values"], dataset[0]["pixel_values"]
    assert a.shape == (3, 32, 32) and torch.equal(a, b)


@pytest.mark.parametrize("seed", range(20))
def test_crop_box_lies_inside_the_image(seed):
    rng = np.random.default_rng(seed)
    left, top, right, bottom = folder.crop_box(50, 30, (0.08, 1.0), (3 / 4, 4 / 3), rng)
    assert 0 <= left < right <= 50 and 0 <= top < bottom <= 30


def test_top1_counts_on_hand_made_logits():
    logits = torch.tensor([[0.1, 0.9, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 3.0], [1.0, 0.0, 0.5]])
    labels = torch.tensor([1, 1, 2, 2])
    assert top1_counts(logits, labels) == (2.0, 4.0)


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_truncated_jpeg_is_named(imagenet_data: Path, tmp_path):
    data = _copy(imagenet_data, tmp_path / "set")
    victim = sorted((data / "train" / class_name(3)).glob("*.JPEG"))[0]
    victim.write_bytes(victim.read_bytes()[: len(victim.read_bytes()) // 2])
    with pytest.raises(DataError, match=f"{victim.name}: cannot decode image"):
        folder.decode(victim)
    garbage = victim.with_name("garbage.JPEG")
    garbage.write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match="garbage.JPEG: cannot decode image"):
        folder.decode(garbage)


def test_missing_and_empty_folders_are_named(imagenet_data: Path, tmp_path):
    data = _copy(imagenet_data, tmp_path / "set")
    classes = folder.list_classes(data / "train", "training")
    with pytest.raises(DataError, match="does not exist"):
        folder.list_classes(data / "nope", "training")
    (data / "empty").mkdir()
    with pytest.raises(DataError, match="holds no class folders"):
        folder.list_classes(data / "empty", "training")
    import shutil

    shutil.rmtree(data / "val" / class_name(7))
    with pytest.raises(DataError, match=f"missing class folder '{class_name(7)}'"):
        folder.scan(data / "val", classes, "validation")
    for path in (data / "train" / class_name(2)).iterdir():
        path.unlink()
    with pytest.raises(DataError, match=f"{class_name(2)} holds no images"):
        folder.scan(data / "train", classes, "training")
