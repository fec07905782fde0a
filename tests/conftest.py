"""Shared fixtures: the project root, a small BERT dataset built once, isolated report folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def bert_data(tmp_path_factory) -> Path:
    """The smoke-sized MLPerf-format BERT set (seq 64, vocab 4096), built once per session."""
    from perfkit.data.build_bert import BertBuildSettings, build_bert_dataset

    out = tmp_path_factory.mktemp("data") / "bert"
    build_bert_dataset(out, BertBuildSettings(seq_len=64, max_predictions_per_seq=10, vocab_size=4096))
    return out


@pytest.fixture(scope="session")
def glm_data(tmp_path_factory) -> Path:
    """The smoke-sized ReCoRD-format set (vocab 4096), built once per session."""
    from perfkit.data.build_record import RecordBuildSettings, build_record_dataset

    out = tmp_path_factory.mktemp("data") / "glm"
    build_record_dataset(out, RecordBuildSettings(vocab_size=4096))
    return out


@pytest.fixture(scope="session")
def imagenet_data(tmp_path_factory) -> Path:
    """The smoke-sized ImageNet-layout set (digits at 37 px, as the 32 px smoke wants), built once."""
    from perfkit.data.build_imagenet import ImagenetBuildSettings, build_imagenet_dataset

    out = tmp_path_factory.mktemp("data") / "mobilenetv2"
    build_imagenet_dataset(out, ImagenetBuildSettings(image_size=37))
    return out


@pytest.fixture()
def reports(tmp_path, monkeypatch) -> Path:
    """A private reports/ folder for one test (PERFKIT_REPORTS)."""
    folder = tmp_path / "reports"
    monkeypatch.setenv("PERFKIT_REPORTS", str(folder))
    return folder


def run_cli(*args: str, env_extra: dict[str, str] | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    """`perfkit ARGS` in a subprocess from the project root, as a user would type it."""
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "perfkit", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
