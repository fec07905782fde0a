"""Noise made visible: the host load a run records, repeats whose spread is above the CV bound
flagged on the Repeats table, in `perfkit compare` and in `perfkit.report.load()`, and sweep
plots with error bars on an axis from zero."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time

import pytest

from support.fabricated import make_result, write_run
from perfkit.cli import main
from perfkit.report import frame, repeats, sweeps
from perfkit.report.tables import environment_table
from perfkit.results.environment import describe_host_load
from perfkit.telemetry import host


def _result(p_core: float, config: str = "smoke", params_hash: str = "h", **params):
    result = make_result(config=config, metrics={"p_core": p_core})
    result.run["params_hash"] = params_hash
    result.run["params"].update(params)
    return result


# --- host load ------------------------------------------------------------------------------


def test_other_load_arithmetic():
    assert host.other_load(system_busy=3.0, own=1.0, wall=2.0, cores=2) == pytest.approx(0.5)
    assert host.other_load(system_busy=1.0, own=1.2, wall=2.0, cores=2) == 0.0  # accounting jitter
    assert host.other_load(system_busy=9.0, own=0.0, wall=1.0, cores=2) == 1.0
    assert host.other_load(1.0, 0.0, wall=0.0, cores=2) == 0.0


def test_host_load_counts_this_process_tree_as_ours_and_other_processes_as_load():
    busy = "import time\nend = time.time() + 1.5\nwhile time.time() < end: pass"
    child = subprocess.Popen([sys.executable, "-c", busy])
    try:
        probe = host.HostLoad()
        time.sleep(0.2)
        own_before = host.tree_cpu_seconds()
        child.wait(timeout=30)
    finally:
        child.kill()
    load = probe.finish()
    assert set(load) == {"loadavg_start", "loadavg_end", "other_cpu_share", "cpu_count", "window_s"}
    assert 0.0 <= load["other_cpu_share"] <= 1.0 and load["cpu_count"] == os.cpu_count()
    assert len(load["loadavg_start"]) == 3 and load["window_s"] > 0
    assert host.tree_cpu_seconds() > own_before  # the busy child's time, reaped, is this tree's own


def test_a_run_record_shows_its_host_load_on_the_page_and_in_load(tmp_path):
    result = _result(100.0)
    result.environment["host_load"] = {"loadavg_start": [1.5, 1.0, 0.5], "loadavg_end": [2.25, 1.2, 0.6],
                                       "other_cpu_share": 0.35, "cpu_count": 2, "window_s": 30.0}
    line = describe_host_load(result.environment)
    assert line == "load average 1.5 → 2.25 (1 min); other processes 35% of 2 CPUs"
    table = environment_table(result)
    assert line in set(table["值"])
    write_run(tmp_path, result)
    row = frame.load(tmp_path).iloc[0]
    assert row["host_other_cpu_share"] == 0.35 and row["host_loadavg_end"] == 2.25
    assert describe_host_load({"host_load": {"other_cpu_share": "x", "loadavg_start": "y"}}) == ""
    assert "not recorded" in set(environment_table(_result(1.0))["值"])


# --- the CV bound ---------------------------------------------------------------------------


def test_repeats_above_the_cv_bound_are_flagged_in_the_repeats_table():
    noisy = [_result(9.11), _result(4.32), _result(6.0)]  # the spread: a CV near 35-50 %
    quiet = [_result(100.0, config="quiet"), _result(101.0, config="quiet"), _result(99.5, config="quiet")]
    table = repeats.repeats_table(noisy + quiet)
    p_core = table[table["metric"] == "p_core"].set_index("config")
    assert p_core.loc["smoke", "noisy"] == "⚠ CV > 10%" and p_core.loc["quiet", "noisy"] == ""
    rows = [r for r in repeats.repeat_rows(noisy) if r["metric"] == "p_core"]
    assert rows[0]["noisy"] is True and rows[0]["cv"] > repeats.CV_BOUND


def test_runs_of_other_params_are_not_repeats_of_each_other():
    mixed = [_result(10.0, params_hash="a"), _result(10.1, params_hash="a"), _result(5.0, params_hash="b"),
             _result(5.1, params_hash="b")]
    p_core = [r for r in repeats.repeat_rows(mixed) if r["metric"] == "p_core"]
    assert len(p_core) == 2 and not any(r["noisy"] for r in p_core)


def test_load_has_the_noise_columns(tmp_path):
    for i, value in enumerate([9.11, 4.32, 6.0]):
        write_run(tmp_path, _result(value), repeat="" if i == 0 else f"r{i + 1}")
    for i, value in enumerate([100.0, 101.0]):
        write_run(tmp_path, _result(value, config="quiet"), repeat="" if i == 0 else f"r{i + 1}")
    write_run(tmp_path, _result(50.0, config="single"))
    df = frame.load(tmp_path).set_index("run_id")
    assert bool(df.loc["bert/cpu/smoke/r2", "noisy"]) and df.loc["bert/cpu/smoke", "repeats_n"] == 3
    assert df.loc["bert/cpu/smoke", "repeats_cv"] == pytest.approx(repeats.spread([9.11, 4.32, 6.0])[2])
    assert not bool(df.loc["bert/cpu/quiet", "noisy"]) and df.loc["bert/cpu/quiet", "repeats_cv"] < 0.01
    assert math.isnan(df.loc["bert/cpu/single", "repeats_cv"]) and not bool(df.loc["bert/cpu/single", "noisy"])


def test_compare_flags_noisy_repeats(tmp_path, capsys):
    for side, values in (("base", [9.11, 4.32, 6.0]), ("new", [9.0, 9.1, 9.2])):
        for i, value in enumerate(values):
            write_run(tmp_path / side, _result(value), repeat="" if i == 0 else f"r{i + 1}", report_html=False)
    main(["compare", str(tmp_path / "base"), str(tmp_path / "new"), "--html", "-"])
    out = capsys.readouterr().out
    assert "noisy: base CV" in out and "> 10%" in out and "noisy: new" not in out


# --- sweeps ---------------------------------------------------------------------------------


def _sweep_results() -> list:
    out = []
    for bs, values in ((16, [6.55, 6.60, 6.70]), (32, [6.62, 6.70, 6.58]), (64, [6.68, 6.66, 6.70])):
        for value in values:
            r = make_result(config=f"smoke--batch_size-{bs}", metrics={"p_core": value})
            r.run["params"]["batch_size"] = bs
            out.append(r)
    return out


def test_sweep_series_carry_the_spread_over_repeats():
    (sweep,) = sweeps.sweeps(_sweep_results())
    (points,) = sweep.points().values()
    assert [p.x for p in points] == [16.0, 32.0, 64.0] and [p.n for p in points] == [3, 3, 3]
    assert points[0].mean == pytest.approx(6.6166667) and points[0].std == pytest.approx(0.0763763)


def test_sweep_chart_draws_error_bars_on_an_axis_from_zero():
    fig = sweeps.sweep_chart(_sweep_results())
    ax = fig.axes[0]
    assert ax.get_ylim()[0] == 0.0  # 6.55-6.70 drawn from 0: no trend where there is none
    assert ax.containers and ax.containers[0].has_yerr  # an errorbar container per line
    assert "mean ± std" in ax.get_ylabel()


# --- a real run, in-process -------------------------------------------------------------------


def test_repeats_of_a_run_record_host_load_and_share_one_peak(bert_data, tmp_path, monkeypatch):
    """Two runs of one config (the CPU has no datasheet peak): each records its host load, and
    both divide by the same cached peak, whatever the machine's load did meanwhile."""
    from perfkit.engine import peak
    from perfkit.run.execute import execute
    from perfkit.run.spec import prepare

    monkeypatch.setenv("PERFKIT_DATA", str(tmp_path / "data"))
    overrides = {"data_dir": str(bert_data), "max_steps": 4, "eval_interval": 4, "eval_samples": 32}
    first = execute(prepare("bert", "cpu", "smoke", overrides, tmp_path / "a"), progress=False)
    second = execute(prepare("bert", "cpu", "smoke", overrides, tmp_path / "b"), progress=False)
    for result in (first, second):
        load = result.environment["host_load"]
        assert 0.0 <= load["other_cpu_share"] <= 1.0 and len(load["loadavg_end"]) == 3 and load["window_s"] > 0
    assert first.metrics["peak_tflops"] == second.metrics["peak_tflops"] > 0
    assert first.metrics["peak_source"] == second.metrics["peak_source"]
    assert first.metrics["peak_source"].startswith("measured on ")
    assert (tmp_path / "data" / "cache" / peak.CACHE_FILE).is_file()
