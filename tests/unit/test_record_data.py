"""The ReCoRD JSONL reader, the offline builder, the cloze encoding and the cloze scoring."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from perfkit.benchmarks.glm_training import candidate_scores, cloze_counts, cloze_loss
from perfkit.data import cloze, record
from perfkit.data.build_record import RecordBuildSettings, build_record_dataset
from perfkit.data.hashing import identify
from perfkit.errors import DataError

TEXT = "Use Python or Rust. Python is slow."
LINE = {
    "idx": 0,
    "passage": {"text": TEXT, "entities": [{"start": 4, "end": 9}, {"start": 14, "end": 17}, {"start": 20, "end": 25}]},
    "qas": [{"idx": 0, "query": "@placeholder is slow.", "answers": [{"start": 20, "end": 25, "text": "Python"}]}],
}


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_build_is_deterministic_and_hashed(tmp_path):
    small = RecordBuildSettings(vocab_size=1000)
    first = build_record_dataset(tmp_path / "a", small)
    assert build_record_dataset(tmp_path / "b", small) == first
    assert identify(tmp_path / "a").manifest_hash == first
    assert identify(tmp_path / "a").matches_build is True
    assert build_record_dataset(tmp_path / "c", RecordBuildSettings(vocab_size=1000, seed=7)) != first


def test_built_files_follow_the_record_format(glm_data: Path):
    sources = {}
    for name in ("train.jsonl", "val.jsonl"):
        lines = (glm_data / name).read_text(encoding="utf-8").splitlines()
        assert lines
        for line in lines:
            rec = json.loads(line)
            text = rec["passage"]["text"]
            entities = {text[e["start"] : e["end"] + 1] for e in rec["passage"]["entities"]}
            for qa in rec["qas"]:
                assert qa["query"].count(record.PLACEHOLDER) == 1
                assert qa["answers"] and all(text[a["start"] : a["end"] + 1] == a["text"] in entities for a in qa["answers"])
                # the query restates a passage sentence: the gold answer fills it back in
                assert qa["query"].replace(record.PLACEHOLDER, qa["answers"][0]["text"]) in text
            sources.setdefault(name, set()).add(rec["source"])
    assert sources["train.jsonl"].isdisjoint(sources["val.jsonl"])  # held-out topics


def test_reader_makes_cloze_items(tmp_path):
    items = record.read_record(_write(tmp_path / "r.jsonl", [json.dumps(LINE)]))
    assert len(items) == 1
    item = items[0]
    assert item.candidates == ("Python", "Rust")  # distinct, first-seen order
    assert item.answers == {"Python"} and item.gold == (True, False)
    assert item.filled("Rust") == "Rust is slow."


def test_chance_accuracy_on_hand_made_items():
    a = record.ClozeItem(0, 0, "p", "@placeholder", ("x", "y"), frozenset({"x"}))
    b = record.ClozeItem(0, 1, "p", "@placeholder", ("x", "y", "z", "w"), frozenset({"x", "y"}))
    assert record.chance_accuracy([a, b]) == pytest.approx((1 / 2 + 2 / 4) / 2)


@pytest.mark.parametrize("lines, needle", [
    ([], "no queries (the file is empty)"),
    (["", "  "], "no queries (the file is empty)"),
    ([json.dumps(LINE), "{not json"], "r.jsonl:2: not JSON"),
    ([json.dumps({"qas": []})], "r.jsonl:1: missing key 'passage'"),
    ([json.dumps({**LINE, "passage": {"text": TEXT, "entities": [{"start": 30, "end": 99}]}})], "outside the passage"),
    ([json.dumps({**LINE, "qas": [{"query": "no blank here", "answers": []}]})], "has no '@placeholder'"),
    ([json.dumps({**LINE, "qas": [{"query": "@placeholder", "answers": []}]})], "no answer among the passage entities"),
])
def test_malformed_files_name_file_and_line(tmp_path, lines, needle):
    path = _write(tmp_path / "r.jsonl", lines)
    with pytest.raises(DataError, match=needle.replace("(", r"\(").replace(")", r"\)")) as info:
        record.read_record(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        record.read_record(tmp_path / "absent.jsonl")


def test_encoder_scores_exactly_the_filled_query(glm_data: Path):
    items = record.read_record(glm_data / "val.jsonl")
    encoder = cloze.ClozeEncoder(glm_data / "vocab.txt", 128)
    item = max(items, key=lambda i: len(i.candidates))
    encoded = encoder.encode(item)
    count = len(item.candidates)
    assert encoded["input_ids"].shape == (count, 128) and encoded["gold"].tolist() == list(item.gold)
    for row, candidate in enumerate(item.candidates):
        ids = encoded["input_ids"][row]
        targets = torch.roll(ids, -1)[encoded["score_mask"][row]].tolist()
        expected = encoder._ids(item.filled(candidate))[:64] + [encoder.eos]
        assert targets == expected
        assert ids[0] == encoder.bos
        assert encoded["attention_mask"][row].sum() == (ids != encoder.pad).sum()


def test_long_passages_are_cut_to_seq_len(glm_data: Path):
    item = record.read_record(glm_data / "train.jsonl")[0]
    encoded = cloze.ClozeEncoder(glm_data / "vocab.txt", 24).encode(item)
    assert encoded["input_ids"].shape[1] == 24
    assert encoded["score_mask"].any(dim=1).all()


def test_collate_flattens_candidates_and_places_them():
    def fake(n: int, gold: int) -> dict[str, torch.Tensor]:
        return {"input_ids": torch.ones(n, 4, dtype=torch.long), "attention_mask": torch.ones(n, 4, dtype=torch.long),
                "score_mask": torch.ones(n, 4, dtype=torch.bool), "gold": torch.arange(n) == gold}

    batch = cloze.collate([fake(2, 1), fake(3, 0)])
    assert batch["input_ids"].shape == (5, 4)
    assert batch["item"].tolist() == [0, 0, 1, 1, 1] and batch["slot"].tolist() == [0, 1, 0, 1, 2]
    assert batch["gold"].tolist() == [[False, True, False], [True, False, False]]
    assert batch["valid"].tolist() == [[True, True, False], [True, True, True]]


def test_cloze_accuracy_and_loss_on_hand_made_scores():
    inf = float("-inf")
    scores = torch.tensor([[1.0, 3.0, inf], [0.0, 0.0, 5.0], [2.0, 1.0, 0.5]])
    gold = torch.tensor([[False, True, False], [True, False, False], [True, False, True]])
    assert cloze_counts(scores, gold) == (2.0, 3.0)
    expected = [
        -math.log(math.exp(3) / (math.exp(1) + math.exp(3))),
        -math.log(1 / (2 + math.exp(5))),
        -math.log((math.exp(2) + math.exp(0.5)) / (math.exp(2) + math.exp(1) + math.exp(0.5))),
    ]
    assert cloze_loss(scores, gold).item() == pytest.approx(sum(expected) / 3, rel=1e-6)


class _UniformLM(torch.nn.Module):
    """Every next token equally likely: a filled query of n scored tokens gets -n log V."""

    def __init__(self, vocab: int) -> None:
        super().__init__()
        self.vocab = vocab

    def forward(self, input_ids, attention_mask):
        return type("Out", (), {"logits": torch.zeros(*input_ids.shape, self.vocab)})()


def test_candidate_scores_sum_or_average_the_query_tokens():
    mask = torch.zeros(3, 6, dtype=torch.bool)
    mask[0, 2:4] = True  # 2 tokens
    mask[1, 2:5] = True  # 3 tokens
    mask[2, 1:5] = True  # 4 tokens
    batch = {"input_ids": torch.ones(3, 6, dtype=torch.long), "attention_mask": torch.ones(3, 6, dtype=torch.long),
             "score_mask": mask, "item": torch.tensor([0, 0, 1]), "slot": torch.tensor([0, 1, 0]),
             "gold": torch.zeros(2, 2, dtype=torch.bool)}
    log_v = math.log(10)
    summed = candidate_scores(_UniformLM(10), batch)
    assert summed[0].tolist() == pytest.approx([-2 * log_v, -3 * log_v])
    assert summed[1, 0].item() == pytest.approx(-4 * log_v) and summed[1, 1].item() == float("-inf")
    mean = candidate_scores(_UniformLM(10), batch, length_normalize=True)
    assert mean[0].tolist() == pytest.approx([-log_v, -log_v])
