"""Kit overhead: wall time a `perfkit run` adds around the benchmark itself.

Kernel start, imports, table and plot cells and the HTML export are everything outside the
run's own e2e_time; `perfkit run` then rebuilds the index (perfkit.jobs.index_build, in this
process), measured after the run on the same scratch reports folder. Measured on a short BERT
smoke run so the benchmark part stays small.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

from perfkit.jobs.launcher import LocalLauncher
from perfkit.results import vocabulary as vocab
from perfkit.run.spec import prepare


@contextlib.contextmanager
def _scratch_reports() -> Iterator[None]:
    """The measuring run writes into a temporary reports folder, never over a real result."""
    before = os.environ.get("PERFKIT_REPORTS")
    with tempfile.TemporaryDirectory(prefix="perfkit-overhead-") as folder:
        os.environ["PERFKIT_REPORTS"] = folder
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("PERFKIT_REPORTS", None)
            else:
                os.environ["PERFKIT_REPORTS"] = before


def measure(benchmark: str = "bert", overrides: dict | None = None) -> dict[str, float]:
    from perfkit.jobs.index_build import build_index

    with _scratch_reports():
        started = time.perf_counter()
        overrides = overrides or {"max_steps": 20, "eval_interval": 10}
        done = LocalLauncher().run(prepare(benchmark, "cpu", "smoke", overrides))
        total = time.perf_counter() - started
        index_started = time.perf_counter()
        if done.status == vocab.OK:
            build_index()
        index = time.perf_counter() - index_started
    if done.result is None or done.status != vocab.OK:
        raise RuntimeError(f"overhead run failed: {done.error}")
    e2e = done.result.metrics[vocab.E2E_TIME]
    return {
        "total": total,
        "e2e_time": e2e,
        "html_export": done.html_seconds,
        "kernel_and_cells": done.seconds - done.html_seconds - e2e,
        "validation_and_cli": total - done.seconds,
        "overhead": total - e2e,
        "index_build": index,
    }


_ONE_RUN = "import json, sys\nfrom perfkit.selfcheck.overhead import measure\nprint(json.dumps(measure(sys.argv[1])))"


def measure_repeated(times: int, benchmark: str = "bert") -> list[dict[str, float]]:
    """``times`` runs of :func:`measure`, one after the other, each in a fresh Python process:
    every run pays the host's own first imports, as a `perfkit run` does (a second run in one
    process would not import torch for its checks, nor papermill and nbconvert)."""
    runs = []
    for _ in range(max(1, times)):
        done = subprocess.run([sys.executable, "-c", _ONE_RUN, benchmark], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
            raise RuntimeError(f"overhead run failed: {last}")
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return runs


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over ``runs`` (a shared machine's noise moves one run by up to ±0.5 s)."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def report_repeated(runs: list[dict[str, float]], benchmark: str = "bert") -> str:
    """Every run's overhead, then the medians in :func:`report`'s form: the goal is judged on them."""
    each = ", ".join(f"{run['overhead']:.2f}" for run in runs)
    if len(runs) == 1:
        return report(runs[0], benchmark)
    return f"{len(runs)} runs, each in a fresh process: overhead {each} s; medians:\n" + report(median_run(runs), benchmark)


def report(numbers: dict[str, float], benchmark: str = "bert") -> str:
    return (
        f"{benchmark} smoke (short): total {numbers['total']:.1f} s, benchmark e2e_time {numbers['e2e_time']:.1f} s\n"
        f"  overhead {numbers['overhead']:.2f} s (goal <= 3 s) = validation/CLI {numbers['validation_and_cli']:.1f} s"
        f" + kernel start, imports and report cells {numbers['kernel_and_cells']:.1f} s"
        f" + HTML export {numbers['html_export']:.1f} s\n"
        f"  then the index rebuild `perfkit run` does after it: {numbers['index_build']:.1f} s"
    )
