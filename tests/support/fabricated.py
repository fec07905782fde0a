"""Fabricated result records for report tests: the real RunResult shape, numbers chosen by the test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from perfkit.errors import UserError
from perfkit.results.record import RunResult
from perfkit.results.store import write_json_atomic
from perfkit.scenarios import scenario_of

# The five FlagPerf pages of ../shared/seeds/, copied so that a clean clone has its fixtures
# (tests/unit/test_import.py checks the copies still match the originals where those exist).
SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
SHARED_SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

CPU_HARDWARE = {"name": "Host CPU", "vendor": "cpu", "short_name": "CPU", "machine_model": "", "memory_gib": None,
                "peak_tflops": {}, "interconnect": "", "software": {}}


def make_result(
    benchmark: str = "bert",
    vendor: str = "cpu",
    config: str = "smoke",
    nnodes: int = 1,
    nproc: int = 1,
    status: str = "ok",
    metrics: dict[str, Any] | None = None,
    loss: list[float] | None = None,
    evals: list[dict[str, float]] | None = None,
    nonstandard: list[str] | None = None,
    error: dict[str, Any] | None = None,
    finished_at: str = "2026-01-01T00:01:00+00:00",
    kind: str = "",
) -> RunResult:
    """``kind``: the benchmark's scenario unless given (training for one not registered)."""
    base_metrics = {
        "e2e_time": 12.3, "p_whole": 80.0, "p_train": 90.0, "p_core": 100.0, "acc": 0.25,
        "mlm_accuracy": 0.25, "mem_peak_gib": 1.25, "mem_total_gib": 8.0, "mem": "1.25/8.0",
        "fix_hp": "bs=16,lr=1e-04",
    }
    return RunResult(
        benchmark=benchmark, vendor=vendor, config=config, status=status, kit_version="0.1.0",
        started_at="2026-01-01T00:00:00+00:00", finished_at=finished_at,
        run={"params": {"precision": "fp32", "batch_size": 16}, "params_hash": f"h-{config}", "nnodes": nnodes,
             "nproc_per_node": nproc, "world_size": nnodes * nproc, "nonstandard_keys": nonstandard or [],
             "config_file": f"params/{benchmark}/{vendor}/{config}.yaml"},
        environment={"os": "Debian GNU/Linux 12", "kernel": "6.1.0", "python": "3.11.2", "perfkit": "0.1.0",
                     "libraries": {"torch": "2.13.0", "numpy": "2.0"}, "accelerator": {}, "git": {"commit": "abc"}},
        hardware=dict(CPU_HARDWARE),
        data={"hash": "0123456789abcdef0123", "method": "built"},
        metrics={**base_metrics, **(metrics or {})} if status == "ok" else (metrics or {}),
        curves={"loss": loss or [], "eval": evals or []},
        error=error,
        kind=kind or _scenario_kind(benchmark),
    )


def _scenario_kind(benchmark: str) -> str:
    try:
        return scenario_of(benchmark).kind
    except UserError:
        return "training"


def write_run(reports: Path, result: RunResult, repeat: str = "", report_html: bool = True) -> Path:
    """Write ``result`` where `perfkit run` puts it (…/<config>[/rN]/result.json) with a report stub."""
    folder = reports / "runs" / result.benchmark / result.vendor / result.config
    if repeat:
        folder = folder / repeat
    write_json_atomic(folder / "result.json", result.to_dict())
    if report_html:
        (folder / "report.html").write_text("<html><body>run report</body></html>", encoding="utf-8")
    return folder


class FabricatedDevice:
    """An asynchronous device on a fabricated timeline, for timer tests.

    The host clock advances only by ``host_work`` (data loading, bookkeeping) and ``launch``
    (the host's cost of queueing a kernel); queued kernels run in order on the device, each
    starting when both the host has queued it and the previous one has finished. ``sync`` waits
    (moves the host clock to the end of the queued work) and is counted. Events record when the
    device's stream reaches them, like torch.cuda.Event.
    """

    def __init__(self, launch_cost: float = 0.0) -> None:
        self.host = 0.0
        self.free_at = 0.0
        self.launch_cost = launch_cost
        self.syncs = 0

    def clock(self) -> float:
        return self.host

    def host_work(self, seconds: float) -> None:
        self.host += seconds

    def launch(self, seconds: float) -> None:
        self.host += self.launch_cost
        self.free_at = max(self.host, self.free_at) + seconds

    def sync(self) -> None:
        self.syncs += 1
        self.host = max(self.host, self.free_at)

    def event(self) -> FabricatedEvent:
        return FabricatedEvent(self)


class FabricatedEvent:
    def __init__(self, device: FabricatedDevice) -> None:
        self.device = device
        self.at: float | None = None

    def record(self) -> None:
        self.at = max(self.device.host, self.device.free_at)

    def elapsed_time(self, end: FabricatedEvent) -> float:
        assert self.at is not None and end.at is not None
        if max(self.at, end.at) > self.device.host:
            raise RuntimeError("event read before the device reached it (no sync before read-back)")
        return (end.at - self.at) * 1000.0
