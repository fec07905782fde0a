"""The Llama case's data: Megatron-LM's indexed dataset read back from files an independent
writer in this test makes from the format description (not perfkit's writer), the packing into
seq_len + 1 windows, the offline builder, and the one-line refusals of bad files (exit 2)."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pytest

from perfkit.cli import main
from perfkit.data.megatron_indexed import IndexedDataset
from perfkit.data.token_windows import split_windows, unigram_entropy
from perfkit.errors import DataError

CODES = {np.uint8: 1, np.int8: 2, np.int16: 3, np.int32: 4, np.int64: 5, np.float64: 6, np.float32: 7, np.uint16: 8}
STRUCT = {np.uint8: "B", np.int8: "b", np.int16: "h", np.int32: "i", np.int64: "q", np.uint16: "H"}  # standard sizes


def independent_write(prefix: Path, documents: list[list[list[int]]], dtype=np.uint16, modes: bool = False,
                      gap: int = 0) -> None:
    """Megatron's layout, written from its description with struct and plain bytes: magic,
    <Q version 1, <B dtype code, <Q sequences, <Q document entries, int32 lengths, int64 byte
    pointers, int64 document index (0, ..., sequence count). ``gap`` leaves unused bytes between
    sequences (pointers still say where each one is)."""
    itemsize = np.dtype(dtype).itemsize
    lengths, pointers, doc_index, data = [], [], [0], b""
    for doc in documents:
        for seq in doc:
            data += b"\xee" * gap
            pointers.append(len(data))
            data += b"".join(struct.pack("<" + STRUCT[dtype], v) for v in seq)
            lengths.append(len(seq))
        doc_index.append(len(lengths))
    assert all(p % itemsize == 0 for p in pointers)
    header = b"MMIDIDX\x00\x00" + struct.pack("<Q", 1) + struct.pack("<B", CODES[dtype])
    header += struct.pack("<Q", len(lengths)) + struct.pack("<Q", len(doc_index))
    body = b"".join(struct.pack("<i", n) for n in lengths) + b"".join(struct.pack("<q", p) for p in pointers)
    body += b"".join(struct.pack("<q", d) for d in doc_index)
    if modes:
        body += bytes(len(lengths))
    prefix.with_suffix(".idx").write_bytes(header + body)
    prefix.with_suffix(".bin").write_bytes(data)


DOCS = [[[5, 6, 7, 8], [9, 10]], [[11, 12, 13]], [[14] * 7]]


@pytest.mark.parametrize("dtype", [np.uint16, np.int32, np.int64, np.uint8])
def test_reader_reads_what_an_independent_writer_wrote(tmp_path, dtype):
    independent_write(tmp_path / "corpus", DOCS, dtype)
    data = IndexedDataset(tmp_path / "corpus")
    assert len(data) == 4 and data.documents == 3
    assert [data.sequence(i).tolist() for i in range(4)] == [s for doc in DOCS for s in doc]
    assert data.token_stream().tolist() == [t for doc in DOCS for s in doc for t in s]
    assert data.document_index.tolist() == [0, 2, 3, 4]


def test_pointers_not_back_to_back_and_multimodal_modes_are_read(tmp_path):
    independent_write(tmp_path / "corpus", DOCS, np.int32, modes=True, gap=8)
    data = IndexedDataset(tmp_path / "corpus")
    assert data.token_stream().tolist() == [t for doc in DOCS for s in doc for t in s]


def test_windows_are_seq_len_plus_one_and_share_one_token():
    stream = np.arange(100, dtype=np.uint16)
    train, held = split_windows(stream, 8, eval_windows=2, min_train=4, where="x")
    assert len(train) == 10 and len(held) == 2  # (100 - 1) // 8 = 12 windows
    first, second = train[0], train[1]
    assert first["input_ids"].tolist() == list(range(8)) and first["labels"].tolist() == list(range(1, 9))
    assert second["input_ids"][0] == first["labels"][-1]
    assert held[1]["labels"].tolist() == list(range(89, 97))


def test_unigram_entropy_is_in_nats():
    assert unigram_entropy(np.array([0, 1, 2, 3] * 10), 8) == pytest.approx(np.log(4))
    assert unigram_entropy(np.array([3] * 10), 8) == 0.0


def test_builder_is_deterministic_and_readable(tmp_path):
    assert main(["data", "build", "llama", "--out", str(tmp_path / "a")]) == 0
    assert main(["data", "build", "llama", "--out", str(tmp_path / "b")]) == 0
    for name in ("llama_text_document.bin", "llama_text_document.idx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    data = IndexedDataset(tmp_path / "a" / "llama_text_document")
    stream = data.token_stream()
    assert data.dtype == np.uint16 and data.documents == len(data) > 50 and int(stream.max()) == 256
    assert bytes(data.sequence(0)[:-1].astype(np.uint8)).decode("utf-8")  # the pydoc text, byte for byte


def _corrupt(kind: str, prefix: Path) -> None:
    idx, bin_ = prefix.with_suffix(".idx"), prefix.with_suffix(".bin")
    raw = bytearray(idx.read_bytes())
    if kind == "magic":
        raw[:7] = b"NOTIDX!"
    elif kind == "truncated_index":
        raw = raw[:-5]
    elif kind == "header_only_part":
        raw = raw[:20]
    elif kind == "huge_count":
        raw[18:26] = struct.pack("<Q", 1 << 60)
    elif kind == "version":
        raw[9:17] = struct.pack("<Q", 2)
    elif kind == "float_dtype":
        raw[17] = 7
    elif kind == "unknown_dtype":
        raw[17] = 99
    elif kind == "truncated_bin":
        bin_.write_bytes(bin_.read_bytes()[:-2])
    elif kind == "pointer_past_end":
        raw[34 + 4 * 4 + 8 * 3 : 34 + 4 * 4 + 8 * 4] = struct.pack("<q", 1 << 40)
    elif kind == "bad_document_index":
        raw[-8:] = struct.pack("<q", 2)
    elif kind == "negative_length":
        raw[34:38] = struct.pack("<i", -1)
    elif kind == "misaligned_pointer":
        raw[34 + 16 + 8 : 34 + 16 + 16] = struct.pack("<q", 3)
    elif kind == "decreasing_document_index":
        raw[34 + 48 + 8 : 34 + 48 + 24] = struct.pack("<q", 3) + struct.pack("<q", 1)
    elif kind == "padded_index":
        raw += b"\0" * 3
    elif kind == "fifo_index":
        idx.unlink()
        os.mkfifo(idx)
        return
    idx.write_bytes(bytes(raw))


@pytest.mark.parametrize("kind, needle", [
    ("magic", "not a Megatron indexed dataset"),
    ("truncated_index", "truncated"),
    ("header_only_part", "truncated"),
    ("huge_count", "truncated"),
    ("version", "version 2"),
    ("float_dtype", "not an integer token type"),
    ("unknown_dtype", "dtype code 99"),
    ("truncated_bin", "truncated"),
    ("pointer_past_end", "truncated"),
    ("bad_document_index", "document index"),
    ("negative_length", "negative"),
    ("misaligned_pointer", "not aligned"),
    ("decreasing_document_index", "not increasing"),
    ("padded_index", "truncated or padded"),
    ("fifo_index", "not a regular file"),
])
def test_bad_files_are_refused_in_one_line(tmp_path, kind, needle):
    independent_write(tmp_path / "corpus", DOCS, np.uint16)
    _corrupt(kind, tmp_path / "corpus")
    with pytest.raises(DataError, match=needle) as caught:
        IndexedDataset(tmp_path / "corpus")
    assert "\n" not in str(caught.value)


def _run_on(data: Path, *sets: str) -> list[str]:
    argv = ["run", "llama", "--vendor", "cpu", "--config", "smoke", "--quiet", "--no-index", "--set", f"data_dir={data}"]
    for item in sets:
        argv += ["--set", item]
    return argv


@pytest.mark.parametrize("make, sets, needle", [
    (lambda d: independent_write(d / "llama_text_document", [[[1, 2, 3, 600]]] * 40), (), "token id 600 is outside"),
    (lambda d: independent_write(d / "llama_text_document", [[list(range(50))]]), (), "windows of seq_len + 1 = 129"),
    (lambda d: independent_write(d / "llama_text_document", [[list(range(100))]] * 60), ("seq_len=8000",), "0 windows"),
    (lambda d: (d / "llama_text_document.idx").write_bytes(b"GARBAGE" * 9), (), "magic"),
])
def test_a_run_on_a_bad_corpus_exits_2_with_one_line(tmp_path, monkeypatch, capsys, make, sets, needle):
    monkeypatch.setenv("PERFKIT_REPORTS", str(tmp_path / "reports"))
    data = tmp_path / "data"
    data.mkdir()
    independent_write(data / "llama_text_document", [[[1, 2]]])
    make(data)
    assert main(_run_on(data, *sets)) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "reports" / "runs" / "llama").exists()
