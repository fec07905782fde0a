"""Reader for MLPerf BERT pre-training HDF5 shards (the format FlagPerf's BERT case uses).

Each shard holds six datasets, one row per sample:
``input_ids`` [N, seq], ``input_mask`` [N, seq], ``segment_ids`` [N, seq],
``masked_lm_positions`` [N, max_pred], ``masked_lm_ids`` [N, max_pred] (0 = padding),
``next_sentence_labels`` [N].
Layout under ``data_dir``: a folder of training shards and a folder with the eval file(s),
named by the ``train_dir`` and ``eval_dir`` params (MLPerf/FlagPerf: ``2048_shards_uncompressed``
and ``eval_set_uncompressed``).

A shard is read only from its own bytes: each of the six names must be a hard link to a plain
dataset stored in the file (contiguous, compact or chunked). Soft and external links, virtual
datasets and external raw storage (which read other files, ``/dev/zero`` or fill values) are
refused. The size a dataset declares is checked against what the file really holds before
anything is allocated: contiguous data must be stored whole inside the file; chunked data must
have every chunk written, use only the gzip, shuffle, fletcher32 or lzf filters, and may declare
at most ``MAX_INFLATE`` times its stored bytes (deflate's own ceiling is about 1032:1); and no
shard may declare more than ``MAX_SHARD_ROWS`` rows.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path

import h5py
import numpy as np
import torch

from perfkit.errors import DataError

KEYS = (
    "input_ids",
    "input_mask",
    "segment_ids",
    "masked_lm_positions",
    "masked_lm_ids",
    "next_sentence_labels",
)
SHARD_SUFFIXES = (".hdf5", ".h5")
MAX_SHARD_ROWS = 1 << 22  # 4,194,304 rows; MLPerf's shards hold about 80 to 160 thousand each
MAX_INFLATE = 1040  # declared bytes per stored byte of compressed data (deflate reaches ~1032:1)
_ALLOWED_FILTERS = {h5py.h5z.FILTER_DEFLATE: "gzip", h5py.h5z.FILTER_SHUFFLE: "shuffle",
                    h5py.h5z.FILTER_FLETCHER32: "fletcher32", 32000: "lzf"}
_LAYOUTS = {h5py.h5d.COMPACT: "compact", h5py.h5d.CONTIGUOUS: "contiguous", h5py.h5d.CHUNKED: "chunked"}


def list_shards(folder: Path, what: str) -> list[Path]:
    if not folder.is_dir():
        raise DataError(f"{what} folder {folder} does not exist")
    shards = sorted(p for p in folder.iterdir() if p.suffix in SHARD_SUFFIXES and p.is_file())
    if not shards:
        raise DataError(f"{what} folder {folder} holds no {'/'.join(SHARD_SUFFIXES)} shards")
    return shards


_SEQUENCE_KEYS = ("input_ids", "input_mask", "segment_ids")
_PREDICTION_KEYS = ("masked_lm_positions", "masked_lm_ids")


def _check_layout(handle: h5py.File, path: Path) -> dict[str, tuple[int, ...]]:
    """Every column present, integer typed (float ids would be truncated silently), of the right
    rank, the sequence columns of one width and the prediction columns of one width."""
    missing = [key for key in KEYS if key not in handle]
    if missing:
        raise DataError(
            f"{path}: not an MLPerf BERT shard, missing dataset '{missing[0]}' (required: {', '.join(KEYS)})"
        )
    shapes: dict[str, tuple[int, ...]] = {}
    file_size = os.stat(path).st_size
    for key in KEYS:
        link = handle.get(key, getlink=True)
        if not isinstance(link, h5py.HardLink):
            kind = {"SoftLink": "a soft link", "ExternalLink": "an external link"}.get(type(link).__name__, "a link")
            raise DataError(f"{path}: '{key}' is {kind}; a shard's datasets must be stored in the file itself")
        column = handle[key]
        if not isinstance(column, h5py.Dataset):
            raise DataError(f"{path}: '{key}' is a group, not a dataset")
        if column.dtype.kind not in "iu":
            raise DataError(f"{path}: dataset '{key}' holds {column.dtype} values; token data must be integers")
        check_storage(column, key, path, file_size)
        shapes[key] = tuple(column.shape)
    if not shapes["input_ids"] or shapes["input_ids"][0] == 0:
        raise DataError(f"{path}: shard is empty (0 rows)")
    for key in (*_SEQUENCE_KEYS, *_PREDICTION_KEYS):
        if len(shapes[key]) != 2:
            raise DataError(f"{path}: dataset '{key}' has shape {shapes[key]}; expected [rows, width] (rank 2)")
    labels = shapes["next_sentence_labels"]
    if not (len(labels) == 1 or (len(labels) == 2 and labels[1] == 1)):
        raise DataError(f"{path}: dataset 'next_sentence_labels' has shape {labels}; expected [rows]")
    for group in (_SEQUENCE_KEYS, _PREDICTION_KEYS):
        widths = {key: shapes[key][1] for key in group}
        if len(set(widths.values())) != 1:
            raise DataError(f"{path}: datasets disagree on the width {widths}")
    return shapes


def check_storage(column: h5py.Dataset, key: str, path: Path, file_size: int) -> None:
    """The dataset's values are bytes of this file, all of them written, and what it declares
    (shape x item size) fits what is stored; a DataError naming file and dataset otherwise."""
    where = f"{path}: dataset '{key}'"
    if column.is_virtual:
        raise DataError(f"{where} is a virtual dataset (it reads other files); a shard must hold its own data")
    plist = column.id.get_create_plist()
    if plist.get_external_count():
        raise DataError(f"{where} uses external raw storage (its bytes live in another file); not allowed")
    layout = plist.get_layout()
    if layout not in _LAYOUTS:
        raise DataError(f"{where} has an unsupported storage layout; allowed: {', '.join(_LAYOUTS.values())}")
    rows = column.shape[0] if column.shape else 0
    if rows > MAX_SHARD_ROWS:
        raise DataError(f"{where} declares {rows} rows; perfkit reads at most {MAX_SHARD_ROWS} rows per shard")
    declared = int(np.prod(column.shape, dtype=np.int64)) * column.dtype.itemsize if column.shape else 0
    stored = column.id.get_storage_size()
    if stored > file_size:
        raise DataError(f"{where} claims {stored} stored bytes, more than the file's {file_size}")
    if layout == h5py.h5d.CONTIGUOUS:
        offset = column.id.get_offset()
        if declared and (offset is None or stored < declared or offset + declared > file_size):
            raise DataError(
                f"{where} declares {column.shape} x {column.dtype.itemsize} bytes = {declared} bytes, "
                f"but the file holds {stored if offset is not None else 0} of them"
            )
        return
    if layout == h5py.h5d.COMPACT:
        if stored < declared:
            raise DataError(f"{where} declares {declared} bytes, but the file holds {stored}")
        return
    filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
    unknown = [code for code in filters if code not in _ALLOWED_FILTERS]
    if unknown:
        raise DataError(
            f"{where} uses HDF5 filter {unknown[0]}; allowed: {', '.join(sorted(_ALLOWED_FILTERS.values()))}"
        )
    chunks = column.chunks or ()
    expected = int(np.prod([-(-n // c) for n, c in zip(column.shape, chunks, strict=False)], dtype=np.int64)) if declared else 0
    written = column.id.get_num_chunks() if declared else 0
    if written != expected:
        raise DataError(f"{where} has {written} of its {expected} chunks written; the rest would read as fill values")
    if declared > stored * (MAX_INFLATE if filters else 1):
        raise DataError(
            f"{where} declares {declared} bytes from {stored} stored bytes; "
            f"at most {MAX_INFLATE}x for compressed data"
        )


def shard_length(path: Path, seq_len: int | None = None) -> int:
    """Rows in a shard, checked against the format without reading the data; with ``seq_len``,
    the shard's sequences must be exactly that long."""
    try:
        with h5py.File(path, "r") as handle:
            shapes = _check_layout(handle, path)
    except OSError as exc:
        raise DataError(f"{path}: cannot read as HDF5 ({exc})") from None
    rows = {key: shape[0] for key, shape in shapes.items()}
    if len(set(rows.values())) != 1:
        raise DataError(f"{path}: datasets disagree on the number of rows {rows}")
    if rows["input_ids"] == 0:
        raise DataError(f"{path}: shard is empty (0 rows)")
    width = shapes["input_ids"][1]
    if seq_len is not None and width != seq_len:
        relation = "exceed" if width > seq_len else "are shorter than"
        raise DataError(f"{path}: sequences of {width} tokens {relation} seq_len={seq_len}; set seq_len to the data's")
    return rows["input_ids"]


def check_values(arrays: dict[str, np.ndarray], path: Path, vocab_size: int | None) -> None:
    """Token ids inside the vocabulary, masked positions inside the sequence, masks and labels 0/1."""
    seq = arrays["input_ids"].shape[1]

    def within(key: str, low: int, high: int, what: str) -> None:
        column = arrays[key]
        if column.size and (int(column.min()) < low or int(column.max()) >= high):
            bad = int(column.min()) if int(column.min()) < low else int(column.max())
            raise DataError(f"{path}: dataset '{key}' holds {bad}, outside {what} ({low}..{high - 1})")

    if vocab_size is not None:
        within("input_ids", 0, vocab_size, f"vocab_size={vocab_size}")
        within("masked_lm_ids", 0, vocab_size, f"vocab_size={vocab_size}")
    within("masked_lm_positions", 0, seq, "the sequence")
    within("input_mask", 0, 2, "a 0/1 mask")
    within("segment_ids", 0, 2, "segments 0/1")
    within("next_sentence_labels", 0, 2, "labels 0/1")


def read_shard(path: Path, vocab_size: int | None = None, seq_len: int | None = None) -> dict[str, np.ndarray]:
    shard_length(path, seq_len)
    try:
        with h5py.File(path, "r") as handle:
            _check_layout(handle, path)  # again on this handle: the file may have changed since
            arrays = {key: np.asarray(handle[key][:]) for key in KEYS}
    except OSError as exc:
        raise DataError(f"{path}: cannot read as HDF5 ({exc})") from None
    arrays["next_sentence_labels"] = arrays["next_sentence_labels"].reshape(-1)
    check_values(arrays, path, vocab_size)
    return arrays


def to_model_inputs(arrays: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """MLPerf columns to BertForPreTraining inputs: dense MLM labels, -100 where not masked."""
    input_ids = torch.as_tensor(arrays["input_ids"], dtype=torch.long)
    positions = torch.as_tensor(arrays["masked_lm_positions"], dtype=torch.long)
    ids = torch.as_tensor(arrays["masked_lm_ids"], dtype=torch.long)
    labels = torch.full_like(input_ids, -100)
    valid = ids != 0
    rows = torch.arange(input_ids.shape[0]).unsqueeze(1).expand_as(positions)
    labels[rows[valid], positions[valid]] = ids[valid]
    return {
        "input_ids": input_ids,
        "attention_mask": torch.as_tensor(arrays["input_mask"], dtype=torch.long),
        "token_type_ids": torch.as_tensor(arrays["segment_ids"], dtype=torch.long),
        "labels": labels,
        "next_sentence_label": torch.as_tensor(arrays["next_sentence_labels"], dtype=torch.long).view(-1),
    }


class BertShardDataset(torch.utils.data.Dataset):
    """Map-style view over many shards; keeps the most recent shards in memory.

    Batches are fetched whole through ``__getitems__`` so a DataLoader worker does one fancy
    index per column instead of per-sample Python work.
    """

    def __init__(self, shards: list[Path], cache_shards: int = 2, vocab_size: int | None = None,
                 seq_len: int | None = None) -> None:
        self.shards = shards
        self.vocab_size = vocab_size
        self.seq_len = seq_len
        self.lengths = [shard_length(p, seq_len) for p in shards]
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)]).astype(np.int64)
        self.cache_shards = cache_shards
        self._cache: OrderedDict[int, dict[str, np.ndarray]] = OrderedDict()

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def _shard(self, index: int) -> dict[str, np.ndarray]:
        if index in self._cache:
            self._cache.move_to_end(index)
        else:
            self._cache[index] = read_shard(self.shards[index], self.vocab_size, self.seq_len)
            while len(self._cache) > self.cache_shards:
                self._cache.popitem(last=False)
        return self._cache[index]

    def __getitems__(self, indices: list[int]) -> dict[str, torch.Tensor]:
        idx = np.asarray(indices, dtype=np.int64)
        shard_of = np.searchsorted(self.offsets, idx, side="right") - 1
        columns: dict[str, list[np.ndarray]] = {key: [] for key in KEYS}
        order = []
        for shard in np.unique(shard_of):
            where = np.nonzero(shard_of == shard)[0]
            order.append(where)
            rows = idx[where] - self.offsets[shard]
            data = self._shard(int(shard))
            for key in KEYS:
                columns[key].append(data[key][rows])
        inverse = np.argsort(np.concatenate(order))
        arrays = {key: np.concatenate(parts)[inverse] for key, parts in columns.items()}
        return to_model_inputs(arrays)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {k: v[0] for k, v in self.__getitems__([index]).items()}


def passthrough(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """collate_fn for datasets whose __getitems__ already returns a batch."""
    return batch
