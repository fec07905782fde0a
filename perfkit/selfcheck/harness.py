"""Harness overhead: perfkit's loops against minimal hand-written PyTorch loops, side by side.

Training: one process runs perfkit's training loop and a hand loop on the same model shape
(same init, optimizer, batch shape, DataLoader), alternating every ``steps`` steps: perfkit's
loop reads its device events back every ``steps`` steps, and at each read-back the hand loop
runs its own ``steps`` steps before perfkit continues. Load on the machine therefore hits both
sides of a pair within a fraction of a second of each other. Both sides are warmed up first
(perfkit's first block is not paired).

The hand loop is the reference: forward, backward, optimizer step, nothing else; no device
sync per step (device events around each step's compute, read once at the end of its block,
the same way perfkit times p_core). Inference: see :mod:`perfkit.selfcheck.inference_harness`.

Each pair gives perfkit p_core / hand-loop throughput; the summary is their geometric mean with
a 95 % bootstrap interval, flagged unstable when wider than +/-3 % (perfkit.selfcheck.interval).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from perfkit.benchmarks import benchmark_class
from perfkit.benchmarks.base import TrainingBenchmark
from perfkit.engine.distributed import DistContext
from perfkit.engine.precision import precision_policy
from perfkit.engine.train_loop import train
from perfkit.measure.timers import PhaseClock
from perfkit.params import resolve_params
from perfkit.results import vocabulary as vocab
from perfkit.selfcheck.hand_loops import HandLoop, HarnessPair
from perfkit.selfcheck.interval import RatioInterval, ratio_interval
from perfkit.vendors import get_vendor

TRAINING_DEFAULTS = {"steps": 10, "pairs": 40}  # ±2.4 % at 95 % on a quiet 2-core machine; 5 x 20 gave ±4.6 %
GOALS = {vocab.TRAINING: 0.98, vocab.INFERENCE: 0.97}


def _bench(benchmark: str, steps: int, overrides: dict) -> TrainingBenchmark:
    cls = benchmark_class(benchmark)
    # the loop's one (final) evaluation is outside p_core: keep it to a batch or two
    settings = {"max_steps": steps, "eval_interval": 10**8, "num_workers": 0, "eval_samples": 64, **overrides}
    resolved = resolve_params(benchmark, cls.params_model, "cpu", "smoke", settings)
    bench = cls(resolved.params)
    bench.prepare_data()
    return bench


def measure(benchmark: str, steps: int, pairs: int, overrides: dict | None = None,
            vendor_name: str = "cpu", on_pair: Callable[[HarnessPair], None] | None = None) -> list[HarnessPair]:
    """``pairs`` pairs of ``steps``-step blocks, perfkit and hand loop alternating."""
    if steps < 1 or pairs < 1:
        raise ValueError("steps and pairs must be at least 1")
    bench = _bench(benchmark, steps * (pairs + 1), overrides or {})
    vendor = get_vendor(vendor_name)
    device = vendor.device(0)
    policy = precision_policy(bench.params.precision, device, vendor.precisions, vendor.name)
    hand = HandLoop(bench, vendor, device, policy)
    hand.block(steps)  # warm-up; perfkit's first block is its warm-up
    clock = PhaseClock(vendor.synchronize, event=vendor.create_event)
    results: list[HarnessPair] = []
    seen: dict[str, Any] = {"compute": 0.0}

    def after_block(step: int, loss: float, quality: float | None) -> None:
        if step % steps:
            return
        compute = clock.total("compute") - seen["compute"]
        if step > steps:  # not the warm-up block
            ours = steps * bench.params.batch_size / compute
            results.append(HarnessPair(ours, hand.block(steps)))
            if on_pair:
                on_pair(results[-1])
        seen["compute"] = clock.total("compute")

    train(bench, vendor, DistContext(), policy, clock.now(), clock, progress=after_block, readback_every=steps)
    return results


def summarise(pairs: list[HarnessPair]) -> RatioInterval:
    return ratio_interval([p.ratio for p in pairs])


def report(benchmark: str, pairs: list[HarnessPair], kind: str = vocab.TRAINING) -> str:
    what = vocab.P_CORE if kind == vocab.TRAINING else vocab.P_INFER_CORE
    lines = [f"{benchmark}: perfkit {what} / hand-loop throughput, {len(pairs)} interleaved pairs"]
    for i, p in enumerate(pairs, 1):
        lines.append(f"  pair {i}: perfkit {p.perfkit_p_core:8.2f}  hand {p.hand_throughput:8.2f}  ratio {p.ratio:.3f}")
    lines.append(f"  ratio {summarise(pairs).label()} (goal >= {GOALS[kind]}, interval within +/-3%)")
    return "\n".join(lines)


def run(benchmark: str, steps: int | None = None, pairs: int | None = None, overrides: dict | None = None,
        on_pair: Callable[[HarnessPair], None] | None = None) -> str:
    """`perfkit bench harness --benchmark NAME`: the training harness, or the inference one for
    an inference benchmark; the printed report. ``on_pair`` sees each pair as it is measured."""
    if benchmark_class(benchmark).info.kind == vocab.INFERENCE:
        from perfkit.selfcheck import inference_harness

        found = inference_harness.measure(benchmark, steps or inference_harness.DEFAULTS["steps"],
                                          pairs or inference_harness.DEFAULTS["pairs"], overrides, on_pair=on_pair)
        return report(benchmark, found, vocab.INFERENCE)
    found = measure(benchmark, steps or TRAINING_DEFAULTS["steps"], pairs or TRAINING_DEFAULTS["pairs"], overrides,
                    on_pair=on_pair)
    return report(benchmark, found)


def print_pair(pair: HarnessPair) -> None:
    """Live output for the command line: one line per pair as it is measured."""
    print(f"  ... perfkit {pair.perfkit_p_core:8.2f}  hand {pair.hand_throughput:8.2f}  ratio {pair.ratio:.3f}",
          flush=True)
