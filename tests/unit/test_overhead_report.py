"""`perfkit bench overhead` judges the goal on the medians of its runs and prints every run's
overhead beside them (perfkit.selfcheck.overhead)."""

from __future__ import annotations

from perfkit.selfcheck.overhead import median_run, report_repeated


def _run(overhead: float, e2e: float) -> dict[str, float]:
    return {"total": overhead + e2e, "e2e_time": e2e, "html_export": 0.05, "kernel_and_cells": overhead - 0.15,
            "interpreter_cli_exit": 0.1, "overhead": overhead, "index_build": 0.8}


def test_the_goal_is_judged_on_the_medians_and_every_run_is_shown():
    runs = [_run(3.4, 7.0), _run(2.6, 6.5), _run(2.7, 6.9)]
    assert median_run(runs)["overhead"] == 2.7 and median_run(runs)["e2e_time"] == 6.9
    text = report_repeated(runs)
    assert text.startswith("3 runs of `perfkit run`, each a fresh process: overhead 3.40, 2.60, 2.70 s; medians:")
    assert "overhead 2.70 s (goal <= 3 s)" in text


def test_one_run_is_reported_as_it_is():
    text = report_repeated([_run(2.9, 7.0)])
    assert "medians" not in text and "overhead 2.90 s" in text


def test_the_bench_reads_the_kit_line_the_command_prints():
    """`perfkit bench overhead` times `perfkit run` from outside and splits the time with the
    command's own kit line: one format, written and read back by perfkit.jobs.notebook_run."""
    from pathlib import Path

    from perfkit.jobs.notebook_run import NotebookRun, read_kit_line
    from support.fabricated import make_result

    run = NotebookRun(Path("/tmp/r/runs/bert/cpu/smoke"), "ok", make_result(metrics={"e2e_time": 7.04}), 9.70,
                      html_seconds=0.05)
    out = f"bert/cpu/smoke: ok in 9.7 s -> /tmp/r/runs/bert/cpu/smoke\n  {run.kit_line()}\n  e2e_time=7.04  p_core=190\n"
    assert read_kit_line(out) == (2.66, 0.05)
    assert read_kit_line("bert/cpu/smoke: failed in 9.7 s -> /tmp/r\n") is None
    assert NotebookRun(Path("/tmp/r"), "failed", None, 1.0).kit_line() is None
