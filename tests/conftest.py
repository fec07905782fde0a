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


SEED_ROW = ("e2e_time", "p_whole", "p_train", "p_core")


def check_training_result(reports: Path, benchmark: str, steps: int, evals: list[int]) -> dict:
    """The smoke run's result.json holds every number of the seeds' 性能指标 row; return it."""
    import json
    import math

    result = json.loads((reports / f"runs/{benchmark}/cpu/smoke/result.json").read_text())
    assert result["status"] == "ok"
    metrics = result["metrics"]
    for key in SEED_ROW:
        assert isinstance(metrics[key], float) and math.isfinite(metrics[key]) and metrics[key] > 0, key
    assert metrics["p_core"] >= metrics["p_train"] >= metrics["p_whole"]
    assert 0.0 <= metrics["acc"] <= 1.0 and metrics["mem"].count("/") == 1 and metrics["fix_hp"]
    assert metrics["steps"] == steps and [e["step"] for e in result["curves"]["eval"]] == evals
    assert metrics["acc"] == result["curves"]["eval"][-1]["quality"]
    assert result["data"]["method"] == "manifest" and result["run"]["nonstandard_keys"]
    return result
