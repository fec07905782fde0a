"""Fixed ``seq_len + 1`` token windows over a corpus, as Megatron's GPT dataset packs them.

Documents are concatenated in order (each already ends with its end-of-document token); window
i is tokens [i*seq_len, i*seq_len + seq_len + 1): the model reads the first seq_len tokens and
predicts the last seq_len, and consecutive windows share one token. The last ``eval_windows``
windows are held out for evaluation; the rest are the training set.
"""

from __future__ import annotations

import numpy as np
import torch

from perfkit.errors import DataError


def window_count(tokens: int, seq_len: int) -> int:
    return max(0, (tokens - 1) // seq_len)


class TokenWindows(torch.utils.data.Dataset):
    """Windows ``first .. first+count-1`` of a token stream, each {"input_ids", "labels"}."""

    def __init__(self, stream: np.ndarray, seq_len: int, first: int, count: int) -> None:
        self.stream, self.seq_len, self.first, self.count = stream, seq_len, first, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        if not 0 <= i < self.count:
            raise IndexError(i)
        start = (self.first + i) * self.seq_len
        window = torch.from_numpy(np.asarray(self.stream[start : start + self.seq_len + 1], dtype=np.int64))
        return {"input_ids": window[:-1], "labels": window[1:]}


def split_windows(stream: np.ndarray, seq_len: int, eval_windows: int, min_train: int, where: str) -> tuple[TokenWindows, TokenWindows]:
    """(train, eval) windows; a corpus too small for one global batch plus the eval windows is refused."""
    total = window_count(len(stream), seq_len)
    if total < eval_windows + min_train:
        raise DataError(
            f"{where}: {len(stream)} tokens make {total} windows of seq_len + 1 = {seq_len + 1} tokens; "
            f"the run needs {min_train} (one global batch) + {eval_windows} (eval_windows): lower seq_len or give a larger corpus"
        )
    train = total - eval_windows
    return TokenWindows(stream, seq_len, 0, train), TokenWindows(stream, seq_len, train, eval_windows)


def unigram_entropy(stream: np.ndarray, vocab_size: int) -> float:
    """Entropy in nats of the corpus's token frequencies: the loss of the best model that ignores
    context. A model that learnt anything from context has a loss below it."""
    counts = np.zeros(vocab_size, dtype=np.int64)
    for start in range(0, len(stream), 1 << 24):
        counts += np.bincount(np.asarray(stream[start : start + (1 << 24)], dtype=np.int64), minlength=vocab_size)[:vocab_size]
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())
