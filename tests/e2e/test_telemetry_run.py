"""End to end: a CPU smoke run carries the telemetry summary in result.json, its samples beside
it, and its report shows the 能耗监控结果 table with the energy line and the timeline image."""

from __future__ import annotations

import json
import math

import pytest

from perfkit.report.plots import IMAGE_DATA
from support.cli import run_cli

pytestmark = pytest.mark.e2e

SUMMARY_KEYS = ("energy_j", "power_avg_w", "power_peak_w", "samples_per_j", "energy_source", "telemetry_note")


@pytest.fixture(scope="module")
def telemetry_run(bert_data, tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    done = run_cli(
        "run", "bert", "--vendor", "cpu", "--config", "smoke",
        "--set", f"data_dir={bert_data}", "--set", "max_steps=20", "--set", "eval_interval=10",
        "--set", "telemetry_interval=0.2", "--no-index",
        env_extra={"PERFKIT_REPORTS": str(reports)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return reports / "runs/bert/cpu/smoke"


def test_result_has_the_telemetry_summary_and_samples_beside_it(telemetry_run):
    result = json.loads((telemetry_run / "result.json").read_text())
    metrics = result["metrics"]
    for key in SUMMARY_KEYS:
        assert key in metrics, key
    assert metrics["telemetry_interval"] == 0.2 and "host" in metrics["telemetry_sources"]
    start, end = metrics["telemetry_window"]
    assert end - start == pytest.approx(metrics["train_time"])
    if metrics["energy_j"] is None:  # no RAPL here: said so, never 0
        assert metrics["telemetry_note"].startswith("not measurable here")
        assert metrics["power_avg_w"] is None and metrics["samples_per_j"] is None
    else:
        assert metrics["energy_j"] > 0 and math.isfinite(metrics["samples_per_j"])
    lines = (telemetry_run / "telemetry.csv").read_text().splitlines()
    assert lines[0].startswith("t,cpu_percent,rss_mib")
    times = [float(line.split(",")[0]) for line in lines[1:]]
    assert times[0] <= start and times[-1] >= end  # readings on both sides of the window


def test_report_shows_the_energy_table_and_the_timeline(telemetry_run):
    html = (telemetry_run / "report.html").read_text()
    section = html[html.index("能耗监控结果"):html.index("指标定义")]
    assert "能耗 energy" in section
    result = json.loads((telemetry_run / "result.json").read_text())
    if result["metrics"]["energy_j"] is None:
        assert "not measurable here" in section
    else:
        assert f"{result['metrics']['energy_j']:.1f} J" in section
    assert IMAGE_DATA in section  # the timeline figure
    assert "energy J / avg W / peak W" in html  # the run summary's line
