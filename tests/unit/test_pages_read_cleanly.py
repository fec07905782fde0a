"""Pages read cleanly: MFU is a percent under every "(%)" header, a missing value reads "—" with
its reason, every row label and note is bilingual, nothing in the CSS breaks a word, numbers
and status tokens are marked not to wrap, progress lines fold into a collapsed run log, and the
side-by-side curves are separate images that can stack."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from support.fabricated import SEEDS, make_result, write_run

from perfkit.cells import benchmark as pk
from perfkit.comparison import page as compare_page
from perfkit.importing import parse_page, write_references
from perfkit.report import headline, labels, tables
from perfkit.report.html import notebook_to_html
from perfkit.report.index import html_table
from perfkit.report.labels import keep_words
from perfkit.report.table import cell_class
from perfkit.report.plots import IMAGE_DATA
from perfkit.report.site_data import all_tables, load_site

TEMPLATE = Path(pk.__file__).resolve().parents[1] / "report" / "templates" / "perfkit_offline" / "index.html.j2"
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{2,}")
MFU = {"mfu": 0.2391, "peak_tflops": 171.25, "peak_source": "hardware file"}


def _site(tmp_path):
    reports = tmp_path / "reports"
    write_run(reports, make_result(config="x1", metrics=MFU))
    write_run(reports, make_result(config="x1", metrics={**MFU, "p_core": 101.0}), repeat="r2")
    write_references([parse_page(p) for p in sorted(SEEDS.glob("*.txt"))], reports / "references")
    return load_site(reports)


def test_mfu_is_a_percent_under_every_percent_header(tmp_path):
    seen = 0
    for name, frame in all_tables(_site(tmp_path)).items():
        for column in frame.columns:
            if "MFU" in labels.header(column) and "(%)" in labels.header(column):
                values = [v for v in frame[column] if str(v).strip()]
                assert values and all(str(v).startswith("23.9") for v in values), (name, column, values)
                seen += 1
    assert seen >= 2  # the runs table and the comparison table
    assert headline.mfu_text(MFU).startswith("23.9 % of 171.2 TFLOP/s")


def test_published_mfu_shows_in_percent():
    from perfkit.report import compare

    row = compare.Row(benchmark="b", vendor="nvidia", kind="training", config="c", label="c", nnodes=1,
                      nproc_per_node=8, source="published", origin="p.md:3", status="published",
                      metrics={"mfu": 0.2391, "mfu_high": 0.5})
    frame = compare.comparison_table([row], "training")
    assert frame.loc[0, "mfu"] == "23.9" and frame.loc[0, "mfu_high"] == "50.0"
    assert labels.header("mfu_high").endswith("(%)")


@pytest.mark.parametrize("metrics, expected", [
    ({"target": None, "steps_to_target": None}, "steps to target — (no target)"),
    ({"target": 0.72, "converged": False, "steps_to_target": None}, "steps to target — (target not reached)"),
    ({"target": 0.72, "converged": True, "steps_to_target": 180}, "steps to target 180"),
    ({"target": 0.72}, "steps to target — (not recorded)"),
])
def test_a_missing_value_reads_a_dash_with_its_reason(metrics, expected):
    text = tables.convergence_text(metrics)
    assert expected in text and not re.search(r"\s\)|\(\s|,\s*\)", text)


@pytest.mark.parametrize("status", ["ok", "failed"])
def test_no_summary_slot_is_empty(status):
    training = make_result(status=status, metrics={} if status == "failed" else None)
    inference = make_result(benchmark="bert_inference", status=status, metrics={})
    for frame in (tables.run_summary(training), tables.inference_summary(inference)):
        for value in frame["value"]:
            assert not re.search(r"(^|\s)/(\s|$)(?=\s*/)|/\s*/|\(\s*\)|\s\)|→\s*$|^\s*→", value), value
            assert "None" not in value, value


def _bilingual(text: str) -> bool:
    return bool(CJK.search(text)) and bool(LATIN.search(text))


def test_every_row_label_and_note_is_bilingual():
    training, inference = make_result(nonstandard=["hidden_size"]), make_result(benchmark="bert_inference")
    env = tables.environment_table(training)
    labels_seen = [*env[""], *env["项目"]]
    general = tables.general_table(training)
    labels_seen += [*general["指标名称"]]
    labels_seen += [*tables.inference_metric_list(inference)["指标名称"]]
    labels_seen += [*tables.run_summary(training)[""], *tables.inference_summary(inference)[""]]
    labels_seen += [*tables.definitions_table()["名称"], *tables.inference_definitions_table()["名称"]]
    labels_seen += [label for label, _ in headline.headline_items(training)]
    assert len(labels_seen) > 70
    assert [label for label in labels_seen if not _bilingual(label)] == []
    notes = [n for frame in (general, tables.inference_metric_list(inference)) for n in frame["特殊说明"]]
    values = [v for v in general["指标值"]]
    assert [t for t in notes + values if CJK.search(t) and not LATIN.search(t)] == []
    assert env[""][0].startswith("硬件环境") and env["项目"][0] == "机器型号 Machine model"


def test_the_css_never_breaks_inside_a_word():
    css = TEMPLATE.read_text(encoding="utf-8") + headline.CSS + compare_page._CSS
    assert "break-all" not in css and "anywhere" not in css and "break-word" not in css
    assert "white-space: nowrap" in css and "overflow-x: auto" in css and "keep-all" in css
    assert re.search(r"@media \(max-width: 700px\)[^@]*perfkit-figs > img \{ flex-basis: 100%", css)


@pytest.mark.parametrize("text, css", [
    ("171.2 / 174", "num"), ("REGRESSION", "num"), ("0.0118/0.0125", "num"), ("ok", "num"),
    ("2026-01-01 00:01", "num"), ("100.00 (p_core)", "num"), ("-66.48", "num"),
    ("bert/cpu/R300x1x8_a_rather_long_configuration_name", "long"),
    ("CUDA out of memory. CUDA out of memory.", ""), ("", ""),
])
def test_numbers_and_status_tokens_never_wrap(text, css):
    assert cell_class(text) == css


def test_words_with_break_opportunities_are_kept_whole():
    assert keep_words("CPU单机单卡（1x1） smoke") == '<span class="w">CPU单机单卡（1x1）</span> smoke'
    assert keep_words("能耗 energy J / W -66.48 no †") == "能耗 energy J / W -66.48 no †"
    assert keep_words("精度 acc (0–1) non-standard") == '精度 acc <span class="w">(0–1)</span> <span class="w">non-standard</span>'
    cell = html_table(__import__("pandas").DataFrame({"run": ["bert/cpu/R300x1x8_a_rather_long_configuration_name"],
                                                      "p_core": ["171.25"]}))
    assert '<td class="num">171.25</td>' in cell and "bert/<wbr>cpu/<wbr>R300x1x8" in cell
    shown = pk.environment(make_result())._repr_html_()
    assert 'class="w"' in shown and '<td class="num">' in shown


def test_progress_lines_fold_into_a_collapsed_run_log_above_the_headline(tmp_path):
    run = new_code_cell("result = pk.execute(run)", metadata={"tags": ["run-log"]})
    run.outputs = [new_output("stream", name="stdout", text="".join(f"bert: step {n}/20 loss=6.{n}\n" for n in range(1, 21))),
                   new_output("stream", name="stderr", text="a warning\n")]
    shown = new_code_cell("pk.headline(result)")
    shown.outputs = [new_output("display_data", data={"text/html": pk.headline(make_result()).data})]
    nb = new_notebook(cells=[new_markdown_cell("# t"), new_markdown_cell("## 运行日志 Run log"), run,
                             new_markdown_cell("## 结果概要 Headline"), shown])
    path = tmp_path / "notebook.ipynb"
    nbformat.write(nb, path)
    page = notebook_to_html(path, tmp_path / "report.html").read_text(encoding="utf-8")
    details = re.findall(r"<details class=\"perfkit-log\">.*?</details>", page, re.S)
    assert len(details) == 1 and "运行日志 Run log (21 lines)" in details[0] and "a warning" in details[0]
    outside = page.replace(details[0], "")
    assert "loss=6." not in outside and "a warning" not in outside
    assert page.index("运行日志 Run log (21") < page.index(">结果概要 Headline") < page.index("perfkit-headline\"")


def test_side_by_side_curves_are_separate_images():
    result = make_result(loss=[6.0 - 0.1 * i for i in range(30)], evals=[{"samples": 64, "quality": 0.1}])
    html = pk.curves(result).data
    assert html.startswith('<div class="perfkit-figs">') and html.count("<img ") == 2
    assert html.count(IMAGE_DATA) == 2
