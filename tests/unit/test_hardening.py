"""The hardening building blocks: safe names, bounded readers, staged folders that delete only
what perfkit wrote, safetensors-only checkpoints, one-line errors for full disks."""

from __future__ import annotations

import errno
import json
import os
import re
import threading
from pathlib import Path

import pytest

from perfkit import paths
from perfkit.results import run_folder
from perfkit.errors import DataError, ParamsError, UserError
from perfkit.files.reading import iter_lines_bounded, read_text_bounded


# -- names and paths ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["smoke", "R300x1x8", "BI-V100x2x8", "a.b_c-d", "x" * paths.NAME_MAX])
def test_safe_name_accepts_names(name):
    assert paths.safe_name(name, "config") == name


@pytest.mark.parametrize("name", ["", ".", "..", "../x", "a/b", "/abs", ".hidden", "-rf", "a b", "a\nb", "a\x00b",
                                  "x" * (paths.NAME_MAX + 1), "smoke\u2215x", "é", None, 3])
def test_safe_name_refuses_anything_else_in_one_line(name):
    with pytest.raises(UserError) as info:
        paths.safe_name(name, "config")
    assert "\n" not in str(info.value) and str(info.value).startswith("config: ")


def test_path_under_refuses_escapes(tmp_path):
    assert paths.path_under(tmp_path, "a", "b.json") == (tmp_path / "a" / "b.json").resolve()
    (tmp_path / "link").symlink_to("/etc")
    for parts in (("..", "x"), ("/etc/passwd",), ("a", "../../x"), ("link", "passwd")):
        with pytest.raises(UserError, match="would leave"):
            paths.path_under(tmp_path, *parts)


def test_run_dir_is_always_under_the_reports_tree(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFKIT_REPORTS", str(tmp_path / "reports"))
    assert run_folder.run_dir("bert", "cpu", "smoke") == (tmp_path / "reports/runs/bert/cpu/smoke").resolve()
    for bad in (("bert", "cpu", "/tmp/v"), ("bert", "../..", "smoke"), ("..", "cpu", "smoke")):
        with pytest.raises(UserError):
            run_folder.run_dir(*bad)


# -- bounded reading ---------------------------------------------------------------------------
def test_bounded_reader_refuses_devices_fifos_and_folders_without_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            read_text_bounded(fifo, 100, DataError)
        except BaseException as exc:  # noqa: BLE001 (collected for the assertion)
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(30)
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert isinstance(outcome[0], DataError) and "regular file" in str(outcome[0])
    with pytest.raises(DataError, match="regular file"):
        read_text_bounded("/dev/zero", 100, DataError)
    with pytest.raises(DataError, match="a folder"):
        read_text_bounded(tmp_path, 100, DataError)
    with pytest.raises(DataError, match="no such file"):
        read_text_bounded(tmp_path / "absent", 100, DataError)


def test_bounded_reader_names_the_limit_and_the_line(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(b"x" * 101)
    with pytest.raises(ParamsError, match="larger than the 100 bytes"):
        read_text_bounded(path, 100, ParamsError)
    path.write_bytes(b"x" * 100)
    assert read_text_bounded(path, 100, ParamsError) == "x" * 100
    path.write_bytes(b"ok\nok\n\xc3\x28\n")
    with pytest.raises(ParamsError, match=r"f.txt:3: not UTF-8"):
        read_text_bounded(path, 100, ParamsError)
    path.write_bytes(b"\xef\xbb\xbfhello")
    with pytest.raises(ParamsError, match="byte order mark"):
        read_text_bounded(path, 100, ParamsError)
    assert read_text_bounded(path, 100, ParamsError, allow_bom=True) == "hello"


def test_lines_are_read_one_at_a_time_with_a_cap(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"a\n" + b"b" * 10 + b"\n" + b"c" * 11 + b"\n")
    lines = iter_lines_bounded(path, 10, DataError)
    assert next(lines) == (1, "a\n")
    assert next(lines) == (2, "b" * 10 + "\n")
    with pytest.raises(DataError, match=r"x.jsonl:3: line longer than the 10 bytes"):
        next(lines)


# -- writes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.ENAMETOOLONG, errno.EROFS])
def test_a_failed_write_is_one_line_and_keeps_the_old_file(tmp_path, monkeypatch, code):
    from perfkit.files import writing
    from perfkit.results import store

    target = tmp_path / "result.json"
    target.write_text("old\n")

    def fail(fd):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(writing.os, "fsync", fail)
    with pytest.raises(UserError) as info:
        store.write_text_atomic(target, "new\n")
    assert "\n" not in str(info.value) and "cannot write" in str(info.value)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]  # no temporary left


# -- staged folders ----------------------------------------------------------------------------
def test_staged_folder_replaces_only_what_perfkit_wrote(tmp_path):
    from perfkit.data.staging import MARKER, staged_folder

    final = tmp_path / "set"
    with staged_folder(final) as staging:
        (staging / "a.txt").write_text("1")
    assert (final / MARKER).is_file() and (final / "a.txt").read_text() == "1"
    with staged_folder(final) as staging:  # perfkit's own folder: replaced whole
        (staging / "b.txt").write_text("2")
    assert not (final / "a.txt").exists() and (final / "b.txt").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".set.perfkit-lock", "set"]  # + the runs' lock file

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    with pytest.raises(DataError, match="not a folder perfkit built"):
        with staged_folder(mine):
            pass
    assert (mine / "thesis.tex").read_text() == "years of work"
    (tmp_path / "other.partial").mkdir()
    (tmp_path / "other.partial" / "keep").write_text("x")
    with pytest.raises(DataError, match="perfkit did not write it"):
        with staged_folder(tmp_path / "other"):
            pass
    assert (tmp_path / "other.partial" / "keep").is_file()


def test_a_failed_build_removes_its_staging_and_names_the_folder(tmp_path):
    from perfkit.data.staging import staged_folder

    final = tmp_path / "set"
    with pytest.raises(DataError, match=r"cannot write .*set \(No space left on device\)"):
        with staged_folder(final):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    with pytest.raises(RuntimeError):
        with staged_folder(final):
            raise RuntimeError("bug")
    assert list(tmp_path.iterdir()) == []


def test_force_clears_a_foreign_folder_only_when_asked(tmp_path):
    from perfkit.data.staging import clear_for_build

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "f").write_text("x")
    with pytest.raises(DataError, match="--force"):
        clear_for_build(foreign, force=False)
    assert (foreign / "f").exists()
    clear_for_build(foreign, force=True)
    assert not foreign.exists()
    clear_for_build(tmp_path / "new", force=False)  # a new folder is fine
    assert not (tmp_path / "new").exists()


# -- checkpoints -------------------------------------------------------------------------------
def _small_bert(folder: Path):
    from transformers import BertConfig, BertForMaskedLM

    config = BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=512)
    BertForMaskedLM(config).save_pretrained(folder)
    return config


def test_a_checkpoint_missing_tensors_is_an_error_unless_allowed(tmp_path):
    import safetensors.torch
    from transformers import BertForMaskedLM

    from perfkit.benchmarks.checkpoint import load_pretrained

    config = _small_bert(tmp_path / "ckpt")
    weights = tmp_path / "ckpt" / "model.safetensors"
    tensors = safetensors.torch.load_file(weights)
    kept = dict(list(tensors.items())[:2])
    safetensors.torch.save_file(kept, weights, metadata={"format": "pt"})
    with pytest.raises(DataError, match=r"lacks \d+ tensor\(s\) of the model .*allow_partial_checkpoint"):
        load_pretrained(BertForMaskedLM, str(tmp_path / "ckpt"), config)
    model = load_pretrained(BertForMaskedLM, str(tmp_path / "ckpt"), config, allow_partial=True)
    name, value = next(iter(kept.items()))
    assert (model.state_dict()[name] == value).all()


def test_an_index_naming_a_pickle_is_refused_even_beside_safetensors(tmp_path):
    import torch
    from transformers import BertForMaskedLM

    from perfkit.benchmarks.checkpoint import INDEX_FILE, load_pretrained

    config = _small_bert(tmp_path / "ckpt")
    torch.save({"cls.predictions.bias": torch.zeros(64)}, tmp_path / "ckpt" / "pytorch_model.bin")
    (tmp_path / "ckpt" / INDEX_FILE).write_text(json.dumps({"weight_map": {"cls.predictions.bias": "pytorch_model.bin"}}))
    with pytest.raises(DataError, match="only .safetensors files are allowed"):
        load_pretrained(BertForMaskedLM, str(tmp_path / "ckpt"), config)


def test_torch_load_is_only_ever_called_with_weights_only():
    package = Path(__file__).resolve().parents[2] / "perfkit"
    for path in package.rglob("*.py"):
        for call in re.findall(r"torch\.load\([^)]*\)", path.read_text(encoding="utf-8")):
            assert "weights_only=True" in call, f"{path}: {call}"


def test_partial_checkpoint_param_defaults_to_off():
    from perfkit.params.schema import CommonParams

    assert CommonParams().allow_partial_checkpoint is False


# -- reports and imports -----------------------------------------------------------------------
def test_markdown_readmes_refuse_hostile_result_fields_before_writing(tmp_path):
    from support.fabricated import make_result

    from perfkit.report.markdown import write_readmes

    good, bad = make_result(vendor="cpu"), make_result(vendor="../../escape")
    with pytest.raises(UserError, match="result.json field 'vendor'"):
        write_readmes([good, bad], tmp_path / "readme")
    assert not (tmp_path / "readme").exists()


def test_reference_records_stay_in_their_folder(tmp_path):
    from perfkit.importing import write_references
    from perfkit.importing.readme import PageError, parse_text

    text = "# BERT\n\n| 配置 | e2e_time |\n| --- | --- |\n| R300单机8卡（1x8） | 1000 s |\n"
    for benchmark, vendor in (("../x", "cpu"), ("bert", "../../x"), ("bert", "/etc"), ("..", "cpu")):
        with pytest.raises(PageError):  # the record's name is made of these two: refused before any write
            write_references([parse_text(text, Path("README.md"), benchmark, vendor)], tmp_path / "references")
    assert not (tmp_path / "references").exists()


def test_suite_counts_are_bounded():
    from perfkit.params.limits import MAX_SUITE_RUNS, check_count

    assert check_count(MAX_SUITE_RUNS, "runs", "s.yaml", MAX_SUITE_RUNS) == MAX_SUITE_RUNS
    with pytest.raises(ParamsError, match=r"s.yaml: key 'runs' must be a whole number >= 1, at most 10000"):
        check_count(MAX_SUITE_RUNS + 1, "runs", "s.yaml", MAX_SUITE_RUNS)
