"""Shared fixtures: the project root, the small datasets built once, isolated report folders, a
scratch suite project. Tests under tests/e2e/ (notebooks executed end to end) get the ``e2e``
marker from their folder; everything under tests/unit/ is quick."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from support.cli import ROOT
from support.suite_project import make_project

E2E = Path(__file__).resolve().parent / "e2e"


def pytest_configure(config):
    """Under pytest-xdist (scripts/test.sh runs two workers), each worker and every run it starts
    gets its share of the cores: PyTorch's default of one thread per core in two processes at
    once makes their OpenMP threads spin against each other (a GLM smoke took 5.7x longer)."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(E2E):
            item.add_marker(pytest.mark.e2e)


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


@pytest.fixture(scope="session")
def llama_data(tmp_path_factory) -> Path:
    """The offline pre-training corpus (byte-level pydoc text, Megatron .bin/.idx), built once."""
    from perfkit.data.build_llama import build_llama_dataset

    out = tmp_path_factory.mktemp("data") / "llama"
    build_llama_dataset(out)
    return out


@pytest.fixture()
def reports(tmp_path, monkeypatch) -> Path:
    """A private reports/ folder for one test (PERFKIT_REPORTS)."""
    folder = tmp_path / "reports"
    monkeypatch.setenv("PERFKIT_REPORTS", str(folder))
    return folder


@pytest.fixture()
def project(tmp_path, bert_data, project_root) -> Path:
    """A scratch project: the real params and notebooks plus the `short` and `long` configs."""
    return make_project(tmp_path, bert_data, project_root)
