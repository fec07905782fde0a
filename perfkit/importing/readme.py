"""A FlagPerf README page -> one reference record (published numbers, per configuration).

What is read: the hardware sections (a ``硬件环境`` heading, also ``A800硬件环境``, with its
bullets, the ``软件环境`` bullets after it, and the heading above them as the section title), the
通用指标 table, and every results table (the tables whose first column is 配置, 训练资源 or
推理工具, or that sit under 性能指标 / 运行情况 / 指标值), one row per configuration. Every column
is kept: a known one under its canonical key (``cells.COLUMNS``), any other as an extra metric
named after its header (numbers when the cells hold numbers, text otherwise).

Two kinds of trouble:

- the page cannot be placed (no results table, no vendor, no benchmark, not UTF-8): PageError
  naming ``file:line`` and the way out (``--vendor``, ``--benchmark``); the page is refused;
- a cell, a row or a table piece cannot be read (``acc 150%``, ``1e400``, a row with more cells
  than its header, a row of an inference page that no hardware section claims, a broken
  通用指标 row): the page is imported without it and ``ReferencePage.warnings`` carries one line
  ``file:line: column 'X': why; not imported`` for it. Nothing is dropped without such a line.

Every table of the page is accounted for in ``ReferencePage.tables`` (line, label, header,
kind): ``results`` (its rows are the record's rows), ``general`` (通用指标), ``legend`` (the
指标列表 that explains the columns), ``dataset`` (a dataset's file list), or ``other``: a table
perfkit does not read as results (an appendix such as ``附表：各类实验MFU对比``), kept as text in
the record (``cells``) and named in a warning, so no table is dropped without a line.

A page with rows of several vendors (FlagPerf's ``inference/benchmarks/<case>/README.md``) is
parsed as one page; ``split_by_vendor`` makes one record per vendor of it, each with that
vendor's rows and hardware section.

Bounds (``perfkit.importing.limits``): page size, '|' lines, tables, rows per table and per page,
columns; a page over one is refused with one line. A cell longer than ``MAX_CELL_CHARS`` is left
out with a warning. Numbers are finite and in range (``cells``), topology labels bounded.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from perfkit.errors import UserError
from perfkit.files.reading import read_text_bounded
from perfkit.importing import cells, identity, limits, vendors
from perfkit.importing.markdown import Bullet, Heading, Page, Table, read_page, split_row
from perfkit.results import vocabulary as vocab

SCHEMA = "perfkit-reference/2"
READABLE_SCHEMAS = ("perfkit-reference/1", SCHEMA)
LABEL_COLUMNS = ("配置", "训练资源", "推理工具")
RESULT_LABELS = ("性能指标", "运行情况", "指标值")
_TOPOLOGY = re.compile(r"[（(]\s*(\d{1,9})\s*[x×X*]\s*(\d{1,9})\s*[)）]")
_CONFIG_FILE_TOPOLOGY = re.compile(r"(?<!\d)x(\d{1,9})x(\d{1,9})\s*(?:\.py)?\s*$")
_CN_NUMBERS = {"单": 1, "一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "八": 8, "十": 10, "十六": 16}
_RESOURCES = re.compile(r"(?<!\d)(单|两|十六|[一二三四五六八十]|\d{1,9})机(单|十六|[一二三四五六八十]|\d{1,9})卡")
_KEY_VALUE = re.compile(r"^(.+?)\s*[:：]\s*(.*)$")
_MARKER = re.compile(r"<!--\s*perfkit:\s*benchmark=(\S+)\s+vendor=(\S+)\s*-->")  # pages perfkit wrote
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+\-]{0,80}$")


class PageError(UserError):
    """A README page perfkit cannot read; the message names file:line."""


@dataclass
class ReferenceRow:
    line: int
    config: str  # the 配置 / 训练资源 / 推理工具 cell as printed
    nnodes: int | None
    nproc_per_node: int | None
    cells: dict[str, str]  # header -> text as on the page
    metrics: dict[str, Any]  # key -> number in base units (or text for text columns); None when blank
    units: dict[str, str]  # key -> unit
    vendor: str = ""  # the row's vendor (an inference page can hold several)
    table: str = ""  # the label of the table the row comes from
    sources: dict[str, list[str]] = field(default_factory=dict)  # header -> the metric keys it filled
    extras: list[str] = field(default_factory=list)  # metric keys perfkit has no canonical name for
    merged: list[int] = field(default_factory=list)  # lines of later-table rows merged into this one

    @property
    def topology(self) -> str:
        return f"{self.nnodes}x{self.nproc_per_node}" if self.nnodes else ""


@dataclass
class HardwareSection:
    line: int
    title: str
    vendor: str
    hardware: dict[str, str]
    software: dict[str, str]


@dataclass
class ReferencePage:
    source: str  # file name
    sha256: str
    benchmark: str
    vendor: str  # one vendor, or 'a+b' for an inference page with several
    kind: str  # training, inference or spec (a FlagPerf base page, perfkit.importing.base_page)
    title: str  # the (first) hardware section's title
    hardware: dict[str, str]
    software: dict[str, str]
    general: list[dict[str, str]]
    table: str  # label of the (first) results table
    columns: list[str]
    rows: list[ReferenceRow] = field(default_factory=list)
    schema: str = SCHEMA
    model: str = ""  # the 模型 cell, as printed
    case: str = ""  # the FlagPerf case (path or link), lower case
    framework: str = ""  # from the case folder: pytorch, megatron, ...
    path: str = ""  # the page as given on the command line
    sections: list[dict[str, Any]] = field(default_factory=list)  # every hardware section
    warnings: list[str] = field(default_factory=list)  # one line per thing not imported
    tables: list[dict[str, Any]] = field(default_factory=list)  # every table of the page: line, label, header, kind
    chip: str = ""  # a FlagPerf base (spec) page's chip ('A100'); '' for training and inference pages

    @property
    def vendors(self) -> list[str]:
        return sorted({r.vendor for r in self.rows if r.vendor}) or [self.vendor]

    @property
    def id(self) -> str:
        """The record's name: benchmark, vendor, (a spec page's) chip and (when the case folder
        has one) framework, so that two README.md files of different vendors, chips or cases
        never share a record."""
        parts = [self.benchmark, self.vendor] + [p for p in (self.chip, self.framework) if p]
        return "-".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReferencePage:
        if data.get("schema") not in READABLE_SCHEMAS:
            raise ValueError(f"reference schema {data.get('schema')!r} is not {SCHEMA}")
        rows = [ReferenceRow(**row) for row in data.get("rows", [])]
        return cls(**{**data, "rows": rows, "schema": SCHEMA})


def _error(path: Path, line: int, message: str) -> PageError:
    return PageError(f"{path}:{line}: {message}")


def _cn_number(text: str) -> int:
    return _CN_NUMBERS.get(text) or int(text)


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    last = None
    for found in pattern.finditer(text):
        last = found
    return last


def _bounded(nodes: int, cards: int) -> tuple[int | None, int | None]:
    """Nodes and cards per node, each 1..MAX_TOPOLOGY; (None, None) otherwise (0 or absurd)."""
    if 1 <= nodes <= limits.MAX_TOPOLOGY and 1 <= cards <= limits.MAX_TOPOLOGY:
        return nodes, cards
    return None, None


def topology(config: str, config_file: str = "") -> tuple[int | None, int | None]:
    """'R300单机8卡（1x8）' -> (1, 8); '单机1卡' -> (1, 1); 'H100二机16卡' -> (2, 8); 'config_BI-V100x2x8' -> (2, 8).
    Numbers of more than 9 digits are not read (Python's int() refuses over 4,300 digits). The
    last topology in the label counts: perfkit's own labels put it after the hardware's short
    name, which is free text ('CPU（1x8） 单机单卡（1x1） smoke' is 1x1)."""
    match = _last(_TOPOLOGY, config)
    if match:
        return _bounded(int(match.group(1)), int(match.group(2)))
    match = _CONFIG_FILE_TOPOLOGY.search(config_file)
    if match:
        return _bounded(int(match.group(1)), int(match.group(2)))
    match = _last(_RESOURCES, config.replace(" ", ""))
    if match:
        nodes, cards = (_cn_number(g) for g in match.groups())
        if nodes < 1:
            return None, None
        return _bounded(nodes, cards // nodes if cards % nodes == 0 and cards > 8 else cards)
    return None, None


# --- hardware sections --------------------------------------------------------------------------

def _is_hardware(heading: Heading) -> bool:
    return heading.text.replace(" ", "").endswith("硬件环境")


def _is_software(heading: Heading) -> bool:
    return heading.text.replace(" ", "").endswith("软件环境")


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


def _sections(page: Page) -> list[HardwareSection]:
    """One per 硬件环境 heading: its bullets, the 软件环境 bullets after it, the title above it."""
    heads = sorted(page.headings, key=lambda h: h.line)
    ends = [h.line for h in heads] + [len(page.lines) + 1]
    sections = []
    for n, heading in enumerate(heads):
        if not _is_hardware(heading):
            continue
        title = ""
        for above in reversed(heads[:n]):
            text = above.text.replace(" ", "")
            if above.level < heading.level and not text.endswith("环境配置") and not _is_software(above):
                title = above.text
                break
        hardware: dict[str, str] = {}
        software: dict[str, str] = {}
        _collect(hardware, [b for b in page.bullets if heading.line < b.line < ends[n + 1]])
        prefix = heading.text.replace(" ", "")[: -len("硬件环境")]
        if prefix:
            hardware.setdefault("硬件", prefix)
        nxt = heads[n + 1] if n + 1 < len(heads) else None
        if nxt is not None and _is_software(nxt):
            _collect(software, [b for b in page.bullets if nxt.line < b.line < ends[n + 2]])
        sections.append(HardwareSection(heading.line, title, "", hardware, software))
    return sections


def _section_vendor(section: HardwareSection, short_name: str) -> str:
    accelerator = " ".join(v for k, v in section.hardware.items() if "型号" in k or k == "硬件")
    return vendors.one_vendor(accelerator, section.title, short_name, " ".join(section.hardware.values()))


# --- tables -------------------------------------------------------------------------------------

def _general(path: Path, page: Page, warnings: list[str]) -> list[dict[str, str]]:
    """The 通用指标 rows; a row with the wrong number of cells is kept as far as it goes, with a warning."""
    for table in page.tables:
        if table.header and cells.normalize(table.header[0]) == "指标名称" and len(table.header) > 1 \
                and cells.normalize(table.header[1]) == "指标值":
            out = []
            for line, values in table.rows:
                written = table.raw_counts.get(line, len(values))
                if written != len(table.header):
                    warnings.append(f"{path}:{line}: 通用指标 row has {written} cells, the header {len(table.header)}; "
                                    f"read as far as it goes")
                out.append(dict(zip(table.header, values, strict=False)))
            return out
    return []


def _is_results(table: Table) -> bool:
    if not table.header:
        return False
    first = cells.normalize(table.header[0])
    if first in LABEL_COLUMNS:
        return True
    if first in ("指标名称", "dataset"):
        return False
    known = [h for h in table.header[1:] if (c := cells.column_for(h)) is not None and c.numeric]
    return any(label in table.label for label in RESULT_LABELS) and len(known) >= 2


def _results_tables(path: Path, page: Page) -> list[Table]:
    found = [t for t in page.tables if _is_results(t)]
    if not found:
        anchor = next((h.line for h in page.headings if "运行情况" in h.text), 1)
        if page.stray_rows:  # pipe lines that did not make a table: say where the separator is missing
            first = page.stray_rows[0]
            raise _error(path, page.stray_rows[1] if len(page.stray_rows) > 1 else first,
                         f"expected the table's '| --- |' separator row under the header at line {first} "
                         "(and a blank line above the table); no results table was found")
        raise _error(path, anchor, "no results table: expected a table whose first column is 配置, 训练资源 or 推理工具 "
                                   "(性能指标, 运行情况 or 指标值)")
    return found


def _row(path: Path, table: Table, line: int, values: list[str], inference: bool,
         warnings: list[str]) -> ReferenceRow:
    texts: dict[str, str] = {}
    metrics: dict[str, Any] = {}
    units: dict[str, str] = {}
    sources: dict[str, list[str]] = {}
    extras: list[str] = []
    beyond = cells_beyond_header(path, table, line, values)
    if beyond:
        warnings.append(beyond)
    for position, (header, text) in enumerate(zip(table.header, values, strict=False)):
        name = header if header not in texts else f"{header} ({position + 1})"
        texts[name] = text
        column = cells.column_for(header)
        key = column.key if column else cells.extra_key(header)
        if key in metrics and position > 0:
            key = f"{key}_{position + 1}"
        reader = column.read if column else cells.read_generic
        try:
            if len(text) > limits.MAX_CELL_CHARS:
                raise cells.CellError(f"a cell of {len(text)} characters (at most {limits.MAX_CELL_CHARS} are read)")
            parsed = dict(reader(text))
        except cells.CellError as exc:
            warnings.append(f"{path}:{line}: column '{header}': {exc}; not imported")
            parsed = {"": None}
            texts[name] = text[:limits.MAX_CELL_CHARS]
        notes = parsed.pop(cells.NOTES, [])  # a list of lines, where a reader has notes
        for note in notes if isinstance(notes, list) else []:
            warnings.append(f"{path}:{line}: column '{header}': {note}")
        keys = []
        for suffix, value in parsed.items():
            if column is not None:
                target = key if suffix == "" else column.target(suffix, inference)
                unit = {"total": "GiB", "values": ""}.get(suffix, column.unit)
            else:
                target = key if suffix == "" else f"{key}_{suffix}"
                unit = ""
                extras.append(target)
            metrics[target] = value
            units[target] = unit
            keys.append(target)
        sources[name] = keys
    label = values[0] if values else ""
    nnodes, nproc = topology(label, texts.get("配置文件", ""))
    return ReferenceRow(line, label, nnodes, nproc, texts, metrics, units, table=table.label, sources=sources,
                        extras=extras)


def _merge_table(fresh: list[ReferenceRow], earlier: list[ReferenceRow]) -> list[ReferenceRow]:
    """Rows of a later results table that describe configurations already read add their cells to
    those rows; the rest (an ablation table: other labels or other values) stay rows of their own.
    A row matches the one earlier row with its 配置 label; a 训练资源 row (no label of its kind)
    matches by nodes x cards, the k-th of a topology the k-th earlier row of it. A match with a
    value that disagrees is no match."""
    left = []
    seen: dict[str, int] = {}
    for row in fresh:
        same = [r for r in earlier if r.config == row.config]
        if not same and "resources" in row.metrics and row.topology:
            k = seen.get(row.topology, 0)
            seen[row.topology] = k + 1
            of_topology = [r for r in earlier if r.topology == row.topology]
            same = [of_topology[k]] if k < len(of_topology) else []
        if len(same) != 1 or not _merge(row, same[0]):
            left.append(row)
    return left


def _merge(row: ReferenceRow, target: ReferenceRow) -> bool:
    for key, value in row.metrics.items():
        mine = target.metrics.get(key)
        if value is not None and mine is not None and key not in ("config", "resources", "config_file") and mine != value:
            return False
    target.merged.append(row.line)
    for key, value in row.metrics.items():
        if target.metrics.get(key) is None:
            target.metrics[key] = value
            target.units[key] = row.units.get(key, "")
            if key in row.extras and key not in target.extras:
                target.extras.append(key)
    for header, text in row.cells.items():
        name = header if header not in target.cells else f"{header} ({row.table} line {row.line})"
        target.cells[name] = text
        target.sources[name] = row.sources.get(header, [])
    return True


def cells_beyond_header(path: Path, table: Table, line: int, values: list[str]) -> str:
    """The warning for a row written with more cells than its header has, naming the cells that
    are not imported; '' when there are none (every page kind says it the same way)."""
    written = table.raw_counts.get(line, len(values))
    if written <= len(table.header):
        return ""
    raw = split_row(table.raw_lines.get(line, ""))
    lost = [c for c in raw[len(table.header):] if c and not cells.is_empty(c)]
    if not lost:
        return ""
    return (f"{path}:{line}: row has {written} cells, the header {len(table.header)}; "
            f"cells beyond the header ({', '.join(lost)}) not imported")


# --- identity -----------------------------------------------------------------------------------

def _benchmark(path: Path, text: str, general: list[dict[str, str]], inference: bool) -> tuple[str, str, str]:
    """(benchmark, case, framework): the page's path, else its case link, else the 模型 cell."""
    ident = identity.from_path(str(path))
    case, framework = ident.case, ident.framework
    if not case:
        case = identity.case_from_link(text)
    if not case:
        model = next((row.get("指标值", "") for row in general if row.get("指标名称") == "模型"), "")
        case = model.strip().lower().replace("-", "").replace(" ", "")
    if not case and "bertformaskedlm" in text.lower():
        case = "bert"
    return identity.benchmark_name(case, vocab.INFERENCE if inference else vocab.TRAINING), case, framework


def _check_name(path: Path, what: str, value: str) -> str:
    """A benchmark or vendor name a record is filed under (it becomes a path component)."""
    if value and len(value) > 81:
        raise _error(path, 1, f"{what}: name of {len(value)} characters is too long (at most 81)")
    if value and not _SAFE_NAME.fullmatch(value):
        raise _error(path, 1, f"{what}: {value!r:.80} is not a name perfkit files records under "
                              "(letters, digits, '_', '.', '-', '+')")
    return value


def _check_size(path: Path, text: str) -> None:
    """The page's bounds that can be checked before the Markdown is parsed."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.MAX_PAGE_BYTES:
        raise _error(path, 1, f"page of {size} bytes is larger than the {limits.MAX_PAGE_BYTES // limits.KIB} KiB "
                              "perfkit imports (limits.MAX_PAGE_BYTES)")
    pipes = 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("|"):
            pipes += 1
            if pipes > limits.MAX_PIPE_LINES:
                raise _error(path, number, f"more than {limits.MAX_PIPE_LINES} table lines on one page "
                                           "(limits.MAX_PIPE_LINES); split the page")


def _check_tables(path: Path, page: Page) -> None:
    if len(page.tables) > limits.MAX_TABLES:
        raise _error(path, page.tables[limits.MAX_TABLES].line,
                     f"more than {limits.MAX_TABLES} tables on one page (limits.MAX_TABLES)")
    for table in page.tables:
        if len(table.header) > limits.MAX_COLUMNS:
            raise _error(path, table.line, f"table of {len(table.header)} columns; at most {limits.MAX_COLUMNS} "
                                           "are read (limits.MAX_COLUMNS)")
        if len(table.rows) > limits.MAX_ROWS_PER_TABLE:
            raise _error(path, table.line, f"table of {len(table.rows)} rows; at most {limits.MAX_ROWS_PER_TABLE} "
                                           "are read (limits.MAX_ROWS_PER_TABLE)")


def _table_kind(table: Table, results: list[Table], general_seen: bool) -> str:
    first = cells.normalize(table.header[0]) if table.header else ""
    if any(table is t for t in results):
        return "results"
    if first == "指标名称":
        second = cells.normalize(table.header[1]) if len(table.header) > 1 else ""
        return "general" if second == "指标值" and not general_seen else "legend"
    if first in ("dataset", "数据集", "filename", "文件名", "文件"):
        return "dataset"
    return "other"


def _account_tables(path: Path, page: Page, results: list[Table], warnings: list[str]) -> list[dict[str, Any]]:
    """Every table of the page with its kind; the rows of those not read as results or 通用指标
    are kept as text, and an ``other`` table (not a kind perfkit knows) is named in a warning."""
    out = []
    general_seen = False
    for table in page.tables:
        kind = _table_kind(table, results, general_seen)
        general_seen = general_seen or kind == "general"
        entry: dict[str, Any] = {"line": table.line, "label": table.label[:200], "header": table.header, "kind": kind}
        if kind not in ("results", "general"):
            entry["rows"] = [[line, [c[:limits.MAX_CELL_CHARS] for c in values]] for line, values in table.rows]
        if kind == "other":
            numbers = sum(cells.has_number(c) for _, values in table.rows for c in values)
            warnings.append(f"{path}:{table.line}: table '{table.label[:80]}' (first column "
                            f"'{(table.header[0] if table.header else '')[:40]}', {len(table.rows)} rows, {numbers} cells "
                            "with numbers) is not a results table perfkit reads; kept as text in the record, "
                            "its numbers not imported")
        out.append(entry)
    for line in page.html_tables:  # GitHub shows an HTML <table>; perfkit reads only Markdown tables
        out.append({"line": line, "label": "", "header": [], "kind": "html"})
        warnings.append(f"{path}:{line}: an HTML <table> is not read (only Markdown tables are); not imported")
    return out


def parse_text(text: str, path: Path, benchmark: str = "", vendor: str = "") -> ReferencePage:
    """One page -> one record (see the module's docstring); a number Python cannot convert
    (int() of over 4,300 digits, an overflow) or a structure too deep is a PageError naming the
    file, never a traceback."""
    path = Path(path)
    try:
        return _parse_text(text, path, benchmark, vendor)
    except (ValueError, OverflowError, RecursionError) as exc:
        raise _error(path, 1, f"cannot read the page ({type(exc).__name__}: {str(exc)[:120]})") from None


def _parse_text(text: str, path: Path, benchmark: str = "", vendor: str = "") -> ReferencePage:
    _check_size(path, text)
    page = read_page(text)
    _check_tables(path, page)
    lines = page.lines
    warnings: list[str] = []
    tables = _results_tables(path, page)
    warnings += [f"{path}:{line}: {note}" for line, note in page.notes]
    for number in page.stray_rows:
        if any(cells.has_number(cell) for cell in split_row(lines[number - 1])):
            warnings.append(f"{path}:{number}: a '|' line that is not part of a table (no '| --- |' row under "
                            "its header); not imported")
    ident = identity.from_path(str(path))
    inference = ident.kind == vocab.INFERENCE or any(
        cells.normalize(h).startswith(("p_infer", "p_val")) for t in tables for h in t.header)
    rows: list[ReferenceRow] = []
    for n, table in enumerate(tables):
        fresh = [_row(path, table, line, values, inference, warnings) for line, values in table.rows]
        # a table with the columns of an earlier one is another variant (model size, ablation), never merged
        again = any(earlier.header == table.header for earlier in tables[:n])
        rows += fresh if n == 0 or again else _merge_table(fresh, rows)
        if len(rows) > limits.MAX_ROWS_PER_PAGE:
            raise _error(path, table.line, f"more than {limits.MAX_ROWS_PER_PAGE} results rows on one page "
                                           "(limits.MAX_ROWS_PER_PAGE)")
    general = _general(path, page, warnings)
    accounted = _account_tables(path, page, tables, warnings)
    sections = _sections(page)
    short_name = next((row.get("指标值", "") for row in general if row.get("指标名称") == "硬件设备简称"), "")
    for section in sections:
        section.vendor = _section_vendor(section, short_name)

    marker = _MARKER.search(text)
    if marker:
        benchmark, vendor = benchmark or marker.group(1), vendor or marker.group(2)
    case, framework = ident.case, ident.framework
    if not benchmark:
        benchmark, case, framework = _benchmark(path, text, general, inference)
    if not benchmark:
        raise _error(path, 1, "cannot tell the benchmark (no training/<vendor>/<case>/ or inference/benchmarks/<case>/ "
                              "path, no benchmarks/<case> link, no 模型 row in 通用指标); pass --benchmark")
    _check_name(path, "benchmark", benchmark)
    vendor = _check_name(path, "vendor", vendor or ident.vendor)
    explicit = bool(vendor)
    if not vendor and len({s.vendor for s in sections}) > 1:
        rows = _attribute(path, rows, sections, warnings)
    else:
        vendor = vendor or next((s.vendor for s in sections if s.vendor), "") or vendors.one_vendor(short_name)
        if not vendor and len(sections) <= 1:
            vendor = _row_vendor(rows)
        if not vendor:
            anchor = sections[0].line if sections else 1
            raise _error(path, anchor, "cannot tell the vendor: no accelerator in 硬件环境, the section heading or "
                                       f"硬件设备简称 names one of {', '.join(sorted(vendors.VENDORS))}; pass --vendor")
        by_tool = not explicit and any(cells.normalize(t.header[0]) == "推理工具" for t in tables)
        for row in rows:
            # an inference row whose tool names another vendor ('kunlunxin_xtcl') is that vendor's
            row.vendor = row.vendor or (by_tool and vendors.tool_vendor(row.config)) or vendor
    if not rows:
        raise _error(path, tables[0].line, "the results table has no rows")
    page_vendors = sorted({r.vendor for r in rows})
    vendor = vendor or "+".join(page_vendors)
    first = next((s for s in sections if s.vendor in page_vendors), sections[0] if sections else None)
    model = next((row.get("指标值", "") for row in general if row.get("指标名称") == "模型"), "")
    return ReferencePage(
        source=path.name,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        benchmark=benchmark,
        vendor=vendor,
        kind=vocab.INFERENCE if inference else vocab.TRAINING,
        title=first.title if first else "",
        hardware=first.hardware if first else {},
        software=first.software if first else {},
        general=general,
        table=tables[0].label,
        columns=tables[0].header,
        rows=rows,
        model=model.strip(),
        case=case,
        framework=framework,
        path=str(path),
        sections=[asdict(s) for s in sections],
        warnings=warnings,
        tables=accounted,
    )


def split_by_vendor(page: ReferencePage) -> list[ReferencePage]:
    """One record per vendor of a page: a page whose rows belong to several vendors (FlagPerf's
    inference pages) becomes one record for each, with that vendor's rows and its hardware
    section; a page of one vendor is returned as it is."""
    page_vendors = sorted({row.vendor for row in page.rows if row.vendor})
    if len(page_vendors) <= 1:
        return [page]
    out = []
    for vendor in page_vendors:
        section = next((s for s in page.sections if s.get("vendor") == vendor), None)
        out.append(replace(
            page,
            vendor=vendor,
            rows=[row for row in page.rows if row.vendor == vendor],
            title=section["title"] if section else page.title,
            hardware=dict(section["hardware"]) if section else {},
            software=dict(section["software"]) if section else {},
            warnings=list(page.warnings),
        ))
    return out


def _row_vendor(rows: list[ReferenceRow]) -> str:
    """A page with no hardware section at all: the vendor its row labels name, when exactly one."""
    return vendors.one_vendor(" ".join(r.config for r in rows))


def _attribute(path: Path, rows: list[ReferenceRow], sections: list[HardwareSection],
               warnings: list[str]) -> list[ReferenceRow]:
    """Rows of a page with several hardware sections: each to the vendor its 推理工具 / 配置 cell names."""
    kept = []
    section_vendors = {s.vendor for s in sections if s.vendor}
    for row in rows:
        tool = row.config
        vendor = vendors.tool_vendor(tool)
        if not vendor:
            squashed = re.sub(r"[\s_\-]", "", tool.lower())
            claims = {s.vendor for s in sections if s.vendor and squashed and squashed in
                      re.sub(r"[\s_\-]", "", " ".join(s.software.values()).lower())}
            vendor = claims.pop() if len(claims) == 1 else vendors.one_vendor(tool)
        if not vendor or vendor not in section_vendors | {vendors.tool_vendor(tool)}:
            numbers = [f"{h}={t}" for h, t in row.cells.items() if cells.has_number(t)]
            warnings.append(f"{path}:{row.line}: row '{tool}' names no vendor of this page's hardware sections "
                            f"({', '.join(sorted(section_vendors))}); not imported ({', '.join(numbers) or 'no numbers'})")
            continue
        row.vendor = vendor
        kept.append(row)
    return kept


def parse_page(path: Path, benchmark: str = "", vendor: str = "") -> ReferencePage:
    """Read one README page; PageError (exit 2) names the file and line it cannot understand."""
    path = Path(path)
    # bounded, regular files only (not /dev/zero or a FIFO); a leading BOM is not part of the first heading
    text = read_text_bounded(path, limits.MAX_PAGE_BYTES, PageError, allow_bom=True)
    return parse_text(text, path, benchmark, vendor)
