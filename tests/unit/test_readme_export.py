"""`perfkit report --markdown` writes the seeds' README structure; importing it gives the numbers back."""

from __future__ import annotations

import os
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from support.fabricated import make_result, write_run

from perfkit.cli import main
from perfkit.importing import parse_page, parse_text
from perfkit.report.markdown import escape_text, readme_text


def test_readme_has_the_seed_structure():
    text = readme_text("bert", "cpu", [make_result()])
    for part in ("配置与运行信息参考", "#### 环境配置", "- ##### 硬件环境", "- ##### 软件环境", "#### 运行情况",
                 "* 通用指标", "* 性能指标", "| 配置 | precision | fix_hp | e2e_time | p_whole | p_train | p_core | mlm_accuracy | mem |"):
        assert part in text, part
    assert "OS版本: Debian GNU/Linux 12" in text
    assert "| 额外修改项 | 无 | / |" in text
    assert "| CPU单机单卡（1x1） smoke | fp32 | bs=16,lr=1e-04 | 12.3 | 80.00 | 90.00 | 100.00 | 0.2500 | 1.25/8.0 |" in text


def test_export_then_import_gives_the_same_numbers(tmp_path, capsys):
    reports = tmp_path / "reports"
    results = [
        make_result(config="x1", metrics={"p_core": 101.25, "p_train": 95.5, "p_whole": 70.75, "e2e_time": 33.4, "acc": 0.4321}),
        make_result(config="x2", nproc=2, metrics={"p_core": 190.5, "acc": 0.4125, "mem_peak_gib": 2.5}),
        make_result(config="x4", nnodes=2, nproc=2, status="failed", error={"type": "RuntimeError", "message": "boom | pipe"}),
        make_result(benchmark="bert", vendor="other", config="y", metrics={"p_core": 5.0}),
    ]
    for r in results:
        write_run(reports, r)
    assert main(["report", "--markdown", "--reports", str(reports)]) == 0
    written = capsys.readouterr().out.split()
    assert sorted(written) == sorted(str(reports / "readme" / "bert" / v / "README.md") for v in ("cpu", "other"))

    page = parse_page(reports / "readme" / "bert" / "cpu" / "README.md")
    assert (page.benchmark, page.vendor, page.kind) == ("bert", "cpu", "training")
    assert [r.topology for r in page.rows] == ["1x1", "1x2", "2x2"]
    one, two, failed = page.rows
    assert one.metrics["p_core"] == 101.25 and one.metrics["p_train"] == 95.5 and one.metrics["p_whole"] == 70.75
    assert one.metrics["e2e_time"] == 33.4 and one.metrics["acc"] == 0.4321
    assert (one.metrics["mem_peak_gib"], one.metrics["mem_total_gib"]) == (1.25, 8.0)
    assert one.metrics["fix_hp_values"] == {"bs": 16, "lr": 1e-4}
    assert two.metrics["p_core"] == 190.5 and two.metrics["mem_peak_gib"] == 2.5
    assert failed.metrics["p_core"] is None and failed.metrics["acc"] is None  # blank, not zero
    assert page.hardware["加速卡型号"] == "Host CPU"
    both = sorted((reports / "readme").glob("bert/*/README.md"))
    assert main(["import", *map(str, both), "--reports", str(reports)]) == 0
    assert sorted(p.name for p in (reports / "references").iterdir()) == ["bert-cpu.json", "bert-other.json"]


def test_inference_rows_roundtrip(tmp_path):
    result = make_result(benchmark="bert_inference", metrics={
        "p_infer_core": 301.0, "p_infer_whole": 293.0, "p_val_core": 257.0, "p_val_whole": 251.0,
        "infer_time": 831e-6, "acc": 0.599, "acc_val": 0.638, "byte_per_batch": 32768, "e2e_time": 468.6})
    text = readme_text("bert_inference", "cpu", [result])
    assert "* 指标值" in text and "831μs" in text and "0.5990/0.6380" in text
    path = tmp_path / "README.md"
    path.write_text(text, encoding="utf-8")
    row = parse_page(path).rows[0]
    assert row.metrics["infer_time"] == pytest.approx(831e-6)
    assert (row.metrics["acc"], row.metrics["acc_val"], row.metrics["p_infer_core"]) == (0.599, 0.638, 301.0)
    assert row.metrics["byte_per_batch"] == 32768 and row.metrics["batch_size"] == 16


# --- every text written into the page is escaped (issue 21) ------------------------------------




NUMBER_KEYS = ("p_core", "p_train", "p_whole", "e2e_time", "acc", "mem_peak_gib", "mem_total_gib")
FAKE_TABLE = "boom\n\n* 性能指标\n\n| 配置 | p_core |\n| --- | --- |\n| CPU单机8卡（1x8） | 99999 |\n"
HOSTILE = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", FAKE_TABLE, "a | b | 99999", "`code` **b** _i_",
    "[link](javascript:alert(1))", "![img](http://x/y.png)", "&lt;script&gt;", "<!-- perfkit: benchmark=x vendor=y -->",
    "x -->\n<script>", "##### 硬件环境", "- ##### 软件环境", "1. list", "\\|\\", "~~~\ncode\n~~~", "line\r\nbreak\u2028sep",
    "<iframe src=//evil>", "<a href='javascript:x'>y</a>", "&#60;script&#62;", "$$\\href{x}{y}$$", "<http://evil>",
]


def _hostile_results(text: str):
    hardware = {"name": text, "short_name": text, "machine_model": text, "interconnect": text}
    ok = make_result(config="ok", metrics={"p_core": 101.25, "fix_hp": "bs=16,lr=1e-04"})
    ok.hardware.update(hardware)
    ok.environment.update({"os": text, "kernel": text})
    failed = make_result(config="failed", nproc=2, status="failed", error={"type": text, "message": text})
    failed.hardware.update(hardware)
    return [ok, failed]


def _numbers(rows):
    return [{key: row.metrics.get(key) for key in NUMBER_KEYS} for row in rows]


EXPECTED_ROWS = [
    {"p_core": 101.25, "p_train": 90.0, "p_whole": 80.0, "e2e_time": 12.3, "acc": 0.25, "mem_peak_gib": 1.25,
     "mem_total_gib": 8.0},
    dict.fromkeys(NUMBER_KEYS),
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_in_every_field_goes_into_the_page_escaped(tmp_path, text):
    page = readme_text("bert", "cpu", _hostile_results(text))
    html = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(page)
    for tag in ("<script", "<img", "<iframe", "<a ", "<code", "<em", "<strong", "<s>"):
        assert tag not in html, tag  # the text shows as text: no HTML, link, image, code or emphasis
    assert html.count("<h5>") == 2 and html.count("<table>") == 3  # 硬件环境/软件环境; 通用指标/性能指标/运行情况
    assert not re.search(r"(?<!\\)\| 99999 \|", page)  # a '|' in text is always '\|'
    assert page.count("<!--") == 2 and page.count("-->") == 2  # the marker and the provenance line only
    record = parse_text(page, tmp_path / "README.md")
    assert (record.benchmark, record.vendor) == ("bert", "cpu")
    assert _numbers(record.rows) == EXPECTED_ROWS  # no injected row, the numbers as written


def test_a_newline_in_an_error_message_injects_no_table(tmp_path, capsys):
    """Issue 21: a newline in error.message made a whole fake 性能指标 table, and importing the
    page published a row with p_core 99999 and no warning."""
    reports = tmp_path / "reports"
    for result in _hostile_results(FAKE_TABLE):
        write_run(reports, result)
    assert main(["report", "--markdown", "--reports", str(reports)]) == 0
    page = reports / "readme" / "bert" / "cpu" / "README.md"
    assert main(["import", str(page), "--reports", str(reports)]) == 0
    record = parse_page(page)
    assert _numbers(record.rows) == EXPECTED_ROWS
    assert all(row.metrics.get("p_core") != 99999 for row in record.rows)
    assert "99999" not in capsys.readouterr().out


TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
                 st.text(st.sampled_from("|<>&\\`*_[]#-+=!~\n\r\t 1.x)("), max_size=30))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT)
def test_any_text_in_any_field_round_trips_to_the_same_numeric_rows(tmp_path, text):
    page = readme_text("bert", "cpu", _hostile_results(text))
    record = parse_text(page, tmp_path / "README.md")
    assert _numbers(record.rows) == EXPECTED_ROWS
    assert not re.search(r"<(?!!--)", page)  # no raw '<' except the two comment lines


@settings(max_examples=150, deadline=None)
@given(text=TEXT)
def test_escaped_text_reads_back_as_one_plain_line(text):
    from perfkit.importing.markdown import read_page

    page = read_page(f"| 配置 | x |\n| --- | --- |\n| {escape_text(text) or '/'} | 1 |\n- key: {escape_text(text)}\n")
    (table,) = page.tables
    shown = "".join("\ufffd" if unicodedata.category(c) == "Cc" or c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                    else c for c in " ".join(text.split()))
    assert table.rows[0][1][0] == (shown or "/")  # the cell shows exactly the text
    assert len(table.rows) == 1 and not page.headings


def test_numbers_are_written_unescaped():
    for number in ("12.5", "-3.5", "0.2500", "1.25/8.0", "831μs", "45.30%", "bs=16,lr=1e-04", "1e-05"):
        assert escape_text(number) == number


# --- README pages are never written through a link or over a special file (issue 21) ---------



@pytest.mark.parametrize("where", ["readme", "readme/bert", "readme/bert/cpu", "readme/bert/cpu/README.md", "fifo"])
def test_report_markdown_never_writes_through_a_link_or_over_a_special_file(tmp_path, capsys, where):
    reports, elsewhere = tmp_path / "reports", tmp_path / "elsewhere"
    write_run(reports, make_result())
    elsewhere.mkdir()
    (elsewhere / "README.md").write_text("user's file")
    if where == "fifo":
        (reports / "readme" / "bert" / "cpu").mkdir(parents=True)
        os.mkfifo(reports / "readme" / "bert" / "cpu" / "README.md")
    else:
        link = reports / where
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(elsewhere / "README.md" if where.endswith(".md") else elsewhere)
    code = main(["report", "--markdown", "--reports", str(reports)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert sorted(p.name for p in elsewhere.iterdir()) == ["README.md"]
    assert (elsewhere / "README.md").read_text() == "user's file"
