"""What the benchmark notebooks call: each cell is one of these plus display. No logic lives in
cells. Runs inside the notebook kernel.

    run = pk.prepare("bert", vendor, config, overrides, output_dir, resolved)
    pk.params(run)          # resolved params, what differs from the reference
    result = pk.execute(run)
    pk.headline(result)     # 结果概要: status, throughput, acc vs target, MFU (peak, source), energy, mem
    pk.environment(result)  # 环境配置
    pk.general(result)      # 通用指标
    pk.performance(result)  # 性能指标
    pk.curves(result)
    pk.energy(result)       # 能耗监控结果
    pk.timeline(run, result)  # telemetry timeline (telemetry.csv beside result.json)
    pk.definitions()
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfkit.errors import ParamsError
from perfkit.measure import collector
from perfkit.results import run_folder
from perfkit.results import vocabulary as vocab
from perfkit.run import spec
from perfkit.run.spec import PreparedRun

if TYPE_CHECKING:  # imported where used: this module's import is the notebook's first cell
    from IPython.display import HTML

    from perfkit.report.table import Table
    from perfkit.results.record import RunResult
    from perfkit.run.launcher import Launcher

# transformers imports tqdm.auto, which warns in every kernel without ipywidgets; the text
# progress bar is what we want in saved notebooks anyway.
warnings.filterwarnings("ignore", message="IProgress not found")


# what the report cells draw with: matplotlib, under the report's modules
REPORT_STACK = ("perfkit.report.plots", "perfkit.report.roofline_plot", "perfkit.report.tables",
                "perfkit.telemetry.timeline")


def _report_stack() -> None:
    """Import the report's stack with the collector paused, then freeze it and what the run left
    alive out of the collector (perfkit.measure.collector). A run leaves ~260,000 objects behind
    (the modules transformers imported while it ran, the model), and the collections during
    matplotlib's import walked them all: ~0.13 s of every run report on 2 cores. Frozen, they are
    still freed when nothing refers to them; only a cycle among them stays until the kernel ends.
    Called by every cell that draws a figure; a no-op import once done."""
    collector.import_frozen(REPORT_STACK)


def _html(text: str) -> HTML:
    from IPython.display import HTML

    return HTML(text)


def prepare(
    benchmark: str,
    vendor: str,
    config: str,
    overrides: dict[str, Any] | str | None = None,
    output_dir: str | Path | None = None,
    resolved: str = "",
    publish: bool = False,
) -> PreparedRun:
    """The run this notebook executes. ``resolved``: the run as the host resolved it (set by
    ``perfkit run``/``perfkit suite``), used as is after its params hash is checked; without it
    (plain papermill, JupyterLab) the params are resolved here from vendor, config and overrides.

    Without ``resolved`` and ``output_dir`` the run is interactive: it writes to its own folder
    under reports/interactive/ (perfkit.results.run_folder). With ``publish`` it is published
    from there once it ends (``execute(run, publish=True)``), by the rule every run follows
    (perfkit.results.publishing): an ok run replaces the published one, any other ending is kept
    as an attempt beside a published ok result."""
    if not resolved:
        run = spec.prepare(benchmark, vendor, config, overrides, output_dir)
        if output_dir:
            return run
        folder = run_folder.interactive_dir(benchmark, vendor, config)
        if publish:
            print(f"interactive run: writing to {folder}, published to {run.output_dir} when it ends "
                  "(an ok run replaces it; any other ending is kept as an attempt beside an ok result)")
        else:
            print(f"interactive run: writing to {folder} (set publish = True to replace {run.output_dir})")
        return replace(run, output_dir=folder)
    run = spec.from_payload(resolved, output_dir)
    if run.benchmark != benchmark:
        raise ParamsError(f"parameter 'resolved': a {run.benchmark} run, but this notebook runs {benchmark}")
    return run


def launcher_for(run: PreparedRun) -> Launcher:
    """One process for a one-card run (or inside a worker), else one per card."""
    from perfkit.run.launcher import InlineLauncher
    from perfkit.run.rendezvous import inside_worker

    if run.resolved.world_size > 1 and not inside_worker():
        from perfkit.run.elastic import ElasticLauncher

        return ElasticLauncher()
    return InlineLauncher(progress=True)


def params(run: PreparedRun) -> Table:
    from perfkit.benchmarks import declaration
    from perfkit.report import tables

    schema = declaration(run.benchmark).params_model
    return tables.params_table(run.resolved.to_dict(), schema)


def execute(run: PreparedRun, launcher: Launcher | None = None, publish: bool = False) -> RunResult:
    """Run it. ``publish`` (the notebook's parameter): an interactive run (one ``prepare`` put
    under reports/interactive/) is published when it ends, under the rule of
    perfkit.results.publishing; a run with an output folder of its own is not touched."""
    result = (launcher or launcher_for(run)).launch(run)
    if result is None:  # only a launcher for a node other than 0, which holds no rank 0 record
        raise ValueError("execute: the launcher ran no rank 0 here; run the notebook on node 0")
    if publish and run_folder.is_interactive(run.output_dir):
        _publish_interactive(run, result)
    return result


def _publish_interactive(run: PreparedRun, result: RunResult) -> None:
    from perfkit.results import publishing

    resolved = run.resolved
    final = run_folder.run_dir(resolved.benchmark, resolved.vendor, resolved.config)
    with publishing.staged(final) as stage:
        publishing.copy_files(run.output_dir, stage.staging)
        stage.status = str(result.status)
    if stage.attempt is not None:
        print(f"not published: the run ended {result.status}; kept as an attempt in {stage.attempt}, "
              f"the ok result in {final} stays")
    else:
        print(f"published to {final} (`perfkit run` makes its report)")


def headline(result: RunResult) -> HTML:
    """结果概要 Headline: what a vendor reads first, before the detail."""
    _report_stack()
    from perfkit.report import headline as _headline

    return _html(_headline.headline_html(result) + roofline_html(result))


def roofline_html(result: RunResult) -> str:
    """屋顶线 Roofline: the run against its machine's ceilings, as a figure with its caption;
    "" for a record without a roofline (a spec sheet, a failed or older run)."""
    from perfkit.report import roofline_plot

    line = result.metrics.get(vocab.ROOFLINE)
    fig = roofline_plot.run_figure(f"{result.benchmark}/{result.vendor}/{result.config}", line)
    if fig is None:
        return ""
    return "<p><strong>屋顶线 Roofline</strong></p>" + roofline_plot.figure_html(
        fig, "the run on its machine's roofline: achieved FLOP/s against the ceilings", roofline_plot.figure_caption(line))


def summary(result: RunResult) -> Table:
    from perfkit.report import tables

    return tables.run_summary(result)


def environment(result: RunResult) -> Table:
    from perfkit.report import tables

    return tables.environment_table(result)


def general(result: RunResult) -> Table:
    from perfkit.report import tables

    return tables.general_table(result)


def performance(result: RunResult) -> Table:
    from perfkit.report import tables

    return tables.performance_table([result])


def curves(result: RunResult) -> HTML:
    """Loss and evaluation side by side; stacked on a narrow screen."""
    _report_stack()
    from perfkit.report import plots, tables

    figures = plots.training_curves(result, tables.info_of(result).quality_metric)
    return _html(plots.figures_html(figures, ["training loss per step", "evaluation quality against samples"]))


def definitions() -> Table:
    from perfkit.report import tables

    return tables.definitions_table()


def energy(result: RunResult) -> Table:
    """能耗监控结果: energy, power and work per joule, or "not measurable here"."""
    from perfkit.report import tables

    return tables.energy_table(result)


def timeline(run: PreparedRun, result: RunResult) -> HTML:
    """Power, utilization, temperature, clock, CPU and memory against time, the window shaded."""
    _report_stack()
    from perfkit.report import plots
    from perfkit.telemetry import TELEMETRY_FILE, Window, read_samples
    from perfkit.telemetry.timeline import timeline_figure

    path = run.output_dir / TELEMETRY_FILE
    samples = read_samples(path) if path.is_file() else []
    edges = result.metrics.get(vocab.TELEMETRY_WINDOW)
    window = Window(*edges) if isinstance(edges, list) and len(edges) == 2 else None
    label = {vocab.INFERENCE: "inference pass", vocab.SPECS: "spec cases"}.get(result.kind, "training window")
    return _html(plots.figure_html(timeline_figure(samples, window, label), "telemetry timeline"))


# -- spec-sheet notebooks (specs.ipynb) -------------------------------------------------------

def spec_sheet(result: RunResult) -> Table:
    """核心评测结果: per case, measured (spread over repeats), datasheet and measured / datasheet."""
    from perfkit.report import spec_sheet as _sheet

    return _sheet.displayed(_sheet.sheet_table(result))


def spec_power(result: RunResult) -> HTML:
    """Average and peak power over the cases, where the run had a power source."""
    import html

    from perfkit.report import spec_sheet as _sheet

    return _html(f"<p>{html.escape(_sheet.power_line(result))}</p>")


def spec_definitions() -> Table:
    from perfkit.report import tables

    return tables.spec_definitions_table()


# -- inference notebooks (bert_inference.ipynb) ---------------------------------------------

def inference_metric_list(result: RunResult) -> Table:
    """指标列表"""
    from perfkit.report import tables

    return tables.inference_metric_list(result)


def inference_values(result: RunResult) -> Table:
    """指标值: the seed's row for this run."""
    from perfkit.report import tables

    return tables.inference_table([result])


def inference_summary(result: RunResult) -> Table:
    from perfkit.report import tables

    return tables.inference_summary(result)


def latency(result: RunResult) -> HTML:
    _report_stack()
    from perfkit.report import plots

    return _html(plots.figure_html(plots.latency_curve(result), "latency per batch"))


def inference_definitions() -> Table:
    from perfkit.report import tables

    return tables.inference_definitions_table()
