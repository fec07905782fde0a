"""Build a small MLPerf-format BERT pre-training set from text that ships with Python.

It follows the shape of BERT's ``create_pretraining_data``: documents are cut into segment
pairs (A, B) up to ``seq_len - 3`` tokens, B is the true continuation or (half the time) text from
another document, and 15% of tokens are masked (80% [MASK], 10% random, 10% kept), at most
``max_predictions_per_seq``. Held-out documents make the eval file. Everything is driven by one
seed, so the same settings always give the same bytes and the same content hash.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import h5py
import numpy as np

from perfkit import paths
from perfkit.data import offline_text, wordpiece
from perfkit.data.hashing import write_manifest
from perfkit.data.mlperf_bert import KEYS
from perfkit.data.staging import staged_folder

BUILDER = "perfkit.data.build_bert/1"


@dataclass(frozen=True)
class BertBuildSettings:
    seq_len: int = 128
    max_predictions_per_seq: int = 20
    vocab_size: int = 4096
    dupe_factor: int = 6
    train_shards: int = 4
    eval_fraction: float = 0.1
    masked_lm_prob: float = 0.15
    seed: int = 12345
    train_dir: str = "2048_shards_uncompressed"
    eval_dir: str = "eval_set_uncompressed"


def _segment_pairs(docs: list[list[list[int]]], target: int, rng: np.random.Generator):
    """Yield (tokens_a, tokens_b, is_random_next) the way BERT's reference script does."""
    for d, doc in enumerate(docs):
        chunk: list[list[int]] = []
        length = 0
        i = 0
        while i < len(doc):
            chunk.append(doc[i])
            length += len(doc[i])
            if i == len(doc) - 1 or length >= target:
                a_end = 1 if len(chunk) < 2 else int(rng.integers(1, len(chunk)))
                tokens_a = [t for sent in chunk[:a_end] for t in sent]
                random_next = len(chunk) == 1 or (len(docs) > 1 and rng.random() < 0.5)
                if random_next and len(docs) > 1:
                    other = int(rng.integers(0, len(docs) - 1))
                    other += other >= d
                    start = int(rng.integers(0, len(docs[other])))
                    tokens_b = [t for sent in docs[other][start:] for t in sent][: target]
                    i -= len(chunk) - a_end  # put the unused sentences back
                else:
                    random_next = False
                    tokens_b = [t for sent in chunk[a_end:] for t in sent]
                while len(tokens_a) + len(tokens_b) > target:  # truncate the longer, randomly
                    longer = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
                    if rng.random() < 0.5:
                        del longer[0]
                    else:
                        longer.pop()
                if tokens_a and tokens_b:
                    yield tokens_a, tokens_b, random_next
                chunk, length = [], 0
            i += 1


def _instance(tokens_a, tokens_b, random_next, s: BertBuildSettings, special, vocab_size, rng):
    cls, sep, mask = special
    tokens = [cls, *tokens_a, sep, *tokens_b, sep]
    segments = [0] * (len(tokens_a) + 2) + [1] * (len(tokens_b) + 1)
    candidates = [i for i, t in enumerate(tokens) if t not in (cls, sep)]
    count = min(s.max_predictions_per_seq, max(1, int(round(len(tokens) * s.masked_lm_prob))))
    picked = sorted(rng.permutation(candidates)[:count].tolist())
    labels = [tokens[p] for p in picked]
    for p in picked:
        roll = rng.random()
        if roll < 0.8:
            tokens[p] = mask
        elif roll < 0.9:
            tokens[p] = int(rng.integers(len(wordpiece.SPECIAL_TOKENS), vocab_size))
    row: dict[str, np.ndarray] = {
        "input_ids": np.zeros(s.seq_len, np.int32),
        "input_mask": np.zeros(s.seq_len, np.int8),
        "segment_ids": np.zeros(s.seq_len, np.int8),
        "masked_lm_positions": np.zeros(s.max_predictions_per_seq, np.int32),
        "masked_lm_ids": np.zeros(s.max_predictions_per_seq, np.int32),
        "next_sentence_labels": np.array([int(random_next)], np.int8),
    }
    row["input_ids"][: len(tokens)] = tokens
    row["input_mask"][: len(tokens)] = 1
    row["segment_ids"][: len(tokens)] = segments
    row["masked_lm_positions"][: len(picked)] = picked
    row["masked_lm_ids"][: len(labels)] = labels
    return row


def _write_shard(path: Path, rows: list[dict[str, np.ndarray]]) -> None:
    with h5py.File(path, "w", track_order=True) as handle:
        for key in KEYS:
            column = np.stack([r[key] for r in rows])
            if key == "next_sentence_labels":
                column = column.reshape(-1)
            handle.create_dataset(key, data=column, track_times=False)


def _instances(docs, s: BertBuildSettings, special, vocab_size, rng, dupe_factor):
    rows = []
    for _ in range(dupe_factor):
        for a, b, rnd in _segment_pairs(docs, s.seq_len - 3, rng):
            rows.append(_instance(a, b, rnd, s, special, vocab_size, rng))
    return rows


def build_bert_dataset(out: Path, settings: BertBuildSettings = BertBuildSettings()) -> str:
    """Write the dataset to ``out`` (replacing it) and return its content hash."""
    s = settings
    for key in ("train_dir", "eval_dir"):
        paths.safe_name(getattr(s, key), f"key '{key}'")  # folders the builder creates under out
    docs_text = offline_text.documents()
    vocab = wordpiece.build_vocab([" ".join(sents) for _, sents in docs_text], s.vocab_size)
    with staged_folder(out) as staging:
        (staging / s.train_dir).mkdir(parents=True)
        (staging / s.eval_dir).mkdir(parents=True)
        vocab_file = staging / "vocab.txt"
        wordpiece.write_vocab(vocab, vocab_file)
        tokenizer = wordpiece.load_tokenizer(vocab_file)
        docs = [[tokenizer.encode(sent, add_special_tokens=False).ids for sent in sents] for _, sents in docs_text]

        rng = np.random.default_rng(s.seed)
        order = rng.permutation(len(docs))
        n_eval = max(1, int(round(len(docs) * s.eval_fraction)))
        eval_docs = [docs[i] for i in sorted(order[:n_eval])]
        train_docs = [docs[i] for i in sorted(order[n_eval:])]
        special = tuple(vocab.index(t) for t in ("[CLS]", "[SEP]", "[MASK]"))

        train_rows = _instances(train_docs, s, special, len(vocab), rng, s.dupe_factor)
        train_rows = [train_rows[i] for i in rng.permutation(len(train_rows))]
        eval_rows = _instances(eval_docs, s, special, len(vocab), rng, 1)
        files = [vocab_file]
        for k, part in enumerate(np.array_split(np.arange(len(train_rows)), s.train_shards)):
            path = staging / s.train_dir / f"part_{k:05d}_of_{s.train_shards:05d}.hdf5"
            _write_shard(path, [train_rows[i] for i in part])
            files.append(path)
        eval_path = staging / s.eval_dir / "part_eval_10k.hdf5"
        _write_shard(eval_path, eval_rows)
        files.append(eval_path)
        config = {
            "vocab_size": len(vocab),
            "max_position_embeddings": 512,
            "type_vocab_size": 2,
            "pad_token_id": 0,
        }
        (staging / "bert_config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        files.append(staging / "bert_config.json")
        content = write_manifest(staging, BUILDER, asdict(s), files)
    return content
