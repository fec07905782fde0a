"""The masked-LM inference eval set: a plain-text file, tokenized, masked, chunked and batched.

FlagPerf's BERT inference case reads a plain-text eval file, tokenizes it with the bert-uncased
WordPiece vocabulary, replaces 10% of the tokens with ``[MASK]`` (fixed seed) and scores top-1
accuracy on the masked positions. Here:

* ``read_eval_text`` reads the file (UTF-8), refusing a missing or empty one;
* ``mask_and_chunk`` turns the token stream into ``[CLS] … [SEP]`` sequences of exactly
  ``seq_len`` tokens (the last one padded), with dense labels (-100 where nothing is masked);
* ``fixed_batches`` cuts them into batches of exactly ``batch_size`` (engines with static
  shapes need that; a trailing partial batch is left out);
* ``build_eval_text`` writes a small eval file and its vocabulary from text that ships with
  Python, deterministically, with a manifest holding the content hash.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from perfkit.data import offline_text, wordpiece
from perfkit.data.hashing import write_manifest
from perfkit.data.staging import staged_folder
from perfkit.errors import DataError
from perfkit.files.reading import TEXT_LIMIT, read_text_bounded

BUILDER = "perfkit.data.text_eval/1"
EVAL_FILE = "eval.txt"
VOCAB_FILE = "vocab.txt"
MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


@dataclass(frozen=True)
class EvalTextSettings:
    """What the offline builder writes: every pydoc topic is a paragraph of the eval file; the
    vocabulary is made from all of them; ``max_documents`` (0 = all) keeps the file small."""

    vocab_size: int = 4096
    max_documents: int = 12
    seed: int = 12345


def read_eval_text(path: Path) -> str:
    if not path.is_file():
        raise DataError(f"eval text file {path} does not exist")
    text = read_text_bounded(path, TEXT_LIMIT, DataError, f"eval text file {path}", allow_bom=True)
    if not text.strip():
        raise DataError(f"eval text file {path} is empty")
    return text


def check_vocab(path: Path) -> int:
    """The vocabulary file exists and holds the special tokens; returns its size."""
    if not path.is_file():
        raise DataError(f"vocabulary file {path} does not exist")
    tokens = wordpiece.read_vocab(path)
    wordpiece.require_special_tokens(tokens, path)
    return len(tokens)


def tokenize(text: str, vocab_file: Path) -> list[int]:
    """Token ids of every non-empty line, without special tokens."""
    tokenizer = wordpiece.load_tokenizer(vocab_file)
    lines = [line for line in text.splitlines() if line.strip()]
    ids: list[int] = []
    for encoding in tokenizer.encode_batch(lines, add_special_tokens=False):
        ids.extend(encoding.ids)
    return ids


def mask_and_chunk(
    ids: list[int], vocab_file: Path, seq_len: int, mask_prob: float, seed: int, max_sequences: int = 0
) -> dict[str, torch.Tensor]:
    """Sequences of seq_len tokens with ``mask_prob`` of the text tokens replaced by [MASK].

    Returns input_ids, attention_mask, token_type_ids and labels (the original id where masked,
    -100 elsewhere), each [N, seq_len] int64. ``max_sequences`` > 0 keeps only the first ones.
    """
    if seq_len < 3:
        raise DataError(f"key 'seq_len': {seq_len} leaves no room for text between [CLS] and [SEP]")
    vocab = wordpiece_index(vocab_file)
    cls, sep, mask, pad = vocab["[CLS]"], vocab["[SEP]"], vocab["[MASK]"], vocab["[PAD]"]
    body = seq_len - 2
    count = max(1, -(-len(ids) // body))
    if max_sequences > 0:
        count = min(count, max_sequences)
    input_ids = np.full((count, seq_len), pad, np.int64)
    attention = np.zeros((count, seq_len), np.int64)
    for row in range(count):
        chunk = ids[row * body : (row + 1) * body]
        input_ids[row, : len(chunk) + 2] = [cls, *chunk, sep]
        attention[row, : len(chunk) + 2] = 1
    text_positions = np.argwhere((attention == 1) & (input_ids != cls) & (input_ids != sep))
    rng = np.random.default_rng(seed)
    n_masked = int(round(len(text_positions) * mask_prob))
    picked = text_positions[np.sort(rng.permutation(len(text_positions))[:n_masked])]
    labels = np.full_like(input_ids, -100)
    rows, cols = picked[:, 0], picked[:, 1]
    labels[rows, cols] = input_ids[rows, cols]
    input_ids[rows, cols] = mask
    return {
        "input_ids": torch.from_numpy(input_ids),
        "attention_mask": torch.from_numpy(attention),
        "token_type_ids": torch.zeros_like(torch.from_numpy(input_ids)),
        "labels": torch.from_numpy(labels),
    }


def wordpiece_index(vocab_file: Path) -> dict[str, int]:
    return {token: i for i, token in enumerate(wordpiece.read_vocab(vocab_file))}


def fixed_batches(arrays: dict[str, torch.Tensor], batch_size: int, source: Path) -> list[dict[str, torch.Tensor]]:
    """Whole batches of exactly batch_size sequences; at least one, with at least one masked
    token among them, or a DataError."""
    total = arrays["input_ids"].shape[0]
    if total < batch_size:
        raise DataError(
            f"{source}: the eval text makes {total} sequence(s), fewer than one batch "
            f"(batch_size={batch_size}); use a longer text or a smaller batch_size"
        )
    batches = [
        {key: value[start : start + batch_size].contiguous() for key, value in arrays.items()}
        for start in range(0, total - batch_size + 1, batch_size)
    ]
    if "labels" in arrays and not any(bool((batch["labels"] != -100).any()) for batch in batches):
        raise DataError(
            f"{source}: the eval batches hold no masked tokens, so there is no accuracy to measure; "
            "use a longer text, a larger mask_prob or a smaller batch_size"
        )
    return batches


def _eval_documents(count: int, settings: EvalTextSettings) -> list[int]:
    """Indices of the documents the builder puts in the eval file (seeded, sorted)."""
    order = np.random.default_rng(settings.seed).permutation(count)
    return sorted(int(i) for i in (order[: settings.max_documents] if settings.max_documents > 0 else order))


def held_out_text(settings: EvalTextSettings = EvalTextSettings()) -> str:
    """The offline text the builder did not put in the eval file (empty when it used all)."""
    docs = offline_text.documents()
    chosen = set(_eval_documents(len(docs), settings))
    return "".join(" ".join(sents) + "\n" for i, (_, sents) in enumerate(docs) if i not in chosen)


def build_eval_text(out: Path, settings: EvalTextSettings = EvalTextSettings()) -> str:
    """Write eval.txt and vocab.txt to ``out`` (replacing it); return the content hash."""
    docs = offline_text.documents()
    vocab = wordpiece.build_vocab([" ".join(sents) for _, sents in docs], settings.vocab_size)
    chosen = _eval_documents(len(docs), settings)
    with staged_folder(out) as staging:
        wordpiece.write_vocab(vocab, staging / VOCAB_FILE)
        text = "".join(" ".join(docs[i][1]) + "\n" for i in chosen)
        (staging / EVAL_FILE).write_text(text, encoding="utf-8")
        content = write_manifest(staging, BUILDER, asdict(settings), [staging / VOCAB_FILE, staging / EVAL_FILE])
    return content
