"""The site and a run report fit the page at 1400 px and at 400 px: no element is wider than the
document, no table's container scrolls sideways, and every report link is visible. Screenshots
go to $PERFKIT_SCREENSHOTS when set (to look at them), else to the test's temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from support.chromium_cdp import chromium_binary, visit
from support.fabricated import SEEDS, make_result, write_run
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from perfkit.cells import benchmark as pk
from perfkit.importing import parse_page, write_references
from perfkit.report.html import notebook_to_html
from perfkit.jobs.index_build import build_index

pytestmark = pytest.mark.e2e
BINARY = chromium_binary()
needs_chromium = pytest.mark.skipif(
    BINARY is None, reason="chromium is not installed (scripts/test.sh installs it with apt-get in CI or as root)"
)
WIDTHS = (1400, 400)
LAYOUT = """(() => {
  const doc = document.documentElement;
  const limit = doc.clientWidth + 1;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > limit; })
    .map(e => e.tagName + '.' + (e.className || '') + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 10);
  const tables = [...document.querySelectorAll('table')].map(t => ({
    scroll: t.parentElement.scrollWidth, client: t.parentElement.clientWidth, right: t.getBoundingClientRect().right}));
  const links = [...document.querySelectorAll('a[href$="report.html"]')].map(a => {
    const r = a.getBoundingClientRect();
    return {href: a.getAttribute('href'), width: r.width, height: r.height, right: r.right};
  });
  return {docScroll: doc.scrollWidth, docClient: doc.clientWidth, wide, tables, links};
})()"""


def _shots() -> Path | None:
    folder = os.environ.get("PERFKIT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder) if folder else None


def _assert_fits(layout: dict, width: int, what: str) -> None:
    assert layout["docClient"] <= width
    assert layout["docScroll"] <= layout["docClient"], f"{what} at {width}px: page scrolls sideways {layout['wide']}"
    assert layout["wide"] == [], f"{what} at {width}px: elements wider than the page {layout['wide']}"
    for table in layout["tables"]:
        assert table["scroll"] <= table["client"] + 1, f"{what} at {width}px: a table overflows its container {table}"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    reports = tmp_path_factory.mktemp("layout") / "reports"
    loss = [6.0 - 0.1 * i for i in range(30)]
    write_run(reports, make_result(config="x1", loss=loss, metrics={"mfu": 0.0123, "peak_tflops": 1.5,
                                                                    "peak_source": "measured GEMM fp32"}))
    write_run(reports, make_result(config="x1", loss=loss, metrics={"p_core": 103.0}), repeat="r2")
    write_run(reports, make_result(config="R300x1x8_a_rather_long_configuration_name", nproc=8, metrics={"p_core": 700.0}))
    write_run(reports, make_result(config="odd", nonstandard=["seq_len", "vocab_size", "hidden_size", "num_layers",
                                                              "num_heads", "intermediate_size", "dropout"]))
    write_run(reports, make_result(config="bad", status="failed", error={"type": "RuntimeError", "message": "CUDA out of memory. " * 12, "step": 4}))
    write_run(reports, make_result(benchmark="bert_inference", config="smoke_onnxruntime",
                                   metrics={"acc": "1.2/1.3", "acc_infer": 0.0118, "acc_val": 0.0125, "p_infer_core": 52.5,
                                            "p_infer_whole": 50.1, "p_val_core": 40.0, "p_val_whole": 39.0,
                                            "infer_time": 0.019, "byte_per_batch": 32768, "mfu": 0.01, "peak_tflops": 1.5,
                                            "peak_source": "measured GEMM"}))
    write_references([parse_page(p) for p in sorted(SEEDS.glob("*.txt"))], reports / "references")
    return build_index(reports)


@needs_chromium
@pytest.mark.parametrize("width", WIDTHS)
def test_index_fits_the_page_and_report_links_are_visible(site, width, tmp_path):
    shots = _shots() or tmp_path
    seen = visit(site, BINARY, width=width, evaluate=LAYOUT, screenshot=shots / f"index-{width}.png")
    layout = seen.evaluated
    _assert_fits(layout, width, "index.html")
    runs_links = [link for link in layout["links"] if link["href"].startswith("runs/")]
    assert len({link["href"] for link in runs_links}) >= 5
    for link in runs_links:
        assert link["width"] > 0 and link["height"] > 0 and link["right"] <= layout["docClient"], link
    assert seen.errors == [] and seen.network_requests == []


def _run_report(folder: Path) -> Path:
    """A run report as the run notebooks build it: the same perfkit.cells.benchmark cells' outputs."""
    result = make_result(config="R300x1x8", metrics={"mfu": 0.0123, "peak_tflops": 1.5, "peak_source": "measured GEMM"})
    inference = make_result(benchmark="bert_inference", metrics={"acc_infer": 0.0118, "acc_val": 0.0125, "p_infer_core": 5.0,
                                                                  "acc": "1.2/1.3", "byte_per_batch": 32768})
    cells = [new_markdown_cell("# BERT pre-training (masked LM)")]
    for shown in (pk.headline(result), pk.summary(result), pk.environment(result), pk.general(result),
                  pk.performance(result), pk.definitions(), pk.inference_values(inference), pk.inference_summary(inference),
                  pk.inference_metric_list(inference), pk.inference_definitions()):
        cell = new_code_cell("pk.x(result)", execution_count=1)
        html = shown.to_html() if hasattr(shown, "to_html") else shown.data
        cell.outputs = [new_output("display_data", data={"text/html": html, "text/plain": ""})]
        cells.append(cell)
    cells[1].outputs.insert(0, new_output("stream", name="stderr", text="Loading weights: 100%|" + "#" * 300 + "|\n"))
    nb = new_notebook(cells=cells)
    nb.metadata["papermill"] = {"parameters": {"vendor": "kunlunxin", "config": "R300x1x8"}}
    path = folder / "notebook.ipynb"
    nbformat.write(nb, path)
    return notebook_to_html(path, folder / "report.html")


@needs_chromium
@pytest.mark.parametrize("width", WIDTHS)
def test_run_report_fits_the_page(width, tmp_path):
    shots = _shots() or tmp_path
    page = _run_report(tmp_path)
    seen = visit(page, BINARY, width=width, evaluate=LAYOUT, screenshot=shots / f"run-{width}.png")
    _assert_fits(seen.evaluated, width, "report.html")
    assert "算力利用率 MFU (%)" in seen.text and "1.23 % of 1.5 TFLOP/s (measured GEMM)" in seen.text
    assert "Loading weights" not in seen.text  # in the collapsed log, not on the page
    assert seen.errors == [] and seen.network_requests == []
