"""The bad-input corpus: every file in tests/fixtures/bad_inputs/ is one hostile or mistaken input.

A case file (YAML)::

    class: names            # the kind of fault it stands for (the README counts them)
    argv: [run, bert, --config, ../cpu/smoke]   # `perfkit ARGV`; {root} {data} {tmp} substituted
    data: bert              # optional: a private copy of the bert|glm|mobilenetv2 smoke set at {data}
    files: {params/bert/cpu/x.yaml: "text"}     # optional: written under {root} first ({hex: ..} for bytes)
    setup: [shard, input_ids_float]             # optional: a named damage, SETUPS below
    exit: 2
    message: "fragment of the one error line"

Each runs in-process through ``perfkit.cli.main`` in a scratch project (params/ and notebooks/
copied, private reports/ and data cache) and must exit with ``exit``, print exactly one line on
stderr containing ``message``, and write nothing: the whole scratch tree is the same after.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml

from perfkit.cli import main

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "bad_inputs"
CASES = sorted(CORPUS.glob("*.yaml"))
CLASSES = ("names", "checkpoints", "bounds", "data_build", "data", "params", "reports")


def _case(path: Path) -> dict:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert case["class"] in CLASSES, path
    return case


# -- damage the setups do, by name -------------------------------------------------------------
def _first(folder: Path, pattern: str) -> Path:
    return sorted(folder.glob(pattern))[0]


def _shard(ctx: dict, kind: str) -> None:
    data: Path = ctx["data"]
    train = _first(data / "2048_shards_uncompressed", "*.hdf5")
    evaluation = _first(data / "eval_set_uncompressed", "*.hdf5")
    target = evaluation if kind.startswith("eval_") else train
    kind = kind.removeprefix("eval_")
    with h5py.File(target, "a") as handle:
        def replace(key: str, values: np.ndarray) -> None:
            del handle[key]
            handle.create_dataset(key, data=values)

        ids = handle["input_ids"][:]
        if kind == "input_ids_float":
            replace("input_ids", ids.astype(np.float32) + 0.5)
        elif kind == "input_ids_rank1":
            replace("input_ids", ids[:, 0])
        elif kind == "input_ids_rank3":
            replace("input_ids", ids[:, :, None])
        elif kind == "token_over_vocab":
            ids[0, 1] = 4096
            replace("input_ids", ids)
        elif kind == "token_negative":
            ids[0, 1] = -5
            replace("input_ids", ids)
        elif kind == "masked_position_out_of_range":
            positions = handle["masked_lm_positions"][:]
            positions[0, 0] = 64
            replace("masked_lm_positions", positions)
        elif kind == "masked_id_over_vocab":
            masked = handle["masked_lm_ids"][:]
            masked[0, 0] = 10**6
            replace("masked_lm_ids", masked)
        elif kind == "segment_width":
            replace("segment_ids", handle["segment_ids"][:, :32])
        elif kind == "labels_float":
            replace("next_sentence_labels", handle["next_sentence_labels"][:].astype(np.float64))
        elif kind == "input_mask_not_binary":
            mask = handle["input_mask"][:]
            mask[0, 0] = 7
            replace("input_mask", mask)
        elif kind == "external_storage_dev_zero":  # input_ids' bytes live in /dev/zero
            del handle["input_ids"]
            handle.create_dataset("input_ids", shape=ids.shape, dtype=ids.dtype,
                                  external=[("/dev/zero", 0, h5py.h5f.UNLIMITED)])
        elif kind == "external_storage_file":  # ... or in another regular file
            outside = ctx["tmp"] / "outside.bin"
            outside.write_bytes(ids.tobytes())
            del handle["input_ids"]
            handle.create_dataset("input_ids", shape=ids.shape, dtype=ids.dtype,
                                  external=[(str(outside), 0, h5py.h5f.UNLIMITED)])
        elif kind in ("virtual_missing_source", "virtual_present_source"):
            source = ctx["tmp"] / "source.h5"
            if kind == "virtual_present_source":
                with h5py.File(source, "w") as other:
                    other.create_dataset("x", data=ids)
            layout = h5py.VirtualLayout(shape=ids.shape, dtype=ids.dtype)
            layout[:] = h5py.VirtualSource(str(source), "x", shape=ids.shape)
            del handle["input_ids"]
            handle.create_virtual_dataset("input_ids", layout, fillvalue=1)
        elif kind == "external_link":
            del handle["input_ids"]
            handle["input_ids"] = h5py.ExternalLink(str(ctx["tmp"] / "elsewhere.h5"), "/input_ids")
        elif kind == "external_link_present":
            with h5py.File(ctx["tmp"] / "elsewhere.h5", "w") as other:
                other.create_dataset("input_ids", data=ids)
            del handle["input_ids"]
            handle["input_ids"] = h5py.ExternalLink(str(ctx["tmp"] / "elsewhere.h5"), "/input_ids")
        elif kind == "soft_link":  # to a dataset of the same file, of the right shape and dtype
            handle.create_dataset("ids_copy", data=ids)
            del handle["input_ids"]
            handle["input_ids"] = h5py.SoftLink("/ids_copy")
        elif kind == "declares_huge_rows":  # 200 M rows declared, none stored (reads as fill values)
            for key in handle.keys():
                shape = handle[key].shape
                del handle[key]
                handle.create_dataset(key, shape=(200_000_000, *shape[1:]), dtype=np.int32)
        elif kind == "declares_more_than_stored_chunked":  # chunked, compressed, most chunks never written
            del handle["input_ids"]
            column = handle.create_dataset("input_ids", shape=ids.shape, dtype=ids.dtype, chunks=(1, ids.shape[1]),
                                           compression="gzip")
            column[0] = ids[0]
        elif kind == "no_masked_tokens":  # (only meaningful on the eval file: eval_no_masked_tokens)
            replace("masked_lm_ids", np.zeros_like(handle["masked_lm_ids"][:]))
        elif kind == "unknown_filter":  # scale-offset: a filter that changes values
            del handle["input_ids"]
            handle.create_dataset("input_ids", data=ids, chunks=True, scaleoffset=0)
        else:
            raise AssertionError(kind)


def _checkpoint(ctx: dict, kind: str) -> None:
    """A small BERT checkpoint matching the bert smoke config at {data}/ckpt, then damaged."""
    import safetensors.torch
    from transformers import BertConfig, BertForPreTraining

    folder: Path = ctx["data"] / "ckpt"
    config = BertConfig(vocab_size=4096, hidden_size=128, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=512, max_position_embeddings=512, type_vocab_size=2)
    BertForPreTraining(config).save_pretrained(folder)
    weights = folder / "model.safetensors"
    index = folder / "model.safetensors.index.json"

    def write_index(mapping: object) -> None:
        index.write_text(json.dumps({"metadata": {}, "weight_map": mapping}))

    if kind == "index_names_bin":
        import torch

        torch.save({"x": torch.zeros(1)}, folder / "pytorch_model.bin")
        write_index({"bert.embeddings.word_embeddings.weight": "pytorch_model.bin"})
    elif kind == "index_names_pt":
        write_index({"cls.predictions.bias": "weights.pt"})
    elif kind == "index_escapes":
        write_index({"cls.predictions.bias": "../outside.safetensors"})
    elif kind == "index_absolute":
        write_index({"cls.predictions.bias": str(weights)})
    elif kind == "index_map_not_object":
        write_index(["model.safetensors"])
    elif kind == "index_not_json":
        index.write_text("{weight_map: ")
    elif kind == "index_missing_file":
        write_index({"cls.predictions.bias": "model-00002-of-00002.safetensors"})
    elif kind == "corrupt":
        weights.write_bytes(b"\x00" * 64)
    elif kind == "truncated":
        weights.write_bytes(weights.read_bytes()[:100])
    elif kind == "header_too_long":
        weights.write_bytes(struct.pack("<Q", 1 << 40) + b"{}")
    elif kind == "integer_weights":
        tensors = safetensors.torch.load_file(weights)
        tensors["bert.embeddings.word_embeddings.weight"] = tensors["bert.embeddings.word_embeddings.weight"].to(
            dtype=__import__("torch").int32)
        safetensors.torch.save_file(tensors, weights, metadata={"format": "pt"})
    elif kind == "config_list":
        (folder / "config.json").write_text("[1, 2, 3]")
    elif kind == "config_not_json":
        (folder / "config.json").write_text("{'hidden_size': 128")
    elif kind == "config_string":
        (folder / "config.json").write_text('"bert"')
    elif kind == "config_not_utf8":
        (folder / "config.json").write_bytes(b'{"hidden_size": "\xff\xfe"}')
    elif kind == "config_wrong_type":
        config_dict = json.loads((folder / "config.json").read_text())
        config_dict["hidden_size"] = "wide"
        (folder / "config.json").write_text(json.dumps(config_dict))
    elif kind in ("missing_most", "missing_one", "no_tensors"):  # a partial checkpoint, caught in preflight
        tensors = safetensors.torch.load_file(weights)
        if kind == "missing_most":
            tensors = {k: v for k, v in tensors.items() if k.startswith("bert.embeddings.")}
        elif kind == "missing_one":
            tensors.pop("cls.seq_relationship.weight")
        else:
            tensors = {}
        safetensors.torch.save_file(tensors, weights, metadata={"format": "pt"})
    elif kind in ("all_nan", "all_inf", "one_nan", "one_minus_inf_bf16"):
        import torch

        tensors = safetensors.torch.load_file(weights)
        if kind == "all_nan":
            tensors = {k: torch.full_like(v, float("nan")) if v.is_floating_point() else v for k, v in tensors.items()}
        elif kind == "all_inf":
            tensors = {k: torch.full_like(v, float("inf")) if v.is_floating_point() else v for k, v in tensors.items()}
        elif kind == "one_nan":
            tensors["bert.encoder.layer.1.output.dense.weight"][3, 5] = float("nan")
        else:
            bias = tensors["cls.predictions.bias"].to(torch.bfloat16)
            bias[7] = float("-inf")
            tensors["cls.predictions.bias"] = bias
        safetensors.torch.save_file(tensors, weights, metadata={"format": "pt"})
    elif kind == "only_pickle":
        weights.unlink()
        (folder / "pytorch_model.bin").write_bytes(b"\x80\x04K\x01.")
    else:
        raise AssertionError(kind)


def _jsonl(ctx: dict, kind: str) -> None:
    path: Path = ctx["data"] / "val.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    if kind == "bom":
        path.write_bytes(b"\xef\xbb\xbf" + b"".join(lines))
    elif kind == "invalid_utf8":
        path.write_bytes(lines[0] + b'{"passage": "\xff\xfe"}\n')
    elif kind == "line_too_long":
        with open(path, "wb") as handle:
            handle.write(lines[0])
            handle.write(b'{"passage": {"text": "' + b"a" * (17 << 20) + b'"}}\n')
    elif kind == "array_line":
        path.write_bytes(lines[0] + b"[1, 2, 3]\n")
    elif kind == "idx_not_int":
        record = json.loads(lines[0])
        record["idx"] = "first"
        path.write_bytes(json.dumps(record).encode() + b"\n")
    elif kind == "answers_not_list":
        record = json.loads(lines[0])
        record["qas"][0]["answers"] = 5
        path.write_bytes(json.dumps(record).encode() + b"\n")
    elif kind == "deep_nesting":
        path.write_bytes(lines[0] + b"[" * 100000 + b"]" * 100000 + b"\n")
    elif kind == "vocab_without_pad":
        vocab = ctx["data"] / "vocab.txt"
        vocab.write_text("\n".join(t for t in vocab.read_text().splitlines() if t != "[PAD]") + "\n")
    elif kind == "vocab_not_utf8":
        (ctx["data"] / "vocab.txt").write_bytes(b"[PAD]\n\xff\xfe\n")
    else:
        raise AssertionError(kind)


def _image(ctx: dict, kind: str) -> None:
    from PIL import Image

    first = _first(_first(ctx["data"] / "train", "n*"), "*.JPEG")
    first.unlink()
    if kind == "bomb_error":  # over twice Pillow's pixel limit: DecompressionBombError
        Image.new("1", (20000, 10000)).save(first, format="PNG")
    elif kind == "bomb_warning":  # over the limit: DecompressionBombWarning, refused too
        Image.new("1", (10000, 9500)).save(first, format="PNG")
    else:
        raise AssertionError(kind)


def _substitute(text: str, ctx: dict) -> str:
    for key in ("root", "tmp", "data"):
        text = text.replace("{" + key + "}", str(ctx[key]))
    return text


def _special(ctx: dict, kind: str, rel: str) -> None:
    path = Path(_substitute(rel, ctx))
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "devzero":
        path.symlink_to("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    elif kind.startswith("big:"):  # big:<MiB>:<text to repeat>
        _, mib, text = kind.split(":", 2)
        unit = text.encode()
        with open(path, "wb") as handle:
            for _ in range(int(mib) * (1 << 20) // len(unit) + 1):
                handle.write(unit)
    elif kind == "file":
        path.write_text("not a folder\n")
    elif kind == "symlink_to_tmp":
        path.symlink_to(ctx["tmp"])
    else:
        raise AssertionError(kind)


def _result(ctx: dict, field: str, value: str) -> None:
    from support.fabricated import make_result, write_run

    result = make_result()
    setattr(result, field, value)
    folder = ctx["reports"] / "runs" / "bert" / "cpu" / "smoke"
    from perfkit.results.store import write_json_atomic

    write_json_atomic(folder / "result.json", result.to_dict())
    assert write_run  # the layout fabricated.write_run uses


def _manifest(ctx: dict, kind: str) -> None:
    """The dataset's manifest.json replaced by something hostile."""
    path: Path = ctx["data"] / "manifest.json"
    good = json.loads(path.read_text())
    texts = {
        "list": "[1, 2, 3]",
        "deep": "[" * 100_000 + "]" * 100_000,
        "deep_object": '{"a":' * 100_000 + "1" + "}" * 100_000,
        "nan_seed": json.dumps({**good, "settings": {**good["settings"], "seed": "@@"}}).replace('"@@"', "NaN"),
        "huge_seed": json.dumps({**good, "settings": {**good["settings"], "seed": "@@"}}).replace('"@@"', "9" * 400),
        "settings_list": json.dumps({**good, "settings": [1]}),
    }
    path.write_text(texts[kind])


SETUPS = {"manifest": _manifest, "shard": _shard, "checkpoint": _checkpoint, "jsonl": _jsonl, "image": _image, "special": _special,
          "result": _result}


# -- the test ----------------------------------------------------------------------------------
def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every entry under ``root`` (not following links): path -> (size, mtime_ns)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            out[str(path.relative_to(root))] = (st.st_size if not path.is_dir() else 0, st.st_mtime_ns)
    return out


def _never_start_a_notebook(monkeypatch) -> None:
    """A case that gets past the checks must fail at once, not train for minutes."""
    import importlib

    def refuse(*args, host_checks=None, kernel_checks="", **kwargs):
        if kernel_checks:  # the real one runs the run's checks in its kernel, then the host's
            eval(kernel_checks)  # noqa: S307 - perfkit's own expression (perfkit.run.preflight.kernel_code)
        if host_checks is not None:
            host_checks()
        raise AssertionError("the bad input got past the checks: a notebook was about to run")

    target = importlib.import_module("perfkit.jobs.notebook_run")
    assert hasattr(target, "run_notebook")
    monkeypatch.setattr(target, "run_notebook", refuse)


@pytest.fixture(scope="module")
def data_sets(bert_data, glm_data, imagenet_data) -> dict[str, Path]:
    return {"bert": bert_data, "glm": glm_data, "mobilenetv2": imagenet_data}


def test_the_corpus_has_cases_of_every_class():
    counts = {name: 0 for name in CLASSES}
    for path in CASES:
        counts[_case(path)["class"]] += 1
    assert all(count >= 3 for count in counts.values()), counts


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_bad_input_exits_with_one_line_and_writes_nothing(path, tmp_path, monkeypatch, capsys, project_root, data_sets):
    case = _case(path)
    scratch = tmp_path / "scratch"
    root = scratch / "project"
    shutil.copytree(project_root / "params", root / "params")
    shutil.copytree(project_root / "notebooks", root / "notebooks")
    reports = scratch / "reports"
    ctx = {"root": root, "tmp": scratch, "reports": reports, "data": scratch / "data"}
    if case.get("data"):
        shutil.copytree(data_sets[case["data"]], ctx["data"])
    for rel, text in (case.get("files") or {}).items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8") if isinstance(text, str) else target.write_bytes(bytes.fromhex(text["hex"]))
    if case.get("setup"):
        name, *args = case["setup"]
        SETUPS[name](ctx, *args)
    monkeypatch.setenv("PERFKIT_ROOT", str(root))
    monkeypatch.setenv("PERFKIT_REPORTS", str(reports))
    monkeypatch.setenv("PERFKIT_DATA", str(scratch / "cache"))
    monkeypatch.chdir(scratch)
    _never_start_a_notebook(monkeypatch)
    argv = [_substitute(str(arg), ctx) for arg in case["argv"]]
    before = _snapshot(scratch)
    capsys.readouterr()
    code = main(argv)
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == case["exit"], err
    assert len(err) == 1, err
    assert err[0].startswith("perfkit: error: "), err
    assert case["message"] in err[0], err[0]
    assert _snapshot(scratch) == before, "something was written"
