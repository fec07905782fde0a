"""Harness overhead: the perfkit training loop against a minimal hand-written PyTorch loop.

Both train the same model (same init, optimizer and batch shape) for the same number of steps
in one process, interleaved in pairs so that drifts in machine load hit both alike. Both read
the same DataLoader in this process; the hand loop times its forward, backward and optimizer
step with a bare perf_counter, perfkit reports p_core from its own phase clock. The printed ratio is perfkit p_core / hand-loop
throughput, median over the pairs; 1.0 means the harness costs nothing.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader

from perfkit.benchmarks import benchmark_class
from perfkit.benchmarks.base import TrainingBenchmark
from perfkit.data.sampling import GlobalBatchSampler
from perfkit.engine.distributed import DistContext
from perfkit.engine.metrics import training_throughput
from perfkit.engine.precision import precision_policy
from perfkit.engine.timers import PhaseClock
from perfkit.engine.train_loop import train
from perfkit.params import resolve_params
from perfkit.vendors import get_vendor


@dataclass(frozen=True)
class HarnessPair:
    perfkit_p_core: float
    hand_throughput: float

    @property
    def ratio(self) -> float:
        return self.perfkit_p_core / self.hand_throughput


def _bench(benchmark: str, steps: int, overrides: dict) -> TrainingBenchmark:
    cls = benchmark_class(benchmark)
    settings = {"max_steps": steps, "eval_interval": 10**9, "num_workers": 0, **overrides}
    resolved = resolve_params(benchmark, cls.params_model, "cpu", "smoke", settings)
    bench = cls(resolved.params)
    bench.prepare_data()
    return bench


def hand_loop(bench: TrainingBenchmark, steps: int) -> float:
    """Samples per second of the plainest loop: forward, backward, step, nothing else.

    It reads the same DataLoader as perfkit's loop (same sampler, in this process) and one
    clock brackets the forward, backward and optimizer step of each step, so both loops pay the
    same data path (decoding images between steps costs cache) and differ only by the harness.
    """
    p = bench.params
    dataset, groups = bench.train_dataset()
    sampler = GlobalBatchSampler(groups, p.batch_size, 0, 1, p.seed)
    loader = DataLoader(dataset, batch_sampler=sampler, collate_fn=bench.collate, num_workers=0)
    model = bench.build_model()
    optimizer, scheduler = bench.build_optimizer(model)
    model.train()
    compute = 0.0
    for batch, _ in zip(loader, range(steps)):
        start = time.perf_counter()
        loss = bench.train_loss(model, batch)
        loss.backward()
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        compute += time.perf_counter() - start
    return steps * p.batch_size / compute


def perfkit_loop(bench: TrainingBenchmark) -> float:
    vendor = get_vendor("cpu")
    policy = precision_policy(bench.params.precision, torch.device("cpu"), vendor.precisions, "cpu")
    clock = PhaseClock(vendor.synchronize)
    start = clock.now()
    outcome = train(bench, vendor, DistContext(), policy, start, clock)
    return training_throughput(outcome.timings).p_core


def measure(benchmark: str, steps: int, pairs: int, overrides: dict | None = None) -> list[HarnessPair]:
    bench = _bench(benchmark, steps, overrides or {})
    hand_loop(bench, 3)  # warm the allocator and kernels once before measuring
    results = []
    for i in range(pairs):
        if i % 2 == 0:
            ours = perfkit_loop(bench)
            theirs = hand_loop(bench, steps)
        else:
            theirs = hand_loop(bench, steps)
            ours = perfkit_loop(bench)
        results.append(HarnessPair(ours, theirs))
    return results


def report(benchmark: str, pairs: list[HarnessPair]) -> str:
    ratios = [p.ratio for p in pairs]
    lines = [f"{benchmark}: perfkit p_core / hand-loop throughput, {len(pairs)} interleaved pairs"]
    for i, p in enumerate(pairs, 1):
        lines.append(f"  pair {i}: perfkit {p.perfkit_p_core:8.2f}  hand {p.hand_throughput:8.2f}  ratio {p.ratio:.3f}")
    lines.append(f"  median ratio {statistics.median(ratios):.3f} (goal >= 0.98)")
    return "\n".join(lines)
