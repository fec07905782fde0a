"""Property-based tests of the parsers that read user input: ``--set`` values, params YAML,
suite files and README pages. Whatever the input, the outcome is success or a UserError whose
message is one line (the CLI's exit 2), never another exception."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfkit.errors import UserError

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ROOT = Path(__file__).resolve().parents[2]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
)
yaml_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.one_of(st.text(max_size=12), st.integers(-3, 3)), inner, max_size=4), max_leaves=12)
KEYS = ["description", "hardware", "nnodes", "nproc_per_node", "allow_nonstandard", "params"]
PARAM_KEYS = ["batch_size", "learning_rate", "seed", "max_steps", "seq_len", "data_dir", "precision", "vocab_size",
              "hidden_size", "num_workers", "eval_interval", "allow_partial_checkpoint", "nonsense"]
yaml_snippets = st.sampled_from(["&a [1]", "*a", "!!python/object:os.system", ".nan", "-.inf", "1e400", "{", "]",
                                 "? [a]\n: b", "\t", "\x00", "\ufeff", "%YAML 1.1\n---", "...", "---\n---", "<<: *a"])


@pytest.fixture(scope="module")
def scratch_root():
    folder = Path(tempfile.mkdtemp(prefix="perfkit-fuzz-"))
    shutil.copytree(ROOT / "params", folder / "params")
    (folder / "notebooks").mkdir()
    old = os.environ.get("PERFKIT_ROOT")
    os.environ["PERFKIT_ROOT"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("PERFKIT_ROOT", None)
    else:
        os.environ["PERFKIT_ROOT"] = old
    shutil.rmtree(folder, ignore_errors=True)


def _messages_are_one_line(call) -> None:
    """``call()`` succeeds or raises a UserError with a one-line message; anything else fails."""
    try:
        call()
    except UserError as exc:
        assert str(exc).strip() and "\n" not in str(exc), repr(str(exc))


# -- --set values ------------------------------------------------------------------------------
@FAST
@given(key=st.sampled_from(PARAM_KEYS) | st.text(max_size=10), value=st.text(max_size=60) | yaml_snippets)
def test_set_values_parse_or_fail_in_one_line(key, value):
    from perfkit.benchmarks.bert_training import BertParams
    from perfkit.params import params_from_overrides, parse_overrides

    def call():
        params_from_overrides(BertParams, parse_overrides([f"{key}={value}"]))

    _messages_are_one_line(call)


# -- params YAML -------------------------------------------------------------------------------
def _yaml_document(data) -> st.SearchStrategy[str]:
    return st.just(yaml.safe_dump(data, allow_unicode=True))


params_documents = st.one_of(
    st.fixed_dictionaries({}, optional={key: yaml_values for key in KEYS}).flatmap(_yaml_document),
    st.fixed_dictionaries({"params": st.dictionaries(st.sampled_from(PARAM_KEYS), yaml_values, max_size=5)}).flatmap(_yaml_document),
    st.text(max_size=200),
    st.lists(yaml_snippets | st.text(max_size=20), max_size=6).map(lambda parts: "params:\n  a: " + " ".join(parts)),
)


@FAST
@given(text=params_documents, raw=st.binary(max_size=40))
def test_params_yaml_loads_or_fails_in_one_line(scratch_root, text, raw):
    from perfkit.benchmarks.bert_training import BertParams
    from perfkit.params import resolve_params

    path = scratch_root / "params" / "bert" / "cpu" / "fuzz.yaml"
    for content in (text.encode("utf-8", "surrogatepass"), raw, text.encode("utf-8", "surrogatepass") + raw):
        path.write_bytes(content)
        _messages_are_one_line(lambda: resolve_params("bert", BertParams, "cpu", "fuzz"))


# -- suite files -------------------------------------------------------------------------------
run_entries = st.fixed_dictionaries(
    {}, optional={"benchmark": st.sampled_from(["bert", "glm", "../x", ""]) | st.text(max_size=8),
                  "vendor": st.sampled_from(["cpu", "/tmp", ".."]) | st.text(max_size=8),
                  "config": st.sampled_from(["smoke", "../cpu/smoke", "c" * 300]) | st.text(max_size=8),
                  "repeats": scalars, "set": yaml_values, "timeout": scalars, "extra": scalars})
suite_documents = st.one_of(
    st.fixed_dictionaries({"runs": st.lists(run_entries, max_size=3)},
                          optional={"description": yaml_values, "timeout": scalars}).flatmap(_yaml_document),
    st.text(max_size=200),
    st.lists(yaml_snippets | st.text(max_size=20), max_size=6).map(lambda parts: "runs:\n  - " + " ".join(parts)),
)


@FAST
@given(text=suite_documents)
def test_suite_files_load_or_fail_in_one_line(scratch_root, text):
    from perfkit.jobs.suite import load_suite

    (scratch_root / "params" / "suites" / "fuzz.yaml").write_bytes(text.encode("utf-8", "surrogatepass"))
    _messages_are_one_line(lambda: load_suite("fuzz"))


# -- README pages ------------------------------------------------------------------------------
cells = st.sampled_from(["配置", "训练资源", "e2e_time", "p_whole", "mem", "acc", "fix_hp", "1000 s", "8.5/32.0",
                         "bs=16,lr=1e-4", "R300单机8卡（1x8）", "单机1卡", "nan", "-1", "", "|", "1e400", "—"]) | st.text(max_size=12)
rows = st.lists(cells, min_size=1, max_size=5).map(lambda cs: "| " + " | ".join(cs) + " |")
pages = st.one_of(
    st.lists(rows, min_size=1, max_size=6).map(lambda rs: "# BERT\n\n" + rs[0] + "\n| --- | --- |\n" + "\n".join(rs[1:]) + "\n"),
    st.lists(st.sampled_from(["# 模型信息", "- 模型: bert", "##### 硬件环境", "- 机器型号: R480-X8", "<!-- perfkit: benchmark=../x vendor=cpu -->",
                              "<!-- perfkit: benchmark=bert vendor=cpu -->", "| 配置 | e2e_time |", "| --- | --- |",
                              "| R300 | 10 s |", "* 性能指标", "\ufeff", "\x00"]) | st.text(max_size=30), max_size=12).map("\n".join),
)


@FAST
@given(text=pages, benchmark=st.sampled_from(["", "bert", "../x", "b" * 200]), vendor=st.sampled_from(["", "cpu", "/etc", "."]))
def test_pages_import_or_fail_in_one_line(tmp_path, text, benchmark, vendor):
    from perfkit.importing import parse_page, write_references

    page_file = tmp_path / "page.md"
    page_file.write_bytes(text.encode("utf-8", "surrogatepass"))
    out = tmp_path / "references"

    def call():
        page = parse_page(page_file, benchmark, vendor)
        for written in write_references([page], out):
            assert out.resolve() in written.resolve().parents

    _messages_are_one_line(call)


# -- HDF5 shards: storage features and declared sizes ------------------------------------------
SHARD_STORAGE = st.sampled_from(["contiguous", "chunked", "gzip", "unwritten", "partly_written", "external",
                                 "virtual", "soft_link", "external_link", "hard_link"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(storage=SHARD_STORAGE, rows=st.integers(1, 64), declared=st.one_of(st.none(), st.integers(1, 10**9)),
       key=st.sampled_from(["input_ids", "masked_lm_ids", "next_sentence_labels"]))
def test_shards_read_their_own_bytes_or_fail_in_one_line(tmp_path_factory, storage, rows, declared, key):
    """Whatever storage a shard's dataset uses and whatever size it declares, reading gives
    data of the declared shape held in the file, or a one-line DataError; never fill values,
    another file's bytes, a traceback or an allocation beyond what the file holds."""
    import h5py
    import numpy as np

    from perfkit.data import mlperf_bert

    folder = tmp_path_factory.mktemp("shard")
    path = folder / "s.hdf5"
    seq, pred = 8, 2
    columns = {"input_ids": np.ones((rows, seq), np.int32), "input_mask": np.ones((rows, seq), np.int8),
               "segment_ids": np.zeros((rows, seq), np.int8), "masked_lm_positions": np.ones((rows, pred), np.int32),
               "masked_lm_ids": np.ones((rows, pred), np.int32), "next_sentence_labels": np.zeros(rows, np.int8)}
    with h5py.File(path, "w") as handle:
        for name, values in columns.items():
            if name != key:
                handle.create_dataset(name, data=values)
        values = columns[key]
        shape = ((declared or rows), *values.shape[1:])
        if storage == "contiguous":
            handle.create_dataset(key, data=values)
        elif storage == "chunked":
            handle.create_dataset(key, data=values, chunks=True)
        elif storage == "gzip":
            handle.create_dataset(key, data=values, chunks=True, compression="gzip")
        elif storage == "unwritten":
            handle.create_dataset(key, shape=shape, dtype=values.dtype)
        elif storage == "partly_written":  # at least two chunks, one of them written
            shape = (max(2, shape[0]), *shape[1:])
            column = handle.create_dataset(key, shape=shape, dtype=values.dtype, chunks=(1, *shape[1:]), compression="gzip")
            column[:1] = values[:1]
        elif storage == "external":
            (folder / "raw.bin").write_bytes(values.tobytes())
            handle.create_dataset(key, shape=values.shape, dtype=values.dtype, external=[(str(folder / "raw.bin"), 0, values.nbytes)])
        elif storage == "virtual":
            with h5py.File(folder / "src.h5", "w") as other:
                other.create_dataset("x", data=values)
            layout = h5py.VirtualLayout(shape=values.shape, dtype=values.dtype)
            layout[...] = h5py.VirtualSource(str(folder / "src.h5"), "x", shape=values.shape)
            handle.create_virtual_dataset(key, layout)
        elif storage == "soft_link":
            handle.create_dataset("copy", data=values)
            handle[key] = h5py.SoftLink("/copy")
        elif storage == "external_link":
            handle[key] = h5py.ExternalLink(str(folder / "src.h5"), "/x")
        else:  # hard link: a second name of a dataset in this file, which is fine
            handle.create_dataset("copy", data=values)
            handle[key] = handle["copy"]
    try:
        arrays = mlperf_bert.read_shard(path)
    except UserError as exc:
        assert str(exc).strip() and "\n" not in str(exc), repr(str(exc))
        return
    assert storage in ("contiguous", "chunked", "gzip", "hard_link"), storage
    assert sum(a.nbytes for a in arrays.values()) <= 2 * sum(v.nbytes for v in columns.values())
