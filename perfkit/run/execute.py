"""Executing this process's share of a run: one rank, in the notebook kernel or in a worker.

``execute`` runs the benchmark's scenario, times it, and is this process's one writer of
``result.json`` (rank 0 only). A run that fails after it started still leaves a result, with
status ``failed`` and the error. Starting other processes is a launcher's job
(perfkit.run.launchers), never this module's.
"""

from __future__ import annotations

import re
import sys
import time

from perfkit.benchmarks import benchmark_class
from perfkit.engine.distributed import DistContext, context_from_env
from perfkit.engine.precision import precision_policy
from perfkit.errors import UserError
from perfkit.measure import collector
from perfkit.measure.timers import PhaseClock
from perfkit.results import vocabulary as vocab
from perfkit.results.environment import collect_environment
from perfkit.results.record import RunResult, error_from_exception, utc_now
from perfkit.results.store import write_json_atomic
from perfkit.run.progress import Progress
from perfkit.run.spec import PreparedRun, initial_record
from perfkit.scenarios import Session
from perfkit.telemetry import Work, sampling
from perfkit.telemetry.host import HostLoad
from perfkit.vendors import get_vendor

_LOADER_WORKER_DIED = re.compile(r"DataLoader worker \(pids?\(?s?\)? [^)]*\) (exited unexpectedly|is killed by signal)")


def loader_worker_died(message: str) -> bool:
    """Whether an error message is PyTorch's report of a DataLoader worker that died."""
    return bool(_LOADER_WORKER_DIED.search(message))


def crash_status(exc: BaseException) -> str:
    """``crashed`` when a process this rank depends on died outright (a DataLoader worker killed
    or exited: PyTorch reports it as a RuntimeError naming the worker); ``failed`` otherwise."""
    return vocab.CRASHED if isinstance(exc, RuntimeError) and loader_worker_died(str(exc)) else vocab.FAILED


def execute(run: PreparedRun, progress: bool = True, ctx: DistContext | None = None) -> RunResult:
    """Run the benchmark in this process (one rank) and write its result on rank 0."""
    collector.settle()  # perfkit.measure.collector: the run's collections walk what the run makes
    bench_start = time.perf_counter()
    started = utc_now()
    resolved = run.resolved
    params = resolved.params
    scenario = run.scenario
    vendor = get_vendor(resolved.vendor)
    ctx = ctx or context_from_env(params.dist_backend or vendor.dist_backend)
    device = vendor.device(ctx.local_rank)
    policy = precision_policy(params.precision, device, vendor.precisions, vendor.name)
    if device.type != "cpu":  # the host checked the CPU's RAM; a card's memory is checked here
        from perfkit.run.memory import check_memory

        check_memory(run, device)
    bench = benchmark_class(resolved.benchmark)(params)
    record = initial_record(run, started)
    bar = Progress.from_env(scenario.progress_total(params), progress and ctx.is_main, resolved.benchmark,
                            scenario.progress_value, scenario.progress_unit, sys.stdout)
    try:
        record.data = bench.prepare_data().to_dict()
        # one seed drives model init and the global batch order; the builder's drew the data
        record.seeds = {"seed": params.seed, "model_init": params.seed, "data_order": params.seed}
        if record.data.get("builder_seed") is not None:
            record.seeds["data_builder"] = record.data["builder_seed"]
        facts = vendor.environment()  # may call the vendor's smi tool: ask once
        record.environment = collect_environment(facts)
        record.environment["world_size"] = ctx.world_size
        record.environment["dist_backend"] = ctx.backend
        record.environment["vendor_hooks"] = vendor.replaced_hooks()
        # telemetry (perfkit.telemetry): the main rank samples the vendor's sources during the loop
        interval = params.telemetry_interval if ctx.is_main else 0.0
        host_load = HostLoad()  # how busy the rest of the machine was while this run measured
        with sampling(vendor.telemetry_sources(), interval) as telemetry:
            loop_end: list[float] = []
            session = Session(vendor, device, ctx, policy, run.hardware, str(facts.get("accelerator", "")),
                              bench_start, PhaseClock(vendor.synchronize, event=vendor.create_event), bar,
                              loop_done=lambda: loop_end.append(telemetry.now()),
                              telemetry_now=telemetry.now, telemetry_samples=lambda: telemetry.samples)
            measured = scenario.measure(bench, session)
        record.environment["host_load"] = host_load.finish()
        record.metrics, record.curves = measured.metrics, measured.curves
        record.data.update(measured.data)
        seconds, samples = scenario.window(record.metrics)
        tokens = bench.tokens_per_sample()
        record.metrics.update(telemetry.summary(telemetry.window_ending_at(loop_end[0], seconds),
                                                Work(samples, samples * tokens if tokens else None)))
        if ctx.is_main:
            telemetry.save(run.output_dir)
        record.status = vocab.OK
    except UserError:
        raise
    except BaseException as exc:
        record.error = error_from_exception(exc)
        record.status = crash_status(exc)
        raise
    finally:
        bar.close()
        record.finished_at = utc_now()
        if ctx.is_main and (record.status == vocab.OK or record.error is not None):
            write_json_atomic(run.result_path, record.to_dict())
    return record
