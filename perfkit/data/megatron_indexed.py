"""Megatron-LM's indexed dataset (``PREFIX.bin`` + ``PREFIX.idx``), read and written directly.

The layout (megatron/core/datasets/indexed_dataset.py, ``_IndexWriter``/``_IndexReader``):

    .idx  b"MMIDIDX\\x00\\x00"            9-byte magic
          <Q version                     always 1
          <B dtype code                  1 uint8, 2 int8, 3 int16, 4 int32, 5 int64,
                                         6 float64, 7 float32, 8 uint16
          <Q sequence count S
          <Q document count D            entries of the document index (documents + 1)
          int32[S]  sequence lengths     tokens per sequence
          int64[S]  sequence pointers    byte offset of each sequence in .bin
          int64[D]  document index       sequence index where each document starts; the last is S
          (int8[S]  sequence modes       multimodal datasets only)
    .bin  the tokens of every sequence, back to back, in the dtype

The files are hostile until checked: every count is checked against the real file sizes before
anything is mapped, and the arrays are numpy memory maps (nothing is loaded whole).
"""

from __future__ import annotations

import stat
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from perfkit.errors import DataError

MAGIC = b"MMIDIDX\x00\x00"
VERSION = 1
HEADER_BYTES = len(MAGIC) + 8 + 1 + 8 + 8  # 34
DTYPES: dict[int, type[np.number]] = {
    1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64, 7: np.float32, 8: np.uint16,
}
TOKEN_CODES = frozenset({1, 2, 3, 4, 5, 8})  # integer types: what token ids can be
SCAN_CHUNK = 1 << 24  # tokens per chunk of the id range check


@dataclass(frozen=True)
class IndexHeader:
    dtype_code: int
    sequence_count: int
    document_count: int
    has_modes: bool


def _code_of(dtype: np.dtype) -> int:
    for code, kind in DTYPES.items():
        if np.dtype(kind) == dtype:
            return code
    raise ValueError(f"no Megatron dtype code for {dtype}")


def read_header(idx: Path) -> IndexHeader:
    """Parse and check the header against the file's real size (no allocation before that)."""
    try:
        info = idx.stat()
        if not stat.S_ISREG(info.st_mode):
            raise DataError(f"index file {idx} is not a regular file")
        size = info.st_size
        with open(idx, "rb") as handle:
            head = handle.read(HEADER_BYTES)
    except OSError as exc:
        raise DataError(f"index file {idx} cannot be read: {exc.strerror or exc}") from None
    if len(head) < len(MAGIC) or head[: len(MAGIC)] != MAGIC:
        raise DataError(f"index file {idx}: not a Megatron indexed dataset (magic is not MMIDIDX\\x00\\x00)")
    if len(head) < HEADER_BYTES:
        raise DataError(f"index file {idx} is truncated: {len(head)} bytes, the header alone needs {HEADER_BYTES}")
    version, code, sequences, documents = struct.unpack("<QBQQ", head[len(MAGIC):])
    if version != VERSION:
        raise DataError(f"index file {idx}: version {version}, only version {VERSION} is known")
    if code not in DTYPES:
        raise DataError(f"index file {idx}: dtype code {code} is unknown; allowed 1..8")
    if code not in TOKEN_CODES:
        raise DataError(f"index file {idx}: dtype code {code} ({DTYPES[code].__name__}) is not an integer token type")
    body = size - HEADER_BYTES
    plain = 12 * sequences + 8 * documents
    if body not in (plain, plain + sequences):
        raise DataError(
            f"index file {idx} is truncated or padded: {size} bytes, but {sequences} sequences and "
            f"{documents} document entries need {HEADER_BYTES + plain}"
        )
    return IndexHeader(code, sequences, documents, body == plain + sequences and sequences > 0)


class IndexedDataset:
    """A checked, memory-mapped Megatron indexed dataset: sequence i is ``sequence(i)``."""

    def __init__(self, prefix: Path) -> None:
        self.idx_path = prefix.with_name(prefix.name + ".idx")
        self.bin_path = prefix.with_name(prefix.name + ".bin")
        header = read_header(self.idx_path)
        self.dtype = np.dtype(DTYPES[header.dtype_code])
        s, d = header.sequence_count, header.document_count
        index = np.memmap(self.idx_path, mode="r", dtype=np.uint8)
        self.sizes = np.frombuffer(index, dtype="<i4", count=s, offset=HEADER_BYTES)
        self.pointers = np.frombuffer(index, dtype="<i8", count=s, offset=HEADER_BYTES + 4 * s)
        self.document_index = np.frombuffer(index, dtype="<i8", count=d, offset=HEADER_BYTES + 12 * s)
        self._check_index(s, d)
        try:
            info = self.bin_path.stat()
            bin_size = info.st_size
            if not stat.S_ISREG(info.st_mode):
                raise DataError(f"data file {self.bin_path} is not a regular file")
        except OSError as exc:
            raise DataError(f"data file {self.bin_path} cannot be read: {exc.strerror or exc}") from None
        if s and int(self.pointers.max()) > bin_size:
            raise DataError(f"data file {self.bin_path} is truncated: {bin_size} bytes, "
                            f"a sequence starts at byte {int(self.pointers.max())}")
        ends = self.pointers + self.sizes.astype(np.int64) * self.dtype.itemsize
        need = int(ends.max()) if s else 0
        if need > bin_size:
            raise DataError(f"data file {self.bin_path} is truncated: {bin_size} bytes, the index points up to byte {need}")
        self.tokens = (np.memmap(self.bin_path, mode="r", dtype=self.dtype.newbyteorder("<"), shape=(bin_size // self.dtype.itemsize,))
                       if bin_size >= self.dtype.itemsize else np.zeros(0, dtype=self.dtype))

    def _check_index(self, s: int, d: int) -> None:
        where = f"index file {self.idx_path}"
        if s and int(self.sizes.min()) < 0:
            raise DataError(f"{where}: a sequence length is negative")
        if s and (int(self.pointers.min()) < 0 or bool((self.pointers % self.dtype.itemsize).any())):
            raise DataError(f"{where}: a sequence pointer is negative or not aligned to the {self.dtype} tokens")
        if d < 1 or int(self.document_index[0]) != 0 or int(self.document_index[-1]) != s:
            raise DataError(f"{where}: the document index must start at 0 and end at the sequence count {s}")
        if d > 1 and bool((np.diff(self.document_index) < 0).any()):
            raise DataError(f"{where}: the document index is not increasing")

    def __len__(self) -> int:
        return len(self.sizes)

    @property
    def documents(self) -> int:
        return len(self.document_index) - 1

    def sequence(self, i: int) -> np.ndarray:
        start = int(self.pointers[i]) // self.dtype.itemsize
        return self.tokens[start : start + int(self.sizes[i])]

    def token_stream(self) -> np.ndarray:
        """Every sequence's tokens in order, as one array (a view when they are contiguous)."""
        total = int(self.sizes.astype(np.int64).sum())
        first = int(self.pointers[0]) // self.dtype.itemsize if len(self) else 0
        contiguous = len(self) == 0 or bool((np.diff(self.pointers) == self.sizes[:-1].astype(np.int64) * self.dtype.itemsize).all())
        if contiguous:
            return self.tokens[first : first + total]
        return np.concatenate([self.sequence(i) for i in range(len(self))])

    def check_vocab(self, vocab_size: int) -> None:
        """Every token id in 0..vocab_size-1, scanned in chunks (an id outside breaks the embedding)."""
        stream = self.token_stream()
        for start in range(0, len(stream), SCAN_CHUNK):
            chunk = stream[start : start + SCAN_CHUNK]
            low, high = int(chunk.min()), int(chunk.max())
            if low < 0 or high >= vocab_size:
                bad = high if high >= vocab_size else low
                raise DataError(f"data file {self.bin_path}: token id {bad} is outside the model's vocabulary 0..{vocab_size - 1}")


def write_indexed(prefix: Path, documents: list[list[np.ndarray]], dtype: type[np.number]) -> list[Path]:
    """Write documents (each a list of token sequences) as PREFIX.bin + PREFIX.idx; return the paths."""
    bin_path, idx_path = prefix.with_name(prefix.name + ".bin"), prefix.with_name(prefix.name + ".idx")
    kind = np.dtype(dtype)
    sizes: list[int] = []
    doc_index = [0]
    with open(bin_path, "wb") as out:
        for doc in documents:
            for seq in doc:
                out.write(np.asarray(seq, dtype=kind.newbyteorder("<")).tobytes())
                sizes.append(len(seq))
            doc_index.append(len(sizes))
    lengths = np.array(sizes, dtype="<i4")
    pointers = np.concatenate([[0], np.cumsum(lengths.astype(np.int64))[:-1]]).astype("<i8") * kind.itemsize
    with open(idx_path, "wb") as out:
        out.write(MAGIC + struct.pack("<QBQQ", VERSION, _code_of(kind), len(sizes), len(doc_index)))
        out.write(lengths.tobytes())
        out.write(pointers[: len(sizes)].tobytes())
        out.write(np.array(doc_index, dtype="<i8").tobytes())
    return [bin_path, idx_path]
