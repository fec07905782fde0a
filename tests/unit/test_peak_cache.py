"""The peak behind MFU: the datasheet wins; otherwise one measured peak per machine and dtype,
cached and reused by every run (so repeats share one denominator), measured again while
unclean (unstable or a busy machine) up to ATTEMPTS times, and again when the software changed.
Fabricated measurements stand in for the GEMM microbenchmark."""

from __future__ import annotations

import json

import pytest
import torch

from perfkit.engine import peak
from perfkit.params.hardware import HardwareSpec, load_hardware

CPU = torch.device("cpu")
SOFTWARE = {"torch": "2.13.0", "perfkit": "0.1.0"}


def _hardware(peaks: dict[str, float]) -> HardwareSpec:
    return HardwareSpec(name="Card X", vendor="cpu", short_name="X", peak_tflops=peaks)


def _m(tflops: float, spread: float = 0.01, load: float = 0.0, software=None, day: str = "2026-11-29"):
    return peak.GemmMeasurement(tflops, spread, 7, f"{day}T22:00:00+00:00", load, dict(software or SOFTWARE))


@pytest.fixture()
def fabricated(monkeypatch):
    """Queue measurements; each call of the microbenchmark takes the next one."""
    queue: list[peak.GemmMeasurement] = []
    monkeypatch.setattr(peak, "gemm_measurement", lambda device, dtype, sync: queue.pop(0))
    monkeypatch.setattr(peak, "software_versions", lambda device: dict(SOFTWARE))
    return queue


def _peak(tmp_path, dtype=torch.float32, remeasure=False) -> peak.PeakFlops:
    return peak.measured_peak(CPU, "cpu model", dtype, lambda: None, tmp_path, remeasure=remeasure)


def test_a_declared_peak_wins_names_the_datasheet_and_nothing_is_measured(tmp_path, fabricated):
    got = peak.peak_flops(_hardware({"fp16": 312.0}), "fp16", torch.float16, CPU, "card", lambda: None, tmp_path)
    assert got == peak.PeakFlops(312.0, "datasheet (Card X, hardware file)")
    assert not (tmp_path / peak.CACHE_FILE).exists()


def test_a_stable_quiet_measurement_is_cached_with_its_date_and_spread(tmp_path, fabricated):
    fabricated += [_m(1.5, spread=0.012), _m(0.5)]
    first = _peak(tmp_path)
    again = _peak(tmp_path)
    other = _peak(tmp_path, torch.bfloat16)
    assert first == again == peak.PeakFlops(1.5, "measured on 2026-11-29, spread 1.2%")
    assert other.tflops == 0.5 and not fabricated  # fp32 was measured once, bf16 once
    stored = json.loads((tmp_path / peak.CACHE_FILE).read_text())
    entry = next(v for k, v in stored.items() if k.endswith("float32"))
    assert entry["spread"] == 0.012 and entry["repeats"] == 7 and entry["software"] == SOFTWARE


def test_an_unstable_measurement_is_repeated_and_the_first_clean_one_cached(tmp_path, fabricated):
    fabricated += [_m(0.3, spread=0.12), _m(0.43, spread=0.02)]
    got = _peak(tmp_path)
    assert got == peak.PeakFlops(0.43, "measured on 2026-11-29, spread 2.0%") and not fabricated
    assert _peak(tmp_path) == got  # reused, not measured again


def test_when_no_attempt_is_clean_one_figure_is_cached_all_the_same_and_says_so(tmp_path, fabricated):
    # the issue: each repeat measured its own peak (0.036-0.085 TFLOP/s, "not cached: unstable"),
    # so the MFU denominators of one configuration's repeats differed
    fabricated += [_m(0.036, spread=0.3), _m(0.085, spread=0.2), _m(0.05, load=0.6), _m(0.2)]
    first = _peak(tmp_path)
    assert first.tflops == 0.085 and "unstable (spread 20.0% > 5%): run `perfkit bench peak`" in first.source
    repeats = [_peak(tmp_path) for _ in range(3)]
    assert all(r == first for r in repeats) and fabricated == [_m(0.2)]  # one denominator, nothing measured
    assert _peak(tmp_path, remeasure=True) == peak.PeakFlops(0.2, "measured on 2026-11-29, spread 1.0%")


def test_a_measurement_on_a_busy_machine_is_repeated(tmp_path, fabricated):
    fabricated += [_m(0.273, load=0.6), _m(0.431)]
    assert _peak(tmp_path).tflops == 0.431
    assert _peak(tmp_path).tflops == 0.431 and not fabricated


def test_a_clean_figure_is_not_replaced_by_an_unclean_one(tmp_path, fabricated):
    fabricated += [_m(1.0), _m(1.5, spread=0.2), _m(1.6, spread=0.2), _m(1.7, spread=0.2)]
    assert _peak(tmp_path).tflops == 1.0
    assert _peak(tmp_path, remeasure=True).tflops == 1.0 and not fabricated


def test_a_cached_peak_older_than_the_software_is_measured_again(tmp_path, fabricated, monkeypatch):
    fabricated += [_m(1.0), _m(1.2, software={**SOFTWARE, "torch": "2.14.0"})]
    assert _peak(tmp_path).tflops == 1.0
    monkeypatch.setattr(peak, "software_versions", lambda device: {**SOFTWARE, "torch": "2.14.0"})
    assert peak.why_remeasure(_m(1.0), {**SOFTWARE, "torch": "2.14.0"}) == "software changed since (torch)"
    assert _peak(tmp_path).tflops == 1.2  # measured again although 1.0 was higher
    assert _peak(tmp_path).tflops == 1.2 and not fabricated


def test_an_entry_from_before_these_rules_is_measured_again(tmp_path, fabricated):
    key = peak.cache_key(CPU, "cpu model", torch.float32)
    (tmp_path / peak.CACHE_FILE).write_text(json.dumps({key: 0.273}))  # the old format: a bare number
    fabricated.append(_m(0.431))
    assert _peak(tmp_path).tflops == 0.431


def test_remeasuring_keeps_the_higher_of_two_valid_figures(tmp_path, fabricated):
    fabricated += [_m(2.0), _m(1.9), _m(3.0)]
    assert _peak(tmp_path).tflops == 2.0
    assert _peak(tmp_path, remeasure=True).tflops == 2.0  # 1.9: a slower moment
    assert _peak(tmp_path, remeasure=True).tflops == 3.0
    assert _peak(tmp_path).tflops == 3.0 and not fabricated


def test_spread_and_other_load_arithmetic():
    assert peak.spread([1.0, 1.0, 1.0]) == 0.0
    assert peak.spread([0.9, 1.1]) == pytest.approx(0.1)
    assert peak.other_load(system_busy=3.0, own=1.0, wall=2.0, cores=2) == pytest.approx(0.5)
    assert peak.other_load(system_busy=1.0, own=1.2, wall=2.0, cores=2) == 0.0  # accounting jitter
    assert peak.why_unclean(_m(1.0, spread=0.05, load=0.25)) is None  # the limits themselves pass


def test_the_gemm_microbenchmark_measures_repeats_with_a_spread():
    measured = peak.gemm_measurement(CPU, torch.float32, lambda: None)
    assert measured.tflops > 0 and measured.repeats == peak.REPEATS and measured.spread >= 0
    assert 0.0 <= measured.other_load <= 1.0 and measured.software["torch"] == torch.__version__


@pytest.mark.parametrize("name, memory, bandwidth", [("h100-sxm", 80.0, 3.35), ("h200", 141.0, 4.8)])
def test_hopper_hardware_files_state_dense_datasheet_peaks(name, memory, bandwidth):
    spec = load_hardware(name)
    assert spec.vendor == "nvidia" and spec.memory_gib == memory and spec.memory_bandwidth_tb_s == bandwidth
    assert spec.peak_tflops == {"fp32": 66.9, "tf32": 494.7, "bf16": 989.4, "fp16": 989.4, "fp8": 1978.9,
                                "fp64": 67.0}
    assert spec.peak_tops == {"int8": 1978.9} and spec.tdp_w == 700.0 and spec.interconnect_gb_s == 900.0
    assert peak.peak_flops(spec, "bf16", torch.bfloat16, CPU, "", lambda: None).source.startswith("datasheet")


def test_a_cache_folder_that_is_a_link_is_not_written_through(tmp_path, fabricated, monkeypatch):
    """Issue 21: data/cache as a symbolic link: the measurement is used, not cached, and nothing
    is written where the link points."""
    from perfkit import paths

    victim = tmp_path / "victim"
    victim.mkdir()
    data = tmp_path / "data"
    data.mkdir()
    (data / "cache").symlink_to(victim)
    monkeypatch.setattr(paths, "data_cache_dir", lambda: data)
    fabricated.append(_m(10.0))
    result = peak.measured_peak(CPU, "cpu model", torch.float32, lambda: None)
    assert result.tflops == 10.0
    assert "not cached" in result.source and "symbolic link" in result.source
    assert list(victim.iterdir()) == []
