"""What notebooks/summary.ipynb calls to become reports/index.html. Runs inside the summary
notebook's kernel.

    site = ps.load(reports_dir)
    ps.runs_table(site); ps.flagged(site); ps.comparison(site); ps.throughput(site); ps.sweeps(site)
    ps.scaling(site); ps.curves(site); ps.alignment(site, reference_run); ps.repeats(site)
    ps.spec_sheets(site); ps.rooflines(site)
    ps.csv_links(site)

Every function returns something the notebook displays; all text is escaped.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from IPython.display import HTML

from perfkit import paths
from perfkit.errors import UserError
from perfkit.report import alignment as _alignment
from perfkit.report import index, plots, roofline_plot, site_plots
from perfkit.report import published_specs as _published_specs
from perfkit.report import repeats as _repeats
from perfkit.report import roofline as _roofline
from perfkit.report import scaling as _scaling
from perfkit.report import spec_sheet as _spec_sheet
from perfkit.report import sweeps as _sweeps
from perfkit.report.labels import TABLE_TITLES
from perfkit.report.site_data import TABLES_DIR, SiteData, comparison_tables, flagged_table, load_site
from perfkit.results import vocabulary as vocab


def reports_folder(value: str = "") -> Path:
    return Path(value).resolve() if value else paths.reports_dir()


def load(reports_dir: str = "") -> SiteData:
    return load_site(reports_folder(reports_dir))


def _kind(site: SiteData, benchmark: str) -> str:
    """The benchmark's scenario kind, from its runs' results (no benchmark import, no torch);
    with only imported pages, from the installed benchmark; one not installed counts as training."""
    kinds = {result.kind for result in site.results if result.benchmark == benchmark}
    if len(kinds) == 1:
        return kinds.pop()
    try:
        from perfkit.benchmarks import benchmark_class

        return benchmark_class(benchmark).info.kind
    except UserError:
        return vocab.TRAINING


def _table_or(frame, empty: str) -> HTML:
    return HTML(index.html_table(frame) if len(frame) else f"<p>{html.escape(empty)}</p>")


def runs_table(site: SiteData) -> HTML:
    return HTML(index.runs_table_html(site.runs, site.reports))


def flagged(site: SiteData) -> HTML:
    return _table_or(flagged_table(site), "No failed or non-standard runs.")


def comparison(site: SiteData) -> HTML:
    parts = []
    hrefs_by_origin = {site.run_id(d): index.report_href(d, site.reports) for d, _ in site.runs}
    for benchmark, frame in comparison_tables(site).items():
        hrefs = {i: hrefs_by_origin.get(origin, "") for i, origin in enumerate(frame["from"])}
        title = TABLE_TITLES.get(_kind(site, benchmark), TABLE_TITLES[vocab.TRAINING])
        parts.append(f"<h3>{html.escape(benchmark)} {title}</h3>" + index.html_table(frame, hrefs, "from"))
    return HTML("".join(parts) or "<p>No runs and no imported pages yet.</p>")


def spec_sheets(site: SiteData) -> HTML:
    """核心评测结果 per hardware: the latest ok specs run of each hardware file, its sheet (case,
    measured, datasheet, %) and the power over its cases, linked to its report."""
    parts = []
    for hardware, run_dir, result in _spec_sheet.latest_sheets(site.runs):
        href = index.report_href(run_dir, site.reports)
        run_id = html.escape(site.run_id(run_dir))
        link = f'<a href="{html.escape(href, quote=True)}">{run_id}</a>' if href else run_id
        parts.append(f"<h3>{html.escape(hardware)} {TABLE_TITLES['specs']}</h3>"
                     f"<p>{link}, finished {html.escape(result.finished_at)} "
                     f"({'standard' if result.standard else 'non-standard †'}); "
                     f"{html.escape(_spec_sheet.power_line(result))}</p>"
                     + _spec_sheet.displayed(_spec_sheet.sheet_table(result)).html())
    published = _published_specs.published_table([p for p in site.references if p.kind == "spec"], site.runs)
    if len(published):
        parts.append("<h3>FlagPerf 发布值 Published spec sheets</h3><p>Imported FlagPerf base pages "
                     "(<code>perfkit import</code>), beside the latest sheet measured here on the same chip.</p>"
                     + index.html_table(published))
    return HTML("".join(parts) or "<p>No spec sheet yet (<code>perfkit run specs</code> or "
                "<code>perfkit suite specs</code>).</p>")


def rooflines(site: SiteData) -> HTML:
    """屋顶线 per hardware: one roofline plot with every ok run as a labelled point against the
    hardware's ceilings (its latest spec sheet's measured ones, the datasheet's), then the table:
    each run's achieved TFLOP/s against the measured and datasheet compute ceilings its record
    holds, and its arithmetic intensity or why it has none."""
    plotted = _roofline.hardware_rooflines(site.runs, site.reports)
    parts = []
    for hardware, table in _roofline.roofline_tables(site.runs, site.reports).items():
        part = f"<h3>{html.escape(hardware)}</h3>"
        if hardware in plotted:
            found = plotted[hardware]
            fig = roofline_plot.roofline_figure(found.points, found.roofs, f"roofline: {hardware}")
            part += roofline_plot.figure_html(fig, f"every run of {hardware} on its roofline",
                                              roofline_plot.caption(found.points, found.roofs))
        parts.append(part + _roofline.displayed(table).html())
    return HTML("".join(parts) or "<p>No run with a roofline yet (training and inference runs record one).</p>")


def _shown(fig, alt: str) -> HTML:
    """A figure as the run reports show theirs: an inline SVG image with its description."""
    return HTML(plots.figure_html(fig, alt)) if fig is not None else HTML("<p>Nothing to plot yet.</p>")


def throughput(site: SiteData) -> HTML:
    return _shown(site_plots.throughput_chart(site.rows(), site.benchmarks),
                  "throughput of every configuration, measured and published, per benchmark")


def sweeps(site: SiteData):
    """Suite matrices: throughput against the swept param (batch size first), a line per other value."""
    fig = _sweeps.sweep_chart(site.results)
    if fig is None:
        return HTML("<p>No sweeps yet (a suite entry with a <code>matrix</code>).</p>")
    return _shown(fig, "throughput against each swept parameter")


def scaling(site: SiteData) -> HTML:
    return _table_or(_scaling.scaling_table(site.rows()), "No benchmark has two configurations with a throughput yet.")


def curves(site: SiteData):
    """Loss and evaluation panels side by side in one image: on a narrow screen it keeps a
    legible width and scrolls inside its box (``perfkit-wide-fig``) rather than shrinking."""
    fig = site_plots.overlaid_curves(site.identified_runs, site.benchmarks)
    if fig is None:
        return _shown(fig, "")
    return HTML(f'<div class="perfkit-wide-fig">{plots.figures_html([fig], ["overlaid loss and evaluation curves"])}</div>')


def alignment(site: SiteData, reference_run: str = "") -> HTML:
    return _table_or(_alignment.alignment_table(site.identified_runs, reference_run),
                     "No benchmark has two runs with loss curves yet.")


def repeats(site: SiteData) -> HTML:
    return _table_or(_repeats.repeats_table(site.results), "No configuration has two or more ok runs yet.")


def csv_links(site: SiteData) -> HTML:
    folder = site.reports / TABLES_DIR
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    items = "".join(
        f'<li><a href="{html.escape(os.path.relpath(f, site.reports).replace(os.sep, "/"), quote=True)}">{html.escape(f.name)}</a></li>'
        for f in files
    )
    return HTML(f"<ul>{items}</ul>" if items else "<p>No CSV tables written.</p>")
