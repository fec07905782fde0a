"""FlagPerf's hardware spec pages (base/benchmarks and base/toolkits, kept verbatim under
tests/fixtures/flagperf_base with their repository paths, sources in SOURCES.md) import with no
number dropped silently; a spec sheet exported in FlagPerf's base layout imports back to the
same numbers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from perfkit.cli import main
from perfkit.errors import UserError
from perfkit.importing import PageError, import_pages, load_references, parse_page, parse_text
from perfkit.importing.base_page import CORE, MONITOR, POWER, SECTIONS, base_identity, read_quantity
from perfkit.importing.coverage import page_coverage, summary
from perfkit.report.flagperf_base import (
    ChipInfo,
    MonitorStats,
    PowerStats,
    ServerInfo,
    SheetCase,
    SpecSheet,
    flagperf_case,
    page_text,
    published_rows,
    sheet_from_record,
    sheet_rows,
    write_pages,
    write_spec_sheet,
)
from perfkit.specs.result import Measured, NotApplicable

ROOT = Path(__file__).parents[1] / "fixtures" / "flagperf_base"
PAGES = sorted(ROOT.rglob("README.md"))
A100_BF16 = ROOT / "base/benchmarks/computation-BF16/nvidia/A100/README.md"


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# --- FlagPerf's own pages ------------------------------------------------------------------------


def test_the_fixtures_are_flagperfs_base_pages_with_their_sources():
    sources = (ROOT / "SOURCES.md").read_text(encoding="utf-8")
    assert len(PAGES) >= 170  # 89 under base/benchmarks, 85 under base/toolkits when they were collected
    for path in PAGES:
        ident = base_identity(rel(path))
        assert ident is not None, rel(path)
        assert f"| {rel(path)} |" in sources, rel(path)
    assert {base_identity(rel(p)).tool for p in PAGES} == {"benchmarks", "toolkits"}
    vendors = {base_identity(rel(p)).vendor for p in PAGES}
    assert {"nvidia", "ascend", "cambricon", "iluvatar", "metax", "mthreads", "dcu"} <= vendors


def test_at_least_95_percent_of_the_pages_import_and_none_loses_a_number_silently():
    results = [page_coverage(path) for path in PAGES]
    imported = [r for r in results if r.imported]
    print("\n".join(summary(results)[:8]))
    assert len(imported) / len(results) >= 0.95, [r.refusal for r in results if not r.imported]
    for r in imported:
        assert not r.silent, (r.path, r.silent)
        assert not r.silent_tables, (r.path, r.silent_tables)
        assert len(r.cells_in) == len(r.cells_out) + len(r.warned)
        assert r.page.kind == "spec" and r.page.benchmark == base_identity(rel(Path(r.path))).case
    assert sum(len(r.cells_in) for r in imported) > 4 * len(imported)  # the tables were counted at all


def test_a100_bf16_gives_measured_datasheet_ratio_power_and_monitors():
    page = parse_page(A100_BF16)
    assert (page.id, page.benchmark, page.vendor, page.chip, page.kind) == (
        "computation-BF16-nvidia-A100", "computation-BF16", "nvidia", "A100", "spec")
    assert page.hardware["产品型号"] == "A100-40GiB-SXM" and page.software["服务器型号"] == "DGX A100"
    row = page.rows[0]
    assert (row.nnodes, row.nproc_per_node) == (1, 8)
    expected = {"measured": (259.2, "TFLOP/s"), "datasheet": (312.0, "TFLOP/s"), "ratio_percent": (83.1, "%"),
                "system_power_avg": (3354.0, "W"), "system_power_max": (4524.0, "W"),
                "system_power_std": (1170.0, "W"), "system_tdp": (None, "W"), "card_power_avg": (338.4, "W"),
                "card_power_max": (412.0, "W"), "card_power_std": (338.6, "W"), "card_tdp": (400.0, "W"),
                "cpu_percent": (3.096, "%"), "memory_percent": (1.419, "%"), "card_temperature": (61.991, "°C"),
                "card_memory_percent": (5.196, "%")}
    assert {k: (row.metrics[k], row.units[k]) for k in expected} == expected
    assert not page.warnings


def test_capacity_gives_both_figures_and_int8_tops():
    row = parse_page(ROOT / "base/benchmarks/main_memory-capacity/nvidia/A100/README.md").rows[0]
    assert (row.metrics["measured"], row.units["measured"]) == (39.18, "GiB")
    assert (row.metrics["measured_2"], row.units["measured_2"]) == (42.07, "GB")
    assert (row.metrics["datasheet"], row.metrics["ratio_percent"]) == (40.0, 97.95)
    tool = parse_page(ROOT / "base/toolkits/computation-INT8/nvidia/README.md")
    assert (tool.id, tool.framework, tool.rows[0].units["measured"]) == ("computation-INT8-nvidia-toolkit", "toolkit",
                                                                         "TOP/s")


def test_a_page_with_a_bare_number_or_another_dtypes_header_says_so():
    ascend = parse_page(ROOT / "base/benchmarks/computation-BF16/ascend/README.md")
    assert ascend.rows[0].metrics["measured"] == 304.277
    assert any("has no unit; imported without one" in w for w in ascend.warnings)
    mislabelled = parse_page(ROOT / "base/benchmarks/computation-FP16/iluvatar/BI150/README.md")
    assert mislabelled.benchmark == "computation-FP16"
    assert any("names BF16 but the case is computation-FP16" in w for w in mislabelled.warnings)


def test_the_two_pages_perfkit_refuses_say_why_in_one_line():
    with pytest.raises(PageError, match=r"README\.md:1: no 核心评测结果 table"):  # a page with no results at all
        parse_page(ROOT / "base/benchmarks/computation-INT8/iluvatar/BI150/README.md")
    with pytest.raises(PageError, match=r"README\.md:\d+: the 核心评测结果 table is garbled"):  # '| ---- |65.985.5%  |'
        parse_page(ROOT / "base/toolkits/main_memory-bandwidth/denglin/GS40/README.md")


def test_a_page_with_several_core_tables_keeps_each_as_a_row_named_by_its_item():
    page = parse_page(ROOT / "base/toolkits/interconnect-MPI_interserver/nvidia/A100/README.md")
    core = [(r.config, r.metrics["measured"], r.units["measured"]) for r in page.rows if r.table == CORE]
    assert core == [("服务器间多卡的MPI互联算法带宽测试值(8卡平均)", 25.77, "GB/s"),
                    ("服务器间多卡的MPI互联等效带宽测试值(8卡平均)", 96.62, "GB/s")]
    power = next(r for r in page.rows if r.table == POWER)
    assert (power.metrics["card_power_avg"], power.nnodes, power.nproc_per_node) == (110.58, 2, 8)


def test_two_servers_bullets_are_both_kept():
    page = parse_page(ROOT / "base/benchmarks/computation-FP32/nvidia/A100/README.md")
    assert (page.hardware["产品名称"], page.hardware["产品名称 (2)"]) == ("A800", "A100")
    assert page.software["操作系统内核 (2)"] == "linux5.4.0-113"


def test_every_page_imports_in_one_batch_each_under_its_own_record(tmp_path):
    result = import_pages(PAGES, tmp_path / "references")
    assert len(result.pages) >= 0.95 * len(PAGES)
    ids = [p.id for p in result.pages]
    assert len(ids) == len(set(ids))  # nvidia/README.md and nvidia/A100/README.md are two records
    assert "computation-BF16-nvidia" in ids and "computation-BF16-nvidia-A100" in ids
    loaded = {p.id: p for p in load_references(tmp_path / "references")}
    assert loaded["computation-BF16-nvidia-A100"].rows[0].metrics["measured"] == 259.2
    assert loaded["computation-BF16-nvidia-A100"].chip == "A100"


# --- cells and pages perfkit cannot read -------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("259.2TFLOPS", [(259.2, "TFLOP/s")]), ("624TOPS", [(624.0, "TOP/s")]), ("77.97%", [(77.97, "%")]),
    ("39.18GiB(42.07GB)", [(39.18, "GiB"), (42.07, "GB")]), ("61.991°C", [(61.991, "°C")]), ("/", []), ("", []),
    ("GB/s", []), ("%", []), ("1,328 GB/s", [(1328.0, "GB/s")]), ("4207.5", [(4207.5, "W")]),
])
def test_quantities(text, expected):
    assert read_quantity(text, "W") == expected


BAD_CELLS = ["~300TFLOPS", "nan", "-5W", "1e400", "300-400W", "12 TFLOPS x2", "3.5 furlongs", "inf%", "1" * 60]


@pytest.mark.parametrize("cell", BAD_CELLS)
def test_a_cell_perfkit_cannot_read_is_named_in_a_warning_never_dropped(tmp_path, cell):
    text = A100_BF16.read_text(encoding="utf-8").replace("4524.0W      | 1170.0W", f"{cell}      | 1170.0W")
    path = tmp_path / "base" / "benchmarks" / "computation-BF16" / "nvidia" / "A100" / "README.md"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    coverage = page_coverage(path)
    assert coverage.imported and not coverage.silent
    warned = [w for w in coverage.page.warnings if "column '系统最大功耗'" in w]
    assert len(warned) == 1 and warned[0].endswith("not imported")
    assert coverage.page.rows[0].metrics["system_power_max"] is None
    assert coverage.page.rows[0].metrics["system_power_avg"] == 3354.0


def _write(tmp_path: Path, text: str, rel_path: str = "base/benchmarks/computation-BF16/nvidia/A100/README.md") -> Path:
    path = tmp_path / rel_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, rel_path, message", [
    ("# 参评AI芯片信息\n\n* 厂商：Nvidia\n\n## 核心评测结果\n\n只有文字\n", None, r":5: no 核心评测结果 table"),
    ("| 评测项 | x |\n| --- | --- |\n", None, r":1: no 核心评测结果 table"),
    (None, "base/benchmarks/computation-BF16/nv idia/README.md", r"vendor: 'nv idia' is not a name"),
    (None, "base/benchmarks/computation-BF16/nvidia/A1$0/README.md", r"chip: 'A1\$0' is not a name"),
    (None, "base/benchmarks/computation BF16/nvidia/README.md", r"is not a FlagPerf base case name"),
    (None, "saved/README.md", r"cannot tell the case .*pass --benchmark"),
    (None, "base/benchmarks/computation-BF16/../README.md", r"vendor: '\.\.' is not a name"),
    (None, "base/toolkits/computation-BF16/nvidia/-rf/README.md", r"chip: '-rf' is not a name"),
    ("# 参评AI芯片信息\n\n## 核心评测结果\n\n" + "| 评测项 | a |\n| --- | --- |\n" + "| 评测结果 | 1W |\n" * 300, None,
     r"table of 300 rows; at most 200"),
    ("# 参评AI芯片信息\n\n## 核心评测结果\n\n| 评测项 |" + " a |" * 70 + "\n|" + " --- |" * 71 + "\n", None,
     r"table of 71 columns"),
])
def test_hostile_or_garbled_pages_are_refused_with_one_line(tmp_path, capsys, text, rel_path, message):
    text = A100_BF16.read_text(encoding="utf-8") if text is None else text
    path = _write(tmp_path, text, rel_path or "base/benchmarks/computation-BF16/nvidia/A100/README.md")
    with pytest.raises(PageError, match=message):
        parse_page(path)
    reports = tmp_path / "reports"
    assert main(["import", str(path), "--reports", str(reports)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0]
    assert not (reports / "references").exists() or not list((reports / "references").iterdir())


def test_a_page_that_is_not_utf8_is_refused_in_one_line(tmp_path):
    path = _write(tmp_path, "")
    path.write_bytes(A100_BF16.read_bytes().replace("评测结果".encode(), "评测结果".encode("gb18030")))
    with pytest.raises(PageError, match="README.md"):
        parse_page(path)


def test_cells_beyond_the_header_are_named(tmp_path):
    text = A100_BF16.read_text(encoding="utf-8").replace("| 83.1%         |", "| 83.1%         | 99.9 |")
    coverage = page_coverage(_write(tmp_path, text))
    assert coverage.imported and not coverage.silent
    assert any("cells beyond the header (99.9) not imported" in w for w in coverage.page.warnings)


def test_an_oversized_page_is_refused_before_it_is_parsed(tmp_path):
    path = _write(tmp_path, A100_BF16.read_text(encoding="utf-8") + "x" * (2 << 20))
    with pytest.raises(PageError, match="larger than the 1 MiB"):
        parse_page(path)


def test_a_page_saved_elsewhere_is_recognised_by_its_sections(tmp_path):
    path = _write(tmp_path, A100_BF16.read_text(encoding="utf-8"), "saved/README.md")
    page = parse_page(path, benchmark="computation-BF16", vendor="nvidia")
    assert (page.kind, page.id, page.rows[0].metrics["measured"]) == ("spec", "computation-BF16-nvidia-A100", 259.2)


def test_another_table_on_a_base_page_is_named_and_kept_as_text(tmp_path):
    text = A100_BF16.read_text(encoding="utf-8") + "\n## 附表\n\n| 规模 | 值 |\n| --- | --- |\n| 4096 | 259TFLOPS |\n"
    coverage = page_coverage(_write(tmp_path, text))
    assert coverage.imported and not coverage.silent_tables
    assert any("is not a spec-sheet table perfkit reads" in w for w in coverage.page.warnings)
    assert [t["kind"] for t in coverage.page.tables] == ["results", "results", "results", "other"]


def test_training_pages_are_still_read_as_training_pages():
    page = parse_text("### A100配置与运行信息参考\n- ##### 硬件环境\n  - 加速卡型号: A100\n\n"
                      "[x](../../benchmarks/bert/README.md)\n\n| 配置 | p_core |\n| --- | --- |\n| A100（1x8） | 1 |\n",
                      Path("training/nvidia/bert-pytorch/README.md"))
    assert (page.kind, page.id) == ("training", "bert-nvidia-pytorch")


# --- export in FlagPerf's base layout and the round trip ------------------------------------------


def _sheet(model: str = "H100-SXM5-80GB") -> SpecSheet:
    def measured(case, variant, value, unit, datasheet):
        return Measured(case, variant, value, unit, 0.0123, 5, value * 1.01, f"{case} timed with events", {},
                        datasheet, "datasheet (H100 SXM, hardware file)" if datasheet else "")

    power = PowerStats(system_power_avg=5210.25, system_power_max=5602.0, system_power_std=88.123456,
                       card_power_avg=651.3, card_power_max=700.0, card_power_std=20.5, card_tdp=700.0)
    monitor = MonitorStats(cpu_percent=3.25, memory_percent=1.5, card_temperature=61.75, card_memory_percent=12.0)
    cases = (
        SheetCase(measured("gemm", "bf16", 790.123456, "TFLOP/s", 989.0), 1, 8, power, monitor),
        SheetCase(measured("gemm", "int8", 1500.5, "TOP/s", 1979.0), 1, 8, power, monitor),
        SheetCase(measured("memory_bandwidth", "copy", 2890.0, "GB/s", 3350.0), 1, 8, power, monitor),
        SheetCase(measured("memory_capacity", "", 79.2, "GiB", 80.0), 1, 8),
        SheetCase(measured("all_reduce", "8 ranks", 467.87, "GB/s", None), 1, 8, power, monitor),
        SheetCase(measured("all_reduce", "16 ranks", 45.11, "GB/s", 400.0), 2, 8, power, monitor),
        SheetCase(NotApplicable("p2p", "intra-node", "1 card visible; p2p needs two"), 1, 1),
        SheetCase(measured("h2d", "pinned", 25.5, "GB/s", None), 1, 8, power, monitor, toolkit=True),
        SheetCase(measured("d2h", "pinned", 24.0, "GB/s", None)),  # no FlagPerf page: not written
        SheetCase(measured("all_gather", "8 ranks", 300.0, "GB/s", None)),  # no FlagPerf page: not written
    )
    return SpecSheet(ChipInfo("nvidia", "H100", maker="Nvidia", model=model, tdp_w=700.0),
                     ServerInfo(model="HGX H100", os="Ubuntu 22.04", cpu="Xeon 8480+", memory="2TiB"), cases)


def test_flagperf_case_names():
    assert [flagperf_case(c.result, c.nodes) for c in _sheet().cases] == [
        "computation-BF16", "computation-INT8", "main_memory-bandwidth", "main_memory-capacity",
        "interconnect-MPI_intraserver", "interconnect-MPI_interserver", "interconnect-P2P_intraserver",
        "interconnect-h2d", None, None]


def test_the_export_has_flagperfs_sections_and_tables(tmp_path):
    written = write_spec_sheet(_sheet(), tmp_path / "readme")
    assert len(written) == 8
    bf16 = tmp_path / "readme/base/benchmarks/computation-BF16/nvidia/H100/README.md"
    assert bf16 in written and (tmp_path / "readme/base/toolkits/interconnect-h2d/nvidia/H100/README.md") in written
    text = bf16.read_text(encoding="utf-8")
    for title in SECTIONS:
        assert f"# {title}\n" in text
    assert "| 评测项 | BF16算力测试值(8卡平均) | BF16算力标定值(8卡平均) | 测试标定比例(8卡平均) |" in text
    assert "| 评测结果 | 790.1235TFLOPS | 989TFLOPS | 79.8911% |" in text
    assert "| 监控结果 | 5210.25W | 5602W | 88.1235W | / | 651.3W | 700W | 20.5W | 700W |" in text
    assert "变异系数1.23%" in text
    p2p = (tmp_path / "readme/base/benchmarks/interconnect-P2P_intraserver/nvidia/H100/README.md").read_text("utf-8")
    assert "| 评测结果 | / | / | / |" in p2p and "1 card visible; p2p needs two" in p2p
    capacity = (tmp_path / "readme/base/benchmarks/main_memory-capacity/nvidia/H100/README.md").read_text("utf-8")
    assert "## 能耗监控结果\n\n此评测样例中无意义\n" in capacity  # no power figures: FlagPerf's line, not a table


def test_export_then_import_gives_the_same_numbers_per_case(tmp_path):
    sheet = _sheet()
    written = write_spec_sheet(sheet, tmp_path / "readme")
    by_case = {row.case: row for row in sheet_rows(sheet)}
    assert len(written) == len(by_case)
    for path in written:
        coverage = page_coverage(path)
        assert coverage.imported and not coverage.silent and not coverage.page.warnings, path
        page = coverage.page
        row = by_case[page.benchmark]
        item = row.items[0]
        metrics, units = page.rows[0].metrics, page.rows[0].units
        assert (page.vendor, page.chip, page.framework == "toolkit") == ("nvidia", "H100", row.toolkit)
        for key, value in (("measured", item.measured), ("datasheet", item.datasheet),
                           ("ratio_percent", item.ratio_percent), *row.power.items(), *row.monitor.items()):
            assert metrics.get(key) == (None if value is None else round(value, 4)), (path, key)
        if item.measured is not None:
            assert units["measured"] == item.unit
        assert page.rows[0].nproc_per_node * page.rows[0].nnodes == row.cards


def test_text_cannot_add_a_row_or_html_to_the_export(tmp_path):
    sheet = _sheet(model="x | 999TFLOPS |\n| 评测结果 | 1 | <script>alert(1)</script>")
    written = write_spec_sheet(sheet, tmp_path / "readme")
    text = written[0].read_text(encoding="utf-8")
    assert "<script>" not in text and "\n| 评测结果 | 1 |" not in text
    assert parse_page(written[0]).rows[0].metrics["measured"] == 790.1235


@pytest.mark.parametrize("vendor, chip", [("nvidia", "../H100"), ("nv/idia", "H100"), ("nvidia", ".hidden")])
def test_unsafe_names_are_refused_before_anything_is_written(tmp_path, vendor, chip):
    sheet = SpecSheet(ChipInfo(vendor, chip), ServerInfo(), _sheet().cases)
    with pytest.raises(UserError, match="is not a name"):
        write_spec_sheet(sheet, tmp_path / "readme")
    assert not (tmp_path / "readme").exists()


def test_report_markdown_writes_imported_base_pages_back_in_their_layout(tmp_path, capsys):
    reports = tmp_path / "reports"
    pages = [A100_BF16, ROOT / "base/toolkits/computation-INT8/nvidia/README.md",
             ROOT / "base/benchmarks/main_memory-capacity/nvidia/A100/README.md"]
    assert main(["import", *map(str, pages), "--reports", str(reports)]) == 0
    assert main(["report", "--markdown", "--reports", str(reports)]) == 0
    out = capsys.readouterr().out
    again = reports / "readme/base/benchmarks/computation-BF16/nvidia/A100/README.md"
    assert str(again) in out and not (reports / "readme" / "computation-BF16").exists()
    note = again.read_text(encoding="utf-8")
    assert "FlagPerf 发布值（base/benchmarks/computation-BF16/nvidia/A100/README.md）" in note
    assert str(ROOT) not in note and str(tmp_path) not in note  # never the local path it was imported from
    assert (reports / "readme/base/toolkits/computation-INT8/nvidia/README.md").is_file()
    for original, exported in zip(pages, [again, reports / "readme/base/toolkits/computation-INT8/nvidia/README.md",
                                          reports / "readme/base/benchmarks/main_memory-capacity/nvidia/A100/README.md"],
                                  strict=True):
        before, after = parse_page(original), parse_page(exported)
        assert after.id == before.id and not after.warnings
        assert {k: v for k, v in after.rows[0].metrics.items() if v is not None} == \
               {k: v for k, v in before.rows[0].metrics.items() if v is not None}
    assert [r.case for r in published_rows(load_references(reports / "references"))] == [
        "computation-BF16", "computation-INT8", "main_memory-capacity"]


def test_the_three_result_tables_sit_under_their_titles():
    text = page_text(sheet_rows(_sheet())[0])
    assert text.index(f"## {CORE}") < text.index("| 评测项 |") < text.index(f"## {POWER}") < \
        text.index("| 监控项 | 系统平均功耗") < text.index(f"## {MONITOR}") < text.index("| 监控项 | 系统平均CPU占用")


def test_a_record_copied_from_a_fixture_tree_keeps_its_path_identity(tmp_path):
    target = tmp_path / "FlagPerf" / rel(A100_BF16)
    target.parent.mkdir(parents=True)
    shutil.copy(A100_BF16, target)
    assert parse_page(target).id == "computation-BF16-nvidia-A100"


def _figures(page) -> list[tuple[str, dict]]:
    """Per row: its item label (several core tables) and every figure with its unit."""
    several = sum(r.table == CORE for r in page.rows) > 1
    return sorted((r.config if several and r.table == CORE else r.table,
                   {k: (v, r.units.get(k)) for k, v in r.metrics.items() if v is not None}) for r in page.rows)


def test_every_imported_flagperf_page_exported_in_the_base_layout_imports_back_to_the_same_figures(tmp_path):
    result = import_pages(PAGES, tmp_path / "references")
    rows = published_rows(result.pages)
    assert len(rows) == len(result.pages) >= 0.95 * len(PAGES)
    written = write_pages(rows, tmp_path / "readme")
    assert len(written) == len(rows)  # every record its own page
    by_path = {rel(Path(p.path)) if Path(p.path).is_relative_to(ROOT) else p.path: p for p in result.pages}
    checked = 0
    for path in written:
        again = parse_page(path)
        original = by_path[path.relative_to(tmp_path / "readme").as_posix()]
        assert (again.benchmark, again.vendor, again.chip, again.framework) == (
            original.benchmark, original.vendor, original.chip, original.framework)
        assert _figures(again) == _figures(original), path
        assert not page_coverage(path).silent
        checked += 1
    assert checked == len(rows)


def _spec_record():
    from support.fabricated import make_result

    def measured(case, variant, value, unit, datasheet, telemetry=None, implementation="pytorch"):
        entry = {**Measured(case, variant, value, unit, 0.01, 3, value, "timed", {}, datasheet, "hardware file").to_dict(),
                 "implementation": implementation, "seconds": 1.0}
        return {**entry, "telemetry": telemetry} if telemetry else entry

    readings = {"readings": 12, "power_avg_w": 5200.0, "power_max_w": 5600.0, "power_std_w": 80.0,
                "temperature_max_c": 66.5, "device_memory_max_mib": 1024.0, "cpu_percent_avg": 3.5, "rss_max_mib": 900.0}
    result = make_result(benchmark="specs", vendor="nvidia", nnodes=1, nproc=8, kind="specs", metrics={"spec_cases": [
        measured("gemm", "bf16", 791.25, "TFLOP/s", 989.0, readings),
        measured("memory_bandwidth", "copy", 2900.5, "GB/s", 3350.0),
        measured("gemm", "bf16", 800.0, "TFLOP/s", 989.0, implementation="cublas_gemm"),
        {"case": "p2p", "variant": "intra-node", "reason": "1 card visible; p2p needs two", "kind": "not_applicable"},
        {"case": "all_reduce", "variant": "8 ranks", "reason": "its timeout passed", "kind": "refused"},
        measured("d2h", "pinned", 24.0, "GB/s", None),
        "not an entry", {"kind": "measured", "case": "gemm", "variant": "fp32", "value": "NaN"},
        {"kind": "measured", "case": "gemm", "variant": "fp16", "value": float("inf"), "unit": "TFLOP/s"},
        {"kind": "measured", "case": "gemm", "variant": "fp64", "value": 1e300, "unit": "TFLOP/s"},
    ]})
    result.hardware = {"name": "H100 SXM", "short_name": "H100"}
    return result


def test_a_specs_run_record_becomes_flagperfs_base_pages(tmp_path):
    written = write_spec_sheet(sheet_from_record(_spec_record()), tmp_path / "readme")
    base = tmp_path / "readme" / "base"
    pages = sorted(p.relative_to(base).as_posix() for p in written)
    assert pages == ["benchmarks/computation-BF16/nvidia/H100/README.md",
                     "benchmarks/interconnect-MPI_intraserver/nvidia/H100/README.md",
                     "benchmarks/interconnect-P2P_intraserver/nvidia/H100/README.md",
                     "benchmarks/main_memory-bandwidth/nvidia/H100/README.md",
                     "toolkits/computation-BF16/nvidia/H100/README.md"]  # d2h has no FlagPerf page; bad entries skipped
    bf16 = parse_page(base / pages[0])
    metrics = bf16.rows[0].metrics
    assert (metrics["measured"], metrics["datasheet"], metrics["ratio_percent"]) == (791.25, 989.0, 80.0051)
    assert (metrics["system_power_avg"], metrics["card_power_avg"], metrics["card_temperature"]) == (5200.0, 650.0, 66.5)
    assert (bf16.rows[0].nnodes, bf16.rows[0].nproc_per_node) == (1, 8)
    assert parse_page(base / pages[4]).rows[0].metrics["measured"] == 800.0  # the vendor tool's figure, beside it
    refused = (base / pages[1]).read_text(encoding="utf-8")
    assert "| 评测结果 | / | / | / |" in refused and "its timeout passed" in refused


def test_report_markdown_writes_a_specs_run_in_flagperfs_base_layout(tmp_path, capsys):
    from perfkit.report.index import load_runs
    from support.fabricated import write_run

    reports = tmp_path / "reports"
    write_run(reports, _spec_record())
    if not load_runs(reports):
        pytest.skip("this tree's record schema has no 'specs' kind yet (the specs scenario adds it)")
    assert main(["report", "--markdown", "--reports", str(reports)]) == 0
    assert (reports / "readme/base/benchmarks/computation-BF16/nvidia/H100/README.md").is_file()
    assert not (reports / "readme" / "specs").exists()  # no training-layout page for a spec run


def test_spec_records_stay_out_of_the_training_and_inference_views(tmp_path):
    from perfkit.report import compare, frame
    from perfkit.report.site_data import SiteData

    training = Path(__file__).parents[1] / "fixtures" / "flagperf" / "training__metax__mobilenetv2-pytorch__README.md"
    reports = tmp_path / "reports"
    assert main(["import", str(A100_BF16), str(training), "--reports", str(reports)]) == 0
    references = load_references(reports / "references")
    assert sorted(p.kind for p in references) == ["spec", "training"]
    assert SiteData(reports, [], references).benchmarks == ["mobilenetv2"]  # the index has no empty spec section
    assert compare.published_rows(next(p for p in references if p.kind == "spec")) == []
    assert set(frame.load(reports)["benchmark"]) == {"mobilenetv2"}
