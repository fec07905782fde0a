"""The README's first command runs `perfkit suite quickstart`: every built-in benchmark and the
spec sheet, on the CPU, each the smoke config with fewer steps. Planned here as the CLI plans it
(no run, no torch)."""

from __future__ import annotations

from perfkit.benchmarks import benchmark_names
from perfkit.jobs.suite import load_suite, plan_suite


def _planned(name: str) -> dict[str, list]:
    runs: dict[str, list] = {}
    for run in plan_suite(load_suite(name)):
        runs.setdefault(run.prepared.resolved.benchmark, []).append(run)
    return runs


def test_the_quickstart_runs_every_benchmark_that_the_smoke_suite_runs():
    quick, smoke = _planned("quickstart"), _planned("smoke")
    assert sorted(quick) == sorted(smoke) == sorted(benchmark_names())
    assert {b: len(r) for b, r in quick.items()} == {b: len(r) for b, r in smoke.items()}
    assert next(iter(quick)) == "specs"  # first: the runs after it are set against its GEMM


def test_each_quickstart_run_is_its_smoke_run_with_fewer_steps_into_the_same_folder():
    quick, smoke = _planned("quickstart"), _planned("smoke")
    for benchmark, runs in quick.items():
        for short, full in zip(runs, smoke[benchmark], strict=True):
            a, b = short.prepared.resolved, full.prepared.resolved
            assert (a.vendor, a.config, short.run_dir) == ("cpu", b.config, full.run_dir)
            changed = {k for k, v in a.params.model_dump().items() if b.params.model_dump()[k] != v}
            assert changed <= {"max_steps", "eval_interval", "eval_samples"}, (benchmark, changed)
            if "max_steps" in changed:
                assert a.params.max_steps < b.params.max_steps
