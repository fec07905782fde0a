"""The process's place in a torch.distributed job, read from torchrun's environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistContext:
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    backend: str = ""

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def all_reduce_sum(self, values: list[float]) -> list[float]:
        if not self.distributed:
            return list(values)
        tensor = torch.tensor(values, dtype=torch.float64)
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor.tolist()

    def all_gather_int(self, value: int) -> list[int]:
        if not self.distributed:
            return [value]
        tensor = torch.tensor([value], dtype=torch.int64)
        gathered = [torch.zeros_like(tensor) for _ in range(self.world_size)]
        dist.all_gather(gathered, tensor)
        return [int(t.item()) for t in gathered]

    def all_gather_floats(self, values: list[float]) -> list[list[float]]:
        """Every rank's list of floats, in rank order."""
        if not self.distributed:
            return [list(values)]
        tensor = torch.tensor(values, dtype=torch.float64)
        gathered = [torch.zeros_like(tensor) for _ in range(self.world_size)]
        dist.all_gather(gathered, tensor)
        return [t.tolist() for t in gathered]

    def gather_text(self, text: str) -> list[str]:
        """Every rank's string, in rank order (the same list on every rank)."""
        if not self.distributed:
            return [text]
        gathered: list[str] = [""] * self.world_size
        dist.all_gather_object(gathered, text)
        return gathered

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()


def context_from_env(default_backend: str) -> DistContext:
    """Single process unless torchrun's WORLD_SIZE says otherwise; joins the process group then."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistContext()
    backend = os.environ.get("PERFKIT_DIST_BACKEND") or default_backend
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    return DistContext(
        rank=dist.get_rank(),
        local_rank=int(os.environ.get("LOCAL_RANK", "0")),
        world_size=dist.get_world_size(),
        backend=backend,
    )


def check_same_on_all_ranks(ctx: DistContext, value: str, what: str) -> None:
    """Stop a run whose ranks disagree on something that must match (say, the params hash)."""
    values = ctx.gather_text(value)
    for rank, other in enumerate(values):
        if other != values[0]:
            raise RuntimeError(f"rank {rank} has {what} {other}, rank 0 has {values[0]}")
