"""`perfkit report --markdown`: one FlagPerf-style README per benchmark and vendor.

The page is laid out as FlagPerf's vendor pages are, so it can sit beside them unchanged:

    ### <硬件>配置与运行信息参考
    #### 环境配置
    - ##### 硬件环境 / - ##### 软件环境      (bullets ``key: value``)
    #### 运行情况
    * 通用指标    指标名称 | 指标值 | 特殊说明 (Chinese; 额外修改项 "无" unless a run changed a
                  key a vendor may not change, then those keys)
    * 性能指标    the columns of the benchmark's FlagPerf page (MFU where that page has it);
                  inference pages: * 指标值
    * 运行情况    训练资源 | 配置文件 | 运行时长(s) | 目标精度 | 收敛精度 | Steps数 | 性能(samples/s)
    #### 能耗监控结果   (monitor_section: energy and power per configuration)

A cell that does not apply or was not measured is ``/``. A benchmark and vendor with imported
(published) rows but no measured run gets its page from those rows. Every number comes from a
result.json or a reference record; ``perfkit import`` reads the page back to the same numbers.

Every text written into the page (hardware and software values, titles, configuration labels,
error messages, notes, table cells and headers) goes through ``escape_text``: one line
(newlines and other whitespace become one space; other control characters and bidi overrides
U+FFFD), ``& < >`` as HTML entities and ``\\ | ` * [ ] ~ # $`` and ``_`` (where it could start or end emphasis) backslash-escaped, and a
leading ``- ``, ``+ ``, ``---``, ``===`` or ``1. `` that would start a block escaped too. So no text from a
result or a record can add HTML, a link, a heading or a table row to the page; numbers are
written as they are (none of those characters is in a number). Text inside the HTML comment
lines (``comment_text``) loses ``<``, ``>`` and runs of ``-``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from perfkit import __version__, paths
from perfkit.files.writing import check_folder_path, check_target
from perfkit.importing.readme import ReferencePage
from perfkit.report import compare, tables
from perfkit.report.tables import fmt
from perfkit.results.record import RunResult
from perfkit.results.store import write_text_atomic

README_DIR = "readme"
MARKER = "<!-- perfkit: benchmark={benchmark} vendor={vendor} -->"
NOT_APPLICABLE = "/"
# Benchmarks whose FlagPerf page has an MFU column in 性能指标
MFU_PAGES = {"glm"}
RUN_COLUMNS = ("训练资源", "配置文件", "运行时长(s)", "目标精度", "收敛精度", "Steps数", "性能(samples/s)")
MONITOR_COLUMNS = (("总能耗(J)", "energy_j", 1), ("平均功耗(W)", "power_avg_w", 1), ("最大功耗(W)", "power_peak_w", 1))
_CN_NODES = {1: "单机", 2: "两机"}


_BACKSLASHED = set("\\|`*[]~#$")  # '$' starts math on GitHub
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")  # overrides that reorder the text shown
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_BLOCK_START = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")  # '1. ' starts a list; '12.5' is a number


def escape_text(text: object) -> str:
    """Any text as one line of Markdown that shows exactly that text and nothing else: no HTML,
    no link, no emphasis, no code, no table cell break, no block (heading, list, quote)."""
    line = " ".join(str(text).split())
    out = []
    for i, char in enumerate(line):
        if unicodedata.category(char) == "Cc" or char in _BIDI:
            out.append("\ufffd")  # a control character (NUL, BEL, ...) shows as the replacement character
        elif char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _BACKSLASHED:
            out.append("\\" + char)
        elif char == "_" and not (0 < i < len(line) - 1 and line[i - 1].isalnum() and line[i + 1].isalnum()):
            out.append("\\_")  # '_' between two letters or digits (p_core) cannot start or end emphasis
        else:
            out.append(char)
    escaped = "".join(out)
    if re.match(r"[-+=](?=[\s\-+=]|$)", escaped):  # '- x', '+ x', '---', '===' start a block; '-3.5' is a number
        escaped = "\\" + escaped
    return _BLOCK_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", escaped, count=1)


def comment_text(text: object) -> str:
    """Text for inside an HTML comment: one line, no '<', '>' or '--' that could end it."""
    return re.sub(r"-{2,}", "-", " ".join(str(text).split()).replace("<", "").replace(">", ""))


def _escape(text: object) -> str:
    """A table cell: escaped text (see escape_text), '/' when empty."""
    return escape_text(text) or NOT_APPLICABLE


def markdown_table(frame: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(_escape(c) for c in frame.columns) + " |",
             "| " + " | ".join("---" for _ in frame.columns) + " |"]
    lines += ["| " + " | ".join(_escape(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def _info(benchmark: str):
    from perfkit.benchmarks import declaration
    from perfkit.errors import UserError

    try:
        return declaration(benchmark).info
    except UserError:
        return None


def _latest_per_config(results: list[RunResult]) -> list[RunResult]:
    """One row per configuration: its most recent ok run, else its most recent run."""
    chosen: dict[str, RunResult] = {}
    for r in sorted(results, key=lambda r: (r.status == "ok", r.finished_at)):
        chosen[r.config] = r
    return sorted(chosen.values(), key=lambda r: (r.run.get("nnodes") or 0, r.run.get("nproc_per_node") or 0, r.config))


def resources_label(nnodes: int | None, nproc: int | None) -> str:
    """训练资源 as FlagPerf writes it: 单机1卡, 单机8卡, 两机8卡."""
    if not nnodes or not nproc:
        return ""
    return f"{_CN_NODES.get(nnodes, f'{nnodes}机')}{nproc}卡"


def general_rows(benchmark: str, kind: str, short_name: str, nonstandard: Iterable[str] = (),
                 with_mfu: bool = False) -> pd.DataFrame:
    """通用指标 with 特殊说明 in Chinese; 额外修改项 is 无 unless keys a vendor may not change were changed."""
    info = _info(benchmark)
    extra = ", ".join(sorted(set(nonstandard))) or "无"
    rows = [
        ("任务类别", info.task if info else "", ""),
        ("模型", info.model if info else benchmark, ""),
        ("数据集", info.dataset if info else "", ""),
        ("数据精度", "precision,见“性能指标”", "可选fp32/amp/fp16/bf16"),
    ]
    if kind == "training":
        rows += [
            ("超参修改", "fix_hp,见“性能指标”", "为跑满硬件而改动的超参"),
            ("硬件设备简称", short_name, ""),
            ("硬件存储使用", "mem(actual/total),见“性能指标”", "即显存占用/总量,单位GiB"),
            ("端到端时间", "e2e_time,见“性能指标”", "从开始准备模型与数据到最后一次评估结束的总时间"),
            ("总吞吐量", "p_whole,见“性能指标”", "训练样本数除以训练总时间(含数据读取与评估)"),
            ("训练吞吐量", "p_train,见“性能指标”", "不含评估时间"),
            ("计算吞吐量", "p_core,见“性能指标”", "只计设备上的计算时间,不含数据IO"),
        ]
        if with_mfu:
            rows.append(("计算卡使用率", "MFU,见“性能指标”", "模型浮点运算量×p_core/该精度的峰值算力"))
        quality = info.quality_label if info else "准确率"
        rows.append(("训练结果", f"{info.quality_header if info else 'acc'},见“性能指标”", quality))
    else:
        rows += [
            ("批尺寸", "bs,见“指标值”", ""),
            ("硬件设备简称", short_name, ""),
            ("硬件存储使用", "mem(actual/total),见“指标值”", "即显存占用/总量,单位GiB"),
            ("推理计算吞吐量", "p_infer_core,见“指标值”", "只计推理引擎的计算时间,不含IO"),
            ("推理结果", "acc(推理/验证),见“指标值”", info.quality_label if info else ""),
        ]
    rows.append(("额外修改项", extra, "" if extra == "无" else "改动了厂商不可改动的配置项,结果不作标准结果"))
    return pd.DataFrame(rows, columns=["指标名称", "指标值", "特殊说明"])


def performance_table(rows: list[compare.Row], benchmark: str, kind: str) -> pd.DataFrame:
    """性能指标 (training) / 指标值 (inference): the benchmark's FlagPerf page columns."""
    info = _info(benchmark)
    quality = info.quality_header if info and kind == "training" else "acc"
    frame = compare.seed_table(rows, kind, quality)
    if kind == "training" and benchmark in MFU_PAGES:
        frame["MFU"] = [_percent(r.metrics.get("mfu")) for r in rows]
    return frame


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.2f}%"


def run_table(rows: list[compare.Row]) -> pd.DataFrame:
    """Seed 002's 运行情况 table: resources, config, run time, target and reached accuracy, steps, throughput."""
    data = []
    for row in rows:
        m = row.metrics
        data.append([
            resources_label(row.nnodes, row.nproc_per_node),
            row.config,
            fmt(m.get("e2e_time"), 1),
            fmt(m.get("target"), 4),
            fmt(m.get("acc"), 4),
            fmt(m.get("steps"), 0),
            fmt(m.get("throughput") if m.get("throughput") is not None else m.get("p_whole"), 2),
        ])
    return pd.DataFrame(data, columns=list(RUN_COLUMNS))


def monitor_section(rows: list[compare.Row], metrics: dict[str, dict]) -> list[str]:
    """The monitor part of the page (能耗监控结果): energy and power per configuration, from the
    result metrics energy_j, power_avg_w and power_peak_w, with where they came from (the
    note says "not measurable here" for a run that had no power source); '/' for what is not
    there. ``metrics`` maps a row's 配置 label to its result's full metrics. The section is
    left out when no row carries telemetry (results from before it, published rows)."""
    def has_telemetry(m: dict) -> bool:
        return "energy_source" in m or any(m.get(key) is not None for _, key, _ in MONITOR_COLUMNS)

    if not any(has_telemetry(metrics.get(r.label, {})) for r in rows):
        return []
    data = []
    for r in rows:
        m = metrics.get(r.label, {})
        if not has_telemetry(m):
            data.append([r.label] + ["/"] * (len(MONITOR_COLUMNS) + 1))
            continue
        values = [fmt(m.get(key), digits) or "/" for _, key, digits in MONITOR_COLUMNS]
        source = str(m.get("energy_source") or "")
        note = str(m.get("telemetry_note") or "")
        data.append([r.label] + values + ["; ".join(part for part in (source, note) if part) or "/"])
    frame = pd.DataFrame(data, columns=["配置"] + [header for header, _, _ in MONITOR_COLUMNS] + ["来源 source"])
    return ["#### 能耗监控结果", "", markdown_table(frame), ""]


def _page(benchmark: str, vendor: str, title: str, hardware: dict[str, str], software: dict[str, str],
          general: pd.DataFrame, rows: list[compare.Row], kind: str, provenance: str,
          monitor: list[str], notes: list[str]) -> str:
    out = [
        MARKER.format(benchmark=benchmark, vendor=vendor),
        f"<!-- generated by perfkit {__version__} from {comment_text(provenance)}; do not edit by hand -->",
        "",
        f"### {escape_text(title)}配置与运行信息参考",
        "#### 环境配置",
    ]
    for section, values in (("硬件环境", hardware), ("软件环境", software)):
        out.append(f"- ##### {section}")
        for key, value in values.items():
            out.append(f"  - {escape_text(key) or NOT_APPLICABLE}: {escape_text(value) or NOT_APPLICABLE}")
        out.append("")
    out += ["#### 运行情况", "", "* 通用指标", "", markdown_table(general), ""]
    out += ["* 性能指标" if kind == "training" else "* 指标值", "", markdown_table(performance_table(rows, benchmark, kind)), ""]
    if kind == "training":
        out += ["* 运行情况", "", markdown_table(run_table(rows)), ""]
    out += monitor
    if notes:
        out += ["† / status notes:", *notes]
    return "\n".join(out).rstrip("\n") + "\n"


def readme_text(benchmark: str, vendor: str, results: list[RunResult]) -> str:
    """The README of one benchmark on one vendor; ``results`` are that pair's runs."""
    runs = _latest_per_config(results)
    newest = max(runs, key=lambda r: r.finished_at)
    rows = [compare.measured_row(r) for r in runs]
    kind = rows[0].kind
    env = tables.environment_table(newest, english=False)  # FlagPerf's own labels
    hardware = {k: v for s, k, v in env.itertuples(index=False) if s == "硬件环境"}
    software = {k: v for s, k, v in env.itertuples(index=False) if s == "软件环境"}
    nonstandard = [k for r in runs for k in (r.run.get("nonstandard_keys") or [])]
    short_name = newest.hardware.get("short_name") or vendor
    general = general_rows(benchmark, kind, short_name, nonstandard, with_mfu=benchmark in MFU_PAGES)
    metrics = {row.label: r.metrics for row, r in zip(rows, runs, strict=False)}
    notes = [f"- {escape_text(row.label)}: {escape_text(row.status)}; {escape_text(row.reason)}"
             for row in rows if row.reason or row.status != "ok"]
    return _page(benchmark, vendor, newest.hardware.get("name") or vendor, hardware, software, general, rows, kind,
                 f"{len(results)} result.json file(s)", monitor_section(rows, metrics), notes)


def published_text(benchmark: str, vendor: str, pages: list[ReferencePage]) -> str:
    """The README of a benchmark and vendor that has only published (imported) rows."""
    rows = [row for page in pages for row in compare.published_rows(page) if row.vendor == vendor]
    page = pages[0]
    section = next((s for s in page.sections if s.get("vendor") == vendor), None)
    hardware = section["hardware"] if section else page.hardware
    software = section["software"] if section else page.software
    title = (section["title"] if section else page.title) or vendor
    title = title.replace("配置与运行信息参考", "").strip()
    short_name = next((g.get("指标值", "") for g in page.general if g.get("指标名称") == "硬件设备简称"), vendor)
    general = general_rows(benchmark, page.kind, short_name, with_mfu=benchmark in MFU_PAGES)
    metrics = {row.label: row.metrics for row in rows}
    sources = ", ".join(sorted({p.path or p.source for p in pages}))
    return _page(benchmark, vendor, title, hardware, software, general, rows, page.kind,
                 f"published rows of {sources}", monitor_section(rows, metrics), [])


def _readme_target(folder: Path, benchmark: str, vendor: str) -> Path:
    """folder/<benchmark>/<vendor>/README.md, joined as written (no link resolved: the writes
    refuse links below reports/), after checking the names keep it inside ``folder``."""
    paths.path_under(folder, benchmark, vendor, "README.md")
    return Path(folder, benchmark, vendor, "README.md")


def write_readmes(results: list[RunResult], folder: Path, references: Iterable[ReferencePage] = ()) -> list[Path]:
    """reports/readme/<benchmark>/<vendor>/README.md for every pair that has results, and for
    every pair that has only published rows. Every target is checked before the first write:
    a link or a file where a folder belongs below ``folder``'s parent (reports/), or a README.md
    that is a link or a special file, is refused with one line and nothing is written."""
    written = []
    pairs = sorted({(str(r.benchmark), str(r.vendor)) for r in results})
    targets = {}
    for benchmark, vendor in pairs:  # the names come from result.json files: checked before any write
        names = [paths.safe_name(benchmark, "result.json field 'benchmark'"), paths.safe_name(vendor, "result.json field 'vendor'")]
        targets[(benchmark, vendor)] = _readme_target(folder, *names)
    published: dict[tuple[str, str], list[ReferencePage]] = {}
    for page in (p for p in references if p.kind != "spec"):  # spec pages: perfkit.report.flagperf_base
        for vendor in page.vendors:
            if (page.benchmark, vendor) not in pairs:
                published.setdefault((page.benchmark, vendor), []).append(page)
    published_targets = {  # names from imported records: checked
        (benchmark, vendor): _readme_target(folder, paths.safe_name(benchmark, "reference field 'benchmark'"),
                                            paths.safe_name(vendor, "reference field 'vendor'"))
        for benchmark, vendor in published
    }
    root = Path(folder).parent  # reports/: readme/ and everything below it must be real folders
    check_folder_path(root, folder)
    for path in [*targets.values(), *published_targets.values()]:
        check_target(root, path)
    for benchmark, vendor in pairs:
        mine = [r for r in results if (str(r.benchmark), str(r.vendor)) == (benchmark, vendor)]
        path = targets[(benchmark, vendor)]
        write_text_atomic(path, readme_text(benchmark, vendor, mine), root=root)
        written.append(path)
    for (benchmark, vendor), pages in sorted(published.items()):
        path = published_targets[(benchmark, vendor)]
        write_text_atomic(path, published_text(benchmark, vendor, pages), root=root)
        written.append(path)
    return written
