"""`perfkit import`: the five seed pages parse cell by cell; a page it cannot read names the line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support.fabricated import SEEDS, SHARED_SEEDS

from perfkit.cli import main
from perfkit.importing import (
    PageError,
    limits,
    load_references,
    parse_page,
    write_references,
)
from perfkit.importing.cells import read_fraction, read_memory, read_seconds
from perfkit.importing.readme import parse_text


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


def test_fixtures_are_the_five_seed_pages():
    assert len(list(SEEDS.glob("*.txt"))) == 5
    if SHARED_SEEDS.is_dir():
        for page in SHARED_SEEDS.glob("*.txt"):
            assert (SEEDS / page.name).read_bytes() == page.read_bytes(), page.name


def test_000_bert_r300_blank_cells_stay_blank():
    page = parse_page(seed("000"))
    assert (page.benchmark, page.vendor, page.kind) == ("bert", "kunlunxin", "training")
    assert page.hardware["加速卡型号"] == "昆仑芯AI加速卡R300"
    assert page.software["加速卡驱动版本"] == "4.0.25"
    assert [r.topology for r in page.rows] == ["1x1", "1x8", "2x8"]
    one, eight, two = page.rows
    assert one.metrics["p_core"] is None and one.metrics["acc"] is None and one.metrics["mem_peak_gib"] is None
    assert eight.metrics["acc"] == 0.36
    assert (eight.metrics["mem_peak_gib"], eight.metrics["mem_total_gib"]) == (26.5, 32.0)
    assert eight.metrics["fix_hp_values"] == {"bs": 8, "lr": 3.5e-4}
    assert all(v != 0 for r in page.rows for v in r.metrics.values())
    assert eight.line == 47 and eight.cells["配置"] == "R300单机8卡（1x8）"


def test_001_glm_percent_accuracy():
    page = parse_page(seed("001"))
    assert (page.benchmark, page.vendor) == ("glm", "kunlunxin")
    assert [r.metrics["acc"] for r in page.rows] == [0.8052, 0.8052, 0.8031]
    assert [r.metrics["fix_hp_values"]["bs"] for r in page.rows] == [4, 5, 4]
    assert page.rows[2].metrics["mem_peak_gib"] == 31.7
    assert page.rows[0].metrics["e2e_time"] is None


def test_002_iluvatar_run_table_with_pending_row():
    page = parse_page(seed("002"))
    assert (page.benchmark, page.vendor, page.table) == ("bert", "iluvatar", "运行情况")
    assert page.columns == ["训练资源", "配置文件", "运行时长(s)", "目标精度", "收敛精度", "Steps数", "性能(samples/s)"]
    one, eight, two = page.rows
    assert (one.nnodes, one.nproc_per_node, eight.nproc_per_node, two.nnodes) == (1, 1, 8, 2)
    assert one.metrics == {
        "resources": "单机1卡", "config_file": "config_BI-V100x1x1", "e2e_time": 17854.76, "target": 0.72,
        "acc": 0.7325, "steps": 25000, "throughput": 17.0,
    }
    assert eight.metrics["throughput"] == 118.45 and eight.metrics["acc"] == 0.9619
    assert two.cells["运行时长(s)"] == "pending"
    assert two.metrics["e2e_time"] is None and two.metrics["steps"] is None and two.metrics["throughput"] is None
    assert two.metrics["target"] == 0.72
    assert page.software["训练框架版本"] == "torch-1.10.2+corex.3.0.0"


def test_003_inference_table_units():
    page = parse_page(seed("003"))
    assert (page.benchmark, page.vendor, page.kind, page.table) == ("bert_inference", "nvidia", "inference", "指标值")
    first, second = page.rows
    assert first.metrics["infer_time"] == pytest.approx(3.3e-3) and first.units["infer_time"] == "s"
    assert second.metrics["infer_time"] == pytest.approx(831e-6)
    assert (first.metrics["acc"], first.metrics["acc_val"]) == (0.599, 0.638)
    assert first.metrics["byte_per_batch"] == 32768 and second.metrics["byte_per_batch"] == 8192
    assert first.metrics["p_infer_core"] == 301 and second.metrics["p_val_whole"] == 706
    assert (second.metrics["mem_peak_gib"], second.metrics["mem_total_gib"]) == (38.64, 40.0)
    assert first.topology == ""  # the page names no nodes x cards
    assert page.software["推理工具包"] == "TensorRT 8.5.1.7"
    assert page.title == "2.1 Nvidia A100"


def test_004_slash_cells_are_empty_not_zero():
    page = parse_page(seed("004"))
    assert page.benchmark == "mobilenetv2"
    one, eight, two = page.rows
    assert one.cells["fix_hp"] == "/" and one.metrics["fix_hp"] is None
    assert one.metrics["e2e_time"] is None and one.metrics["acc"] is None
    assert one.metrics["mem_peak_gib"] == 24.8
    assert eight.metrics["acc"] == 0.6843
    assert two.metrics["fix_hp_values"] == {"bs": 256, "lr": 0.72}


def test_cell_units():
    assert read_seconds("3.3ms")[""] == pytest.approx(0.0033)
    assert read_seconds("")[""] is None
    assert read_memory("37.89/40.0") == {"": 37.89, "total": 40.0}
    assert read_fraction("59.9/63.8") == {"": 0.599, "ref": 0.638}


def test_records_roundtrip_through_json(tmp_path):
    pages = [parse_page(p) for p in sorted(SEEDS.glob("*.txt"))]
    written = write_references(pages, tmp_path)
    assert len(written) == 5
    loaded = load_references(tmp_path)
    assert {p.source for p in loaded} == {p.source for p in pages}
    by_source = {p.source: p for p in loaded}
    assert by_source[seed("002").name].rows[0].metrics["throughput"] == 17.0
    assert json.loads(written[0].read_text())["rows"][1]["metrics"]["p_core"] is None


HEAD = "### 昆仑芯XPU配置与运行信息参考\n[x](../../benchmarks/bert/README.md)\n"
BROKEN = {  # page text, the line the error must name: pages that cannot be placed are refused
    "no separator row": ("# t\n\n| 配置 | precision |\n| R300 | fp32 |\n", 4),
    "no results table": ("# page\n### 运行情况\n| 指标名称 | 指标值 |\n| --- | --- |\n| 模型 | bert |\n", 2),
    "no benchmark named": ("### 昆仑芯\n| 配置 | p_core |\n| --- | --- |\n| x | 1 |\n", 1),
    "no vendor named": ("### 某芯片\n[x](../../benchmarks/bert/README.md)\n| 配置 | p_core |\n| --- | --- |\n| x | 1 |\n", 1),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_page_it_cannot_read_names_the_line(tmp_path, name):
    text, line = BROKEN[name]
    path = tmp_path / "page.md"
    path.write_text(text)
    with pytest.raises(PageError, match=rf"page\.md:{line}: "):
        parse_page(path)


CELL_TROUBLE = {  # a cell that cannot be read is left out with a warning naming file:line and column
    "number that is not a number": (HEAD + "| 配置 | precision | p_core |\n| --- | --- | --- |\n| R300（1x1） | fp32 | fast |\n", 5),
    "unknown unit": (HEAD + "| 配置 | infer_time |\n| --- | --- |\n| R300 | 3 parsecs |\n", 5),
}


@pytest.mark.parametrize("name", list(CELL_TROUBLE))
def test_cell_it_cannot_read_is_a_warning_naming_the_line(tmp_path, name):
    text, line = CELL_TROUBLE[name]
    path = tmp_path / "page.md"
    path.write_text(text)
    page = parse_page(path)
    assert len(page.rows) == 1 and any(w.startswith(f"{path}:{line}: column ") for w in page.warnings)


def test_cli_import_reports_bad_pages_and_imports_the_good_ones(tmp_path, capsys):
    bad = tmp_path / "bad.md"
    bad.write_text("| 配置 | p_core |\n| --- | --- |\n| x | 1 |\n")
    reports = tmp_path / "reports"
    code = main(["import", str(seed("000")), str(bad), "--reports", str(reports), "--strict"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{bad}:1: cannot tell the benchmark" in err
    assert not (reports / "references").exists()  # --strict: the good page was not written either
    assert main(["import", str(seed("000")), str(bad), "--reports", str(reports)]) == 1
    assert [p.name for p in (reports / "references").glob("*.json")] == ["bert-kunlunxin.json"]
    assert main(["import", *map(str, sorted(SEEDS.glob("*.txt"))), "--reports", str(reports)]) == 0
    assert len(list((reports / "references").glob("*.json"))) == 5


def test_two_different_pages_for_one_record_the_second_is_refused(tmp_path, capsys):
    for folder, text in (("a", "0.36"), ("b", "0.40")):
        (tmp_path / folder).mkdir()
        original = seed("000").read_text(encoding="utf-8")
        (tmp_path / folder / "same.txt").write_text(original.replace("| 0.36 ", f"| {text} "), encoding="utf-8")
    reports = tmp_path / "reports"
    assert main(["import", str(tmp_path / "a" / "same.txt"), str(tmp_path / "b" / "same.txt"), "--reports", str(reports)]) == 1
    assert f"{tmp_path / 'b' / 'same.txt'}:1: files under the same record as {tmp_path / 'a' / 'same.txt'}" in capsys.readouterr().err
    (record,) = load_references(reports / "references")
    assert record.rows[1].metrics["acc"] == 0.36


@pytest.mark.parametrize("name", ["bert\n", "ｂert", "bert\r"])
def test_a_name_with_a_line_break_or_wide_letters_is_not_filed(name, tmp_path):
    from perfkit.importing.readme import PageError, parse_text

    page = tmp_path / "README.md"
    with pytest.raises(PageError, match="is not a name perfkit files records under"):
        parse_text("# x\n\n| 配置 | p_whole |\n| --- | --- |\n| A100单机8卡（1x8） | 100 |\n", page, benchmark=name,
                   vendor="nvidia")


# --- bounds and numbers (issue 21) ------------------------------------------------------------



def _page(tmp_path: Path, header: str, *rows: str) -> Path:
    columns = header.count("|") - 1
    path = tmp_path / "README.md"
    path.write_text(HEAD + f"\n{header}\n|{' --- |' * columns}\n" + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


def _import_one(tmp_path: Path, path: Path, capsys) -> tuple[int, str]:
    code = main(["import", str(path), "--reports", str(tmp_path / "reports")])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err


@pytest.mark.parametrize("header,row,column", [
    ("| 配置 | fix_hp | p_core |", f"| R300（1x1） | bs={'9' * 5000},lr=1e-4 | 12 |", "fix_hp"),  # issue 21
    ("| 配置 | bs | p_core |", f"| R300（1x1） | {'9' * 5000} | 12 |", "bs"),
    ("| 配置 | p_core | mem |", f"| R300（1x1） | {'1' * 400} | 1/2 |", "p_core"),
    ("| 配置 | bs | p_core |", "| R300（1x1） | 99999999*99999999*99999999 | 12 |", "bs"),
    ("| 配置 | steps | p_core |", "| R300（1x1） | 1e20 | 12 |", "steps"),
    ("| 配置 | e2e_time | p_core |", "| R300（1x1） | 1e300 | 12 |", "e2e_time"),
])
def test_huge_numbers_are_named_in_a_warning_never_a_traceback(tmp_path, capsys, header, row, column):
    code, err = _import_one(tmp_path, _page(tmp_path, header, row), capsys)
    assert code == 0 and f"column '{column}'" in err
    (record,) = load_references(tmp_path / "reports" / "references")
    assert record.rows[0].metrics["p_core"] in (12.0, None)
    for value in record.rows[0].metrics.values():
        assert not isinstance(value, (int, float)) or abs(value) <= limits.MAX_MAGNITUDE


@pytest.mark.parametrize("label", [f"R300（{'9' * 5000}x8）", f"R300 {'9' * 5000}机8卡", "R300（0x8）", f"R300 {'8' * 4400}机{'8' * 4400}卡"])
def test_a_topology_of_thousands_of_digits_is_no_topology(tmp_path, capsys, label):
    code, _ = _import_one(tmp_path, _page(tmp_path, "| 配置 | p_core |", f"| {label} | 12 |"), capsys)
    assert code == 0
    (record,) = load_references(tmp_path / "reports" / "references")
    assert record.rows[0].nnodes is None and record.rows[0].metrics["p_core"] == 12.0


@pytest.mark.parametrize("fix_hp,key,kept", [
    ("bs=8,lr=1e400", "lr", {"bs": 8, "lr": "1e400"}),  # issue 21: was stored as null without a word
    ("bs=8,lr=-1e400", "lr", {"bs": 8, "lr": "-1e400"}),
    ("lr=nan,bs=8", "lr", {"lr": "nan", "bs": 8}),
    ("bs=8,wd=1e300", "wd", {"bs": 8, "wd": "1e300"}),
    (f"bs={'7' * 60},lr=0.1", "bs", {"bs": "7" * 60, "lr": 0.1}),
])
def test_a_fix_hp_value_out_of_range_is_kept_as_text_and_named(tmp_path, capsys, fix_hp, key, kept):
    code, err = _import_one(tmp_path, _page(tmp_path, "| 配置 | fix_hp | p_core |", f"| R300（1x1） | {fix_hp} | 12 |"), capsys)
    assert code == 0 and f"column 'fix_hp': key '{key}'" in err
    (record,) = load_references(tmp_path / "reports" / "references")
    assert record.rows[0].metrics["fix_hp_values"] == kept
    assert record.rows[0].metrics["fix_hp"] == fix_hp


@pytest.mark.parametrize("make,what", [
    (lambda: HEAD + "x" * (limits.MAX_PAGE_BYTES + 1), "larger than"),
    (lambda: HEAD + "| 配置 | p_core |\n| --- | --- |\n" + "| R300（1x1） | 1 |\n" * (limits.MAX_ROWS_PER_TABLE + 1),
     "MAX_ROWS_PER_TABLE"),
    (lambda: HEAD + "".join("| 配置 | p_core |\n| --- | --- |\n" + "| R300（1x1） | 1 |\n" * (limits.MAX_ROWS_PER_TABLE - 1) + "\n"
                         for _ in range(limits.MAX_ROWS_PER_PAGE // (limits.MAX_ROWS_PER_TABLE - 1) + 1)),
     "MAX_ROWS_PER_PAGE"),
    (lambda: HEAD + "| 配置 |" + " x |" * limits.MAX_COLUMNS + "\n|" + " --- |" * (limits.MAX_COLUMNS + 1) + "\n", "MAX_COLUMNS"),
    (lambda: HEAD + "| a |\n" * (limits.MAX_PIPE_LINES + 1), "MAX_PIPE_LINES"),
    (lambda: HEAD + "".join(f"| 配置 | p_core |\n| --- | --- |\n| R300（1x1） | {n} |\n\n" for n in range(limits.MAX_TABLES + 1)),
     "MAX_TABLES"),
])
def test_a_page_over_a_bound_is_refused_with_one_line(tmp_path, capsys, make, what):
    path = tmp_path / "README.md"
    path.write_text(make(), encoding="utf-8")
    code, err = _import_one(tmp_path, path, capsys)
    assert code == 2 and what in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "reports" / "references").exists()


def test_int_conversion_errors_anywhere_in_parsing_are_one_line(tmp_path, monkeypatch):
    """Python's int() raises ValueError over 4,300 digits: any such error is a PageError."""
    from perfkit.importing import readme

    def boom(*args, **kwargs):
        return int("9" * 5000)

    monkeypatch.setattr(readme, "_general", boom)
    with pytest.raises(PageError, match=r"README\.md:1: cannot read the page \(ValueError"):
        parse_text(HEAD + "| 配置 | p_core |\n| --- | --- |\n| R300（1x1） | 1 |\n", tmp_path / "README.md")


def test_a_record_with_numbers_out_of_range_is_not_loaded(tmp_path):
    written = write_references([parse_page(seed("000"))], tmp_path)
    data = json.loads(written[0].read_text())
    data["rows"][0]["metrics"]["p_core"] = 1e300
    (tmp_path / "bad.json").write_text(json.dumps(data))
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    assert [p.source for p in load_references(tmp_path)] == [seed("000").name]


# --- records are written without following links (issue 21) ----------------------------------

def _refused(tmp_path, capsys, reports) -> str:
    code = main(["import", str(seed("000")), "--reports", str(reports)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


def test_references_folder_that_is_a_symlink_is_refused(tmp_path, capsys):
    reports, elsewhere = tmp_path / "reports", tmp_path / "elsewhere"
    reports.mkdir()
    elsewhere.mkdir()
    (elsewhere / "bert-kunlunxin.json").write_text("user's file")
    (reports / "references").symlink_to(elsewhere)
    assert "symbolic link" in _refused(tmp_path, capsys, reports)
    assert (elsewhere / "bert-kunlunxin.json").read_text() == "user's file"
    assert sorted(p.name for p in elsewhere.iterdir()) == ["bert-kunlunxin.json"]


@pytest.mark.parametrize("kind", ["link to a file", "dangling link", "fifo", "folder", "link to a folder",
                                  "link to a record beside it"])
def test_a_record_name_that_is_not_a_regular_file_is_refused(tmp_path, capsys, kind):
    reports = tmp_path / "reports"
    target = reports / "references" / "bert-kunlunxin.json"
    target.parent.mkdir(parents=True)
    outside = tmp_path / "outside.txt"
    outside.write_text("user's file")
    if kind == "link to a file":
        target.symlink_to(outside)
    elif kind == "dangling link":
        target.symlink_to(tmp_path / "nothing-here")
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    elif kind == "link to a folder":
        target.symlink_to(tmp_path)
    else:  # inside references/: resolving the name would write the other record
        outside = target.parent / "other-record.json"
        outside.write_text("user's file")
        target.symlink_to("other-record.json")
    _refused(tmp_path, capsys, reports)
    assert outside.read_text() == "user's file" and not (tmp_path / "nothing-here").exists()
    assert target.is_symlink() or target.is_fifo() or target.is_dir()  # left as it was
    assert not [p.name for p in target.parent.iterdir() if p.name.endswith(".tmp")]  # no temporary file left


def test_references_that_is_a_regular_file_is_refused(tmp_path, capsys):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "references").write_text("not a folder")
    assert "not a folder" in _refused(tmp_path, capsys, reports)
    assert (reports / "references").read_text() == "not a folder"


def test_a_record_is_replaced_by_rename_and_keeps_no_temporary_file(tmp_path):
    folder = tmp_path / "references"
    (first,) = write_references([parse_page(seed("000"))], folder)
    inode = first.stat().st_ino
    (again,) = write_references([parse_page(seed("000"))], folder)
    assert again == first and first.stat().st_ino != inode  # a new file renamed over the old one
    assert [p.name for p in folder.iterdir()] == ["bert-kunlunxin.json"]
