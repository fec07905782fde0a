"""Reports a vendor reads at a glance: the headline block, bilingual headers with units, one unit
for accuracy, MFU with its peak and source, stderr gathered into a collapsed log, page titles."""

from __future__ import annotations

import json
import re

import nbformat
from support.fabricated import make_result
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from perfkit.report import headline, index, labels, tables
from perfkit.report.html import log_text, notebook_to_html
from perfkit.report.redact import current_identity


def test_headline_items_training():
    result = make_result(metrics={"p_core": 123.456, "acc": 0.73, "target": 0.72, "mfu": 0.0125, "peak_tflops": 2.5,
                                  "peak_source": "measured GEMM"})
    items = dict(headline.headline_items(result))
    assert items["状态 Status"] == "ok"
    assert items["吞吐量 Throughput (samples/s)"] == "123.5 samples/s (p_core)"
    assert items["精度 Accuracy (0–1)"] == "0.73 vs target 0.72: reached 达标"
    assert items["算力利用率 MFU (%)"] == "1.25 % of 2.5 TFLOP/s (measured GEMM)"
    assert items["能耗 Energy (J)"] == headline.NOT_MEASURED
    assert items["显存 Memory (GiB)"] == "1.25 GiB peak of 8 GiB"


def test_headline_energy_when_measured_and_failed_status_escaped():
    result = make_result(status="failed", metrics={"energy_j": 1234.5},
                         error={"type": "RuntimeError", "message": "<b>boom</b>"})
    items = dict(headline.headline_items(result))
    assert items["能耗 Energy (J)"] == "1234 J" or items["能耗 Energy (J)"] == "1235 J"
    page = headline.headline_html(result)
    assert "<b>boom</b>" not in page and "&lt;b&gt;boom&lt;/b&gt;" in page and 'class="bad"' in page


def test_mfu_without_a_peak_says_why():
    assert headline.mfu_text({"peak_source": "none"}) == "– (no peak stated or measured)"


def test_inference_accuracy_is_a_fraction_everywhere():
    result = make_result(benchmark="bert_inference", metrics={"acc": "1.2/1.3", "acc_infer": 0.0118, "acc_val": 0.0125,
                                                              "p_infer_core": 50.0})
    row = tables.inference_row(result)
    assert row["acc"] == "0.0118/0.0125"
    assert index._accuracy(result.metrics) == "0.0118"
    assert "0.0118 inference" in dict(headline.headline_items(result))["精度 Accuracy (0–1)"]


def test_headers_are_bilingual_with_units():
    for key, shown in (("p_core", "计算吞吐量 p_core (samples/s)"), ("e2e_time", "端到端时间 e2e_time (s)"),
                       ("mem", "显存 mem (used/total GiB)"), ("record_accuracy", "精度 record_accuracy (0–1)")):
        assert labels.header(key) == shown
    frame = tables.performance_table([make_result()])
    shown = [labels.header(c) for c in frame.columns]
    assert all(" " in c for c in shown), list(shown)  # every header: 中文 English


def test_runs_table_short_reason_mfu_peak_and_report_link(tmp_path):
    from support.fabricated import write_run

    reports = tmp_path / "reports"
    long = "x" * 300
    d1 = write_run(reports, make_result(config="bad", status="failed", error={"type": "E", "message": long}))
    d2 = write_run(reports, make_result(config="ok", metrics={"mfu": 0.5, "peak_tflops": 1.0, "peak_source": "hardware file"}))
    runs = [(d1, index.load_result(d1 / "result.json")), (d2, index.load_result(d2 / "result.json"))]
    frame = index.runs_frame(runs, reports).set_index("run")
    assert len(frame.loc["bert/cpu/bad", "reason"]) == index.REASON_CHARS and frame.loc["bert/cpu/bad", "reason"].endswith("…")
    assert frame.loc["bert/cpu/ok", "mfu"] == "50 % of 1 TFLOP/s (hardware file)"
    page = index.runs_table_html(runs, reports)
    assert page.count('href="runs/bert/cpu/ok/report.html"') == 2  # the run id and the report cell
    text = re.sub(r"<[^>]+>", "", page)  # what a reader sees (words are wrapped in no-break spans)
    assert "计算吞吐量" not in text and "吞吐量 throughput (samples/s)" in text and "完成 finished (UTC)" in text


def _notebook(tmp_path):
    home = current_identity().home
    first = new_markdown_cell("# BERT pre-training (masked LM)\n\ntext")
    cell = new_code_cell("x = 1", execution_count=1)
    cell.outputs = [
        new_output("stream", name="stderr", text=f"Loading weights:  10%|#  | 1/10\rLoading weights: 100%|##| 10/10\n"
                                                 f"{home}/.venv/lib/python3.11/site-packages/torch/onnx/x.py:12: TracerWarning: "
                                                 "<converting> will produce incorrect results\n"),
        new_output("stream", name="stdout", text="visible output\n"),
    ]
    nb = new_notebook(cells=[first, cell])
    nb.metadata["papermill"] = {"parameters": {"vendor": "cpu", "config": "smoke", "overrides": "{}"}}
    path = tmp_path / "notebook.ipynb"
    nbformat.write(nb, path)
    return path, home


def test_stderr_goes_to_a_collapsed_redacted_log_and_the_title_names_the_run(tmp_path):
    path, home = _notebook(tmp_path)
    page = notebook_to_html(path, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<title>BERT pre-training (masked LM) · cpu/smoke · perfkit</title>" in page
    assert "visible output" in page
    log = page[page.index('<details class="perfkit-log">'):]
    assert "TracerWarning" in log and "&lt;converting&gt;" in log and "<site-packages>" not in log
    assert "&lt;site-packages&gt;/torch/onnx/x.py" in log
    assert "Loading weights:  10%" not in log and "Loading weights: 100%" in log  # only the bar's last state
    assert home not in page
    before_log = page[: page.index('<details class="perfkit-log">')]
    assert "TracerWarning" not in before_log and "jp-RenderedText" in before_log


def test_log_text_collapses_bars_and_paths():
    text = log_text("a\rb\rc\n/opt/conda/lib/python3.11/site-packages/transformers/x.py:1: UserWarning\n")
    assert text == "c\n<site-packages>/transformers/x.py:1: UserWarning\n"


def test_log_merges_a_cells_outputs_and_drops_terminal_escapes():
    from perfkit.report.html import log_section_html

    section = log_section_html([(6, "Loading:   0%| | 0/42\r"), (6, "\x1b[A\r"), (6, "Loading: 100%| | 42/42\n"), (7, "  \n")])
    assert section.count("[cell 6]") == 1 and "[cell 7]" not in section
    assert "\x1b" not in section and "[A" not in section and "Loading: 100%" in section and "0/42" not in section


def test_a_sweep_points_title_names_the_point_its_resolved_run_records(tmp_path):
    path, _ = _notebook(tmp_path)
    nb = nbformat.read(path, as_version=4)
    payload = json.dumps({"run": {"config": "smoke--batch_size-16"}, "output_dir": "x"})
    nb.metadata["papermill"]["parameters"].update(resolved=payload)  # its `config` is the file it came from
    nbformat.write(nb, path)
    page = notebook_to_html(path, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<title>BERT pre-training (masked LM) · cpu/smoke--batch_size-16 · perfkit</title>" in page
