"""Build a small ReCoRD-format set (SuperGLUE JSONL) from text that ships with Python.

Passages are (overlapping) windows of consecutive sentences of the pydoc topic help (perfkit.data.offline_text).
Their entities are the capitalised names inside sentences (``Python``, ``None``, ``TypeError``,
``Unicode``), which play the part of ReCoRD's named entities. Each query restates one passage sentence with one entity
replaced by ``@placeholder``, as ReCoRD's queries restate the article's @highlight lines; the
answers are every span of that entity in the passage. Held-out topics make ``val.jsonl``. A
WordPiece vocabulary over the passages is written beside them (GLM-large uses BERT's WordPiece).
One seed drives the split and the choice of queries, so the same settings give the same bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from perfkit import paths
from perfkit.data import offline_text, wordpiece
from perfkit.data.hashing import write_manifest
from perfkit.data.record import PLACEHOLDER
from perfkit.data.staging import staged_folder

BUILDER = "perfkit.data.build_record/1"
_ENTITY = re.compile(r"(?<=[\s(\"'])([A-Z][A-Za-z]*[a-z][A-Za-z]*)\b")
_NOT_ENTITIES = frozenset("The This That These Those If In It Its For See Note When Where While With As An A Also "
                          "All Any Each For However Otherwise Since Some Then There Thus To Use Using Changed New "
                          "Added Deprecated Example Examples Because But Or And Not No On At By Of From".split())


@dataclass(frozen=True)
class RecordBuildSettings:
    passage_sentences: int = 3
    passage_stride: int = 1  # sentences between the starts of consecutive passages
    max_passage_words: int = 60
    max_query_words: int = 30
    queries_per_passage: int = 2
    vocab_size: int = 30592
    val_fraction: float = 0.15
    seed: int = 12345
    train_file: str = "train.jsonl"
    val_file: str = "val.jsonl"


def _entities(text: str) -> list[tuple[int, int]]:
    """Character spans (start, end inclusive) of the quoted names in ``text``."""
    return [(m.start(1), m.end(1) - 1) for m in _ENTITY.finditer(text) if m.group(1) not in _NOT_ENTITIES]


def _passage_records(doc_index: int, sentences: list[str], s: RecordBuildSettings, rng) -> list[dict]:
    records = []
    for first in range(0, len(sentences), s.passage_stride):
        window = sentences[first : first + s.passage_sentences]
        text = " ".join(window)
        if len(text.split()) > s.max_passage_words:
            continue
        spans = _entities(text)
        names = {text[a : b + 1] for a, b in spans}
        if len(names) < 2:
            continue
        starts = np.cumsum([0] + [len(sent) + 1 for sent in window])  # sentence offsets in text
        usable = [k for k, sent in enumerate(window)
                  if len(sent.split()) <= s.max_query_words and any(starts[k] <= a < starts[k] + len(sent) for a, _ in spans)]
        qas: list[dict] = []
        for k in rng.permutation(usable)[: s.queries_per_passage].tolist():
            inside = [(a, b) for a, b in spans if starts[k] <= a < starts[k] + len(window[k])]
            a, b = inside[int(rng.integers(len(inside)))]
            answer = text[a : b + 1]
            query = text[starts[k] : a] + PLACEHOLDER + text[b + 1 : starts[k] + len(window[k])]
            answers = [{"start": x, "end": y, "text": answer} for x, y in spans if text[x : y + 1] == answer]
            qas.append({"idx": len(qas), "query": query, "answers": answers})
        if qas:
            records.append({
                "idx": 0,
                "source": f"pydoc:{doc_index}",
                "passage": {"text": text, "entities": [{"start": x, "end": y} for x, y in spans]},
                "qas": qas,
            })
    return records


def _write_jsonl(path: Path, records: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for idx, record in enumerate(records):
            handle.write(json.dumps({**record, "idx": idx}, ensure_ascii=False, sort_keys=True) + "\n")


def build_record_dataset(out: Path, settings: RecordBuildSettings = RecordBuildSettings()) -> str:
    """Write train.jsonl, val.jsonl and vocab.txt to ``out`` (replacing it); return the hash."""
    s = settings
    for key in ("train_file", "val_file"):
        paths.safe_name(getattr(s, key), f"key '{key}'")  # files the builder creates under out
    docs = offline_text.documents()
    rng = np.random.default_rng(s.seed)
    order = rng.permutation(len(docs))
    n_val = max(1, int(round(len(docs) * s.val_fraction)))
    val_docs = set(order[:n_val].tolist())
    train: list[dict] = []
    val: list[dict] = []
    for index, (_, sentences) in enumerate(docs):
        (val if index in val_docs else train).extend(_passage_records(index, sentences, s, rng))
    with staged_folder(out) as staging:
        files = [staging / s.train_file, staging / s.val_file, staging / "vocab.txt"]
        _write_jsonl(files[0], [train[i] for i in rng.permutation(len(train))])
        _write_jsonl(files[1], val)
        texts = [r["passage"]["text"] for r in train + val] + [qa["query"] for r in train + val for qa in r["qas"]]
        wordpiece.write_vocab(wordpiece.build_vocab(texts, s.vocab_size), files[2])
        content = write_manifest(staging, BUILDER, asdict(s), files)
    return content
