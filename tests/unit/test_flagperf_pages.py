"""FlagPerf's own vendor pages (tests/fixtures/flagperf, sources in SOURCES.md) import without
losing a number; the formats real pages use; batch import; like-for-like scaling; the export
round trip."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.fabricated import make_result, write_run

from perfkit.cli import main
from perfkit.importing import (
    PageError,
    import_pages,
    load_references,
    parse_page,
    parse_text,
)
from perfkit.importing.coverage import numeric_cells, page_coverage
from perfkit.importing.markdown import read_page
from perfkit.report import compare, repeats, scaling
from perfkit.report.markdown import readme_text, write_readmes

PAGES = Path(__file__).parents[1] / "fixtures" / "flagperf"
FIXTURES = sorted(p for p in PAGES.glob("*.md") if p.name != "SOURCES.md")
EXPECTED = {  # fixture -> (benchmark, vendor)
    "inference__benchmarks__Aquila_7b_mmlu__README.md": ("aquila_7b_mmlu_inference", "nvidia"),
    "inference__benchmarks__bert__README.md": ("bert_inference", "nvidia"),
    "inference__benchmarks__bertLarge__README.md": ("bertlarge_inference", "nvidia"),
    "inference__benchmarks__vit_l_16__README.md": ("vit_l_16_inference", "kunlunxin+nvidia"),
    "inference__benchmarks__stable_diffusion_v1_4__README.md": ("stable_diffusion_v1_4_inference", "nvidia"),
    "training__ascend__llama3_70B-MindSpeed__README.md": ("llama3_70b", "ascend"),
    "training__ascend__resnet50-mindspore__README.md": ("resnet50", "ascend"),
    "training__cambricon__llama3_8B-megatron__README.md": ("llama", "cambricon"),  # the case perfkit runs
    "training__dcu__glm-pytorch__README.md": ("glm", "dcu"),
    "training__iluvatar__bert-pytorch__README.md": ("bert", "iluvatar"),
    "training__kunlunxin__bert-pytorch__README.md": ("bert", "kunlunxin"),
    "training__kunlunxin__llama2_70B-megatron__README.md": ("llama2_70b", "kunlunxin"),
    "training__metax__mobilenetv2-pytorch__README.md": ("mobilenetv2", "metax"),
    "training__mthreads__resnet50-pytorch__README.md": ("resnet50", "mthreads"),
    "training__nvidia__bert-pytorch__README.md": ("bert", "nvidia"),
    "training__nvidia__transformer_xl-pytorch__README.md": ("transformer_xl", "nvidia"),
    "training__nvidia__gpt3-6.7b-paddle__README.md": ("gpt3-6.7b", "nvidia"),
    "training__kunlunxin__bigtransfer-pytorch__README.md": ("bigtransfer", "kunlunxin"),
    "training__metax__qwen1.5_MoE-megatron__README.md": ("qwen1.5_moe", "metax"),
    "training__iluvatar__resnet50-pytorch__README.md": ("resnet50", "iluvatar"),
}


def page(name: str):
    return parse_page(PAGES / name)


def test_the_sample_is_varied_and_every_page_has_its_source():
    sources = (PAGES / "SOURCES.md").read_text(encoding="utf-8")
    assert len(FIXTURES) >= 25
    for path in FIXTURES:
        assert f"| {path.name} | {path.name.replace('__', '/')} |" in sources, path.name
    vendors = {p.name.split("__")[1] for p in FIXTURES if p.name.startswith("training")}
    assert {"nvidia", "kunlunxin", "iluvatar", "metax", "mthreads", "ascend", "cambricon", "dcu"} <= vendors
    assert sum(p.name.startswith("inference") for p in FIXTURES) >= 8


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_benchmark_and_vendor_of_each_page(name):
    record = page(name)
    assert (record.benchmark, record.vendor) == EXPECTED[name]


def test_every_numeric_cell_of_every_page_reaches_the_record_or_a_warning():
    total_in = total_out = 0
    for path in FIXTURES:
        coverage = page_coverage(path)
        assert coverage.imported, coverage.refusal
        assert not coverage.silent, (path.name, coverage.silent)
        assert len(coverage.cells_in) == len(coverage.cells_out) + len(coverage.warned)
        total_in += len(coverage.cells_in)
        total_out += len(coverage.cells_out)
    assert total_in >= 250 and total_out == total_in  # the sample's cells are all readable


def test_tables_written_right_under_a_list_item_are_tables_and_stay_apart():
    """GitHub shows a table under `* GPT-3 (6.7B)` with no blank line as a table (CommonMark folds
    it into the item); the 13B table repeats the 6.7B one's columns, so its rows are its own."""
    record = page("training__nvidia__gpt3-6.7b-paddle__README.md")
    assert [(r.line, r.table) for r in record.rows] == [(n, "GPT-3 (6.7B)") for n in range(77, 82)] + [
        (n, "GPT-3 (13B)") for n in range(88, 93)]
    four_cards = record.rows[2].metrics
    assert (four_cards["e2e_time"], four_cards["acc"], four_cards["steps"], four_cards["throughput"]) == (
        1715.28, 0.6809, 6250, 180.07)
    assert not record.warnings


def test_a_separator_row_with_more_cells_than_the_header_is_read_and_named():
    record = page("training__kunlunxin__bigtransfer-pytorch__README.md")
    (row,) = record.rows
    assert (row.line, row.metrics["target"], row.metrics["acc"]) == (28, 0.83, 0.81648)
    assert [w.split("README.md", 1)[1] for w in record.warnings] == [
        ":27: the '| --- |' row has 7 cells, the header 6; read as a table of 6 columns"]


def test_a_page_with_windows_line_endings_keeps_its_line_numbers():
    path = PAGES / "training__iluvatar__resnet50-pytorch__README.md"
    assert b"\r\n" in path.read_bytes()  # stored as FlagPerf has it
    record = parse_page(path)
    assert [r.line for r in record.rows] == [43, 44, 45, 46]
    assert record.rows[3].metrics["fix_hp_values"] == {"bs": 288, "lr": 0.6}


def test_counting_is_independent_of_the_importer(tmp_path):
    text = "### 昆仑芯XPU\n[x](../../benchmarks/bert/README.md)\n| 配置 | p_core | 新指标 | 备注 |\n| --- | --- | --- | --- |\n" \
           "| R300（1x1） | 12 | 3.5/4 | 见说明 |\n| R300（1x8） | 1e400 | / | x |\n"
    assert [(line, header) for line, header, _ in numeric_cells(text)] == [(5, "p_core"), (5, "新指标"), (6, "p_core")]
    path = tmp_path / "p.md"
    path.write_text(text, encoding="utf-8")
    coverage = page_coverage(path)
    assert [c[:2] for c in coverage.warned] == [(6, "p_core")] and not coverage.silent
    one = coverage.page.rows[0]
    assert (one.metrics["新指标"], one.metrics["新指标_ref"], one.metrics["备注"]) == (3.5, 4.0, "见说明")


def test_llm_columns_are_kept():
    record = page("training__nvidia__llama3_8B-megatron__README.md")
    first, _, fp8 = record.rows[:3]
    assert first.metrics["tokens_per_card_s"] == 3698.7 and first.metrics["mfu"] == 0.569
    assert first.metrics["parallel"] == "PP2DP4TP1" and first.metrics["precision"] == "bf16"
    assert (fp8.metrics["mfu"], fp8.metrics["mfu_high"]) == (0.254, 0.506)
    assert (first.metrics["mem_peak_gib"], first.metrics["mem_total_gib"]) == (76.0, 80.0)
    assert [r.topology for r in record.rows] == ["1x8", "1x8", "1x8", "2x8", "2x8"]
    table = compare.comparison_table(compare.published_rows(record), "training")
    assert {"parallel", "tokens_per_card_s", "mfu"} <= set(table.columns)
    loss = page("training__mthreads__llama2_7b-deepspeed__README.md").rows[0]
    assert (loss.metrics["loss"], loss.metrics["loss_ref"], loss.metrics["mem_peak_gib"]) == (44.2, 48.0, 3.2)


def test_inference_page_with_several_vendors_attributes_rows_by_hardware_section():
    record = page("inference__benchmarks__vit_l_16__README.md")
    assert [r.vendor for r in record.rows] == ["nvidia", "nvidia", "kunlunxin"]
    assert {s["vendor"] for s in record.sections} == {"nvidia", "kunlunxin"}
    kunlunxin = record.rows[2]
    assert kunlunxin.metrics["p_infer_core"] == 144.914 and kunlunxin.metrics["acc"] == 0.279
    assert record.rows[0].metrics["mfu"] == 0.262
    diffusion = page("inference__benchmarks__stable_diffusion_v1_4__README.md")
    assert [r.vendor for r in diffusion.rows] == ["nvidia", "nvidia", "kunlunxin", "nvidia", "nvidia", "metax", "metax"]
    assert diffusion.rows[0].metrics["clipscore"] == 17.1 and diffusion.rows[0].metrics["clipscore_ref"] == 25.2
    rows = compare.published_rows(diffusion)
    assert {r.vendor for r in rows} == {"nvidia", "kunlunxin", "metax"}
    assert "clipscore" in compare.comparison_table(rows, "inference").columns  # an extra reaches CSV and site


def test_escaped_headers_and_full_width_brackets():
    infer = page("inference__benchmarks__resnet50__README.md").rows[0]
    assert infer.metrics["p_infer_core"] == 12406.0 and infer.metrics["p_val_core"] == 4263.3
    assert (infer.metrics["acc"], infer.metrics["acc_val"]) == (0.762, 0.762)
    assert infer.metrics["byte_per_batch"] == 77070336
    run = page("training__nvidia__mobilenetv2-pytorch__README.md").rows[3]
    assert run.metrics["throughput"] == 4081.72 and run.metrics["acc"] == 0.70634 and run.topology == "1x8"


def test_a_throughput_in_other_units_is_an_extra_and_an_unreadable_time_is_named():
    record = page("training__nvidia__wav2vec2-pytorch__README.md")
    (row,) = record.rows
    assert (record.benchmark, record.vendor) == ("wav2vec2", "nvidia")  # no hardware section: the path says
    assert row.metrics.get("throughput") is None and row.metrics["性能_ntokens_s"] == 1363049.0
    assert any(":9: column '运行时长(s)': cannot read '3-4天'" in w for w in record.warnings)
    real = page("training__ascend__bert_hf__README.md").rows[1]
    assert (real.metrics["acc"], real.metrics["target"], real.metrics["p_core"]) == (0.658, 0.655, 394.6)


def test_identity_from_path_and_the_model_cell_kept():
    xl = page("training__nvidia__transformer_xl-pytorch__README.md")
    assert (xl.benchmark, xl.model, xl.framework) == ("transformer_xl", "cpm", "pytorch")
    assert xl.rows[0].metrics["ppl"] == 49.8
    dcu = page("training__dcu__glm-pytorch__README.md")
    assert dcu.title.startswith("Nvidia") and dcu.vendor == "dcu"  # the path, not the copied heading
    assert dcu.rows[0].metrics["p_core"] is None  # '\' is a placeholder


HEAD = "### {title}配置与运行信息参考\n#### 环境配置\n- ##### {hw}硬件环境\n    - 加速卡型号: {card}\n\n"


def write(tmp_path: Path, text: str, name: str = "page.md") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_formats_real_pages_use(tmp_path):
    text = HEAD.format(title="Nvidia GPU", hw="A800", card="/") + (
        "[x](../../benchmarks/bert/README.md)\n"
        "* 通用指标\n\n| 指标名称 | 指标值 | 特殊说明 |\n| --- | --- | --- |\n| 模型 | bert |\n| 数据集 | wiki | x |\n\n"
        "* 性能指标\n\n| 配置 | precision | fix_hp | bs | 收敛精度 | p_core | e2e_time |\n| --- | --- | --- | --- | --- | --- | --- |\n"
        "| 单机8卡（1x8） | fp16 | bs=32 | 32*6 | 0.657/0.655 | -- | \\ |\n\n"
        "* 消融实验\n\n| 配置 | precision | p_core | acc |\n| --- | --- | --- | --- |\n| 单机8卡（1x8）no-fuse | fp16 | 90.5 | 0.6 |\n"
    )
    record = parse_page(write(tmp_path, text))
    assert (record.benchmark, record.vendor) == ("bert", "nvidia")  # from the heading 'A800硬件环境'
    first, ablation = record.rows
    assert first.metrics["batch_size"] == 192 and (first.metrics["acc"], first.metrics["target"]) == (0.657, 0.655)
    assert first.metrics["p_core"] is None and first.metrics["e2e_time"] is None
    assert ablation.metrics["p_core"] == 90.5 and ablation.table == "消融实验"
    assert any(":11: 通用指标 row has 2 cells" in w for w in record.warnings)  # warned, the page kept
    assert record.general[1]["指标值"] == "wiki"


UNSAFE = {  # cell -> the warning's reason
    "1e400": "not a finite number",
    "nan": "not a finite number",
    "-5": "negative",
}


@pytest.mark.parametrize("cell", list(UNSAFE))
def test_unsafe_numbers_are_refused_with_a_line(tmp_path, cell):
    text = "### 昆仑芯XPU\n[x](../../benchmarks/bert/README.md)\n| 配置 | p_core | acc |\n| --- | --- | --- |\n" \
           f"| R300（1x1） | {cell} | 150% |\n"
    path = write(tmp_path, text)
    record = parse_page(path)
    row = record.rows[0]
    assert row.metrics["p_core"] is None and row.metrics["acc"] is None
    assert any(w.startswith(f"{path}:5: column 'p_core': ") and UNSAFE[cell] in w for w in record.warnings)
    assert any(w.startswith(f"{path}:5: column 'acc': ") and "above 100%" in w for w in record.warnings)


def test_a_row_longer_than_its_header_is_named(tmp_path):
    text = "### 昆仑芯XPU\n[x](../../benchmarks/bert/README.md)\n| 配置 | p_core |\n| --- | --- |\n| R300（1x1） | 1 | 2 |\n"
    path = write(tmp_path, text)
    record = parse_page(path)
    assert record.rows[0].metrics["p_core"] == 1.0
    assert any(w.startswith(f"{path}:5: row has 3 cells, the header 2") and "(2)" in w for w in record.warnings)


def test_unknown_vendor_asks_for_vendor(tmp_path, capsys):
    text = "### 某芯片配置与运行信息参考\n- ##### 硬件环境\n  - 加速卡型号: X9\n\n[x](../../benchmarks/bert/README.md)\n" \
           "| 配置 | p_core |\n| --- | --- |\n| X9（1x1） | 1 |\n"
    path = write(tmp_path, text)
    with pytest.raises(PageError, match=r"page\.md:2: cannot tell the vendor.*pass --vendor"):
        parse_page(path)
    reports = tmp_path / "reports"
    assert main(["import", str(path), "--reports", str(reports)]) == 2
    assert capsys.readouterr().err.startswith(f"perfkit: error: {path}:2: cannot tell the vendor")
    assert main(["import", str(path), "--vendor", "x9corp", "--reports", str(reports)]) == 0
    assert parse_page(path, vendor="x9corp").vendor == "x9corp"


def test_batch_keys_records_by_vendor_and_case_and_reports_every_bad_page(tmp_path, capsys):
    root = tmp_path / "FlagPerf"
    for vendor in ("nvidia", "kunlunxin"):
        target = root / "training" / vendor / "bert-pytorch" / "README.md"
        target.parent.mkdir(parents=True)
        shutil.copy(PAGES / f"training__{vendor}__bert-pytorch__README.md", target)
    bad1 = write(tmp_path, "# nothing here\n", "a/README.md")
    bad2 = write(tmp_path, "| 配置 | p_core |\n| --- | --- |\n| x | 1 |\n", "b/README.md")
    good = sorted(root.rglob("README.md"))
    reports = tmp_path / "reports"
    code = main(["import", *map(str, good), str(bad1), str(bad2), "--reports", str(reports)])
    err = capsys.readouterr().err
    assert code == 1
    assert f"refused: {bad1}:1: no results table" in err and f"refused: {bad2}:1: cannot tell the benchmark" in err
    assert sorted(p.name for p in (reports / "references").glob("*.json")) == ["bert-kunlunxin-pytorch.json",
                                                                               "bert-nvidia-pytorch.json"]
    assert main(["import", *map(str, good), "--reports", str(tmp_path / "r2")]) == 0
    assert main(["import", str(bad1), "--reports", str(tmp_path / "r3")]) == 2
    result = import_pages(good + [bad1], tmp_path / "r4", strict=True)
    assert result.exit_code == 2 and not result.written and not (tmp_path / "r4").exists()


def _published(label, nnodes, nproc, fix_hp, p_core):
    return compare.Row("mobilenetv2", "nvidia", "training", label, label, nnodes, nproc, compare.PUBLISHED,
                       "x.md:1", compare.PUBLISHED, precision="fp32", fix_hp=fix_hp, metrics={"p_core": p_core})


def test_scaling_is_like_for_like_never_averaging_other_hyperparameters():
    rows = [
        _published("A100单机单卡（1x1）", 1, 1, "bs=256,lr=0.1", 500.0),
        _published("A100单机8卡（1x8）", 1, 8, "bs=256,lr=0.1", 3668.0),
        _published("A100单机8卡（1x8）", 1, 8, "bs=512, lr=0.1", 2372.0),
    ]
    out = scaling.scaling_rows(rows)
    by = {(r["fix_hp"].replace(" ", ""), r["topology"]): r for r in out}
    assert by[("bs=256,lr=0.1", "1x8")]["efficiency"] == pytest.approx(3668.0 / (8 * 500.0))  # 0.917
    assert by[("bs=256,lr=0.1", "1x8")]["runs"] == 1 and by[("bs=256,lr=0.1", "1x8")]["throughput"] == 3668.0
    apart = by[("bs=512,lr=0.1", "1x8")]
    assert apart["throughput"] == 2372.0 and apart["efficiency"] is None and apart["runs"] == 1
    averaged = (3668.0 + 2372.0) / 2 / (8 * 500.0)  # what averaging both 1x8 rows would give: 0.755
    assert all(r["efficiency"] != pytest.approx(averaged) for r in out)


def test_repeats_only_of_the_same_hyperparameters():
    a = make_result(config="x1", metrics={"p_core": 100.0, "fix_hp": "bs=16"})
    b = make_result(config="x1", metrics={"p_core": 200.0, "fix_hp": "bs=32"})
    assert repeats.repeat_rows([a, b]) == []
    c = make_result(config="x1", metrics={"p_core": 110.0, "fix_hp": "bs=16"})
    (row,) = [r for r in repeats.repeat_rows([a, b, c]) if r["metric"] == "p_core"]
    assert row["n"] == 2 and row["mean"] == pytest.approx(105.0)


def test_export_then_import_gives_the_same_numbers_with_mfu_run_table_and_monitor(tmp_path):
    results = [
        make_result(benchmark="glm", config="x1", metrics={"p_core": 101.25, "mfu": 0.4321, "target": 0.8, "steps": 240,
                                                          "energy_j": 1234.5, "power_avg_w": 95.5}),
        make_result(benchmark="glm", config="x2", nproc=2, metrics={"p_core": 190.5, "acc": 0.4125}),
    ]
    text = readme_text("glm", "cpu", results)
    assert "| 额外修改项 | 无 | / |" in text and "#### 能耗监控结果" in text
    assert "| 训练资源 | 配置文件 | 运行时长(s) | 目标精度 | 收敛精度 | Steps数 | 性能(samples/s) |" in text
    record = parse_text(text, tmp_path / "README.md")
    assert not record.warnings
    one, two = record.rows
    assert (one.metrics["p_core"], one.metrics["mfu"], one.metrics["target"], one.metrics["steps"]) == (101.25, 0.4321, 0.8, 240)
    assert (one.metrics["energy_j"], one.metrics["power_avg_w"], one.metrics["power_peak_w"]) == (1234.5, 95.5, None)
    assert two.metrics["p_core"] == 190.5 and two.metrics["acc"] == 0.4125 and two.metrics["mfu"] is None
    assert one.metrics["throughput"] == one.metrics["p_whole"]  # 性能(samples/s) is p_whole


def test_nonstandard_keys_are_listed_in_extra_changes():
    result = make_result(nonstandard=["max_steps", "lr"])
    text = readme_text("bert", "cpu", [result])
    assert "| 额外修改项 | lr, max_steps |" in text


def test_published_rows_make_the_page_when_there_is_no_run(tmp_path):
    reports = tmp_path / "reports"
    write_run(reports, make_result())  # bert on cpu: measured
    record = page("training__nvidia__glm-pytorch__README.md")
    written = write_readmes([make_result()], reports / "readme", [record])
    assert reports / "readme" / "glm" / "nvidia" / "README.md" in written
    again = parse_page(reports / "readme" / "glm" / "nvidia" / "README.md")
    assert (again.benchmark, again.vendor) == ("glm", "nvidia")
    for before, after in zip(record.rows, again.rows, strict=True):
        for key in ("p_core", "p_train", "p_whole", "e2e_time", "acc", "mem_peak_gib", "mem_total_gib"):
            assert after.metrics[key] == before.metrics[key], key
        assert after.metrics["fix_hp"] == before.metrics["fix_hp"]


def test_cli_report_markdown_uses_imported_pages(tmp_path, capsys):
    reports = tmp_path / "reports"
    assert main(["import", str(PAGES / "training__metax__mobilenetv2-pytorch__README.md"), "--reports", str(reports)]) == 0
    assert load_references(reports / "references")[0].id == "mobilenetv2-metax-pytorch"
    assert main(["report", "--markdown", "--reports", str(reports)]) == 0
    assert str(reports / "readme" / "mobilenetv2" / "metax" / "README.md") in capsys.readouterr().out


# --- FlagPerf's inference pages in their own tree: one record per vendor (issue 20) ------------


TREE_INFERENCE = sorted((PAGES / "inference" / "benchmarks").glob("*/README.md"))
ALL_PAGES = sorted(p for p in PAGES.rglob("*.md") if p.name != "SOURCES.md")


def test_the_tree_holds_flagperfs_inference_pages_with_their_sources():
    sources = (PAGES / "SOURCES.md").read_text(encoding="utf-8")
    assert len(TREE_INFERENCE) == 15
    for path in ALL_PAGES:
        if path.parent != PAGES:
            assert f"| {path.relative_to(PAGES).as_posix()} |" in sources, path


def test_inference_pages_in_their_own_tree_all_import_one_record_per_vendor(tmp_path, capsys, monkeypatch):
    reports = tmp_path / "reports"
    monkeypatch.chdir(PAGES)  # as a user would, from FlagPerf's checkout: inference/benchmarks/<case>/README.md
    names = [str(p.relative_to(PAGES)) for p in TREE_INFERENCE]
    assert main(["import", *names, "--reports", str(reports)]) == 0
    records = load_references(reports / "references")
    by_id = {r.id: r for r in records}
    assert all("+" not in r.vendor for r in records)
    for case, page_vendors in {"bertlarge": {"nvidia", "kunlunxin"}, "resnet50": {"nvidia", "kunlunxin", "iluvatar"},
                               "yolov5": {"nvidia", "kunlunxin"}, "vit_l_16": {"nvidia", "kunlunxin"},
                               "sam_h": {"nvidia"}, "aquila_7b_mmlu": {"nvidia"}}.items():
        assert {r.vendor for r in records if r.benchmark == f"{case}_inference"} == page_vendors, case
    imported_cases = {r.case for r in records}
    assert imported_cases == {p.parent.name.lower() for p in TREE_INFERENCE}  # every page, none refused
    kunlunxin = by_id["bertlarge_inference-kunlunxin"]
    assert [r.config for r in kunlunxin.rows] == ["kunlunxin_xtcl"] and kunlunxin.rows[0].metrics["p_infer_core"] == 124.9
    assert kunlunxin.hardware == {"机器、加速卡型号": "R200"} and kunlunxin.title == "2.2 昆仑芯R200"
    nvidia = by_id["bertlarge_inference-nvidia"]
    assert [r.metrics["mfu"] for r in nvidia.rows] == [0.453, 0.42] and "NVIDIA" in nvidia.hardware["机器、加速卡型号"]
    iluvatar = by_id["resnet50_inference-iluvatar"]
    assert iluvatar.rows[0].metrics["p_infer_core"] == 2721.402 and iluvatar.software["训练框架版本"].startswith("torch")
    err = capsys.readouterr().err
    assert "row 'zixiao' names no vendor" in err  # 腾讯紫霄 is not a vendor perfkit knows: named, not dropped
    # the report pages: one per benchmark and vendor, each with that vendor's rows only
    assert main(["report", "--markdown", "--reports", str(reports)]) == 0
    again = parse_page(reports / "readme" / "bertlarge_inference" / "kunlunxin" / "README.md")
    assert [r.metrics["p_infer_core"] for r in again.rows] == [124.9]


def test_every_tree_page_loses_no_number_silently():
    for path in ALL_PAGES:
        coverage = page_coverage(path)
        assert coverage.imported, coverage.refusal
        assert not coverage.silent, (path, coverage.silent)


@pytest.mark.parametrize("page_text,expected", [
    # rows labelled by 配置 naming the vendor, two hardware sections
    ("#### 2.1 Nvidia A100\n- ##### 硬件环境\n    - 机器、加速卡型号: NVIDIA_A100\n\n#### 2.2 沐曦 C500\n- ##### 硬件环境\n"
     "    - 机器、加速卡型号: 曦云C500\n\n* 指标值\n\n| 配置 | bs | p_infer_core | acc |\n| --- | --- | --- | --- |\n"
     "| nvidia A100 | 32 | 100 | 0.5 |\n| metax C500 | 32 | 80 | 0.5 |\n", {"nvidia": [100.0], "metax": [80.0]}),
    # a tool listed in one section's 推理工具包, a vendor's own tool, a vendor name in the tool
    ("#### 2.1 Nvidia A100\n- ##### 硬件环境\n    - 机器、加速卡型号: NVIDIA_A100\n- ##### 软件环境\n    - 推理工具包: Inductor\n\n"
     "#### 2.2 天数智芯 BI-V150\n- ##### 硬件环境\n    - 机器、加速卡型号: BI-V150\n\n#### 2.3 昆仑芯R200\n- ##### 硬件环境\n"
     "    - 机器、加速卡型号: R200\n\n* 指标值\n\n| 推理工具 | bs | p_infer_core |\n| --- | --- | --- |\n"
     "| inductor | 1 | 10 |\n| ixrt | 1 | 20 |\n| kunlunxin_xtcl | 1 | 30 |\n",
     {"nvidia": [10.0], "iluvatar": [20.0], "kunlunxin": [30.0]}),
    # three vendors, one with two rows, saved flat with its path in the name
    ("#### A100\n- ##### 硬件环境\n    - 加速卡型号: A100\n\n#### MTT S4000\n- ##### 硬件环境\n    - 加速卡型号: MTT S4000\n\n"
     "#### MLU590\n- ##### 硬件环境\n    - 加速卡型号: MLU590\n\n* 指标值\n\n| 推理工具 | p_infer_core |\n| --- | --- |\n"
     "| tensorrt | 1 |\n| mthreads-musa | 2 |\n| mthreads-musa | 3 |\n| magicmind | 4 |\n",
     {"nvidia": [1.0], "mthreads": [2.0, 3.0], "cambricon": [4.0]}),
])
def test_other_multi_vendor_layouts_give_one_record_per_vendor(tmp_path, page_text, expected):
    folder = tmp_path / "inference" / "benchmarks" / "newcase"
    folder.mkdir(parents=True)
    (folder / "README.md").write_text(page_text, encoding="utf-8")
    flat = tmp_path / "inference__benchmarks__newcase__README.md"
    flat.write_text(page_text, encoding="utf-8")
    for path, reports in ((folder / "README.md", tmp_path / "a"), (flat, tmp_path / "b")):
        assert main(["import", str(path), "--reports", str(reports)]) == 0
        records = load_references(reports / "references")
        assert {r.vendor: [row.metrics["p_infer_core"] for row in r.rows] for r in records} == expected
        assert sorted(p.name for p in (reports / "references").iterdir()) == sorted(
            f"newcase_inference-{v}.json" for v in expected)


# --- every table of a page: imported or named in a warning (issue 20) -------------------------

def test_no_table_is_dropped_without_a_warning_on_any_fixture_page():
    kinds = set()
    for path in ALL_PAGES:
        record = parse_page(path)
        tables = read_page(path.read_text(encoding="utf-8-sig")).tables
        assert [t["line"] for t in record.tables if t["kind"] != "html"] == [t.line for t in tables], path
        for entry in record.tables:
            kinds.add(entry["kind"])
            if entry["kind"] == "other":
                assert any(f":{entry['line']}: table " in w for w in record.warnings), (path, entry["line"])
            if entry["kind"] == "results":
                assert any(row.table == entry["label"] for row in record.rows) or any(
                    f":{entry['line']}" in w for w in record.warnings) or entry["line"] in {
                    line for row in record.rows for line in row.merged} or record.rows, (path, entry["line"])
            else:
                assert entry["kind"] == "general" or entry["rows"] is not None  # kept as text
    assert kinds == {"results", "general", "legend", "dataset", "other"}


def test_the_mfu_appendix_table_is_named_in_a_warning_and_kept_as_text():
    """nvidia baichuan2_13b-deepspeed: 附表：各类实验MFU对比 was dropped without a word."""
    record = parse_page(PAGES / "training" / "nvidia" / "baichuan2_13b-deepspeed" / "README.md")
    assert [r.metrics["mfu"] for r in record.rows] == [0.163, 0.214]
    (appendix,) = [t for t in record.tables if t["kind"] == "other"]
    assert appendix["line"] == 64 and appendix["header"][0] == "机器+模型"
    assert appendix["rows"][0] == [66, ["A100+llama2-7B", "50%", "28%", "21%"]]
    (warning,) = [w for w in record.warnings if ":64:" in w]
    assert "'机器+模型'" in warning and "not a results table" in warning


@pytest.mark.parametrize("extra", [
    "\n附表\n\n| 机器 | MFU |\n| --- | --- |\n| A100 | 50% |\n",  # an appendix after the results
    "\n* 对比\n\n| 模型 | 正常 | 关闭 |\n| --- | --- | --- |\n| llama | 1 | 2 |\n",  # a comparison under a bullet
    "\n### 附录\n\n| 项目 | 值 |\n| --- | --- |\n| 吞吐 | 3000 tokens/s |\n",  # numbers with units under a heading
])
def test_any_table_perfkit_does_not_read_as_results_is_named(tmp_path, extra):
    base = ("### 昆仑芯XPU\n[x](../../benchmarks/bert/README.md)\n\n* 性能指标\n\n| 配置 | p_core |\n| --- | --- |\n"
            "| R300（1x1） | 12 |\n")
    record = parse_text(base + extra, tmp_path / "README.md")
    assert [r.metrics["p_core"] for r in record.rows] == [12.0]
    (other,) = [t for t in record.tables if t["kind"] == "other"]
    assert any(f":{other['line']}: table " in w for w in record.warnings)


@pytest.mark.parametrize("extra,line", [
    ("\n<table><tr><td>MFU</td><td>50%</td></tr></table>\n", 10),  # an HTML table, which GitHub shows
    ("\n<div>\n<TABLE>\n<tr><td>50%</td></tr></TABLE></div>\n", 10),
    ("\n| 机器 | MFU |\n| A100 | 50% |\n", 11),  # no separator row: not a table, its numbers named
])
def test_tables_markdown_does_not_read_as_tables_are_named(tmp_path, extra, line):
    base = ("### 昆仑芯XPU\n[x](../../benchmarks/bert/README.md)\n\n* 性能指标\n\n| 配置 | p_core |\n| --- | --- |\n"
            "| R300（1x1） | 12 |\n")
    record = parse_text(base + extra, tmp_path / "README.md")
    assert [r.metrics["p_core"] for r in record.rows] == [12.0]
    assert any(w.startswith(f"{tmp_path / 'README.md'}:{line}: ") for w in record.warnings), record.warnings
