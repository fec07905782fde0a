"""ReCoRD cloze items as language-model inputs: one sequence per candidate.

A candidate's sequence is ``[bos] passage [sep] query-with-candidate [eos]``, padded to
``seq_len``; the passage is cut from its end when the whole does not fit. ``score_mask`` marks
the target positions (next-token frame) whose log-likelihood scores the candidate: the filled
query and the closing eos. A batch holds every candidate of its items, flattened, with the item
and slot of each row, so no padding candidates are computed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import torch

from perfkit.data import wordpiece
from perfkit.data.record import ClozeItem

if TYPE_CHECKING:
    from tokenizers import BertWordPieceTokenizer


class ClozeEncoder:
    def __init__(self, vocab_file: Path, seq_len: int) -> None:
        self.vocab_file = vocab_file
        self.seq_len = seq_len
        self._tokenizer: BertWordPieceTokenizer | None = None
        vocab = wordpiece.read_vocab(vocab_file)
        wordpiece.require_special_tokens(vocab, vocab_file)
        self.pad, self.bos, self.sep = (vocab.index(t) for t in ("[PAD]", "[CLS]", "[SEP]"))
        self.eos = self.sep

    def __getstate__(self):  # the Rust tokenizer is rebuilt in each DataLoader worker
        return {**self.__dict__, "_tokenizer": None}

    def _ids(self, text: str) -> list[int]:
        if self._tokenizer is None:
            self._tokenizer = wordpiece.load_tokenizer(self.vocab_file)
        return self._tokenizer.encode(text, add_special_tokens=False).ids

    def encode(self, item: ClozeItem) -> dict[str, torch.Tensor]:
        passage = self._ids(item.passage)
        count = len(item.candidates)
        input_ids = torch.full((count, self.seq_len), self.pad, dtype=torch.long)
        score_mask = torch.zeros((count, self.seq_len), dtype=torch.bool)
        for row, candidate in enumerate(item.candidates):
            query = self._ids(item.filled(candidate))[: self.seq_len // 2] + [self.eos]
            keep = self.seq_len - len(query) - 2
            tokens = [self.bos, *passage[:keep], self.sep, *query]
            input_ids[row, : len(tokens)] = torch.tensor(tokens)
            score_mask[row, len(tokens) - len(query) - 1 : len(tokens) - 1] = True  # predicts the query
        return {
            "input_ids": input_ids,
            "attention_mask": (input_ids != self.pad).long(),
            "score_mask": score_mask,
            "gold": torch.tensor(item.gold, dtype=torch.bool),
        }


class ClozeDataset(torch.utils.data.Dataset):
    def __init__(self, items: list[ClozeItem], encoder: ClozeEncoder) -> None:
        self.items = items
        self.encoder = encoder

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return self.encoder.encode(self.items[index])


def collate(encoded: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Flatten the candidates of a list of items; ``gold``/``valid`` come back as [items, max
    candidates] and ``item``/``slot`` place each row in that grid."""
    counts = [e["gold"].numel() for e in encoded]
    width = max(counts)
    gold = torch.zeros((len(encoded), width), dtype=torch.bool)
    valid = torch.zeros((len(encoded), width), dtype=torch.bool)
    for i, e in enumerate(encoded):
        gold[i, : counts[i]] = e["gold"]
        valid[i, : counts[i]] = True
    return {
        "input_ids": torch.cat([e["input_ids"] for e in encoded]),
        "attention_mask": torch.cat([e["attention_mask"] for e in encoded]),
        "score_mask": torch.cat([e["score_mask"] for e in encoded]),
        "item": torch.cat([torch.full((n,), i, dtype=torch.long) for i, n in enumerate(counts)]),
        "slot": torch.cat([torch.arange(n) for n in counts]),
        "gold": gold,
        "valid": valid,
    }
