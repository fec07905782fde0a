"""Telemetry and energy: the smi parsers on captured outputs, the energy arithmetic, RAPL's
wrap-around, the sampler with a fabricated source, and "not measurable here"."""

from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np
import pytest

from perfkit.errors import ParamsError
from perfkit.telemetry import NOT_MEASURABLE, Sample, Window, Work, read_samples, sampling, summarize, write_samples
from perfkit.telemetry.energy import counter_delta, peak_power, trapezoid_energy
from perfkit.telemetry.nvml import aggregate
from perfkit.telemetry.rapl import RaplSource
from perfkit.telemetry.sampler import Sampler
from perfkit.telemetry.smi_text import parse_ixsmi_csv, parse_xpu_smi_table
from perfkit.telemetry.source import Unavailable
from perfkit.telemetry.sources import open_sources

FIXTURES = Path(__file__).parents[1] / "fixtures" / "telemetry"


# -- parsers -------------------------------------------------------------------------------

def test_ixsmi_csv_reads_every_card_and_leaves_out_na():
    cards = parse_ixsmi_csv((FIXTURES / "ixsmi_query_gpu.csv").read_text())
    assert len(cards) == 3
    assert cards[0] == {"power_w": 118.0, "gpu_util_percent": 97.0, "gpu_mem_used_mib": 28714.0,
                        "temperature_c": 61.0, "sm_clock_mhz": 1500.0}
    assert cards[1]["power_w"] == 121.5 and cards[1]["temperature_c"] == 64.0
    assert "power_w" not in cards[2] and "sm_clock_mhz" not in cards[2]  # [N/A]
    assert cards[2]["gpu_mem_used_mib"] == 116.0


def test_ixsmi_csv_without_units_in_the_header_and_garbage():
    text = "index, power.draw, utilization.gpu\n0, 60.5 W, 12 %\n"
    assert parse_ixsmi_csv(text) == [{"power_w": 60.5, "gpu_util_percent": 12.0}]
    assert parse_ixsmi_csv("") == []
    assert parse_ixsmi_csv("command not found\n") == []


def test_xpu_smi_table_reads_the_device_rows_only():
    cards = parse_xpu_smi_table((FIXTURES / "xpu_smi_table.txt").read_text())
    assert cards == [
        {"gpu_util_percent": 93.0, "gpu_mem_used_mib": 30120.0, "power_w": 152.0, "temperature_c": 58.0},
        {"gpu_util_percent": 89.0, "gpu_mem_used_mib": 30104.0, "power_w": 147.0, "temperature_c": 55.0},
    ]


def test_xpu_smi_without_a_device_table_gives_no_card():
    assert parse_xpu_smi_table("xpu-smi: no device found\n") == []


def test_card_readings_aggregate_to_node_figures():
    cards = parse_ixsmi_csv((FIXTURES / "ixsmi_query_gpu.csv").read_text())
    node = aggregate(cards)
    assert node["power_w"] == pytest.approx(239.5)  # the N/A card adds nothing
    assert node["gpu_mem_used_mib"] == 28714 + 28702 + 116
    assert node["temperature_c"] == 64.0
    assert node["gpu_util_percent"] == pytest.approx((97 + 95 + 0) / 3)
    assert node["sm_clock_mhz"] == 1500.0


# -- energy arithmetic ---------------------------------------------------------------------

def _samples(times, key, values):
    return [Sample(t, {key: v}) for t, v in zip(times, values)]


def test_trapezoid_of_a_ramp_is_exact():
    t = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    watts = 100.0 + 10.0 * t  # linear: the trapezoid rule is exact
    window = Window(1.0, 3.0)
    assert trapezoid_energy(t, watts, window) == pytest.approx(2 * 120.0)
    # edges between samples are interpolated
    assert trapezoid_energy(t, watts, Window(0.5, 1.5)) == pytest.approx(110.0)
    assert peak_power(t, watts, Window(0.5, 1.5)) == pytest.approx(115.0)


def test_summary_from_sampled_power():
    samples = _samples([0, 1, 2, 3, 4], "power_w", [100, 200, 200, 300, 100])
    summary = summarize(samples, Window(0, 4), Work(samples=800, tokens=800 * 512), "nvml", None)
    energy = 150 + 200 + 250 + 200
    assert summary.energy_j == pytest.approx(energy)
    assert summary.power_avg_w == pytest.approx(energy / 4)
    assert summary.power_peak_w == 300
    assert summary.samples_per_j == pytest.approx(800 / energy)
    assert summary.tokens_per_j == pytest.approx(800 * 512 / energy)
    assert summary.energy_source == "nvml" and "trapezoid" in summary.telemetry_note


def test_counter_delta_unfolds_a_wrap_around():
    assert counter_delta(100, 250, 1000) == 150
    assert counter_delta(900, 50, 1000) == 150  # 100 to the top, then 50
    assert counter_delta(5, 5, 1000) == 0


def test_rapl_source_across_a_wrap(tmp_path):
    domain = tmp_path / "intel-rapl:0"
    inner = tmp_path / "intel-rapl:0:0"  # a sub-domain of the package: not counted twice
    for folder in (domain, inner):
        folder.mkdir()
        (folder / "max_energy_range_uj").write_text("1000000\n")
        (folder / "energy_uj").write_text("900000\n")
    source = RaplSource.open(tmp_path)
    (domain / "energy_uj").write_text("950000\n")
    assert source.read()["cpu_energy_j"] == pytest.approx(0.05)
    (domain / "energy_uj").write_text("150000\n")  # wrapped: 50000 to the top, then 150000
    assert source.read()["cpu_energy_j"] == pytest.approx(0.25)


def test_rapl_unreadable_or_absent_is_not_available(tmp_path):
    with pytest.raises(Unavailable, match="does not exist"):
        RaplSource.open(tmp_path / "missing")
    (tmp_path / "intel-rapl:0").mkdir()  # no readable counter inside
    with pytest.raises(Unavailable, match="no readable RAPL"):
        RaplSource.open(tmp_path)


def test_summary_from_an_energy_counter():
    samples = _samples([0, 1, 2, 3], "cpu_energy_j", [0.0, 50.0, 130.0, 180.0])
    summary = summarize(samples, Window(0.5, 2.5), Work(samples=100), None, "rapl")
    assert summary.energy_j == pytest.approx(155.0 - 25.0)
    assert summary.power_avg_w == pytest.approx(130.0 / 2)
    assert summary.power_peak_w == pytest.approx(80.0)
    assert summary.tokens_per_j is None  # no tokens for this work
    assert summary.energy_source == "rapl"


def test_the_accelerator_is_preferred_over_the_cpu_counter():
    samples = [Sample(t, {"power_w": 200.0, "cpu_energy_j": 10.0 * t}) for t in range(5)]
    assert summarize(samples, Window(0, 4), Work(1), "nvml", "rapl").energy_source == "nvml"


def test_no_source_is_not_measurable_never_zero():
    samples = [Sample(t, {"cpu_percent": 50.0}) for t in range(3)]
    summary = summarize(samples, Window(0, 2), Work(10), None, None, "rapl: /sys/class/powercap does not exist")
    assert summary.energy_j is None and summary.power_avg_w is None and summary.samples_per_j is None
    assert summary.telemetry_note.startswith(NOT_MEASURABLE) and "powercap" in summary.telemetry_note


def test_readings_that_do_not_cover_the_window_are_not_measurable():
    samples = _samples([1.0, 1.5], "power_w", [100.0, 100.0])
    summary = summarize(samples, Window(0.0, 3.0), Work(10), "nvml", None)
    assert summary.energy_j is None and "do not cover" in summary.telemetry_note


# -- sampler and session -------------------------------------------------------------------

class FakePower:
    """A fabricated accelerator: power rises by 10 W per read."""

    name = "fake"
    provides_power = True
    provides_energy = False

    def __init__(self):
        self.reads = 0
        self.closed = False
        self.enough = threading.Event()

    def read(self):
        self.reads += 1
        if self.reads >= 4:
            self.enough.set()
        return {"power_w": 100.0 + 10.0 * self.reads}

    def close(self):
        self.closed = True


class Broken:
    name = "broken"
    provides_power = False
    provides_energy = False

    def read(self):
        raise OSError("device gone")

    def close(self):
        pass


def test_sampler_reads_at_start_periodically_and_at_stop():
    fake = FakePower()
    sampler = Sampler([fake, Broken()], interval=0.05)
    sampler.start()
    assert fake.enough.wait(30)
    sampler.stop()
    samples = sampler.samples
    assert len(samples) >= 4 and fake.closed
    assert [s.values["power_w"] for s in samples] == [100.0 + 10.0 * i for i in range(1, len(samples) + 1)]
    assert all(b.t >= a.t for a, b in zip(samples, samples[1:]))
    assert "broken" in sampler.failed and "device gone" in sampler.failed["broken"]


def test_session_summary_and_saved_samples(tmp_path):
    fake = FakePower()
    with sampling(["fake", "absent"], 0.05, openers={"fake": lambda: fake, "absent": _absent}) as session:
        assert fake.enough.wait(30)
        window = session.window_ending_now(session.now())
    metrics = session.summary(window, Work(samples=1000))
    assert metrics["energy_source"] == "fake"
    assert metrics["energy_j"] > 0 and metrics["power_peak_w"] >= metrics["power_avg_w"] > 100
    assert metrics["samples_per_j"] == pytest.approx(1000 / metrics["energy_j"])
    assert metrics["telemetry_sources"] == ["fake"]
    path = session.save(tmp_path)
    back = read_samples(path)
    assert [s.values for s in back] == [s.values for s in session.samples]


def _absent():
    raise Unavailable("not on this machine")


def test_a_window_clipped_at_the_session_start_is_covered():
    """The first reading is stamped at the session's origin: a window that starts there (a loop
    that began with the session) has a reading at its start however slow the clock reads are."""
    ticks = iter(range(10**9))
    clock = lambda: next(ticks) * 1e-3  # every read of the clock advances it by 1 ms
    fake = FakePower()
    with sampling(["fake"], 0.05, openers={"fake": lambda: fake}, clock=clock) as session:
        assert fake.enough.wait(30)
        window = session.window_ending_now(seconds=1e6)
    assert window.start == 0.0 and session.samples[0].t == 0.0
    metrics = session.summary(window, Work(samples=1000))
    assert metrics["energy_source"] == "fake" and metrics["energy_j"] > 0


def test_session_without_power_source_states_why():
    with sampling(["absent"], 0.05, openers={"absent": _absent}) as session:
        window = session.window_ending_now(0.0)
    metrics = session.summary(Window(0, max(window.end, 1e-3)), Work(10))
    assert metrics["energy_j"] is None
    assert metrics["telemetry_note"].startswith(NOT_MEASURABLE) and "not on this machine" in metrics["telemetry_note"]


def test_interval_zero_turns_telemetry_off(tmp_path):
    with sampling(["host"], 0) as session:
        pass
    metrics = session.summary(Window(0, 1), Work(10))
    assert metrics["energy_j"] is None and "telemetry off" in metrics["telemetry_note"]
    assert session.save(tmp_path) is None and not list(tmp_path.iterdir())


def test_unknown_source_names_are_reported():
    opened = open_sources(["nope"], openers={})
    assert not opened.sources and "unknown telemetry source" in opened.unavailable["nope"]


def test_samples_file_round_trip_keeps_missing_fields_missing(tmp_path):
    samples = [Sample(0.0, {"cpu_percent": 10.0}), Sample(1.0, {"cpu_percent": 20.0, "power_w": 250.5})]
    back = read_samples(write_samples(tmp_path / "telemetry.csv", samples))
    assert back == samples


def test_bad_samples_file_is_refused(tmp_path):
    path = tmp_path / "telemetry.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a telemetry file"):
        read_samples(path)


# -- vendors, params, report ---------------------------------------------------------------

def test_vendors_name_their_telemetry_sources():
    from perfkit.telemetry.sources import OPENERS
    from perfkit.vendors.cpu import CpuVendor
    from perfkit.vendors.iluvatar import IluvatarVendor
    from perfkit.vendors.kunlunxin import KunlunxinVendor
    from perfkit.vendors.nvidia import NvidiaVendor

    assert CpuVendor().telemetry_sources() == ("host", "rapl")
    assert NvidiaVendor().telemetry_sources()[:2] == ("host", "nvml")
    assert "ixsmi" in IluvatarVendor().telemetry_sources()
    assert "xpu-smi" in KunlunxinVendor().telemetry_sources()
    for vendor in (CpuVendor(), NvidiaVendor(), IluvatarVendor(), KunlunxinVendor()):
        assert set(vendor.telemetry_sources()) <= set(OPENERS)


@pytest.mark.parametrize("value", [-1, 0.01, 10_000])
def test_telemetry_interval_is_validated(value):
    from perfkit.benchmarks import benchmark_class
    from perfkit.params import resolve_params

    cls = benchmark_class("bert")
    with pytest.raises(ParamsError, match="telemetry_interval"):
        resolve_params("bert", cls.params_model, "cpu", "smoke", {"telemetry_interval": value})


def test_telemetry_interval_zero_and_default():
    from perfkit.benchmarks import benchmark_class
    from perfkit.params import resolve_params

    cls = benchmark_class("bert")
    assert resolve_params("bert", cls.params_model, "cpu", "smoke", {}).params.telemetry_interval == 1.0
    off = resolve_params("bert", cls.params_model, "cpu", "smoke", {"telemetry_interval": 0})
    assert off.params.telemetry_interval == 0


def test_energy_table_says_not_measurable_when_none():
    from perfkit.report import tables
    from perfkit.results.record import RunResult

    def result(metrics):
        return RunResult("bert", "cpu", "smoke", "ok", "0", "", "", {"nnodes": 1, "nproc_per_node": 1}, {}, {}, {},
                         metrics=metrics)

    none = result({"energy_j": None, "energy_source": "none", "telemetry_note": "not measurable here: x"})
    cells = dict(zip(tables.energy_table(none)["指标名称"], tables.energy_table(none)["指标值"]))
    assert cells["能耗 energy"] == NOT_MEASURABLE and cells["平均功率 average power"] == NOT_MEASURABLE
    assert tables.energy_line(none) == NOT_MEASURABLE
    some = result({"energy_j": 1234.5, "power_avg_w": 250.0, "power_peak_w": 310.0, "samples_per_j": 2.5,
                   "tokens_per_j": None, "energy_source": "nvml"})
    cells = dict(zip(tables.energy_table(some)["指标名称"], tables.energy_table(some)["指标值"]))
    assert cells["能耗 energy"] == "1234.5 J" and cells["峰值功率 peak power"] == "310.0 W"
    assert cells["能效 tokens per joule"].startswith("n/a")
    assert "1234.5 J" in tables.energy_line(some) and "nvml" in tables.energy_line(some)


def test_timeline_figure_has_a_panel_per_measured_field():
    from perfkit.telemetry.timeline import timeline_figure

    samples = [Sample(float(t), {"power_w": 200.0 + t, "cpu_percent": 50.0, "rss_mib": 900.0,
                                 "cpu_energy_j": 30.0 * t}) for t in range(6)]
    fig = timeline_figure(samples, Window(1, 4))
    titles = [ax.get_ylabel() for ax in fig.axes]
    assert titles == ["power, W", "utilization, %", "memory, MiB"]
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert labels == ["accelerator power", "CPU package power (RAPL)"]
    assert math.isclose(fig.axes[0].lines[1].get_ydata()[0], 30.0)
    empty = timeline_figure([], None)
    assert "no telemetry samples" in empty.axes[0].texts[0].get_text()


# -- README export ---------------------------------------------------------------------------

def test_readme_export_has_the_energy_section_and_still_imports(tmp_path):
    from support.fabricated import make_result

    from perfkit.importing import parse_page
    from perfkit.report.markdown import readme_text

    for benchmark in ("bert", "bert_inference"):
        measured_run = make_result(benchmark=benchmark, config="x1", metrics={
            "p_core": 100.0, "energy_j": 5000.0, "power_avg_w": 250.0, "power_peak_w": 300.0, "samples_per_j": 0.4,
            "energy_source": "nvml", "telemetry_note": "nvml: trapezoid"})
        unmeasured = make_result(benchmark=benchmark, config="x2", metrics={
            "p_core": 90.0, "energy_j": None, "energy_source": "none", "telemetry_note": "not measurable here: x"})
        text = readme_text(benchmark, "cpu", [measured_run, unmeasured])
        section = text[text.index("#### 能耗监控结果"):]
        assert "总能耗(J)" in section and "平均功耗(W)" in section and "最大功耗(W)" in section
        assert "5000.0" in section and "250.0" in section and "300.0" in section and "nvml" in section
        assert "not measurable here" in section
        path = tmp_path / f"{benchmark}.md"
        path.write_text(text, encoding="utf-8")
        assert len(parse_page(path).rows) == 2  # the energy table is not read as a second results table
    old = readme_text("bert", "cpu", [make_result()])  # results from before telemetry: no section
    assert "能耗监控结果" not in old
