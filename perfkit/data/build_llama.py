"""Build the small offline pre-training corpus: CPython's pydoc topic help as Megatron-LM's
indexed dataset (``llama_text_document.bin`` + ``.idx``), byte-level tokens.

Tokenizer: byte-level, the UTF-8 bytes of the text are the token ids 0..255 and 256 ends a
document (``tokenizer.json`` beside the data says so). It needs no training, so the same Python
gives the same bytes. Each pydoc topic is one document of one sequence, topics in sorted order,
ids stored as uint16 (dtype code 8), as Megatron's preprocess_data.py does for vocabularies
under 65500.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from perfkit import paths
from perfkit.data.hashing import write_manifest
from perfkit.data.megatron_indexed import write_indexed
from perfkit.data.staging import staged_folder

BUILDER = "perfkit.data.build_llama/1"
EOD = 256
VOCAB = 257  # the bytes and the end-of-document token


@dataclass(frozen=True)
class LlamaBuildSettings:
    prefix: str = "llama_text_document"


def topic_texts() -> list[str]:
    """The pydoc topic help texts, in sorted topic order."""
    from pydoc_data.topics import topics

    return [topics[name] for name in sorted(topics)]


def encode(text: str) -> np.ndarray:
    """Byte-level ids of one document, ending with the end-of-document token."""
    return np.append(np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.uint16), np.uint16(EOD))


def build_llama_dataset(out: Path, settings: LlamaBuildSettings = LlamaBuildSettings()) -> str:
    """Write PREFIX.bin, PREFIX.idx and tokenizer.json to ``out`` (replacing it); return the hash."""
    paths.safe_name(settings.prefix, "key 'data_prefix'")
    with staged_folder(out) as staging:
        files = write_indexed(staging / settings.prefix, [[encode(text)] for text in topic_texts()], np.uint16)
        tokenizer = staging / "tokenizer.json"
        tokenizer.write_text(json.dumps({"type": "byte-level", "vocab_size": VOCAB, "eod": EOD,
                                         "text": "pydoc_data.topics"}, indent=2) + "\n", encoding="utf-8")
        return write_manifest(staging, BUILDER, asdict(settings), [*files, tokenizer])
