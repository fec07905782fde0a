"""Deterministic global-batch sampling shared by every training benchmark.

The sample stream of an epoch is fixed by the seed alone: groups (HDF5 shards, or the whole set)
are visited in a seeded order and rows are shuffled within each group, which keeps reads local.
Optimizer step t consumes the contiguous slice [t*G, (t+1)*G) of that stream, G being the global
batch; rank r takes its own sub-slice. So 1x1 with batch 2B and 1x2 with batch B see the same
samples at every step, which is what makes loss curves comparable across topologies.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from torch.utils.data import Sampler


def epoch_order(group_sizes: Sequence[int], seed: int, epoch: int) -> np.ndarray:
    """Global indices of one epoch: groups in seeded order, rows shuffled within each group."""
    rng = np.random.default_rng([seed, epoch])
    offsets = np.concatenate([[0], np.cumsum(group_sizes)[:-1]]).astype(np.int64)
    parts = []
    for group in rng.permutation(len(group_sizes)):
        parts.append(offsets[group] + rng.permutation(group_sizes[group]))
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


class GlobalBatchSampler(Sampler[list[int]]):
    """Yields, for each micro-step, the indices this rank loads; endless over epochs."""

    def __init__(
        self,
        group_sizes: Sequence[int],
        per_rank_batch: int,
        rank: int,
        world_size: int,
        seed: int,
        start_step: int = 0,
    ) -> None:
        self.group_sizes = list(group_sizes)
        self.per_rank_batch = per_rank_batch
        self.rank = rank
        self.world_size = world_size
        self.seed = seed
        self.start_step = start_step
        self.global_batch = per_rank_batch * world_size
        total = sum(self.group_sizes)
        if total < self.global_batch:
            raise ValueError(
                f"the dataset has {total} samples, fewer than one global batch ({self.global_batch})"
            )
        self.steps_per_epoch = total // self.global_batch

    def __iter__(self) -> Iterator[list[int]]:
        step = self.start_step
        while True:
            epoch, within = divmod(step, self.steps_per_epoch)
            order = epoch_order(self.group_sizes, self.seed, epoch)
            for t in range(within, self.steps_per_epoch):
                start = t * self.global_batch + self.rank * self.per_rank_batch
                yield order[start : start + self.per_rank_batch].tolist()
                step += 1

    def __len__(self) -> int:  # an endless sampler; DataLoader only needs this for len()
        return 2**62
