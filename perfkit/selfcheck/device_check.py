"""Device check: perfkit's figures on one accelerator, in one process, in a few minutes.

    python -m perfkit.selfcheck.device_check [--tiny] [--vendor nvidia] [--out device-check.json]

Runs, in this process and with the machine's own PyTorch (no notebook, papermill or kernel):

1. BERT training at real size (BERT-large shape, seq 512, bf16 autocast) on the offline data
   builder's set at that shape: perfkit's run (``runner.execute``) against an unsynced hand loop
   over the same loader, model, optimizer and precision, hand / perfkit / hand so that drift hits
   both; the goal is p_train / hand >= 0.97.
2. BERT-large masked-LM inference, fp16, batch 32, seq 512, through torch eager and
   torch_compile (``runner.execute`` with the bert_inference benchmark); goal on an H200:
   >= 900 sequences/s; MFU against the GEMM peak measured here.
3. MobileNetV2 training at 224 px on images held in memory (no JPEG decoding): the
   launch-bound case, perfkit's loop against the same unsynced hand loop.
4. Llama pre-training at the ~1B shape (llama_1b), sequence 4096, bf16 autocast, on the
   offline corpus: perfkit's run against the same unsynced hand loop (goal >= 0.98), token/p/s,
   and the MFU with attention (6·N + 12·L·h·s) against the GEMM peak measured here (goal >= 45 %).
5. Telemetry and energy of every run (NVML on NVIDIA: energy_j, power, samples per joule).

It prints a compact table and writes every figure to a JSON file. ``--tiny`` runs the same
plumbing with tiny shapes on the CPU (tests/test_device_check.py), so that it never rots.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset

from perfkit.benchmarks import benchmark_class
from perfkit.benchmarks.base import TrainingBenchmark
from perfkit.benchmarks.mobilenetv2_training import MobileNetV2Params, MobileNetV2Training
from perfkit.engine.distributed import DistContext
from perfkit.engine.peak import gemm_measurement
from perfkit.engine.precision import PrecisionPolicy, precision_policy
from perfkit.engine.train_loop import train
from perfkit.measure.metrics import mfu
from perfkit.measure.timers import PhaseClock
from perfkit.params import resolve_params
from perfkit.results import vocabulary as vocab
from perfkit.selfcheck.hand_loops import wall_clock_loop
from perfkit.telemetry import Work, sampling
from perfkit.vendors import get_vendor
from perfkit.vendors.base import VendorAdapter

BERT_LARGE = {"num_layers": 24, "hidden_size": 1024, "num_heads": 16, "intermediate_size": 4096,
              "vocab_size": 30522, "seq_len": 512}
GOALS = {"bert_train_ratio": 0.97, "bert_infer_seq_per_s": 900.0, "llama_train_ratio": 0.98, "llama_mfu_attn": 0.45}
ENERGY_KEYS = (vocab.ENERGY_J, vocab.POWER_AVG_W, vocab.POWER_PEAK_W, vocab.SAMPLES_PER_J, vocab.TOKENS_PER_J,
               vocab.ENERGY_SOURCE, vocab.TELEMETRY_NOTE)


@dataclass(frozen=True)
class Plan:
    """What one device check runs: configs, shapes and step counts."""

    vendor: str
    train_config: str
    bert_train: dict[str, Any]
    bert_train_steps: int
    infer_config: str
    bert_infer: dict[str, Any]
    infer_backends: tuple[str, ...]
    mobilenet: dict[str, Any]
    mobilenet_steps: int
    mobilenet_images: int
    train_precision: str
    telemetry_interval: float
    llama_config: str = "smoke"
    llama: dict[str, Any] = field(default_factory=dict)
    llama_steps: int = 0


def full_plan(vendor: str = "nvidia") -> Plan:
    """Real sizes for one NVIDIA GPU, about five minutes on an H100/H200 class card."""
    return Plan(
        vendor=vendor,
        train_config="smoke",
        bert_train={**BERT_LARGE, "max_predictions_per_seq": 76, "batch_size": 32, "learning_rate": 1e-4,
                    "warmup_steps": 10, "eval_samples": 256, "eval_batch_size": 32, "num_workers": 4,
                    "target_mlm_accuracy": 1.0},
        bert_train_steps=120,
        infer_config="A100x1x1",
        bert_infer={**BERT_LARGE, "precision": "fp16", "batch_size": 32, "warmup_batches": 10,
                    "min_batches": 150, "min_seconds": 5.0, "eval_samples": 0},
        infer_backends=("torch", "torch_compile"),
        mobilenet={"image_size": 224, "num_labels": 1000, "batch_size": 128, "learning_rate": 0.045,
                   "eval_batch_size": 128, "num_workers": 0},
        mobilenet_steps=150,
        mobilenet_images=1024,
        train_precision="bf16",
        telemetry_interval=0.5,
        # the ~1B Llama shape at sequence 4096 on the card's own 1x1 config (bf16 autocast)
        llama_config="H100x1x1",
        llama={"shape": "llama_1b", "seq_len": 4096, "batch_size": 2, "gradient_accumulation_steps": 1,
               "eval_windows": 4, "eval_batch_size": 2, "num_workers": 2},
        llama_steps=30,
    )


def tiny_plan() -> Plan:
    """The same plumbing on the CPU with tiny shapes (seconds)."""
    tiny = {"num_layers": 1, "hidden_size": 32, "num_heads": 2, "intermediate_size": 64, "vocab_size": 4096,
            "seq_len": 64}
    return Plan(
        vendor="cpu",
        train_config="smoke",
        bert_train={**tiny, "max_predictions_per_seq": 10, "batch_size": 4, "warmup_steps": 1, "eval_samples": 16,
                    "eval_batch_size": 16, "num_workers": 0, "target_mlm_accuracy": 1.0},
        bert_train_steps=3,
        infer_config="smoke",
        bert_infer={**tiny, "precision": "fp32", "batch_size": 4, "warmup_batches": 1, "min_batches": 2,
                    "min_seconds": 0.0, "eval_samples": 8, "max_documents": 2},
        infer_backends=("torch",),
        mobilenet={"image_size": 32, "num_labels": 10, "depth_multiplier": 0.35, "batch_size": 2,
                   "eval_batch_size": 2, "num_workers": 0},
        mobilenet_steps=2,
        mobilenet_images=8,
        train_precision="fp32",
        telemetry_interval=0.2,
        llama_config="smoke",
        llama={"shape": "tiny", "seq_len": 64, "batch_size": 2, "gradient_accumulation_steps": 1,
               "eval_windows": 2, "eval_batch_size": 2, "num_workers": 0},
        llama_steps=2,
    )


# -- perfkit's loop against the hand loop (perfkit.selfcheck.hand_loops) -------------------

def perfkit_loop(bench: TrainingBenchmark, vendor: VendorAdapter, policy: PrecisionPolicy,
                 telemetry_interval: float) -> dict[str, Any]:
    """perfkit's training loop (engine.train_loop.train) with the telemetry sampler around it."""
    clock = PhaseClock(vendor.synchronize)
    start = clock.now()
    with sampling(vendor.telemetry_sources(), telemetry_interval) as session:
        outcome = train(bench, vendor, DistContext(), policy, start, clock)
        end = session.now()
    t = outcome.timings
    summary = session.summary(session.window_ending_at(end, t.train_window), Work(t.samples))
    return {"p_train": t.samples / (t.train_window - t.evaluation), "p_core": t.samples / t.compute,
            "steps": outcome.steps, **{k: summary[k] for k in ENERGY_KEYS}}


def compare(hand: Callable[[], float], perfkit: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """hand, perfkit, hand: the ratio is perfkit over the mean of the two hand loops."""
    first = hand()
    measured = perfkit()
    second = hand()
    reference = (first + second) / 2
    return {**measured, "hand": reference, "hand_runs": [first, second],
            "ratio_p_train": measured["p_train"] / reference, "ratio_p_core": measured["p_core"] / reference}


# -- the checks ------------------------------------------------------------------------------

@dataclass
class CheckResult:
    name: str
    ok: bool
    figures: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def _measured_peak(device: torch.device, dtype: torch.dtype, vendor: VendorAdapter) -> dict[str, float]:
    measured = gemm_measurement(device, dtype, vendor.synchronize)
    return {"peak_tflops": measured.tflops, "peak_spread": measured.spread, "peak_repeats": measured.repeats}


@dataclass
class TrainingCheck:
    """What a training check measures: the prepared run (perfkit's side), and the benchmark,
    vendor, device and precision the hand loop repeats; the offline data built once."""

    run: Any
    vendor: VendorAdapter
    device: torch.device
    cls: type[TrainingBenchmark]
    policy: PrecisionPolicy
    prepared: TrainingBenchmark

    @property
    def params(self) -> Any:
        return self.run.resolved.params

    def hand(self, steps: int) -> float:
        """The hand loop on a fresh instance of the benchmark (same params, same data)."""
        bench = self.cls(self.params)
        bench.prepare_data()
        return wall_clock_loop(bench, self.vendor, self.device, self.policy, steps)


def training_check(benchmark: str, config: str, overrides: dict[str, Any], plan: Plan, workdir: Path) -> TrainingCheck:
    from perfkit.run.spec import prepare

    run = prepare(benchmark, plan.vendor, config, dict(overrides), workdir / "runs" / benchmark)
    vendor = get_vendor(plan.vendor)
    vendor.check_available()
    device = vendor.device(0)
    cls = benchmark_class(benchmark)
    params = run.resolved.params
    policy = precision_policy(params.precision, device, vendor.precisions, vendor.name)
    prepared = cls(params)
    prepared.prepare_data()  # builds the offline set at this shape once
    return TrainingCheck(run, vendor, device, cls, policy, prepared)


def check_bert_training(plan: Plan, workdir: Path) -> dict[str, Any]:
    from perfkit.run.execute import execute

    overrides = {**plan.bert_train, "precision": plan.train_precision, "max_steps": plan.bert_train_steps,
                 "eval_interval": 10**6, "data_dir": str(workdir / "bert"), "data_autobuild": True,
                 "allow_nonstandard": True, "telemetry_interval": plan.telemetry_interval}
    check = training_check("bert", plan.train_config, overrides, plan, workdir)
    params = check.params

    def perfkit() -> dict[str, Any]:
        record = execute(check.run, progress=False)
        m = record.metrics
        return {"p_train": m[vocab.P_TRAIN], "p_core": m[vocab.P_CORE], "p_whole": m[vocab.P_WHOLE], "steps": m[vocab.STEPS],
                "mem_gib": m[vocab.MEM_PEAK_GIB], **{k: m.get(k) for k in ENERGY_KEYS}}

    figures = compare(lambda: check.hand(plan.bert_train_steps), perfkit)
    dtype = check.policy.dtype or torch.float32
    figures.update(_measured_peak(check.device, dtype, check.vendor))
    figures["flops_per_sample"] = check.prepared.flops_per_sample()
    figures["mfu_p_core"] = mfu(figures["flops_per_sample"], figures["p_core"], figures["peak_tflops"])
    figures["goal_ratio"] = GOALS["bert_train_ratio"]
    figures["precision"] = params.precision
    figures["shape"] = {k: plan.bert_train[k] for k in ("num_layers", "hidden_size", "seq_len", "batch_size")}
    return figures


def check_llama_training(plan: Plan, workdir: Path) -> dict[str, Any]:
    """perfkit's Llama pre-training (execute: the whole run) vs the hand loop, plus token/p/s and
    the MFU with attention (6·N + 12·L·h·s) against a GEMM peak measured here."""
    from perfkit.run.execute import execute

    overrides = {**plan.llama, "precision": plan.train_precision, "max_steps": plan.llama_steps,
                 "eval_interval": 10**6, "warmup_steps": 1, "data_dir": str(workdir / "llama"), "data_autobuild": True,
                 "allow_nonstandard": True, "telemetry_interval": plan.telemetry_interval}
    check = training_check("llama", plan.llama_config, overrides, plan, workdir)
    params = check.params

    def perfkit() -> dict[str, Any]:
        m = execute(check.run, progress=False).metrics
        return {"p_train": m[vocab.P_TRAIN], "p_core": m[vocab.P_CORE], "steps": m[vocab.STEPS], "mem_gib": m[vocab.MEM_PEAK_GIB],
                "tokens_per_card_s": m[vocab.TOKENS_PER_CARD_S], **{k: m.get(k) for k in ENERGY_KEYS}}

    figures = compare(lambda: check.hand(plan.llama_steps), perfkit)
    figures.update(_measured_peak(check.device, check.policy.dtype or torch.float32, check.vendor))
    from perfkit.benchmarks.llama_pretraining import LlamaPretraining

    assert isinstance(check.prepared, LlamaPretraining)
    six_n, with_attention = check.prepared.flops_per_token()
    tokens_per_s = figures["p_train"] * params.seq_len
    figures["mfu_6n"] = mfu(six_n, tokens_per_s, figures["peak_tflops"])
    figures["mfu_attn"] = mfu(with_attention, tokens_per_s, figures["peak_tflops"])
    figures["goal_ratio"] = GOALS["llama_train_ratio"]
    figures["goal_mfu_attn"] = GOALS["llama_mfu_attn"]
    figures["precision"] = params.precision
    figures["shape"] = {k: plan.llama[k] for k in ("shape", "seq_len", "batch_size")}
    return figures


def check_bert_inference(plan: Plan, workdir: Path, backend: str) -> dict[str, Any]:
    from perfkit.run.execute import execute
    from perfkit.run.spec import prepare

    overrides = {**plan.bert_infer, "backend": backend, "data_dir": str(workdir / "bert_inference"),
                 "data_autobuild": True, "allow_nonstandard": True, "telemetry_interval": plan.telemetry_interval}
    run = prepare("bert_inference", plan.vendor, plan.infer_config, overrides,
                         workdir / "runs" / f"bert_inference_{backend}")
    record = execute(run, progress=False)
    m = record.metrics
    vendor = get_vendor(plan.vendor)
    device = vendor.device(0)
    dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(run.resolved.params.precision, torch.float32)
    figures = {"p_infer_core": m[vocab.P_INFER_CORE], "p_infer_whole": m[vocab.P_INFER_WHOLE],
               "latency_p50_ms": (m.get(vocab.LATENCY_P50) or math.nan) * 1e3, "export_s": m.get(vocab.EXPORT_TIME),
               "acc": m.get(vocab.ACC), "flops_per_sample": m[vocab.FLOPS_PER_SAMPLE], "mem_gib": m.get(vocab.MEM_PEAK_GIB),
               **{k: m.get(k) for k in ENERGY_KEYS}}
    figures.update(_measured_peak(device, dtype, vendor))
    figures["mfu"] = mfu(figures["flops_per_sample"], figures["p_infer_core"], figures["peak_tflops"])
    figures["goal_seq_per_s"] = GOALS["bert_infer_seq_per_s"]
    return figures


class _ImagesInMemory(Dataset):
    """Random images at the real shape, held in host memory: no file reads, no JPEG decoding."""

    def __init__(self, count: int, size: int, labels: int, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.images = torch.randn(count, 3, size, size, generator=generator)
        self.labels = torch.randint(0, labels, (count,), generator=generator)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"pixel_values": self.images[index], "labels": self.labels[index]}


class MobileNetV2InMemory(MobileNetV2Training):
    """MobileNetV2 training on images in memory: what is left is the model's own launch cost."""

    images: int = 64

    def train_dataset(self):
        data = _ImagesInMemory(self.images, self.params.image_size, self.params.num_labels, self.params.seed)
        return data, [len(data)]

    def steps_per_epoch(self, world_size: int) -> int:
        return max(1, self.images // (self.params.batch_size * world_size))

    def eval_batches(self, rank: int, world_size: int) -> Iterable[dict[str, torch.Tensor]]:
        data = _ImagesInMemory(self.params.eval_batch_size, self.params.image_size, self.params.num_labels, 1)
        return [torch.utils.data.default_collate([data[i] for i in range(len(data))])]


def check_mobilenet(plan: Plan) -> dict[str, Any]:
    settings = {**plan.mobilenet, "precision": plan.train_precision, "max_steps": plan.mobilenet_steps,
                "eval_interval": 10**6, "target_top1": 1.0}
    resolved = resolve_params("mobilenetv2", MobileNetV2Params, "cpu", "smoke", {**settings, "allow_nonstandard": True})
    vendor = get_vendor(plan.vendor)
    device = vendor.device(0)
    policy = precision_policy(resolved.params.precision, device, vendor.precisions, vendor.name)

    params = resolved.params
    assert isinstance(params, MobileNetV2Params)

    def bench() -> MobileNetV2InMemory:
        made = MobileNetV2InMemory(params)
        made.images = plan.mobilenet_images
        return made

    figures = compare(lambda: wall_clock_loop(bench(), vendor, device, policy, plan.mobilenet_steps),
                      lambda: perfkit_loop(bench(), vendor, policy, plan.telemetry_interval))
    figures["shape"] = {k: plan.mobilenet[k] for k in ("image_size", "batch_size")}
    return figures


def run_checks(plan: Plan, workdir: Path, only: set[str] | None = None) -> list[CheckResult]:
    checks: list[tuple[str, Callable[[], dict[str, Any]]]] = [("bert_training", lambda: check_bert_training(plan, workdir))]
    for backend in plan.infer_backends:
        checks.append((f"bert_inference_{backend}", functools.partial(check_bert_inference, plan, workdir, backend)))
    checks.append(("mobilenetv2_training", lambda: check_mobilenet(plan)))
    checks.append(("llama_training", lambda: check_llama_training(plan, workdir)))
    results = []
    for name, check in checks:
        if only and name not in only:
            continue
        started = time.perf_counter()
        print(f"[device-check] {name} ...", flush=True)
        try:
            figures = check()
            results.append(CheckResult(name, True, figures))
        except Exception as exc:  # one broken check must not hide the others' figures
            traceback.print_exc()
            results.append(CheckResult(name, False, error=f"{type(exc).__name__}: {exc}"))
        results[-1].figures["seconds"] = time.perf_counter() - started
        print(f"[device-check] {name} done in {results[-1].figures['seconds']:.1f} s", flush=True)
    return results


# -- output ----------------------------------------------------------------------------------

def _f(value: Any, digits: int = 1) -> str:
    if isinstance(value, float):
        return f"{value:.{digits}f}" if math.isfinite(value) else "nan"
    return "-" if value is None else str(value)


def table(results: list[CheckResult]) -> str:
    """One line per check: throughput, the comparison or MFU, the energy figures."""
    header = f"{'check':<28} {'throughput/s':>12} {'vs hand / MFU':>16} {'energy J':>9} {'avg W':>7} {'samples/J':>9}  goal"
    lines = [header, "-" * len(header)]
    for r in results:
        f = r.figures
        if not r.ok:
            lines.append(f"{r.name:<28} FAILED: {r.error}")
            continue
        if "mfu_attn" in f:
            rate, versus = f["tokens_per_card_s"], f"{_f(f['ratio_p_train'], 3)} MFU {_f(f['mfu_attn'], 3)}"
            goal = (f"ratio >= {f['goal_ratio']}, MFU(attn) >= {f['goal_mfu_attn']}: "
                    f"{'met' if f['ratio_p_train'] >= f['goal_ratio'] and (f['mfu_attn'] or 0) >= f['goal_mfu_attn'] else 'NOT met'}")
        elif "ratio_p_train" in f:
            rate, versus = f["p_train"], f"{_f(f['ratio_p_train'], 3)} (core {_f(f['ratio_p_core'], 3)})"
            goal = f"ratio >= {f['goal_ratio']}: {'met' if f['ratio_p_train'] >= f['goal_ratio'] else 'NOT met'}" \
                if "goal_ratio" in f else "launch-bound case"
        else:
            rate, versus = f["p_infer_core"], f"MFU {_f(f.get('mfu'), 3)}"
            goal = f">= {f['goal_seq_per_s']:g} seq/s: {'met' if rate >= f['goal_seq_per_s'] else 'NOT met'}"
        energy = _f(f.get("energy_j")) if f.get("energy_j") is not None else "n/m"
        lines.append(f"{r.name:<28} {_f(rate):>12} {versus:>16} {energy:>9} {_f(f.get('power_avg_w')):>7} "
                     f"{_f(f.get('samples_per_j'), 3):>9}  {goal}")
    lines.append("n/m: not measurable here (see telemetry_note in the JSON)")
    return "\n".join(lines)


def environment(vendor: VendorAdapter) -> dict[str, Any]:
    facts: dict[str, Any] = {"python": platform.python_version(), "torch": torch.__version__,
                             "machine": platform.node(), "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    try:
        facts.update(vendor.environment())
    except Exception as exc:
        facts["environment_error"] = str(exc)
    return facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m perfkit.selfcheck.device_check", description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="tiny shapes on the CPU (the plumbing test)")
    parser.add_argument("--vendor", default=None, help="vendor adapter (default nvidia; cpu with --tiny)")
    parser.add_argument("--out", default="device-check.json", help="JSON file for every figure")
    parser.add_argument("--workdir", default="", help="folder for the built data and run results (default: temporary)")
    parser.add_argument("--only", default="", help="comma-separated check names to run (default: all)")
    args = parser.parse_args(argv)
    plan = tiny_plan() if args.tiny else full_plan()
    if args.vendor:
        plan = Plan(**{**asdict(plan), "vendor": args.vendor})
    vendor = get_vendor(plan.vendor)
    vendor.check_available()
    only = {name.strip() for name in args.only.split(",") if name.strip()} or None
    with tempfile.TemporaryDirectory(prefix="perfkit-device-check-") as scratch:
        workdir = Path(args.workdir) if args.workdir else Path(scratch)
        results = run_checks(plan, workdir, only)
    report = {"plan": asdict(plan), "environment": environment(vendor), "goals": GOALS,
              "checks": [asdict(r) for r in results]}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(table(results))
    print(f"[device-check] figures written to {out}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
