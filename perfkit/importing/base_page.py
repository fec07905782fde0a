"""A FlagPerf hardware spec page (``base/``) -> one reference record per case, vendor and chip.

FlagPerf keeps one page per case and chip: ``base/benchmarks/<case>/<vendor>[/<chip>]/README.md``
(the vendor-neutral PyTorch measurement) and ``base/toolkits/<case>/<vendor>/<chip>/README.md``
(the vendor's own tool). Every page has the same five sections:

    # 参评AI芯片信息        bullets: 厂商, 产品名称, 产品型号, TDP           -> ReferencePage.hardware
    # 所用服务器配置        bullets: 服务器数量, 单服务器内使用卡数, ...    -> ReferencePage.software
    ## 核心评测结果         评测项 | <item>测试值 | <item>标定值 | 测试标定比例
    ## 能耗监控结果         监控项 | 系统平均功耗 | ... | 单卡TDP       (or one line: not meaningful here)
    ## 其他重要监控结果     监控项 | 系统平均CPU占用 | ... | 单卡平均显存占用

A page is recognised by its path (``base/benchmarks/`` or ``base/toolkits/``) or, saved
elsewhere, by its 核心评测结果 table under those section titles. The record is filed as the case
(``computation-BF16``, ``main_memory-bandwidth``, ``interconnect-MPI_intraserver``, ...; the path's
case folder, else the perfkit marker of an exported page, else ``--benchmark``), the vendor (the
path's vendor folder, else the marker, else ``--vendor``) and the chip (the path's chip folder,
else the 产品名称 bullet when it is a plain name); ``framework`` is ``toolkit`` for a
``base/toolkits`` page and empty for the PyTorch one, so both sit side by side.

Each row of 核心评测结果 is one ``ReferenceRow``; with one such row, the 能耗监控结果 and
其他重要监控结果 rows are merged into it (``merged`` holds their lines). Every cell is read as a
number with its unit (``259.2TFLOPS``, ``464.65GB/s``, ``83.1%``, ``39.18GiB(42.07GB)`` = two
figures, ``3354.0W``); the keys are ``measured``, ``datasheet``, ``ratio_percent`` and the
power and monitor keys of ``POWER_KEYS`` / ``MONITOR_KEYS`` (a header perfkit has no name for
keeps a key made from its header). Units are written as perfkit writes them (TFLOPS ->
``TFLOP/s``, TOPS -> ``TOP/s``); a power, load or temperature cell written without a unit takes
its column's (W, %, °C). ``/`` or a blank cell is "not given" (None). A cell with a number
that is not one figure with a unit (``~300``, ``300-400W``, ``nan``, a negative, out of range)
is left out with one warning line naming file, line and column: no number is dropped silently.
A table of any other kind on the page is kept as text and named in a warning.

The same bounds as the training pages hold (page size, table lines, tables, rows, columns, cell
length), and the names the record is filed under are checked; a page that breaks one, or whose
case or vendor cannot be told, is refused with one line ``file:line: why``.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfkit.importing import cells, identity, limits
from perfkit.importing.markdown import Page, Table, split_row
from perfkit.importing.readme import _KEY_VALUE, ReferencePage, ReferenceRow, _check_name, _error, cells_beyond_header

KIND = "spec"
TOOLKIT = "toolkit"  # ReferencePage.framework of a base/toolkits page
CHIP_SECTION, SERVER_SECTION = "参评AI芯片信息", "所用服务器配置"
CORE, POWER, MONITOR = "核心评测结果", "能耗监控结果", "其他重要监控结果"
SECTIONS = (CHIP_SECTION, SERVER_SECTION, CORE, POWER, MONITOR)
CORE_LABEL, MONITOR_LABEL = "评测项", "监控项"  # first column of the core and of the monitor tables
CORE_KEYS = (("测试值", "measured"), ("标定值", "datasheet"), ("比例", "ratio_percent"))
POWER_KEYS = {  # 能耗监控结果 header (without its '(8卡平均)') -> key, all in W
    "系统平均功耗": "system_power_avg", "系统最大功耗": "system_power_max", "系统功耗标准差": "system_power_std",
    "单机TDP": "system_tdp", "单卡平均功耗": "card_power_avg", "单卡最大功耗": "card_power_max",
    "单卡功耗标准差": "card_power_std", "单卡TDP": "card_tdp",
}
MONITOR_KEYS = {  # 其他重要监控结果 header -> (key, the unit a cell without one is in)
    "系统平均CPU占用": ("cpu_percent", "%"), "系统平均内存占用": ("memory_percent", "%"),
    "单卡平均温度": ("card_temperature", "°C"), "单卡平均显存占用": ("card_memory_percent", "%"),
}
UNITS = {  # unit as FlagPerf writes it -> as perfkit writes it
    "tflops": "TFLOP/s", "tflop/s": "TFLOP/s", "gflops": "GFLOP/s", "gflop/s": "GFLOP/s", "pflops": "PFLOP/s",
    "tops": "TOP/s", "top/s": "TOP/s", "gb/s": "GB/s", "gib/s": "GiB/s", "tb/s": "TB/s", "mb/s": "MB/s",
    "gib": "GiB", "gb": "GB", "mib": "MiB", "tib": "TiB", "w": "W", "kw": "kW", "%": "%", "°c": "°C", "℃": "°C",
}
_BASE_CASE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*-[A-Za-z0-9_]+$")  # computation-BF16, main_memory-bandwidth
_QUANTITY = re.compile(r"^([+-]?\d[\d,]*(?:\.\d+)?(?:[eE][+-]?\d{1,3})?)\s*([A-Za-z%°℃/]{0,12})$")
_SECOND = re.compile(r"^(.*?)\s*[(（]\s*([^()（）]*)\s*[)）]$")  # '39.18GiB(42.07GB)' -> two figures
_DTYPE = re.compile(r"(FP64|FP32|TF32|FP16|BF16|INT8|FP8)(?=算力)")
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,40}$")


@dataclass(frozen=True)
class BaseIdentity:
    tool: str  # "benchmarks" or "toolkits"
    case: str  # "computation-BF16"
    vendor: str  # "nvidia"
    chip: str  # "A100"; "" when the page sits right under its vendor folder


def base_identity(path: str | Path) -> BaseIdentity | None:
    """``.../base/benchmarks/<case>/<vendor>[/<chip>]/README.md`` (or the flat fixture form
    ``base__benchmarks__...``) -> its parts; None for any other path. Names are checked later."""
    parts = identity.source_parts(str(path))
    for i in range(len(parts) - 1):
        if parts[i] == "base" and parts[i + 1] in ("benchmarks", "toolkits"):
            rest = parts[i + 2:-1] if parts[-1].lower().endswith(".md") else parts[i + 2:]
            if 2 <= len(rest) <= 3:
                return BaseIdentity(parts[i + 1], rest[0], rest[1], rest[2] if len(rest) == 3 else "")
    return None


def _section(text: str) -> str:
    return "".join(text.split())


def is_base_page(path: Path, page: Page) -> bool:
    """A base page: its path says so, or it has a 核心评测结果 section with a 评测项 table and
    one more of the five section titles."""
    if base_identity(path) is not None:
        return True
    titles = {_section(h.text) for h in page.headings}
    return CORE in titles and len(titles & set(SECTIONS)) >= 2 and any(
        t.header and cells.normalize(t.header[0]) == CORE_LABEL for t in page.tables)


def _under(page: Page, table: Table) -> str:
    """The base section a table sits in: the nearest of the five titles above it."""
    above = [h for h in page.headings if h.line < table.line and _section(h.text) in SECTIONS]
    return _section(above[-1].text) if above else ""


def _strip_cards(header: str) -> str:
    """'单卡平均功耗(8卡平均)' -> '单卡平均功耗'."""
    return re.sub(r"[(（][^()（）]*[)）]\s*$", "", cells.normalize(header)).strip()


def _unit(written: str, default: str) -> str:
    if not written:
        return default
    unit = UNITS.get(written.lower())
    if unit is None:
        raise cells.CellError(f"unknown unit {written!r} (known: {', '.join(sorted(set(UNITS.values())))})")
    return unit


def has_digit(text: str) -> bool:
    """A cell that must be read or named: any digit at all (the importer's own test, so that a
    cell such as '61.99°C' or '39.18GiB(42.07GB)' can never fall between reader and checker)."""
    return any(c.isdigit() for c in text)


def read_quantity(text: str, default_unit: str = "") -> list[tuple[float, str]]:
    """'259.2TFLOPS' -> [(259.2, 'TFLOP/s')]; '39.18GiB(42.07GB)' -> [(39.18, 'GiB'), (42.07, 'GB')];
    '/' or '' -> []. CellError for anything else holding a number."""
    raw = text.strip()
    if cells.is_empty(raw) or not (has_digit(raw) or cells.has_number(raw)):
        return []  # '/', '', 'GB/s' or '%' alone: not given
    pieces = [raw]
    second = _SECOND.match(raw)
    if second and second.group(2).strip():
        pieces = [second.group(1), second.group(2)]
    out = []
    for piece in pieces:
        match = _QUANTITY.match(piece.strip())
        if not match:
            raise cells.CellError(f"cannot read {text!r} as one figure with a unit (like 259.2TFLOPS or 83.1%)")
        digits = match.group(1)
        if sum(c.isdigit() for c in digits) > limits.MAX_DIGITS:
            raise cells.CellError(f"{text[:40]!r} has more than {limits.MAX_DIGITS} digits; not read as a number")
        value = float(digits.replace(",", ""))
        if not math.isfinite(value) or abs(value) > limits.MAX_MAGNITUDE:
            raise cells.CellError(f"{text!r} is out of range (beyond {limits.MAX_MAGNITUDE:g})")
        if value < 0:
            raise cells.CellError(f"{text!r} is negative; a measured figure, datasheet figure or ratio cannot be")
        out.append((float(f"{value:.12g}"), _unit(match.group(2), default_unit)))
    return out


def _key(section: str, header: str, taken: dict[str, Any]) -> tuple[str, str, bool]:
    """(metric key, default unit, known) for a header of a table in ``section``."""
    name = _strip_cards(header)
    if section == CORE:
        for word, key in CORE_KEYS:
            if word in name:
                return key, ("%" if key == "ratio_percent" else ""), True
    elif section == POWER and name in {k.lower(): k for k in POWER_KEYS}:
        original = {k.lower(): k for k in POWER_KEYS}[name]
        return POWER_KEYS[original], "W", True
    elif section == MONITOR and name in {k.lower(): k for k in MONITOR_KEYS}:
        original = {k.lower(): k for k in MONITOR_KEYS}[name]
        return (*MONITOR_KEYS[original], True)
    key = cells.extra_key(header)
    while key in taken:
        key = f"{key}_"
    return key, "", False


def _row(path: Path, section: str, table: Table, line: int, values: list[str], warnings: list[str]) -> ReferenceRow:
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
        texts[name] = text[:limits.MAX_CELL_CHARS]
        if position == 0:
            continue  # the row's label: 评测结果 / 监控结果
        key, default, known = _key(section, header, metrics)
        try:
            if len(text) > limits.MAX_CELL_CHARS:
                raise cells.CellError(f"a cell of {len(text)} characters (at most {limits.MAX_CELL_CHARS} are read)")
            figures = read_quantity(text, default)
        except cells.CellError as exc:
            warnings.append(f"{path}:{line}: column '{header}': {exc}; not imported")
            metrics[key], units[key], sources[name] = None, default, [key]
            continue
        if figures and not figures[0][1] and not known:
            pass  # a column perfkit has no name for, a bare number: kept as it is
        elif figures and not figures[0][1]:
            warnings.append(f"{path}:{line}: column '{header}': {text.strip()!r} has no unit; imported without one")
        keys = [key] + [f"{key}_{n + 2}" for n in range(len(figures) - 1)]
        for target, (value, unit) in zip(keys, figures, strict=False):
            metrics[target], units[target] = value, unit
        if not figures:
            metrics[key], units[key] = None, default
        sources[name] = keys[:max(1, len(figures))]
        if not known:
            extras.extend(k for k in sources[name] if k not in extras)
    label = values[0] if values else ""
    return ReferenceRow(line=line, config=label[:limits.MAX_CELL_CHARS], nnodes=None, nproc_per_node=None,
                        cells=texts, metrics=metrics, units=units, table=section, sources=sources, extras=extras)


def _merge(target: ReferenceRow, row: ReferenceRow) -> None:
    """The power or monitor row ``row`` into the core row ``target``: its cells (a header already
    there gets its table and line added) and its metrics (a key already there gets a '_')."""
    target.merged.append(row.line)
    for header, text in row.cells.items():
        label = header if header not in target.cells else f"{header} ({row.table} line {row.line})"
        target.cells[label] = text
        keys = []
        for key in row.sources.get(header, []):
            name = key
            while name in target.metrics:
                name += "_"
            target.metrics[name], target.units[name] = row.metrics.get(key), row.units.get(key, "")
            if key in row.extras:
                target.extras.append(name)
            keys.append(name)
        if keys:
            target.sources[label] = keys


def _bullets(page: Page, title: str) -> dict[str, str]:
    """The ``key：value`` bullets of the section headed ``title`` (up to the next heading of its
    level or above); a key seen again (a page with 服务器1 and 服务器2) is kept as 'key (2)', a
    bullet without a colon as a key with an empty value."""
    heads = sorted(page.headings, key=lambda h: h.line)
    start = next((h for h in heads if _section(h.text) == title), None)
    if start is None:
        return {}
    end = next((h.line for h in heads if h.line > start.line and h.level <= start.level), len(page.lines) + 1)
    out: dict[str, str] = {}
    for bullet in [b for b in page.bullets if start.line < b.line < end][:100]:
        match = _KEY_VALUE.match(bullet.text)
        key, value = (match.group(1).strip(), match.group(2).strip()) if match else (bullet.text.strip(), "")
        key, n = key[:200], 2
        while key in out:
            key, n = f"{key.rsplit(' (', 1)[0]} ({n})", n + 1
        out[key] = value[:limits.MAX_CELL_CHARS]
    return out


def _count(text: str) -> int | None:
    match = re.match(r"^\s*(\d{1,6})\s*$", text or "")
    value = int(match.group(1)) if match else 0
    return value if 1 <= value <= limits.MAX_TOPOLOGY else None


def _chip(path: Path, ident: BaseIdentity | None, hardware: dict[str, str]) -> str:
    """The path's chip folder; a page right under its vendor folder has none (its 产品名称 stays in
    ``hardware``), so base/benchmarks/<case>/nvidia/README.md and .../nvidia/A100/README.md are
    two records. A page without a base path: the 产品名称 when it is a plain name."""
    if ident is not None:
        return _check_name(path, "chip", ident.chip)
    product = hardware.get("产品名称", "").strip()
    return product if _PLAIN_NAME.fullmatch(product) else ""


def parse_base(text: str, path: Path, page: Page, benchmark: str = "", vendor: str = "",
               marker: tuple[str, str] | None = None) -> ReferencePage:
    """One base page -> one record (see the module's docstring); PageError when it cannot be placed."""
    ident = base_identity(path)
    warnings = [f"{path}:{line}: {note}" for line, note in page.notes]
    sections = {id(t): _under(page, t) for t in page.tables}
    results = [t for t in page.tables if sections[id(t)] in (CORE, POWER, MONITOR) and t.header
               and cells.normalize(t.header[0]) in (CORE_LABEL, MONITOR_LABEL)]
    core = [t for t in results if sections[id(t)] == CORE]
    if not core:
        anchor = next((h.line for h in page.headings if _section(h.text) == CORE), 1)
        stray = [n for n in page.stray_rows if n > anchor]
        if anchor > 1 and stray:
            raise _error(path, stray[0], f"the {CORE} table is garbled: its '| --- |' separator row is missing or "
                                         "holds cells; no figure can be read from it")
        raise _error(path, anchor, f"no {CORE} table: expected a table whose first column is {CORE_LABEL} "
                                   f"under '## {CORE}'")
    for number in page.stray_rows:
        if any(cells.has_number(c) for c in split_row(page.lines[number - 1])):
            warnings.append(f"{path}:{number}: a '|' line that is not part of a table (no '| --- |' row under "
                            "its header); not imported")
    rows: list[ReferenceRow] = []
    for table in results:
        rows += [_row(path, sections[id(table)], table, line, values, warnings) for line, values in table.rows]
    core_rows = [r for r in rows if r.table == CORE]
    if not core_rows:
        raise _error(path, core[0].line, f"the {CORE} table has no rows")
    if len(core_rows) == 1:
        first = core_rows[0]
        for row in [r for r in rows if r.table != CORE]:
            _merge(first, row)
        rows = [first]
    else:  # several 核心评测结果 tables (alltoall / all_reduce, 算法带宽 / 等效带宽): each row named by its item
        for row in core_rows:
            row.config = next((h for h in row.cells if "测试值" in h), row.config)[:limits.MAX_CELL_CHARS]
    if len(rows) > limits.MAX_ROWS_PER_PAGE:
        raise _error(path, core[0].line, f"more than {limits.MAX_ROWS_PER_PAGE} results rows on one page "
                                         "(limits.MAX_ROWS_PER_PAGE)")
    tables = []
    for table in page.tables:
        kind = "results" if any(table is t for t in results) else "other"
        entry: dict[str, Any] = {"line": table.line, "label": table.label[:200], "header": table.header, "kind": kind}
        if kind == "other":
            entry["rows"] = [[line, [c[:limits.MAX_CELL_CHARS] for c in values]] for line, values in table.rows]
            numbers = sum(cells.has_number(c) for _, values in table.rows for c in values)
            warnings.append(f"{path}:{table.line}: table '{table.label[:80]}' (first column "
                            f"'{(table.header[0] if table.header else '')[:40]}', {len(table.rows)} rows, {numbers} "
                            "cells with numbers) is not a spec-sheet table perfkit reads; kept as text in the record, "
                            "its numbers not imported")
        tables.append(entry)
    for line in page.html_tables:
        tables.append({"line": line, "label": "", "header": [], "kind": "html"})
        warnings.append(f"{path}:{line}: an HTML <table> is not read (only Markdown tables are); not imported")

    hardware = _bullets(page, CHIP_SECTION)
    software = _bullets(page, SERVER_SECTION)
    case = benchmark or (ident.case if ident else "") or (marker[0] if marker else "")
    if not case:
        raise _error(path, core[0].line, "cannot tell the case (no base/benchmarks/<case>/ or base/toolkits/<case>/ "
                                         "path, no perfkit marker); pass --benchmark, e.g. computation-BF16")
    if not _BASE_CASE.fullmatch(case):
        raise _error(path, 1, f"case {case!r:.80} is not a FlagPerf base case name (like computation-BF16, "
                              "main_memory-bandwidth or interconnect-MPI_intraserver)")
    vendor = vendor or (ident.vendor.lower() if ident else "") or (marker[1] if marker else "")
    if not vendor:
        raise _error(path, 1, "cannot tell the vendor (no base/<tool>/<case>/<vendor>/ path, no perfkit marker); "
                              "pass --vendor")
    _check_name(path, "benchmark", case)
    _check_name(path, "vendor", vendor)
    chip = _chip(path, ident, hardware)
    nodes, cards = _count(software.get("服务器数量", "")), _count(software.get("单服务器内使用卡数", ""))
    for row in rows:
        row.vendor, row.nnodes, row.nproc_per_node = vendor, nodes, cards
    named = _DTYPE.findall(" ".join(core[0].header).upper())
    if case.startswith("computation-") and named and case.split("-", 1)[1].upper() not in named:
        warnings.append(f"{path}:{core[0].line}: the {CORE} header names {named[0]} but the case is {case}; "
                        "filed under the case")
    return ReferencePage(
        source=path.name,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        benchmark=case,
        vendor=vendor,
        kind=KIND,
        title=CHIP_SECTION,
        hardware=hardware,
        software=software,
        general=[],
        table=CORE,
        columns=core[0].header,
        rows=rows,
        case=case,
        framework=TOOLKIT if ident is not None and ident.tool == "toolkits" else "",
        path=str(path),
        sections=[{"line": next((h.line for h in page.headings if _section(h.text) == CHIP_SECTION), 1),
                   "title": CHIP_SECTION, "vendor": vendor, "hardware": hardware, "software": software}],
        warnings=warnings,
        tables=tables,
        chip=chip,
    )
