"""The roofline figure: a run report's (its record's ceilings and point) and the index's (one per
hardware, every ok run on it, the ceilings of that hardware's latest spec sheet)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from support.fabricated import make_result, write_run

from perfkit.params.hardware import load_hardware
from perfkit.report import roofline_plot
from perfkit.report.plots import IMAGE_DATA
from perfkit.report.roofline import hardware_rooflines, point_of, roofs_of
from perfkit.scenarios import peaks
from perfkit.specs.ceilings import Ceiling
from perfkit.specs.result import Measured

H100 = load_hardware("h100-sxm")
GEMM = Ceiling(790.0, "TFLOP/s", "spec sheet specs/nvidia/H100x1x8 (gemm bf16, 2026-01-02)")
COPY = Ceiling(2900.0, "GB/s", "spec sheet specs/nvidia/H100x1x8 (memory_bandwidth copy, 2026-01-02)")


def _drawn(fig):
    """The figure drawn once on an Agg canvas (as saving it draws it): every text laid out,
    mathtext parsed, the limits and ticks computed. Its renderer, to measure texts with."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def test_the_figures_are_made_without_pyplot():
    """Nothing in pyplot's global figure list, to leak or to be shown twice (perfkit.report.plots)."""
    before = plt.get_fignums()
    fig = roofline_plot.run_figure("run", peaks.roofline(2e12, 100.0, H100, "bf16", GEMM, COPY))
    assert fig is not None and plt.get_fignums() == before


def _ceiling_lines(ax) -> dict[str, float]:
    """Label -> y of each horizontal ceiling line (the run's own dotted line has no label here)."""
    return {line.get_label(): line.get_ydata()[0] for line in ax.get_lines()
            if line.get_label().startswith(("measured", "datasheet"))}


def _points(ax) -> list[tuple[float, float]]:
    return [tuple(xy) for c in ax.collections for xy in c.get_offsets().tolist()]


def _texts(fig) -> str:
    ax = fig.axes[0]
    return " ".join([t.get_text() for t in ax.texts] + [ax.get_xlabel(), ax.get_title()])


def test_the_run_figure_draws_both_ceilings_with_value_and_source_and_the_run_at_its_achieved_rate():
    line = peaks.roofline(2e12, 100.0, H100, "bf16", GEMM, COPY)  # 200 TFLOP/s achieved, no intensity
    fig = roofline_plot.run_figure("bert/nvidia/H100x1x8", line)
    ax = fig.axes[0]
    ceilings = _ceiling_lines(ax)
    assert ceilings == {f"measured GEMM 790 TFLOP/s ({GEMM.source})": 790e12,
                        f"datasheet 989.4 TFLOP/s ({line['compute_datasheet']['source']})": pytest.approx(989.4e12)}
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "FLOP/s"
    assert _points(ax) == [(0.0, pytest.approx(2e14))]  # one x position: not an invented intensity
    assert "arithmetic intensity omitted" in ax.get_xlabel() and ax.get_xscale() == "linear"
    assert "bert/nvidia/H100x1x8" in _texts(fig)
    caption = roofline_plot.figure_caption(line)
    assert peaks.INTENSITY_NOT_STATED in caption
    assert "measured bandwidth 2900 GB/s" in caption and "datasheet bandwidth 3350 GB/s" in caption


def test_with_an_intensity_x_is_the_intensity_and_each_bandwidth_roof_meets_its_compute_ceiling():
    line = peaks.roofline(2e12, 100.0, H100, "bf16", GEMM, COPY, bytes_per_sample=1e10)  # 200 FLOP/byte
    fig = roofline_plot.run_figure("bert/nvidia/H100x1x8", line)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and "FLOP/byte" in ax.get_xlabel()
    assert _points(ax) == [(pytest.approx(200.0), pytest.approx(2e14))]
    roofs = {line.get_label().split(" (")[0]: line for line in ax.get_lines() if "GB/s" in line.get_label()}
    assert set(roofs) == {"measured bandwidth 2900 GB/s", "datasheet bandwidth 3350 GB/s"}
    measured = roofs["measured bandwidth 2900 GB/s"]
    x, y = measured.get_xdata(), measured.get_ydata()
    assert y[0] == pytest.approx(x[0] * 2900e9)  # bandwidth × intensity below the ridge
    assert max(y) == pytest.approx(790e12)  # flat at the measured GEMM above it
    assert max(roofs["datasheet bandwidth 3350 GB/s"].get_ydata()) == pytest.approx(989.4e12)
    assert peaks.INTENSITY_NOT_STATED not in roofline_plot.figure_caption(line)


def test_a_run_without_intensity_beside_one_with_is_a_line_across_never_a_point():
    with_x = point_of("bert/x", peaks.roofline(2e12, 100.0, H100, "bf16", GEMM, COPY, bytes_per_sample=1e10))
    without = point_of("llama/x", peaks.roofline(2e12, 50.0, H100, "bf16", GEMM, COPY))
    fig = roofline_plot.roofline_figure([with_x, without], roofs_of(peaks.roofline(1, 1, H100, "bf16", GEMM, COPY)))
    ax = fig.axes[0]
    assert _points(ax) == [(pytest.approx(200.0), pytest.approx(2e14))]
    across = [line for line in ax.get_lines() if line.get_label().startswith("llama/x")]
    assert len(across) == 1 and "intensity omitted" in across[0].get_label()
    assert list(across[0].get_ydata()) == [pytest.approx(1e14)] * 2


def test_with_no_ceiling_the_figure_says_so_and_draws_no_ceiling_line():
    line = peaks.roofline(1e9, 10.0, load_hardware("cpu"), "fp32", None, None)
    fig = roofline_plot.run_figure("bert/cpu/smoke", line)
    ax = fig.axes[0]
    assert _ceiling_lines(ax) == {} and [line for line in ax.get_lines() if "GB/s" in line.get_label()] == []
    assert roofline_plot.NO_CEILING in _texts(fig)
    assert _points(ax) == [(0.0, pytest.approx(1e10))]
    low, high = ax.get_ylim()
    assert low < 1e10 < high  # a lone point still has a range around it
    assert roofline_plot.NO_CEILING in roofline_plot.figure_caption(line)


@pytest.mark.parametrize("line", [
    {"achieved_tflops": float("nan"), "compute_measured": {"value": float("inf"), "source": "x"}},
    {"achieved_tflops": "200", "compute_datasheet": {"value": -1.0}, "arithmetic_intensity": True},
    {"achieved_tflops": 5.0, "arithmetic_intensity": float("-inf"), "compute_measured": {"value": 9.0, "source": "s" * 5000}},
    {"achieved_tflops": 5.0, "arithmetic_intensity": 1e-320, "compute_measured": {"value": 1e300, "source": 7}},
    {"achieved_tflops": 1e308, "compute_datasheet": {"value": 1e-300}, "bandwidth_measured": {"value": 1e300}},
    {"achieved_tflops": 5.0, "arithmetic_intensity": 1e300, "bandwidth_datasheet": ["not", "a", "mapping"]},
])
def test_a_hostile_record_draws_only_finite_positive_numbers_and_short_texts(line):
    fig = roofline_plot.run_figure("run", line)
    ax = fig.axes[0]
    for label in _ceiling_lines(ax):
        assert len(label) < 200
    for x, y in _points(ax):
        assert x == 0.0 and y == 5e12  # a non-finite or absurd intensity is no intensity
    _drawn(fig)  # limits and scales stay finite
    assert roofline_plot.run_figure("run", "not a roofline") is None


def test_the_run_report_headline_cell_embeds_the_figure_and_its_caption():
    import perfkit.cells.benchmark as pk

    result = make_result(metrics={"roofline": peaks.roofline(2e12, 100.0, H100, "bf16", GEMM, COPY)})
    shown = pk.headline(result).data
    assert shown.count('<img alt="the run on its machine') == 1 and IMAGE_DATA in shown
    assert "屋顶线 Roofline" in shown and "no bytes moved per sample" in shown
    assert "<img" not in pk.headline(make_result()).data  # a record without a roofline: no figure
    assert "<img" not in pk.headline(make_result(status="failed")).data


def test_the_exported_run_report_carries_the_roofline_offline(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    import perfkit.cells.benchmark as pk
    from perfkit.report.html import notebook_to_html
    from perfkit.report.offline import remote_references

    shown = new_code_cell("pk.headline(result)")
    result = make_result(metrics={"roofline": peaks.roofline(2e12, 100.0, H100, "bf16", GEMM, COPY)})
    shown.outputs = [new_output("display_data", data={"text/html": pk.headline(result).data})]
    path = tmp_path / "run.ipynb"
    nbformat.write(new_notebook(cells=[shown]), path)
    page = notebook_to_html(path, tmp_path / "report.html").read_text(encoding="utf-8")
    assert remote_references(page) == []
    figure = page.index('alt="the run on its machine\'s roofline')
    assert page.index("perfkit-headline") < figure and page[figure:].index(IMAGE_DATA) < 200
    assert "no bytes moved per sample" in page[figure:]


def _sheet(value: float, finished: str, hardware: dict) -> object:
    entries = [Measured("gemm", "bf16", value, "TFLOP/s", 0.01, 3, value, "torch.mm").to_dict(),
               Measured("memory_bandwidth", "copy", 2000.0, "GB/s", 0.0, 3, 2000.0, "copy_").to_dict()]
    result = make_result(benchmark="specs", vendor="nvidia", config=f"sheet{value:g}", kind="specs",
                         finished_at=finished, metrics={"spec_cases": entries})
    result.hardware = hardware
    return result


def test_the_index_draws_one_roofline_per_hardware_with_every_ok_run_and_the_latest_sheets_ceilings(tmp_path):
    import perfkit.cells.summary as ps

    reports = tmp_path / "reports"
    h100 = {"name": H100.name}
    recorded = peaks.roofline(2e12, 100.0, H100, "bf16", GEMM, COPY)  # the sheet of its own day: 790
    for benchmark, rate, status in (("bert", 100.0, "ok"), ("llama", 50.0, "ok"), ("glm", 70.0, "failed")):
        result = make_result(benchmark=benchmark, vendor="nvidia", config="H100x1x8", status=status,
                             metrics={"roofline": peaks.roofline(2e12, rate, H100, "bf16", GEMM, COPY)})
        result.hardware, result.run["params"]["precision"] = h100, "bf16"
        write_run(reports, result)
    write_run(reports, make_result(benchmark="bert", config="smoke",
                                   metrics={"roofline": peaks.roofline(1e9, 10.0, load_hardware("cpu"), "fp32", None, None)}))
    write_run(reports, _sheet(700.0, "2026-01-01T00:00:00+00:00", h100))
    write_run(reports, _sheet(800.0, "2026-01-03T00:00:00+00:00", h100))
    site = ps.load(str(reports))

    found = hardware_rooflines(site.runs, site.reports)
    assert sorted(found) == sorted([H100.name, "Host CPU"])
    h100_plot = found[H100.name]
    assert sorted((p.label, p.achieved_tflops) for p in h100_plot.points) == [
        ("bert/nvidia/H100x1x8", pytest.approx(200.0)), ("llama/nvidia/H100x1x8", pytest.approx(100.0))]
    measured = {(r.kind, r.value) for r in h100_plot.roofs if r.name.startswith("measured")}
    assert measured == {("compute", 800.0), ("bandwidth", 2000.0)}  # the latest sheet's, not the record's 790
    assert any(r.name == "datasheet" and r.value == recorded["compute_datasheet"]["value"] for r in h100_plot.roofs)
    assert all("specs/nvidia/sheet800" in r.source for r in h100_plot.roofs if r.name.startswith("measured"))
    assert found["Host CPU"].roofs == []

    page = ps.rooflines(site).data
    assert page.count("<img alt=\"every run of ") == 2 and page.count("<h3>") == 2
    assert page.index("<img") < page.index("<table")  # the plot above the table


def test_the_index_names_each_precisions_ceilings_and_keeps_a_recorded_one_the_sheet_lacks():
    from pathlib import Path

    h100 = {"name": H100.name}
    old_fp32 = Ceiling(60.0, "TFLOP/s", "spec sheet specs/nvidia/old (gemm fp32, 2025-12-01)")
    runs = []
    for benchmark, precision, gemm in (("bert", "bf16", GEMM), ("llama", "fp32", old_fp32)):
        result = make_result(benchmark=benchmark, vendor="nvidia", config="H100x1x8",
                             metrics={"roofline": peaks.roofline(2e12, 10.0, H100, precision, gemm, COPY)})
        result.hardware, result.run["params"]["precision"] = h100, precision
        runs.append((Path(f"/r/runs/{benchmark}/nvidia/H100x1x8"), result))
    runs.append((Path("/r/runs/specs/nvidia/sheet800"), _sheet(800.0, "2026-01-03T00:00:00+00:00", h100)))
    roofs = hardware_rooflines(runs, Path("/r"))[H100.name].roofs
    compute = {r.name: r.value for r in roofs if r.kind == "compute"}
    assert compute == {"measured GEMM bf16": 800.0, "measured GEMM fp32": 60.0,
                       "datasheet bf16": pytest.approx(989.4), "datasheet fp32": pytest.approx(66.9)}
    assert {r.name: r.value for r in roofs if r.kind == "bandwidth"} == {"measured bandwidth": 2000.0,
                                                                         "datasheet bandwidth": pytest.approx(3350.0)}
    fig = roofline_plot.roofline_figure([], roofs)
    assert len(_ceiling_lines(fig.axes[0])) == 4 and "no run with an achieved FLOP/s" in _texts(fig)


def test_a_dollar_in_a_record_text_is_shown_literally_not_parsed_as_mathtext():
    line = peaks.roofline(2e12, 100.0, H100, "bf16", Ceiling(790.0, "TFLOP/s", r"sheet $\frac{$ odd"), COPY)
    fig = roofline_plot.run_figure(r"bert/$\badmacro$/x", line)
    _drawn(fig)  # mathtext would raise on the unknown macro here
    assert r"bert/$\badmacro$/x" in fig.axes[0].get_xticklabels()[0].get_text().replace(r"\$", "$")


def test_the_y_axis_reads_in_engineering_notation_with_minor_labels_only_on_a_short_axis():
    fig = roofline_plot.run_figure("bert/cpu/smoke", peaks.roofline(1e9, 10.0, load_hardware("cpu"), "fp32", None, None))
    _drawn(fig)
    ax = fig.axes[0]
    shown = [t.get_text() for t in ax.get_yticklabels(minor=False) + ax.get_yticklabels(minor=True) if t.get_text()]
    assert "10 G" in shown and "20 G" in shown and "30 G" in shown and "50 G" in shown  # 2, 3 and 5 times ten
    assert "40 G" not in shown and not any("$" in text or "times" in text for text in shown)
    wide = roofline_plot._minor_labels(3.0)  # three decades: the major labels are enough
    short = roofline_plot._minor_labels(1.5)
    assert wide(2e9, 0) == "" and short(2e9, 0) == "2 G" and short(4e9, 0) == ""


def test_a_long_run_label_is_cut_on_the_x_axis_and_room_is_left_for_it_and_the_legend():
    points = [point_of(f"a/very/long/run/label/{i}/" + "x" * 40, {"achieved_tflops": 1.0 + i}) for i in range(3)]
    roofs = roofs_of({"compute_measured": {"value": 10.0, "source": "sheet"}, "compute_datasheet": {"value": 20.0, "source": "ds"}})
    fig = roofline_plot.roofline_figure(points, roofs)
    renderer = _drawn(fig)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert all(len(text) <= roofline_plot.TICK_CHARS for text in ticks)
    lowest_tick = min(t.get_window_extent(renderer).y0 for t in ax.get_xticklabels())
    legend_top = fig.legends[0].get_window_extent(renderer).y1
    assert legend_top < ax.xaxis.label.get_window_extent(renderer).y0 < lowest_tick  # legend, x label, ticks: no overlap
    assert min(t.get_window_extent(renderer).x0 for t in ax.get_xticklabels()) >= 0  # no label cut at the left edge
