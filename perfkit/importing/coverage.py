"""How much of a page reaches its record: numeric cells in (counted from the page's Markdown
tables, independently of the importer's column table) against values out (the record's
metrics, extras included) and cells named by a warning. A cell that is neither is lost silently.

Counted: every cell holding a number in every table that looks like results (its first column
is 配置 / 训练资源 / 推理工具, or one of its headers is a metric perfkit knows), first column
(the configuration label) excepted; on a FlagPerf base page (first column 评测项 / 监控项) every
cell holding any digit at all, so a figure the reader does not recognise still counts.
Not counted: the 通用指标 / 指标列表 tables (kept as text in ``ReferencePage.general``) and
tables about something else (the dataset's file list).

Tables are counted too: every table of the page (as markdown-it-py finds it) against the
record's ``tables`` by kind; a table missing from the record, or of kind ``other`` with no
warning naming its line, is a table dropped silently.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from perfkit.importing import cells
from perfkit.importing.markdown import Table, read_page
from perfkit.importing.pages import parse_page
from perfkit.importing.readme import LABEL_COLUMNS, PageError, ReferencePage

BASE_LABEL_COLUMNS = ("评测项", "监控项")  # FlagPerf base pages: 核心评测结果 / monitor tables


@dataclass
class PageCoverage:
    path: str
    page: ReferencePage | None
    refusal: str = ""  # the one line when the page was refused
    cells_in: list[tuple[int, str, str]] = field(default_factory=list)  # (line, header, text)
    cells_out: list[tuple[int, str, str]] = field(default_factory=list)
    warned: list[tuple[int, str, str]] = field(default_factory=list)
    silent: list[tuple[int, str, str]] = field(default_factory=list)
    tables: Counter = field(default_factory=Counter)  # kind -> tables of that kind
    silent_tables: list[int] = field(default_factory=list)  # lines of tables dropped without a warning

    @property
    def imported(self) -> bool:
        return self.page is not None


def _base_table(table: Table) -> bool:
    """A FlagPerf base (spec) page's 核心评测结果 or monitor table."""
    return bool(table.header) and cells.normalize(table.header[0]) in BASE_LABEL_COLUMNS


def _counted(table: Table) -> bool:
    if not table.header or cells.normalize(table.header[0]) == "指标名称":
        return False
    if cells.normalize(table.header[0]) in LABEL_COLUMNS or _base_table(table):
        return True
    return any((c := cells.column_for(h)) is not None and c.numeric for h in table.header)


def numeric_cells(text: str) -> list[tuple[int, str, str]]:
    """(line, header, text) of every cell with a number in the page's results-like tables."""
    out = []
    for table in read_page(text).tables:
        if not _counted(table):
            continue
        base = _base_table(table)
        for line, values in table.rows:
            for header, value in list(zip(table.header, values, strict=False))[1:]:
                if cells.has_number(value) or base and any(c.isdigit() for c in value):
                    out.append((line, header, value))
    return out


def page_coverage(path: Path) -> PageCoverage:
    path = Path(path)
    try:
        page = parse_page(path)
    except PageError as exc:
        return PageCoverage(str(path), None, refusal=str(exc))
    text = path.read_text(encoding="utf-8-sig")
    result = PageCoverage(str(path), page, cells_in=numeric_cells(text))
    accounted = {t["line"]: t["kind"] for t in page.tables}
    for table in read_page(text).tables:
        kind = accounted.get(table.line, "")
        result.tables[kind or "missing"] += 1
        if not kind or kind == "other" and not any(f":{table.line}: table " in w for w in page.warnings):
            result.silent_tables.append(table.line)
    rows = {line: row for row in page.rows for line in [row.line, *row.merged]}
    for cell in result.cells_in:
        line, header, _ = cell
        row = rows.get(line)
        keys = [k for name, ks in (row.sources.items() if row else []) for k in ks
                if name == header or name.startswith(f"{header} (")]
        if row and any(row.metrics.get(k) is not None for k in keys):
            result.cells_out.append(cell)
        elif any(f":{line}:" in w for w in page.warnings):
            result.warned.append(cell)
        else:
            result.silent.append(cell)
    return result


def refusal_kind(line: str) -> str:
    """'a/b.md:12: cannot tell the vendor: ...' -> 'cannot tell the vendor'."""
    message = re.sub(r"^.*?:\d+: |^.*?: ", "", line, count=1)
    message = re.sub(r"'[^']*'", "'…'", message)  # 'column \'p_core\': ...' and 'column \'acc\': ...' are one kind
    head, _, rest = message.partition(": ")
    return f"{head}: {re.split(r'[;(]', rest)[0].strip()}" if head.startswith("column") else re.split(r"[;(]|: ", message)[0].strip()


def summary(results: list[PageCoverage]) -> list[str]:
    tried = len(results)
    imported = [r for r in results if r.imported]
    pages = [r.page for r in imported if r.page is not None]
    clean = [page for page in pages if not page.warnings]
    lines = [
        f"pages tried: {tried}",
        f"imported (exit 0): {len(imported)} ({100 * len(imported) / tried:.1f}%)" if tried else "imported: 0",
        f"  of them without any warning: {len(clean)}",
        f"refused: {tried - len(imported)}",
    ]
    for kind, n in Counter(refusal_kind(r.refusal) for r in results if not r.imported).most_common():
        lines.append(f"  {n} x {kind}")
    cells_in = sum(len(r.cells_in) for r in imported)
    out = sum(len(r.cells_out) for r in imported)
    warned = sum(len(r.warned) for r in imported)
    silent = sum(len(r.silent) for r in imported)
    lines.append(f"numeric cells in (imported pages): {cells_in}; values out: {out}; named by a warning: {warned}; "
                 f"lost silently: {silent}")
    tables = sum((r.tables for r in imported), Counter())
    lines.append(f"tables (imported pages): {sum(tables.values())}; " + ", ".join(
        f"{kind} {n}" for kind, n in sorted(tables.items())) + f"; dropped silently: "
        f"{sum(len(r.silent_tables) for r in imported)}")
    warning_count = Counter(refusal_kind(w) for page in pages for w in page.warnings)
    for kind, n in warning_count.most_common():
        lines.append(f"  warning {n} x {kind}")
    for r in results:
        if not r.imported:
            lines.append(f"refused: {r.refusal}")
        for line, header, text in r.silent:
            lines.append(f"lost silently: {r.path}:{line}: column '{header}' = {text!r}")
        for line in r.silent_tables:
            lines.append(f"table dropped silently: {r.path}:{line}")
    return lines
