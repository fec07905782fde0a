"""Errors a user can cause: each gives one clear line naming the thing and what is allowed,
exit code 2, and writes nothing. Run in-process through the CLI's main()."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pytest

from perfkit.cli import main
from perfkit.data import mlperf_bert


@dataclass
class Case:
    argv: list[str]
    needle: str
    setup: Callable[[Path, Path], None] | None = None  # (scratch project root, bert data copy)


def _write(rel: str, text: str):
    def setup(root: Path, data: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return setup


def _damage_shard(kind: str):
    def setup(root: Path, data: Path) -> None:
        shard = sorted((data / "2048_shards_uncompressed").glob("*.hdf5"))[0]
        if kind == "corrupt":
            shard.write_bytes(b"\x89HDF garbage")
        elif kind == "empty":
            shard.unlink()
            with h5py.File(shard, "w") as handle:
                for key in mlperf_bert.KEYS:
                    handle.create_dataset(key, data=np.zeros((0, 64), np.int32))
        elif kind == "missing_key":
            with h5py.File(shard, "a") as handle:
                del handle["masked_lm_ids"]
        elif kind == "no_shards":
            for path in (data / "2048_shards_uncompressed").glob("*.hdf5"):
                path.unlink()
    return setup


def _checkpoint(kind: str):
    def setup(root: Path, data: Path) -> None:
        folder = data / "ckpt"
        if kind == "mismatch":
            from transformers import BertConfig, BertForPreTraining

            config = BertConfig(vocab_size=4096, hidden_size=64, num_hidden_layers=1, num_attention_heads=2,
                                intermediate_size=128)
            BertForPreTraining(config).save_pretrained(folder)
    return setup


RUN = ["run", "bert", "--vendor", "cpu", "--config", "smoke", "--no-index"]
DATA = "--set=data_dir={data}"

CASES = {
    "unknown key": Case(RUN + ["--set", "no_such_key=1"], "unknown key 'no_such_key'"),
    "misspelled key lists allowed": Case(RUN + ["--set", "batchsize=4"], "allowed: allow_partial_checkpoint, batch_size"),
    "wrong type": Case(RUN + ["--set", "batch_size=abc"], "key 'batch_size'"),
    "zero batch size": Case(RUN + ["--set", "batch_size=0"], "key 'batch_size'"),
    "negative batch size": Case(RUN + ["--set", "batch_size=-8"], "key 'batch_size'"),
    "zero eval interval": Case(RUN + ["--set", "eval_interval=0"], "key 'eval_interval'"),
    "negative learning rate": Case(RUN + ["--set", "learning_rate=-1e-3"], "key 'learning_rate'"),
    "unknown precision": Case(RUN + ["--set", "precision=fp8"], "key 'precision'"),
    "precision the device cannot run": Case(RUN + [DATA, "--set", "precision=fp16"], "'fp16' is not supported by vendor 'cpu'"),
    "override without =": Case(RUN + ["--set", "max_steps"], "'max_steps' is not KEY=VALUE"),
    "unknown benchmark": Case(["run", "gpt9", "--vendor", "cpu", "--config", "smoke"], "unknown benchmark 'gpt9'"),
    "unknown vendor": Case(["run", "bert", "--vendor", "acme", "--config", "smoke"], "vendor 'acme'"),
    "unknown config": Case(["run", "bert", "--vendor", "cpu", "--config", "huge"], "unknown config 'huge'"),
    "unknown suite": Case(["suite", "nightly"], "unknown suite 'nightly'"),
    "malformed suite": Case(["suite", "broken"], "key 'runs' must be a non-empty list",
                            _write("params/suites/broken.yaml", "runs: 3\n")),
    "malformed YAML": Case(["run", "bert", "--vendor", "cpu", "--config", "bad"], "params/bert/cpu/bad.yaml: malformed YAML at line",
                           _write("params/bert/cpu/bad.yaml", "params: {batch_size: 4\n")),
    "unknown key in a file": Case(["run", "bert", "--vendor", "cpu", "--config", "typo"], "params/bert/cpu/typo.yaml: unknown key 'hidden'",
                                  _write("params/bert/cpu/typo.yaml", "params:\n  hidden: 3\n")),
    "unknown top-level key": Case(["run", "bert", "--vendor", "cpu", "--config", "top"], "unknown top-level key 'param'",
                                  _write("params/bert/cpu/top.yaml", "param:\n  batch_size: 3\n")),
    "unknown hardware": Case(["run", "bert", "--vendor", "cpu", "--config", "hw"], "unknown hardware 'tpu9'",
                             _write("params/bert/cpu/hw.yaml", "hardware: tpu9\nallow_nonstandard: true\n")),
    "vendor may not change a model key": Case(["run", "bert", "--vendor", "cpu", "--config", "std"], "may not be changed by a vendor",
                                              _write("params/bert/cpu/std.yaml", "params:\n  num_layers: 2\n")),
    "more processes than devices": Case(["run", "bert", "--vendor", "cpu", "--config", "cpux1x512", DATA], "nproc_per_node=512",
                                        _write("params/bert/cpu/cpux1x512.yaml", "allow_nonstandard: true\nparams: {num_layers: 1}\n")),
    "missing data directory": Case(RUN + ["--set=data_dir={data}/absent", "--set", "data_autobuild=false"], "does not exist"),
    "no training shards": Case(RUN + [DATA], "holds no .hdf5/.h5 shards", _damage_shard("no_shards")),
    "corrupt HDF5 shard": Case(RUN + [DATA], "cannot read as HDF5", _damage_shard("corrupt")),
    "empty HDF5 shard": Case(RUN + [DATA], "shard is empty", _damage_shard("empty")),
    "shard missing a dataset": Case(RUN + [DATA], "missing dataset 'masked_lm_ids'", _damage_shard("missing_key")),
    "checkpoint folder missing": Case(RUN + [DATA, "--set=init_checkpoint={data}/nockpt"], "init_checkpoint"),
    "checkpoint with mismatched shapes": Case(RUN + [DATA, "--set=init_checkpoint={data}/ckpt"], "hidden_size=64",
                                              _checkpoint("mismatch")),
    "unwritable output directory": Case(RUN + [DATA], "cannot be created", None),
    "README page that cannot be imported": Case(["import", "{root}/page.txt"], "page.txt:4: expected the table's '| --- |'",
                                                _write("page.txt", "# BERT\n\n| 配置 | e2e_time |\n| R300 |\n")),
    "unknown inference backend": Case(["run", "bert_inference", "--vendor", "cpu", "--config", "smoke", "--no-index",
                                       "--set", "backend=tvm"], "key 'backend': Input should be 'torch'"),
    "backend not installed": Case(["run", "bert_inference", "--vendor", "cpu", "--config", "smoke", "--no-index",
                                   "--set", "backend=tensorrt"], "needs the tensorrt Python package"),
    "vendor software missing (kunlunxin)": Case(["run", "bert", "--vendor", "kunlunxin", "--config", "R300x1x1"],
                                                "needs torch_xmlir, which is not installed; install"),
    "vendor software missing (nvidia)": Case(["run", "bert", "--vendor", "nvidia", "--config", "smoke"],
                                             "vendor 'nvidia' needs its PyTorch build and a visible card"),
}


@pytest.fixture()
def scratch(tmp_path, monkeypatch, project_root, bert_data):
    root = tmp_path / "project"
    shutil.copytree(project_root / "params", root / "params")
    shutil.copytree(project_root / "notebooks", root / "notebooks")
    data = tmp_path / "data"
    shutil.copytree(bert_data, data)
    monkeypatch.setenv("PERFKIT_ROOT", str(root))
    monkeypatch.setenv("PERFKIT_REPORTS", str(tmp_path / "reports"))
    return root, data, tmp_path / "reports"


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gives_one_line_and_exit_2(name, scratch, capsys, monkeypatch):
    root, data, reports = scratch
    case = CASES[name]
    if case.setup:
        case.setup(root, data)
    if name == "unwritable output directory":
        blocker = reports.parent / "blocker"
        blocker.write_text("a file where a folder should be")
        monkeypatch.setenv("PERFKIT_REPORTS", str(blocker / "reports"))
    argv = [arg.replace("{data}", str(data)).replace("{root}", str(root)) for arg in case.argv]
    capsys.readouterr()  # drop what the setup printed
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, err
    assert len(err) == 1, err
    assert err[0].startswith("perfkit: error: ")
    assert case.needle in err[0], err[0]
    written = [p for p in reports.rglob("*") if p.is_file()] if reports.exists() else []
    assert written == []


def _damage(kind: str):
    """Damage to the GLM (ReCoRD) or MobileNetV2 (ImageNet folder) copy under ``data``."""
    def setup(data: Path) -> None:
        if kind == "truncated JPEG":
            first = sorted(sorted((data / "mobilenetv2/train").iterdir())[0].glob("*.JPEG"))[0]
            first.write_bytes(first.read_bytes()[:200])
        elif kind == "missing class folder":
            shutil.rmtree(data / "mobilenetv2/val/n00000007")
        elif kind == "empty ReCoRD":
            (data / "glm/train.jsonl").write_text("")
        elif kind == "malformed ReCoRD":
            path = data / "glm/val.jsonl"
            first = path.read_text().splitlines()[0]
            path.write_text(first + "\n{\"passage\": oops}\n")
    return setup


OTHER_CASES = {
    "truncated JPEG": ("mobilenetv2", "cannot decode image"),
    "missing class folder": ("mobilenetv2", "missing class folder 'n00000007'"),
    "empty ReCoRD": ("glm", "train.jsonl: no queries (the file is empty)"),
    "malformed ReCoRD": ("glm", "val.jsonl:2: not JSON"),
}


@pytest.mark.parametrize("name", list(OTHER_CASES))
def test_bad_glm_and_mobilenetv2_data_gives_one_line_and_exit_2(name, tmp_path, monkeypatch, capsys, project_root,
                                                                glm_data, imagenet_data):
    benchmark, needle = OTHER_CASES[name]
    data = tmp_path / "data"
    shutil.copytree(glm_data, data / "glm")
    shutil.copytree(imagenet_data, data / "mobilenetv2")
    _damage(name)(data)
    reports = tmp_path / "reports"
    monkeypatch.setenv("PERFKIT_REPORTS", str(reports))
    capsys.readouterr()
    code = main(["run", benchmark, "--vendor", "cpu", "--config", "smoke", "--no-index",
                 f"--set=data_dir={data / benchmark}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, err
    assert len(err) == 1 and err[0].startswith("perfkit: error: ") and needle in err[0], err
    assert not reports.exists() or not [p for p in reports.rglob("*") if p.is_file()]
