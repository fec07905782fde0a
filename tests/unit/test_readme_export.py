"""`perfkit report --markdown` writes the seeds' README structure (an LLM pre-training case: FlagPerf's
LLM page layout); importing it gives the numbers back."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from support.fabricated import make_result, write_run

from perfkit.cli import main
from perfkit.importing import parse_page, parse_text
from perfkit.importing.readme import ReferencePage
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


# --- LLM pre-training pages: FlagPerf's training/<vendor>/llama3_8B-megatron layout ------------

FLAGPERF_LLAMA3_8B = Path(__file__).resolve().parents[1] / "fixtures/flagperf/training__nvidia__llama3_8B-megatron__README.md"
LLM_NUMBER_KEYS = ("tokens_per_card_s", "loss", "mfu", "mfu_high", "mfu_attn", "mem_peak_gib", "mem_total_gib",
                   "energy_j", "tokens_per_j")
LLM_TEXT_KEYS = ("precision", "parallel", "fix_hp", "aligned")


def _llama_run(config: str, nnodes: int, tokens: float, mfu: float, mfu_attn: float, loss: float, aligned, **more):
    nproc = nnodes * 8
    result = make_result(benchmark="llama", vendor="nvidia", config=config, nnodes=nnodes, nproc=8, metrics={
        "tokens_per_card_s": tokens, "mfu": mfu, "mfu_attn": mfu_attn, "loss": loss, "loss_aligned": aligned,
        "mem_peak_gib": 71.25, "mem_total_gib": 80.0, "model_shape": "llama3_8b", "global_batch": 512,
        "global_batch_tokens": 512 * 8192, "fix_hp": f"mbs=1,accum={512 // nproc},seq=8192,lr=1e-05",
        "sharding": f"FSDP2 fully_shard over {nproc} processes (nccl): 32 decoder layers + root",
        "attention": "SDPA (torch.nn.functional.scaled_dot_product_attention)", "precision_mode": "bf16 autocast",
        **more})
    result.run["params"].update({"precision": "bf16", "batch_size": 1, "seq_len": 8192, "gradient_accumulation_steps": 512 // nproc})
    result.hardware.update({"name": "NVIDIA H100 SXM", "short_name": "H100", "vendor": "nvidia"})
    return result


LLAMA_RUNS = [
    _llama_run("H100x1x8", 1, 8103.25, 0.3931, 0.4512, 2.7183, True, energy_j=123456.5, tokens_per_j=12.75,
               energy_source="nvml"),
    _llama_run("H100x2x8", 2, 7914.5, 0.3842, 0.4406, 2.7312, None),
]


def _llm_numbers(metrics: dict) -> dict:
    return {key: metrics.get(key) for key in (*LLM_NUMBER_KEYS, *LLM_TEXT_KEYS)}


def test_llama_readme_has_flagperf_llm_page_layout():
    text = readme_text("llama", "nvidia", LLAMA_RUNS)
    order = ["### NVIDIA H100 SXM配置与运行信息参考", "#### 环境配置", "- ##### 硬件环境", "- ##### 软件环境", "- ##### 并行策略",
             "- ##### 优化策略", "### 运行情况", "* 输入批尺寸", "* 通用指标", "* 性能指标", "精度对齐需第21步及之后", "#### 能耗监控结果"]
    at = [text.index(part) for part in order]
    assert at == sorted(at), order
    assert "| 配置 | precision | parallel | fix_hp | token/p/s | loss | 是否精度对齐 | mem | MFU | MFU_attn |" in text
    assert ("| H100单机8卡（1x8） H100x1x8 | bf16 | PP1DP8TP1 | mbs=1,accum=64,seq=8192,lr=1e-05 | 8103.25 | 2.7183 | True "
            "| 71.25/80.0 | 39.31% | 45.12% |") in text
    assert "| H100两机8卡（2x8） H100x2x8 | bf16 | PP1DP16TP1 | mbs=1,accum=32,seq=8192,lr=1e-05 | 7914.50 | 2.7312 | / |" in text
    # FlagPerf's 通用指标 rows for LLM cases, with both MFUs' formulas
    for row in ("| 超参修改 | parallel,见“性能指标” |", "| 计算使用率 | MFU,见“性能指标” | 参见PaLM论文定义: token/p/s × 6·N",
                "| 计算使用率 | MFU_attn,见“性能指标” | 含attention: token/p/s × (6·N + 12·L·h·s)",
                "| 吞吐量 | token/p/s,见“性能指标” |", "| 损失值 | loss,见“性能指标” |", "| 模型 | llama3_8b |"):
        assert row in text, row
    assert "实施细节: H100单机8卡（1x8） H100x1x8: FSDP2 fully_shard over 8 processes (nccl)" in text
    assert "GBS（序列数，括号内为token数）: H100单机8卡（1x8） H100x1x8: 512 (4194304); H100两机8卡（2x8） H100x2x8: 512 (4194304)" in text
    assert "| 配置 | 总能耗(J) | 平均功耗(W) | 最大功耗(W) | token/J | 来源 source |" in text
    # the classic pages' columns and 运行情况 table are not on an LLM page
    assert "p_core" not in text and "训练资源" not in text


def test_llama_export_then_perfkit_import_gives_the_same_numbers(tmp_path, capsys):
    reports = tmp_path / "reports"
    for result in LLAMA_RUNS:
        write_run(reports, result)
    assert main(["report", "--markdown", "--reports", str(reports)]) == 0
    page_path = reports / "readme/llama/nvidia/README.md"
    assert capsys.readouterr().out.split() == [str(page_path)]
    assert main(["import", str(page_path), "--reports", str(reports)]) == 0
    records = list((reports / "references").glob("*.json"))
    assert [p.name for p in records] == ["llama-nvidia.json"]
    page = ReferencePage.from_dict(json.loads(records[0].read_text()))
    assert (page.benchmark, page.vendor, page.kind) == ("llama", "nvidia", "training") and not page.warnings
    assert [r.topology for r in page.rows] == ["1x8", "2x8"]
    expected = [
        {"tokens_per_card_s": 8103.25, "loss": 2.7183, "mfu": 0.3931, "mfu_high": None, "mfu_attn": 0.4512,
         "mem_peak_gib": 71.25, "mem_total_gib": 80.0, "energy_j": 123456.5, "tokens_per_j": 12.75,
         "precision": "bf16", "parallel": "PP1DP8TP1", "fix_hp": "mbs=1,accum=64,seq=8192,lr=1e-05", "aligned": "True"},
        {"tokens_per_card_s": 7914.5, "loss": 2.7312, "mfu": 0.3842, "mfu_high": None, "mfu_attn": 0.4406,
         "mem_peak_gib": 71.25, "mem_total_gib": 80.0, "energy_j": None, "tokens_per_j": None,
         "precision": "bf16", "parallel": "PP1DP16TP1", "fix_hp": "mbs=1,accum=32,seq=8192,lr=1e-05", "aligned": None},
    ]
    assert [_llm_numbers(r.metrics) for r in page.rows] == [pytest.approx(e) for e in expected]
    assert page.rows[0].metrics["fix_hp_values"] == {"mbs": 1, "accum": 64, "seq": 8192, "lr": 1e-5}


def test_published_llama3_8b_page_exports_in_its_layout_and_imports_to_the_same_numbers(tmp_path, capsys):
    """An imported FlagPerf llama3_8B page with no measured run of its vendor: its README is
    written from the published rows in the same layout, and reads back to the page's numbers
    (the bf16+fp8 rows' MFU range included)."""
    reports = tmp_path / "reports"
    write_run(reports, make_result(benchmark="llama", config="smoke"))  # a measured cpu run, so report has a result
    assert main(["import", str(FLAGPERF_LLAMA3_8B), "--reports", str(reports)]) == 0
    assert main(["report", "--markdown", "--reports", str(reports)]) == 0
    exported = reports / "readme/llama/nvidia/README.md"
    assert str(exported) in capsys.readouterr().out.split()
    text = exported.read_text(encoding="utf-8")
    assert "| 配置 | precision | parallel | fix_hp | token/p/s | loss | 是否精度对齐 | mem | MFU | MFU_attn |" in text
    assert "| H100单机8卡（1x8） | bf16+fp8 | PP1DP4TP2 | / | 10486.00 | / | True | 74.00/80.0 | 25.40%-50.60% | / |" in text
    original, again = parse_page(FLAGPERF_LLAMA3_8B), parse_page(exported)
    assert [r.config for r in again.rows] == [r.config for r in original.rows]
    assert [_llm_numbers(r.metrics) for r in again.rows] == [pytest.approx(_llm_numbers(r.metrics)) for r in original.rows]

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


@pytest.mark.parametrize("text", [FAKE_TABLE, "<script>alert(1)</script>", "a | b | 99999", "1. list", "- ##### 软件环境"])
def test_hostile_text_in_an_llm_page_goes_in_escaped(tmp_path, text):
    """The LLM page's own fields (sharding, attention, precision mode, model shape, batch values)
    come from result.json too: escaped like every other text, numbers read back as written."""
    runs = [_llama_run("H100x1x8", 1, 8103.25, 0.3931, 0.4512, 2.7183, True, sharding=text, attention=text,
                       precision_mode=text, model_shape=text, global_batch=text, loss_aligned=text)]
    runs[0].run["params"]["batch_size"] = text
    page = readme_text("llama", "nvidia", runs)
    html = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(page)
    assert "<script" not in html and html.count("<table>") == 2  # 通用指标, 性能指标
    assert not re.search(r"(?<!\\)\| 99999 \|", page)
    record = parse_text(page, tmp_path / "README.md")
    assert [r.metrics["tokens_per_card_s"] for r in record.rows] == [8103.25]
    assert record.rows[0].metrics["aligned"] is None  # not a verdict: '/'
