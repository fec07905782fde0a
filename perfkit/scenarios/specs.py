"""The spec scenario: a hardware spec sheet (FlagPerf's ``base/`` cases) measured with the cases
of perfkit.specs, each held against the hardware file's datasheet.

The loop runs the planned cases in sheet order (``plan``). Single-device cases (gemm, memory,
h2d/d2h, p2p) run on rank 0 alone, the other ranks waiting at a barrier, so that two processes
never share the device they measure; the collectives run on every rank of the run's process
group (``nproc_per_node``, the elastic launcher). A case that does not apply here (h2d/d2h and
p2p on the CPU, a collective with one rank) is a ``NotApplicable`` with the reason; a case
refused while it ran (its timeout passed before one repeat) is a ``Refused`` with the reason; the
sheet goes on. A vendor's own tool (perfkit.specs.tools) named in ``spec_tools`` runs right after
the PyTorch implementation of each entry whose case it implements. What the device lacks (a gemm dtype) or what is above its bound (the CPU
capacity) is refused before anything runs (``check``).

Runs inside the notebook kernel and inside each distributed worker; ``check`` also runs on the
host, where it probes only the CPU (the host never opens an accelerator's context).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

import torch

from perfkit.benchmarks.declared.specs import SpecsParams
from perfkit.errors import UserError
from perfkit.params.hardware import HardwareSpec
from perfkit.report.labels import TABLE_TITLES
from perfkit.results import vocabulary as vocab
from perfkit.scenarios.base import Measured, Scenario, Session
from perfkit.specs import collectives, gemm, memory, transfer
from perfkit.specs.datasheet import with_datasheet
from perfkit.specs.result import CaseRefused, NotApplicable, Refused, SheetEntry
from perfkit.specs.result import Measured as CaseMeasured
from perfkit.specs.timing import Budget
from perfkit.specs.tools import PYTORCH, TOOLS, SpecTool, load_tools
from perfkit.telemetry.energy import Window
from perfkit.telemetry.readings import window_readings

SINGLE_DEVICE = ("gemm", "memory_bandwidth", "memory_capacity", "h2d", "d2h", "p2p")
ONE_RANK_REASON = ("one process: a collective needs at least 2 ranks (a config with nproc_per_node or nnodes "
                   "above 1, e.g. smoke's nproc_per_node: 2)")


def plan(params: SpecsParams, world_size: int = 1) -> list[tuple[str, str]]:
    """(case, variant) of every entry the sheet will have, in sheet order."""
    entries: list[tuple[str, str]] = []
    for case in params.cases:
        if case == "gemm":
            entries += [("gemm", dtype) for dtype in params.gemm_dtypes]
        elif case == "memory_bandwidth":
            entries.append((case, "copy"))
        elif case == "memory_capacity":
            entries.append((case, ""))
        elif case in ("h2d", "d2h"):
            entries += [(case, host) for host in params.host_memory]
        elif case == "p2p":
            entries.append((case, "intra-node"))
        else:
            entries.append((case, f"{world_size} rank{'s' if world_size != 1 else ''}"))
    return entries


def budget(params: SpecsParams) -> Budget:
    return Budget(warmup=params.warmup, min_seconds=params.min_seconds, repeats=params.repeats,
                  timeout_s=params.case_timeout_s)


def check_params(params: SpecsParams, device: torch.device) -> None:
    """Refuse, in one line naming the key, what this device cannot run: a gemm dtype it lacks
    (probed with a 32x32 product), a CPU
    capacity request above its bound."""
    if "gemm" in params.cases:
        for dtype in params.gemm_dtypes:
            problem = gemm.why_unsupported(dtype, device)
            if problem is not None:
                there = ", ".join(gemm.supported_dtypes(device))
                raise UserError(f"params key 'gemm_dtypes': gemm {dtype}: {problem}; this device runs: {there}")
    if "memory_capacity" in params.cases and device.type == "cpu":
        try:
            bound = memory.cpu_capacity_bound(params.capacity_max_share)
        except CaseRefused as exc:
            raise UserError(f"params key 'capacity_max_share': {exc}") from None
        if params.capacity_gib * memory.GIB > bound:
            raise UserError(f"params key 'capacity_gib': {params.capacity_gib:g} GiB is above the bound of "
                            f"{bound / memory.GIB:.2f} GiB ({params.capacity_max_share:.0%} of the memory available "
                            "now, key 'capacity_max_share'); ask for less")


def run_tool_entry(name: str, tool: SpecTool, case: str, variant: str, params: SpecsParams,
                   session: Session) -> SheetEntry:
    """A vendor tool's figure for one entry (perfkit.specs.tools), its datasheet value paired. A
    tool that fails is a ``Refused`` entry naming it and its error; the sheet goes on."""
    ctx = session.ctx
    if case in ("all_reduce", "all_gather") and ctx.world_size < 2:
        return NotApplicable(case, variant, ONE_RANK_REASON)
    try:
        result = tool.run(session.vendor, case, variant, params.model_dump(), budget(params), local_rank=ctx.local_rank)
    except CaseRefused as exc:
        return Refused(case, variant, f"{name}: {exc}")
    except Exception as exc:  # a third-party tool's fault is its entry, not the sheet's end
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        return Refused(case, variant, f"spec tool '{name}' failed: {type(exc).__name__}: {first}")
    if not isinstance(result, (CaseMeasured, NotApplicable)):
        return Refused(case, variant, f"spec tool '{name}' returned {type(result).__name__}, not a Measured or "
                                      "NotApplicable")
    return with_datasheet(result, session.hardware)


def run_entry(case: str, variant: str, params: SpecsParams, session: Session) -> SheetEntry:
    """One entry of the sheet, in this process; its datasheet value paired (Measured only)."""
    vendor, ctx, plan_budget = session.vendor, session.ctx, budget(params)
    result: CaseMeasured | NotApplicable
    try:
        if case == "gemm":
            m, n, k = params.gemm_shape()
            result = gemm.run_gemm(vendor, variant, m, n, k, plan_budget, local_rank=ctx.local_rank)
        elif case == "memory_bandwidth":
            result = memory.run_memory_bandwidth(vendor, params.memory_bytes, plan_budget, local_rank=ctx.local_rank)
        elif case == "memory_capacity":
            result = memory.run_memory_capacity(vendor, params.capacity_gib, params.capacity_max_share,
                                                params.capacity_chunk_bytes, local_rank=ctx.local_rank,
                                                timeout_s=params.case_timeout_s)
        elif case in ("h2d", "d2h"):
            result = transfer.run_host_transfer(vendor, case, variant, params.transfer_bytes, plan_budget,
                                                local_rank=ctx.local_rank)
        elif case == "p2p":
            result = transfer.run_p2p(vendor, params.p2p_bytes, plan_budget)
        elif ctx.world_size < 2:
            return NotApplicable(case, variant, ONE_RANK_REASON)
        else:
            result = collectives.run_collective(vendor, case, params.collective_bytes, plan_budget,
                                                local_rank=ctx.local_rank)
    except CaseRefused as exc:
        return Refused(case, variant, str(exc))
    return with_datasheet(result, session.hardware)


def sheet_metrics(entries: list[SheetEntry], seconds: list[float], hardware: HardwareSpec,
                  e2e_time: float, telemetry: list[dict[str, Any]] | None = None,
                  implementations: list[str] | None = None, tools: dict[str, str] | None = None) -> dict[str, Any]:
    """The record's metrics: every entry (``spec_cases``, each with the wall ``seconds`` it
    took and, where the run sampled telemetry, the readings over its window:
    perfkit.telemetry.readings), the counts by kind, the time the cases took together and the
    end-to-end time. ``implementations``: per entry, "pytorch" or the vendor tool's name
    (default: all pytorch); ``tools``: each tool's description, by name."""
    implementations = implementations or [PYTORCH] * len(entries)
    cases = [{**entry.to_dict(), "implementation": how, "seconds": took}
             for entry, took, how in zip(entries, seconds, implementations, strict=True)]
    for case in cases:
        if case["implementation"] != PYTORCH:
            case["tool"] = (tools or {}).get(case["implementation"], "")
    if telemetry is not None:
        for case, readings in zip(cases, telemetry, strict=True):
            case["telemetry"] = readings
    count = {kind: sum(1 for c in cases if c["kind"] == kind) for kind in ("measured", "not_applicable", "refused")}
    return {
        vocab.SPEC_CASES: cases,
        vocab.CASES_MEASURED: count["measured"],
        vocab.CASES_NOT_APPLICABLE: count["not_applicable"],
        vocab.CASES_REFUSED: count["refused"],
        vocab.SPEC_TIME: sum(seconds),
        vocab.E2E_TIME: e2e_time,
        vocab.DATASHEET_SOURCE: f"hardware file {hardware.name}" if any(c.get("datasheet") is not None for c in cases)
        else "none stated",
    }


class NothingMeasured(RuntimeError):
    """A spec run in which no case was measured: it is not a spec sheet, and must not end ``ok``."""


def nothing_measured(entries: list[SheetEntry]) -> str:
    """One line: no case was measured, and why, for the first few entries."""
    reasons = [f"{e.case}{'/' + e.variant if e.variant else ''}: {getattr(e, 'reason', '')}" for e in entries[:3]]
    more = f" (and {len(entries) - 3} more)" if len(entries) > 3 else ""
    return f"no spec case was measured; {'; '.join(reasons)}{more}"


class SpecScenario(Scenario):
    kind: ClassVar[str] = vocab.SPECS
    table_title = TABLE_TITLES[vocab.SPECS]
    progress_value = "case_s"
    progress_unit = "case"

    def progress_total(self, params: Any) -> int:
        return len(plan(params))

    def check(self, bench: Any, device: torch.device) -> None:
        for name in bench.params.spec_tools:  # registered (whether it runs on the vendor: measure)
            TOOLS.load(name)
        if device.type == "cpu":  # an accelerator is probed in the kernel (measure), never on the host
            check_params(bench.params, device)

    def measure(self, bench: Any, session: Session) -> Measured:
        params: SpecsParams = bench.params
        ctx = session.ctx
        if session.device.type != "cpu":
            check_params(params, session.device)
        tools = load_tools(params.spec_tools, session.vendor.name)
        entries: list[SheetEntry] = []
        seconds: list[float] = []
        windows: list[Window] = []
        implementations: list[str] = []
        for number, (case, variant) in enumerate(plan(params, ctx.world_size), start=1):
            implementers = [PYTORCH, *(name for name, tool in tools.items() if case in tool.cases)]
            for how in implementers:
                started, opened = time.perf_counter(), session.telemetry_now()
                if case in SINGLE_DEVICE and not ctx.is_main:
                    # the other ranks skip it; they meet rank 0 again at the next collective's barrier
                    entry: SheetEntry = NotApplicable(case, variant, "measured on rank 0 only")
                elif how == PYTORCH:
                    entry = run_entry(case, variant, params, session)
                else:
                    entry = run_tool_entry(how, tools[how], case, variant, params, session)
                entries.append(entry)
                implementations.append(how)
                seconds.append(time.perf_counter() - started)
                windows.append(Window(opened, session.telemetry_now()))
            if session.progress is not None:
                session.progress(number, sum(seconds[-len(implementers):]), None)
        session.loop_done()
        samples = session.telemetry_samples()
        telemetry = [window_readings(samples, window) for window in windows] if samples else None
        descriptions = {name: type(tool).description for name, tool in tools.items()}
        metrics = sheet_metrics(entries, seconds, session.hardware, time.perf_counter() - session.bench_start,
                                telemetry, implementations, descriptions)
        if not metrics[vocab.CASES_MEASURED]:
            raise NothingMeasured(nothing_measured(entries))
        return Measured(metrics, {})

    def window(self, metrics: dict[str, Any]) -> tuple[float, int]:
        # no samples: energy over the cases' time, per-joule figures stay empty
        return metrics[vocab.SPEC_TIME], None  # type: ignore[return-value]
