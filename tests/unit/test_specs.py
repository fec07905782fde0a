"""The spec cases' measuring core (perfkit.specs): arithmetic, results, refusals, datasheet."""

from __future__ import annotations

import gc
import itertools
import math
import weakref

import pytest
import torch

from perfkit.errors import ParamsError
from perfkit.measure.timers import HostEvent
from perfkit.params.hardware import load_hardware
from perfkit.specs import collectives, datasheet, gemm, memory, transfer
from perfkit.specs.result import CaseRefused, Measured, NotApplicable
from perfkit.specs.timing import Budget, time_calls
from perfkit.vendors.cpu import CpuVendor

TINY = Budget(warmup=1, min_seconds=0.02, repeats=3, timeout_s=60)


class SteppedClockVendor(CpuVendor):
    """A CPU vendor whose timing events read a clock that advances 1 ms per reading: every
    repeat's events are exactly 1 ms apart, whatever the work, so the arithmetic is exact."""

    def __init__(self) -> None:
        ticks = itertools.count()
        self._clock = lambda: next(ticks) * 0.001

    def create_event(self) -> HostEvent:
        return HostEvent(self._clock)


STEPPED = Budget(warmup=0, min_seconds=0.004, repeats=2, timeout_s=60)  # 2 calls a repeat, 0.5 ms each


# -- nccl-tests' bandwidths (NVIDIA/nccl-tests doc/PERFORMANCE.md) ---------------------------

def test_algbw_is_size_over_time():
    assert collectives.algbw(1e9, 0.5) == 2e9
    with pytest.raises(ValueError):
        collectives.algbw(1e9, 0.0)


@pytest.mark.parametrize("ranks, all_reduce, all_gather", [(1, 0.0, 0.0), (2, 1.0, 0.5), (4, 1.5, 0.75),
                                                           (8, 1.75, 0.875), (16, 1.875, 0.9375)])
def test_busbw_factors_are_nccl_tests_formulas(ranks, all_reduce, all_gather):
    assert collectives.busbw_factor("all_reduce", ranks) == pytest.approx(2 * (ranks - 1) / ranks) == all_reduce
    assert collectives.busbw_factor("all_gather", ranks) == pytest.approx((ranks - 1) / ranks) == all_gather
    assert collectives.busbw("all_reduce", 100.0, ranks) == pytest.approx(100.0 * all_reduce)


def test_all_gather_size_is_the_whole_output_and_unknown_collectives_are_refused():
    assert collectives.operation_bytes("all_gather", 1024, 8) == 8192
    assert collectives.operation_bytes("all_reduce", 1024, 8) == 1024
    with pytest.raises(ValueError, match="allowed: all_reduce, all_gather"):
        collectives.busbw_factor("broadcast", 8)
    with pytest.raises(ValueError):
        collectives.busbw_factor("all_reduce", 0)


def test_a_collective_outside_a_process_group_is_refused_in_one_line():
    with pytest.raises(CaseRefused, match="initialized torch.distributed process group"):
        collectives.run_collective(CpuVendor(), "all_reduce", 1024, TINY)


def test_all_reduce_and_all_gather_over_two_gloo_processes():
    for operation, factor in (("all_reduce", 1.0), ("all_gather", 0.5)):
        result = collectives.run_local_group("cpu", operation, ranks=2, size_bytes=1 << 16, budget=TINY)
        assert isinstance(result, Measured) and result.case == operation and result.unit == "GB/s"
        assert result.params["ranks"] == 2 and result.params["backend"] == "gloo"
        assert math.isfinite(result.value) and result.value > 0 and result.repeats == 3
        assert result.value == pytest.approx(result.params["algbw_gb_s"] * factor)
        assert result.params["operation_bytes"] == (1 << 16) * (2 if operation == "all_gather" else 1)


# -- gemm --------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["fp32", "bf16"])
def test_gemm_gives_a_finite_positive_rate_and_the_flop_count(dtype):
    result = gemm.run_gemm(CpuVendor(), dtype, m=16, n=24, k=32, budget=TINY)
    assert result.case == "gemm" and result.variant == dtype and result.unit == "TFLOP/s"
    assert result.params["flops_per_call"] == 2 * 16 * 24 * 32 == gemm.gemm_flops(16, 24, 32)
    assert math.isfinite(result.value) and result.value > 0 and result.repeats == 3
    assert result.best >= result.value and result.spread >= 0
    assert "torch.mm" in result.method


def test_gemm_rate_is_flops_over_event_time():
    result = gemm.run_gemm(SteppedClockVendor(), "fp32", m=8, n=8, k=8, budget=STEPPED)
    assert result.params["calls_per_repeat"] == 2
    assert result.value == pytest.approx(2 * 8**3 / 0.0005 / 1e12)
    assert result.spread == 0.0


def test_int8_and_fp8_state_the_torch_op():
    assert "torch._int_mm" in gemm.OPS["int8"] and "torch._scaled_mm" in gemm.OPS["fp8"]
    assert gemm.unit_of("int8") == "TOP/s"


@pytest.mark.parametrize("dtype, message", [("tf32", "CUDA tensor-core mode"), ("fp4", "unknown dtype 'fp4'")])
def test_a_dtype_the_device_lacks_is_refused_in_one_line(dtype, message):
    with pytest.raises(CaseRefused, match=message) as raised:
        gemm.run_gemm(CpuVendor(), dtype, 8, 8, 8, TINY)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("sizes", [(0, 8, 8), (8, -1, 8), (8, 8, 2.5), (True, 8, 8)])
def test_gemm_sizes_are_checked(sizes):
    with pytest.raises(CaseRefused, match="must be an integer"):
        gemm.run_gemm(CpuVendor(), "fp32", *sizes, budget=TINY)


# -- memory ------------------------------------------------------------------------------------

def test_memory_bandwidth_counts_read_and_write():
    result = memory.run_memory_bandwidth(CpuVendor(), size_bytes=1 << 20, budget=TINY)
    assert result.unit == "GB/s" and result.params["bytes_per_call"] == 2 << 20
    assert math.isfinite(result.value) and result.value > 0
    exact = memory.run_memory_bandwidth(SteppedClockVendor(), size_bytes=1000, budget=STEPPED)
    assert exact.value == pytest.approx(2000 / 0.0005 / 1e9)


def test_cpu_capacity_above_its_share_of_available_memory_is_refused():
    with pytest.raises(CaseRefused, match=r"above the bound of 0.50 GiB \(50% of the memory available now\)"):
        memory.run_memory_capacity(CpuVendor(), size_gib=0.75, available=1 << 30)
    for size in (0.0, -1.0, float("nan"), True, "1"):
        with pytest.raises(CaseRefused, match="size_gib must be positive"):
            memory.run_memory_capacity(CpuVendor(), size_gib=size, available=1 << 30)
    for share in (0.0, 0.95, -1.0, float("nan"), "0.5"):
        with pytest.raises(CaseRefused, match="max_share"):
            memory.run_memory_capacity(CpuVendor(), size_gib=0.001, max_share=share, available=1 << 30)


def test_cpu_capacity_within_its_bound_holds_the_request_and_frees_it():
    result = memory.run_memory_capacity(CpuVendor(), size_gib=8 / 1024, chunk_bytes=3 << 20, available=1 << 30)
    assert result.unit == "GiB" and result.value == pytest.approx(8 / 1024)
    assert "50% of available memory" in result.method


class Chunk:
    pass


class AcceleratorVendor(CpuVendor):
    def device(self, local_rank: int = 0) -> torch.device:
        return torch.device("meta")


def test_accelerator_capacity_allocates_until_out_of_memory_then_frees_everything():
    made: list[weakref.ref] = []

    def allocate(size: int) -> Chunk:
        if len(made) == 5:
            raise torch.OutOfMemoryError("out of memory")
        chunk = Chunk()
        made.append(weakref.ref(chunk))
        return chunk

    result = memory.run_memory_capacity(AcceleratorVendor(), chunk_bytes=1 << 30, allocate=allocate)
    gc.collect()
    assert result.value == 5.0 and "until its out-of-memory error" in result.method
    assert all(ref() is None for ref in made)  # every chunk freed


def test_accelerator_capacity_frees_everything_when_allocation_fails_otherwise():
    made: list[weakref.ref] = []

    def allocate(size: int) -> Chunk:
        if len(made) == 3:
            raise RuntimeError("driver fault")
        chunk = Chunk()
        made.append(weakref.ref(chunk))
        return chunk

    with pytest.raises(RuntimeError, match="driver fault"):
        memory.run_memory_capacity(AcceleratorVendor(), chunk_bytes=1 << 20, allocate=allocate)
    gc.collect()
    assert all(ref() is None for ref in made)


# -- not applicable on the CPU -----------------------------------------------------------------

@pytest.mark.parametrize("direction, host_memory", [("h2d", "pinned"), ("h2d", "pageable"), ("d2h", "pinned"),
                                                    ("d2h", "pageable")])
def test_host_transfers_on_the_cpu_are_not_applicable_with_the_reason(direction, host_memory):
    result = transfer.run_host_transfer(CpuVendor(), direction, host_memory, size_bytes=1024)
    assert isinstance(result, NotApplicable) and result.case == direction and result.variant == host_memory
    assert "no separate device memory" in result.reason
    assert result.to_dict()["kind"] == "not_applicable" and "value" not in result.to_dict()


def test_p2p_on_the_cpu_is_not_applicable_and_bad_directions_are_refused():
    result = transfer.run_p2p(CpuVendor(), size_bytes=1024)
    assert isinstance(result, NotApplicable) and "no second card" in result.reason
    with pytest.raises(CaseRefused, match="h2d or d2h"):
        transfer.run_host_transfer(CpuVendor(), "sideways", "pinned")


# -- timing ------------------------------------------------------------------------------------

def test_a_case_past_its_timeout_before_one_repeat_is_refused():
    readings = iter([0.0, 100.0, 200.0, 300.0, 400.0])
    with pytest.raises(CaseRefused, match="timeout of 1 s passed"):
        time_calls(lambda: None, HostEvent, lambda: None, Budget(warmup=0, min_seconds=0.01, repeats=2, timeout_s=1),
                   "demo", clock=lambda: next(readings))


@pytest.mark.parametrize("fields", [{"min_seconds": 0.0}, {"timeout_s": float("nan")}, {"repeats": 0},
                                    {"warmup": -1}, {"min_seconds": "1"}, {"repeats": 2.5}, {"timeout_s": True}])
def test_budgets_are_checked(fields):
    with pytest.raises(CaseRefused):
        Budget(**fields)


# -- datasheet ---------------------------------------------------------------------------------

def test_measured_against_the_datasheet():
    a100 = load_hardware("a100-sxm4-40gb")
    fake = Measured("gemm", "bf16", 259.2, "TFLOP/s", 0.01, 5, 260.0, "torch.mm (bfloat16)")
    paired = datasheet.with_datasheet(fake, a100)
    assert paired.datasheet == 312.0 and paired.percent_of_datasheet == pytest.approx(83.08, abs=0.01)
    assert "A100" in paired.datasheet_source
    assert datasheet.datasheet_value(a100, "gemm", "int8") == 624.0
    assert datasheet.datasheet_value(a100, "memory_bandwidth") == pytest.approx(1555.0)
    assert datasheet.datasheet_value(a100, "all_reduce") == 600.0
    assert datasheet.datasheet_value(a100, "h2d") is None


def test_the_cpu_datasheet_is_unknown_and_never_invented():
    cpu = load_hardware("cpu")
    for case, variant in (("gemm", "fp32"), ("gemm", "int8"), ("memory_bandwidth", ""), ("memory_capacity", ""),
                          ("all_reduce", "")):
        assert datasheet.datasheet_value(cpu, case, variant) is None
    fake = Measured("memory_bandwidth", "copy", 10.0, "GB/s", 0.0, 1, 10.0, "copy_")
    paired = datasheet.with_datasheet(fake, cpu)
    assert paired.datasheet is None and paired.percent_of_datasheet is None and paired.datasheet_source == ""
    na = NotApplicable("h2d", "pinned", "why")
    assert datasheet.with_datasheet(na, cpu) is na


@pytest.mark.parametrize("line, key", [("tdp_w: -400", "tdp_w"), ("interconnect_gb_s: .nan", "interconnect_gb_s"),
                                       ("memory_gib: .inf", "memory_gib"), ("memory_bandwidth_tb_s: 0", "memory_bandwidth_tb_s"),
                                       ("tdp_w: true", "tdp_w"), ("tdp_w: '400'", "tdp_w"),
                                       ("peak_tflops: {bf16: .nan}", "peak_tflops"),
                                       ("peak_tops: {int8: -1}", "peak_tops")])
def test_datasheet_values_must_be_finite_and_positive(tmp_path, monkeypatch, line, key):
    (tmp_path / "params" / "hardware").mkdir(parents=True)
    (tmp_path / "params" / "hardware" / "bad.yaml").write_text(
        f"name: Bad\nvendor: nvidia\nshort_name: BAD\n{line}\n", encoding="utf-8")
    monkeypatch.setenv("PERFKIT_ROOT", str(tmp_path))
    with pytest.raises(ParamsError, match=f"key '{key}[.']|is not finite") as raised:
        load_hardware("bad")
    assert "\n" not in str(raised.value)


# -- perfkit bench gemm --------------------------------------------------------------------------

def test_bench_gemm_prints_the_case_the_hand_loop_and_their_ratio(capsys):
    from perfkit.cli import main

    assert main(["bench", "gemm", "--vendor", "cpu", "--size", "32", "--pairs", "2"]) == 0
    out = capsys.readouterr().out
    assert "GEMM fp32, M=N=K=32, on cpu (cpu): 2 interleaved pairs" in out
    assert out.count("hand torch.mm loop") == 2 and "median of the pairs' ratios" in out and "±5% goal" in out


def test_bench_gemm_refuses_a_dtype_the_device_lacks_in_one_line(capsys):
    from perfkit.cli import main

    assert main(["bench", "gemm", "--vendor", "cpu", "--dtype", "tf32", "--size", "32", "--pairs", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "tf32 is a CUDA tensor-core mode" in err and "\n" not in err and "Traceback" not in err


def test_gemm_sizes_the_op_refuses_are_refused_in_one_line(monkeypatch):
    real = gemm.product

    def picky(dtype, device, m, n, k):
        if m == 24:
            def fails():
                raise RuntimeError("self.size(0) needs to be greater than 16\nsecond line")
            return fails
        return real(dtype, device, m, n, k)

    monkeypatch.setattr(gemm, "product", picky)
    with pytest.raises(CaseRefused, match=r"gemm int8: torch._int_mm .* of 24x32 by 32x32 .*greater than 16$") as raised:
        gemm.run_gemm(CpuVendor(), "int8", 24, 32, 32, TINY)
    assert "\n" not in str(raised.value)


def test_capacity_past_its_timeout_frees_everything_and_is_refused():
    made: list[weakref.ref] = []
    readings = iter([0.0, 0.5, 0.9, 2.0, 3.0])

    def allocate(size: int) -> Chunk:
        chunk = Chunk()
        made.append(weakref.ref(chunk))
        return chunk

    with pytest.raises(CaseRefused, match="timeout of 1 s passed after 2.00 GiB; everything freed"):
        memory.run_memory_capacity(AcceleratorVendor(), chunk_bytes=1 << 30, allocate=allocate, timeout_s=1,
                                   clock=lambda: next(readings))
    gc.collect()
    assert len(made) == 2 and all(ref() is None for ref in made)
    with pytest.raises(CaseRefused, match="timeout_s must be a positive number"):
        memory.run_memory_capacity(CpuVendor(), size_gib=0.001, timeout_s=0)



def test_bench_gemm_ratio_is_the_median_of_the_pairs_ratios():
    from perfkit.selfcheck.gemm_check import GemmPair, pair_ratio

    # per pair (1, 1, 3): median 1.0; the ratio of the two sides' medians would be 2 / 1
    assert pair_ratio([GemmPair(1.0, 1.0), GemmPair(2.0, 2.0), GemmPair(3.0, 1.0)]) == 1.0
