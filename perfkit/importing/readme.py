"""A FlagPerf README page -> one reference record (published numbers, per configuration).

What is read: the vendor section's heading, 硬件环境 and 软件环境 bullets, the 通用指标 table
and the results table (性能指标, 运行情况 or 指标值: the table whose first column is 配置 or
训练资源), one row per configuration. Anything the parser cannot place raises PageError naming
``file:line``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from perfkit import paths
from perfkit.errors import UserError
from perfkit.reading import PAGE_LIMIT, read_text_bounded
from perfkit.importing import cells
from perfkit.importing.markdown import Bullet, MarkdownError, Page, Table, read_page

SCHEMA = "perfkit-reference/1"
RESULT_FIRST_COLUMNS = ("配置", "训练资源")
GENERIC_STEMS = {"readme", "index", "page"}
ENV_SECTIONS = {"硬件环境": "hardware", "软件环境": "software"}
_TOPOLOGY = re.compile(r"[（(]\s*(\d+)\s*[x×X*]\s*(\d+)\s*[)）]")
_CONFIG_FILE_TOPOLOGY = re.compile(r"x(\d+)x(\d+)\s*$")
_CN_NUMBERS = {"单": 1, "一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "八": 8}
_RESOURCES = re.compile(r"^(单|两|[一二三四八]|\d+)机(单|\d+)卡")
_KEY_VALUE = re.compile(r"^(.+?)\s*[:：]\s*(.*)$")
_VENDORS = (("昆仑芯", "kunlunxin"), ("kunlunxin", "kunlunxin"), ("天数智芯", "iluvatar"), ("iluvatar", "iluvatar"),
            ("nvidia", "nvidia"), ("a100", "nvidia"))
_MARKER = re.compile(r"<!--\s*perfkit:\s*benchmark=(\S+)\s+vendor=(\S+)\s*-->")  # pages perfkit wrote
_BENCHMARK_LINK = re.compile(r"benchmarks/([A-Za-z0-9_]+)/")


class PageError(UserError):
    """A README page perfkit cannot read; the message names file:line."""


@dataclass
class ReferenceRow:
    line: int
    config: str  # the 配置 / 训练资源 cell as printed
    nnodes: int | None
    nproc_per_node: int | None
    cells: dict[str, str]  # header -> text as on the page
    metrics: dict[str, Any]  # canonical key -> number in base units, or None when blank
    units: dict[str, str]  # canonical key -> unit

    @property
    def topology(self) -> str:
        return f"{self.nnodes}x{self.nproc_per_node}" if self.nnodes else ""


@dataclass
class ReferencePage:
    source: str  # file name
    sha256: str
    benchmark: str
    vendor: str
    kind: str  # training or inference
    title: str  # the vendor section heading
    hardware: dict[str, str]
    software: dict[str, str]
    general: list[dict[str, str]]
    table: str  # label of the results table
    columns: list[str]
    rows: list[ReferenceRow] = field(default_factory=list)
    schema: str = SCHEMA

    @property
    def id(self) -> str:
        """The record's file name: the page's stem; README-like names get benchmark and vendor."""
        stem = Path(self.source).stem
        return f"{self.benchmark}-{self.vendor}-{stem}" if stem.lower() in GENERIC_STEMS else stem

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReferencePage:
        if data.get("schema") != SCHEMA:
            raise ValueError(f"reference schema {data.get('schema')!r} is not {SCHEMA}")
        rows = [ReferenceRow(**row) for row in data.get("rows", [])]
        return cls(**{**data, "rows": rows})


def _error(path: Path, line: int, message: str) -> PageError:
    return PageError(f"{path}:{line}: {message}")


def topology(config: str, config_file: str = "") -> tuple[int | None, int | None]:
    """'R300单机8卡（1x8）' -> (1, 8); '单机1卡' -> (1, 1); 'config_BI-V100x2x8' -> (2, 8)."""
    match = _TOPOLOGY.search(config)
    if match:
        return int(match.group(1)), int(match.group(2))
    match = _RESOURCES.search(config.replace(" ", ""))
    if match:
        nodes, cards = match.groups()
        return _CN_NUMBERS.get(nodes) or int(nodes), _CN_NUMBERS.get(cards) or int(cards)
    match = _CONFIG_FILE_TOPOLOGY.search(config_file)
    if match:
        return int(match.group(1)), int(match.group(2))
    return None, None


def _environment(page: Page) -> tuple[dict[str, str], dict[str, str], str]:
    """(hardware, software, vendor section title) from the ##### 硬件环境 / 软件环境 bullets."""
    found: dict[str, dict[str, str]] = {"hardware": {}, "software": {}}
    title = ""
    for heading in page.headings:
        if heading.text == "硬件环境":
            break
        if heading.text not in ("环境配置", "运行情况"):
            title = heading.text
    section_at = {h.line: ENV_SECTIONS.get(h.text) for h in page.headings}
    ends = sorted(h.line for h in page.headings) + [len(page.lines) + 1]
    for start, section in section_at.items():
        if not section:
            continue
        end = next(line for line in ends if line > start)
        _collect(found[section], [b for b in page.bullets if start < b.line < end])
    return found["hardware"], found["software"], title


def _collect(into: dict[str, str], bullets: list[Bullet]) -> None:
    """``- key: value`` bullets; a bullet without a colon heads the deeper bullets below it."""
    open_key = ""
    open_indent = -1
    for bullet in bullets:
        match = _KEY_VALUE.match(bullet.text)
        if match and not bullet.text.startswith("http"):
            key, value = match.group(1).strip(), match.group(2).strip()
            if open_key and bullet.indent > open_indent:
                into[open_key] = (into[open_key] + "; " + f"{key}: {value}").strip("; ")
                continue
            into[key] = value
            open_key, open_indent = (key, bullet.indent) if not value else ("", -1)
        elif open_key and bullet.indent > open_indent:
            into[open_key] = (into.get(open_key, "") + "; " + bullet.text).strip("; ")
        else:
            into[bullet.text] = ""
            open_key, open_indent = bullet.text, bullet.indent


def _general(page: Page) -> list[dict[str, str]]:
    for table in page.tables:
        if table.header and table.header[0] == "指标名称":
            return [dict(zip(table.header, cells_)) for _, cells_ in table.rows]
    return []


def _results_table(path: Path, page: Page) -> Table:
    candidates = [t for t in page.tables if t.header and t.header[0] in RESULT_FIRST_COLUMNS]
    if not candidates:
        anchor = next((h.line for h in page.headings if "运行情况" in h.text), 1)
        raise _error(path, anchor, "no results table: expected a table whose first column is 配置 or 训练资源 (性能指标, 运行情况 or 指标值)")
    if len(candidates) > 1:
        raise _error(path, candidates[1].line, f"a second results table (the first is at line {candidates[0].line}); one per page")
    table = candidates[0]
    if not table.rows:
        raise _error(path, table.line, "the results table has no rows")
    return table


def _row(path: Path, table: Table, line: int, values: list[str], inference: bool) -> ReferenceRow:
    texts = dict(zip(table.header, values))
    metrics: dict[str, Any] = {}
    units: dict[str, str] = {}
    for header, text in texts.items():
        column = cells.column_for(header, inference)
        if column is None:
            continue
        try:
            parsed = column.parse(text)
        except cells.CellError as exc:
            raise _error(path, line, f"column '{header}': {exc}") from None
        metrics[column.key] = parsed["value"]
        units[column.key] = column.unit
        if "total" in parsed:
            metrics["mem_total_gib"] = parsed["total"]
            units["mem_total_gib"] = "GiB"
        if "validation" in parsed:
            metrics["acc_val"] = parsed["validation"]
            units["acc_val"] = "fraction"
        if "parsed" in parsed:
            metrics["fix_hp_values"] = parsed["parsed"]
    label = values[0]
    nnodes, nproc = topology(label, texts.get("配置文件", ""))
    return ReferenceRow(line, label, nnodes, nproc, texts, metrics, units)


def _vendor(page: Page, hardware: dict[str, str], title: str) -> str:
    for text in (" ".join(hardware.values()), title, "\n".join(page.lines)):
        lowered = text.lower()
        for word, vendor in _VENDORS:
            if word in lowered:
                return vendor
    return ""


def _benchmark(page: Page, general: list[dict[str, str]], inference: bool) -> str:
    model = next((row.get("指标值", "") for row in general if row.get("指标名称") == "模型"), "")
    name = model.strip().lower().replace("-", "").replace(" ", "")
    if not name:
        link = _BENCHMARK_LINK.search("\n".join(page.lines))
        name = link.group(1).lower() if link else ""
    if not name and "bertformaskedlm" in "\n".join(page.lines).lower():
        name = "bert"
    if inference and name:
        name = f"{name}_inference"
    return name


def parse_text(text: str, path: Path, benchmark: str = "", vendor: str = "") -> ReferencePage:
    try:
        page = read_page(text)
    except MarkdownError as exc:
        raise _error(path, exc.line, str(exc)) from None
    table = _results_table(path, page)
    inference = any(h.replace(" ", "").lower().startswith(("p_infer", "p_val")) for h in table.header)
    rows = [_row(path, table, line, values, inference) for line, values in table.rows]
    hardware, software, title = _environment(page)
    general = _general(page)
    marker = _MARKER.search(text)
    marker_line = text.count("\n", 0, marker.start()) + 1 if marker else 1
    if marker:
        benchmark, vendor = benchmark or marker.group(1), vendor or marker.group(2)
    benchmark = benchmark or _benchmark(page, general, inference)
    if not benchmark:
        raise _error(path, 1, "cannot tell the benchmark (no 模型 row in 通用指标, no benchmarks/NAME/ link); pass --benchmark")
    vendor = vendor or _vendor(page, hardware, title)
    if not vendor:
        raise _error(path, 1, "cannot tell the vendor from 硬件环境 or the headings; pass --vendor")
    for what, name in (("benchmark", benchmark), ("vendor", vendor)):  # they name the record's file
        try:
            paths.safe_name(name, what)
        except UserError as exc:
            raise _error(path, marker_line if marker else 1, str(exc)) from None
    return ReferencePage(
        source=path.name,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        benchmark=benchmark,
        vendor=vendor,
        kind="inference" if inference else "training",
        title=title,
        hardware=hardware,
        software=software,
        general=general,
        table=table.label,
        columns=table.header,
        rows=rows,
    )


def parse_page(path: Path, benchmark: str = "", vendor: str = "") -> ReferencePage:
    """Read one README page; PageError (exit 2) names the file and line it cannot understand."""
    path = Path(path)
    # bounded, regular files only (not /dev/zero or a FIFO); a leading BOM is not part of the first heading
    text = read_text_bounded(path, PAGE_LIMIT, PageError, allow_bom=True)
    return parse_text(text, path, benchmark, vendor)
