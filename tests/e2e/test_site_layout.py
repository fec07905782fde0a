"""The site, a training and an inference run report and the compare page read cleanly at 1400 px
and at 400 px, in the system Chromium driven by playwright: the document never scrolls sideways
(a wide table scrolls inside its own box), no word or number is broken across lines, every
numeric or status cell is one line box, and every report link is rendered. Screenshots of every
page at both widths go to $PERFKIT_SCREENSHOTS when set, else to the test's temporary folder;
their folder is printed. A control page with a breaking rule shows the check fails."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from IPython.display import HTML
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from support.browser import chromium_path, visit
from support.fabricated import SEEDS, make_result, write_run

from perfkit.cells import benchmark as pk
from perfkit.cli import main
from perfkit.importing import parse_page, write_references
from perfkit.jobs.index_build import build_index
from perfkit.report import plots
from perfkit.report.html import notebook_to_html

pytestmark = pytest.mark.e2e
needs_chromium = pytest.mark.skipif(
    chromium_path() is None,
    reason="playwright or /usr/bin/chromium is missing (scripts/test.sh installs chromium with apt-get in CI or as root)")
WIDTHS = (1400, 400)
# a run's metrics.roofline as perfkit.scenarios.peaks.roofline records it (no intensity, as every run today)
ROOFLINE = {"achieved_tflops": 0.41, "arithmetic_intensity": None,
            "intensity_note": "omitted: the benchmark states no bytes moved per sample, so the run has no arithmetic "
                              "intensity (x) on the roofline",
            "compute_measured": {"value": 1.5, "unit": "TFLOP/s", "source": "spec sheet specs/cpu/smoke (gemm fp32, 2026-01-02)"},
            "compute_datasheet": {"value": None, "unit": "TFLOP/s", "source": "none: the hardware file states no peak"},
            "bandwidth_measured": {"value": 21.5, "unit": "GB/s", "source": "spec sheet specs/cpu/smoke (memory_bandwidth copy)"},
            "bandwidth_datasheet": {"value": None, "unit": "GB/s", "source": "none: the hardware file states none"}}
# What a reader would see as broken: each word (and each numeric cell as a whole) must sit on
# one line; the document must not be wider than the window.
LAYOUT = """(() => {
  const doc = document.documentElement;
  const tops = range => new Set([...range.getClientRects()].filter(r => r.width > 0 && r.height > 0)
                                                          .map(r => Math.round(r.top)));
  const broken = [], multiline = [];
  for (const el of document.querySelectorAll('td, th, .perfkit-headline .v, .perfkit-headline .k, h1, h2, h3')) {
    if (!el.getClientRects().length) continue;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      // a word, or each part of a hyphenated compound (a line may end after "non-")
      const words = /\\S+/g; let m;
      while ((m = words.exec(node.data))) {
        let start = m.index;
        for (const part of m[0].split(/(?<=[A-Za-z]-)(?=[A-Za-z])/)) {
          const r = document.createRange(); r.setStart(node, start); r.setEnd(node, start + part.length);
          if (tops(r).size > 1) broken.push(part);
          start += part.length;
        }
      }
    }
    const numeric = el.matches('td.num') || (el.matches('td') && getComputedStyle(el).whiteSpace === 'nowrap');
    if (numeric && el.textContent.trim()) {
      const r = document.createRange(); r.selectNodeContents(el);
      if (tops(r).size > 1) multiline.push(el.textContent.trim());
    }
  }
  const links = [...document.querySelectorAll('a[href$="report.html"]')].map(a => {
    const r = a.getBoundingClientRect();
    return {href: a.getAttribute('href'), width: r.width, height: r.height};
  });
  const numbers = [...document.querySelectorAll('td')].filter(
    el => el.matches('.num') || getComputedStyle(el).whiteSpace === 'nowrap').length;
  return {docScroll: doc.scrollWidth, docClient: doc.clientWidth, broken: broken.slice(0, 20),
          multiline: multiline.slice(0, 20), links, numbers};
})()"""


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PERFKIT_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder}")
    return folder


def _assert_reads_cleanly(layout: dict, width: int, what: str) -> None:
    assert layout["docClient"] <= width
    assert layout["docScroll"] <= layout["docClient"], f"{what} at {width}px: the page scrolls sideways"
    assert layout["broken"] == [], f"{what} at {width}px: words broken across lines {layout['broken']}"
    assert layout["multiline"] == [], f"{what} at {width}px: numeric cells on several lines {layout['multiline']}"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    reports = tmp_path_factory.mktemp("layout") / "reports"
    loss = [6.0 - 0.1 * i for i in range(30)]
    evals = [{"samples": 64 * i, "quality": 0.05 * i} for i in range(1, 4)]
    write_run(reports, make_result(config="x1", loss=loss, evals=evals, metrics={
        "mfu": 0.2391, "peak_tflops": 1.5, "peak_source": "measured GEMM fp32", "roofline": ROOFLINE}))
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


def _html_output(shown) -> dict:
    html = shown._repr_html_()  # a report table (perfkit.report.table) or an IPython HTML
    return new_output("display_data", data={"text/html": html, "text/plain": ""})


def _report(folder: Path, title: str, shown: list, vendor: str = "kunlunxin", config: str = "R300x1x8") -> Path:
    """A run report as the benchmark notebooks build it: a run-log cell with the progress lines,
    then the same perfkit.cells.benchmark cells' outputs."""
    run_log = new_code_cell("result = pk.execute(run)", execution_count=1, metadata={"tags": ["run-log"]})
    run_log.outputs = [new_output("stream", name="stdout", text="".join(
        f"bert: step {n}/95 ({100 * n / 95:.0f}%) loss=6.1 elapsed 00:{n // 10:02d}\n" for n in range(5, 96, 5)))]
    cells = [new_markdown_cell(f"# {title}"), new_markdown_cell("## 运行日志 Run log"), run_log,
             new_markdown_cell("## 结果概要 Headline")]
    for item in shown:
        cell = new_code_cell("pk.x(result)", execution_count=1)
        cell.outputs = [_html_output(item)]
        cells.append(cell)
    cells[4].outputs.insert(0, new_output("stream", name="stderr", text="Loading weights: 100%|" + "#" * 300 + "|\n"))
    nb = new_notebook(cells=cells)
    nb.metadata["papermill"] = {"parameters": {"vendor": vendor, "config": config}}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "notebook.ipynb"
    nbformat.write(nb, path)
    return notebook_to_html(path, folder / "report.html")


def _training_report(folder: Path) -> Path:
    loss = [6.0 - 0.01 * i for i in range(300)]
    evals = [{"samples": 640 * i, "quality": 0.05 * i} for i in range(1, 6)]
    result = make_result(config="R300x1x8", loss=loss, evals=evals, metrics={
        "mfu": 0.2391, "peak_tflops": 171.25, "peak_source": "hardware file", "target": 0.72, "converged": False,
        "steps": 95, "samples": 1520, "global_batch": 16, "setup_time": 1.5, "train_time": 10.0, "eval_time": 0.5,
        "compute_time": 9.0, "step_time_median": 0.1052, "step_time_p90": 0.1187, "flops_per_sample": 1.23e12,
        "roofline": ROOFLINE})
    return _report(folder, "BERT pre-training (masked LM)", [
        pk.headline(result), pk.summary(result), pk.environment(result), pk.general(result), pk.performance(result),
        pk.curves(result), pk.energy(result), pk.definitions()])


def _inference_report(folder: Path) -> Path:
    result = make_result(benchmark="bert_inference", config="A100x1x1", vendor="nvidia", metrics={
        "acc_infer": 0.0118, "acc_val": 0.0125, "p_infer_core": 171.23, "p_infer_whole": 174.4, "p_val_core": 40.0,
        "p_val_whole": 39.0, "infer_time": 0.0058, "byte_per_batch": 32768, "acc": "1.2/1.3", "backend": "onnxruntime",
        "engine": "onnxruntime 1.19", "provider": "CPUExecutionProvider", "export_time": 3.2, "latency_p50": 0.0931,
        "latency_p90": 0.1012, "latency_p99": 0.1134, "warmup_batches": 2, "val_batches": 24, "infer_batches": 87,
        "eval_batches": 24, "masked_tokens": 3072, "mfu": 0.0391, "peak_tflops": 19.5, "peak_source": "hardware file"})
    result.curves = {"infer_latency": [0.09 + 0.001 * (i % 7) for i in range(87)], "val_latency": [0.1] * 24}
    latency = HTML(plots.figures_html([plots.latency_curve(result)], ["latency"]))
    return _report(folder, "BERT-large masked-LM inference", [
        pk.headline(result), pk.inference_summary(result), pk.environment(result), pk.inference_metric_list(result),
        pk.inference_values(result), latency, pk.energy(result), pk.inference_definitions()], "nvidia", "A100x1x1")


def _compare_page(folder: Path) -> Path:
    base, new = folder / "base", folder / "new"
    for reports, p_core in ((base, 171.25), (new, 74.5)):
        for repeat, scale in (("", 1.0), ("r2", 1.01), ("r3", 0.99)):
            write_run(reports, make_result(config="R300x1x8_a_rather_long_configuration_name",
                                           metrics={"p_core": p_core * scale}), repeat=repeat)
    page = folder / "compare.html"
    main(["compare", str(base), str(new), "--html", str(page)])
    assert page.is_file()
    return page


PAGES = {"training-report": _training_report, "inference-report": _inference_report, "compare": _compare_page}


@needs_chromium
@pytest.mark.parametrize("width", WIDTHS)
def test_index_reads_cleanly_and_report_links_are_rendered(site, width, tmp_path):
    seen = visit(site, width=width, evaluate=LAYOUT, screenshot=_shots(tmp_path) / f"index-{width}.png")
    layout = seen.evaluated
    _assert_reads_cleanly(layout, width, "index.html")
    assert layout["numbers"] > 20  # the check looked at numeric cells
    runs_links = [link for link in layout["links"] if link["href"].startswith("runs/")]
    assert len({link["href"] for link in runs_links}) >= 5
    for link in runs_links:
        assert link["width"] > 0 and link["height"] > 0, link
    assert "23.9" in seen.text and "0.2391" not in seen.text  # MFU in percent under its "%" header
    assert 'alt="every run of Host CPU on its roofline"' in site.read_text(encoding="utf-8")  # the index's plot
    assert seen.errors == [] and seen.network_requests == []


@needs_chromium
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_read_cleanly(name, width, tmp_path):
    page = PAGES[name](tmp_path / name)
    seen = visit(page, width=width, evaluate=LAYOUT, screenshot=_shots(tmp_path) / f"{name}-{width}.png")
    _assert_reads_cleanly(seen.evaluated, width, name)
    assert seen.evaluated["numbers"] > 3
    assert seen.errors == [] and seen.network_requests == []
    if name.endswith("report"):
        assert "算力利用率 MFU (%)" in seen.text
        assert "Loading weights" not in seen.text  # in the collapsed log, not on the page
        assert "loss=6.1" not in seen.text  # progress lines folded into the collapsed run log
        assert "运行日志 Run log (19 lines)" in seen.text
    if name == "training-report":
        assert "屋顶线 Roofline" in seen.text and "no bytes moved per sample" in seen.text
        assert "alt=\"the run on its machine's roofline" in page.read_text(encoding="utf-8")


@needs_chromium
def test_the_check_finds_a_broken_number(tmp_path):
    """A control page whose CSS breaks anywhere: the same check reports the broken tokens."""
    page = tmp_path / "broken.html"
    page.write_text('<html><head><meta name="viewport" content="width=device-width"><style>'
                    "td { word-break: break-all; width: 30px; max-width: 30px; }</style></head><body><table><tr>"
                    '<td class="num">171.23 / 174.40</td><td>REGRESSION</td></tr></table></body></html>')
    layout = visit(page, width=400, evaluate=LAYOUT).evaluated
    assert "REGRESSION" in layout["broken"] and "171.23 / 174.40" in layout["multiline"]
    with pytest.raises(AssertionError, match="words broken"):
        _assert_reads_cleanly(layout, 400, "control")
