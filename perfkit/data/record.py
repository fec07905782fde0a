"""Reader for SuperGLUE ReCoRD (``train.jsonl`` / ``val.jsonl``), the format of FlagPerf's GLM case.

One JSON object per line::

    {"idx": 0, "source": "...",
     "passage": {"text": "...", "entities": [{"start": 0, "end": 5}, ...]},
     "qas": [{"idx": 0, "query": "... @placeholder ...",
              "answers": [{"start": 0, "end": 5, "text": "..."}]}]}

Entity spans index characters of the passage text, ``end`` inclusive. Each query becomes one
cloze item: the candidates are the passage's distinct entity strings (first-seen order), the gold
set the answers' texts. Errors name the file and the line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from perfkit.errors import DataError
from perfkit.files.reading import JSONL_LINE_LIMIT, iter_lines_bounded

PLACEHOLDER = "@placeholder"


@dataclass(frozen=True)
class ClozeItem:
    passage_idx: int
    query_idx: int
    passage: str
    query: str
    candidates: tuple[str, ...]
    answers: frozenset[str]

    def filled(self, candidate: str) -> str:
        return self.query.replace(PLACEHOLDER, candidate)

    @property
    def gold(self) -> tuple[bool, ...]:
        return tuple(c in self.answers for c in self.candidates)


def _need(value: dict, key: str, kind: type, where: str):
    if not isinstance(value, dict) or key not in value:
        raise DataError(f"{where}: missing key '{key}' (ReCoRD JSONL: passage.text, passage.entities, qas)")
    if not isinstance(value[key], kind):
        raise DataError(f"{where}: key '{key}' must be a {kind.__name__}")
    return value[key]


def _span(text: str, span: dict, where: str) -> str:
    start, end = _need(span, "start", int, where), _need(span, "end", int, where)
    if not 0 <= start <= end < len(text):
        raise DataError(f"{where}: span {start}..{end} is outside the passage (0..{len(text) - 1})")
    return text[start : end + 1]


def _index(value: dict, key: str, default: int, where: str) -> int:
    index = value.get(key, default)
    if isinstance(index, bool) or not isinstance(index, int):
        raise DataError(f"{where}: key '{key}' must be a whole number (got {index!r:.40})")
    return index


def parse_line(line: str, where: str, require_answers: bool = True) -> list[ClozeItem]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}: not JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise DataError(f"{where}: JSON nested too deeply") from None
    if not isinstance(record, dict):
        raise DataError(f"{where}: must be a JSON object (ReCoRD JSONL: passage.text, passage.entities, qas)")
    passage = _need(record, "passage", dict, where)
    text = _need(passage, "text", str, where)
    candidates: list[str] = []
    for span in _need(passage, "entities", list, where):
        entity = _span(text, span, where)
        if entity not in candidates:
            candidates.append(entity)
    if not candidates:
        raise DataError(f"{where}: the passage has no entities, so no candidates")
    items = []
    for q, qa in enumerate(_need(record, "qas", list, where)):
        query = _need(qa, "query", str, where)
        if PLACEHOLDER not in query:
            raise DataError(f"{where}: query {q} has no '{PLACEHOLDER}'")
        spans = qa.get("answers") or []
        if not isinstance(spans, list):
            raise DataError(f"{where}: query {q}: key 'answers' must be a list")
        answers = frozenset(_span(text, a, where) for a in spans)
        if require_answers and not answers & set(candidates):
            raise DataError(f"{where}: query {q} has no answer among the passage entities")
        items.append(ClozeItem(_index(record, "idx", 0, where), _index(qa, "idx", q, where), text, query,
                               tuple(candidates), answers))
    return items


def read_record(path: Path, require_answers: bool = True) -> list[ClozeItem]:
    """Every query of a ReCoRD JSONL file, in file order."""
    if not path.is_file():
        raise DataError(f"ReCoRD file {path} does not exist")
    items: list[ClozeItem] = []
    for number, line in iter_lines_bounded(path, JSONL_LINE_LIMIT, DataError):  # BOM, UTF-8, size: file:line
        if line.strip():
            items.extend(parse_line(line, f"{path}:{number}", require_answers))
    if not items:
        raise DataError(f"{path}: no queries (the file is empty)")
    return items


def chance_accuracy(items: list[ClozeItem]) -> float:
    """Expected accuracy of picking a candidate uniformly at random."""
    return sum(sum(item.gold) / len(item.candidates) for item in items) / len(items)
