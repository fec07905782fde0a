"""The pieces of a README page, each with the line it starts on: headings, bullets, pipe tables.

The page is parsed by markdown-it-py (CommonMark plus GitHub tables), so escaped markdown
(``\\*p_infer_core``), bold (``**p_core**``), headings inside list items (``- ##### 硬件环境``),
code fences and ``<br>`` are read as a Markdown viewer shows them. Two things the viewer hides
and an importer must not: a table row with more or fewer cells than its header (the parser pads
or drops them silently; here ``Table.raw_counts`` keeps the count as written), and pipe lines
that are not part of any table (no ``| --- |`` row under their header; ``Page.stray_rows``).

One place where CommonMark and GitHub part ways is followed the GitHub way: a table written right
under a list item's line, with no blank line between (``* GPT-3 (6.7B)`` then ``| 配置 | ...``),
is a lazy continuation of the item for CommonMark but a table on GitHub, where FlagPerf's pages
are read; such a table is kept as a table and the item keeps only its own line. A table whose
``| --- |`` row has more or fewer cells than its header (shown as text by both) is read with
the header's columns, and ``Page.notes`` says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

_PARSER = MarkdownIt("commonmark", {"html": True}).enable("table")
_SEPARATOR_ROW = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


@dataclass(frozen=True)
class Heading:
    line: int
    level: int
    text: str


@dataclass(frozen=True)
class Bullet:
    line: int
    indent: int  # list nesting depth, 0 for a top-level item
    text: str


@dataclass
class Table:
    line: int  # the header row
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (line, cells)
    label: str = ""  # the nearest heading or bullet above it, e.g. "性能指标"
    raw_counts: dict[int, int] = field(default_factory=dict)  # line -> cells as written
    raw_lines: dict[int, str] = field(default_factory=dict)  # line -> the row as written


@dataclass
class Page:
    headings: list[Heading]
    bullets: list[Bullet]
    tables: list[Table]
    lines: list[str]
    stray_rows: list[int] = field(default_factory=list)  # '|' lines outside any table
    notes: list[tuple[int, str]] = field(default_factory=list)  # (line, what was read leniently)
    html_tables: list[int] = field(default_factory=list)  # lines of HTML blocks holding a <table>


def plain(text: str) -> str:
    """Text without bold markers and surrounding space (for strings that were not parsed)."""
    return text.replace("**", "").strip()


def inline_text(token: Token, max_lines: int | None = None) -> str:
    """What a viewer shows for an inline token: text, code, line breaks as spaces; only its first
    ``max_lines`` lines when given."""
    parts = []
    for child in token.children or []:
        if child.type == "softbreak" and max_lines is not None:
            max_lines -= 1
            if max_lines <= 0:
                break
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "html_inline":
            parts.append(" " if child.content.lower().startswith("<br") else "")
        elif child.type == "image":
            parts.append(child.content)
    return " ".join("".join(parts).split())


def _lines(token: Token) -> list[int]:
    """A block token's source lines [begin, end): markdown-it maps every block token the parser
    reads (headings, paragraphs, table rows)."""
    assert token.map is not None, token.type
    return token.map


def split_row(line: str) -> list[str]:
    """A pipe row as written, split on unescaped pipes (used to count cells)."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells: list[str] = []
    current: list[str] = []
    escaped = False
    for char in body:
        if char == "|" and not escaped:
            cells.append("".join(current))
            current = []
        else:
            current.append(char)
        escaped = char == "\\" and not escaped
    cells.append("".join(current))
    return [c.strip() for c in cells]


def read_page(text: str) -> Page:
    """Split ``text`` into headings, bullets and tables."""
    lines = text.splitlines()
    tokens = _PARSER.parse(text)
    stray = _stray_rows(tokens, lines)
    notes: list[tuple[int, str]] = []
    tables_in_stray_rows = _tables_in_stray_rows(lines, stray, notes)
    cut_at = sorted(t.line for t in tables_in_stray_rows)
    headings: list[Heading] = []
    bullets: list[Bullet] = []
    tables: list[Table] = []
    label = ""
    depth = 0
    html_tables: list[int] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "html_block" and "<table" in token.content.lower() and token.map:
            html_tables.append(token.map[0] + 1)
        if token.type == "bullet_list_open" or token.type == "ordered_list_open":
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "heading_open":
            text_ = inline_text(tokens[i + 1])
            headings.append(Heading(_lines(token)[0] + 1, int(token.tag[1]), text_))
            label = text_
        elif token.type == "list_item_open" and i + 2 < len(tokens) and tokens[i + 1].type == "paragraph_open":
            first, end = _lines(tokens[i + 1])[0] + 1, _lines(tokens[i + 1])[1]
            inside = [line for line in cut_at if first < line <= end]  # a table swallowed by the item
            text_ = inline_text(tokens[i + 2], inside[0] - first if inside else None)
            if text_:
                bullets.append(Bullet(first, depth - 1, text_))
                label = text_
        elif token.type == "table_open":
            table, i = _table(tokens, i, lines, label)
            tables.append(table)
            continue
        i += 1
    marks = sorted([(h.line, h.text) for h in headings] + [(b.line, b.text) for b in bullets])
    for table in tables_in_stray_rows:  # labelled like the others: the nearest heading or item above
        table.label = next((text for line, text in reversed(marks) if line < table.line), "")
    reclaimed = {n for t in tables_in_stray_rows for n in (t.line, t.line + 1, *(line for line, _ in t.rows))}
    tables = sorted(tables + tables_in_stray_rows, key=lambda t: t.line)
    return Page(headings, bullets, tables, lines, [n for n in stray if n not in reclaimed], notes, html_tables)


def _stray_rows(tokens: list[Token], lines: list[str]) -> list[int]:
    """Lines (1-based) that start with '|' but are in no table and no code block."""
    table_lines = {n for t in tokens if t.type == "table_open" and t.map for n in range(*t.map)}
    code_lines = {n for t in tokens if t.type in ("fence", "code_block") and t.map for n in range(*t.map)}
    return [n + 1 for n, line in enumerate(lines)
            if line.strip().startswith("|") and n not in table_lines and n not in code_lines]


def _tables_in_stray_rows(lines: list[str], stray: list[int], notes: list[tuple[int, str]]) -> list[Table]:
    """Tables among the stray lines (a header, then a ``| --- |`` row): one CommonMark folded into
    the list item above it, parsed on its own as GitHub shows it; one whose separator row's cell
    count differs from its header's, read with the header's columns (noted in ``notes``)."""
    runs: list[list[int]] = []
    for n in stray:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    found = []
    for run in runs:
        if len(run) < 2 or not _SEPARATOR_ROW.match(lines[run[1] - 1]):
            continue
        offset = run[0] - 1
        block = lines[offset:run[-1]]
        header_cells, separator_cells = len(split_row(block[0])), len(split_row(block[1]))
        if header_cells != separator_cells:
            block = [block[0], "|" + " --- |" * header_cells, *block[2:]]
            notes.append((run[1], f"the '| --- |' row has {separator_cells} cells, the header {header_cells}; "
                                  f"read as a table of {header_cells} columns"))
        table = _parsed_table(block, offset, lines)
        if table is not None:
            found.append(table)
    return found


def _parsed_table(block: list[str], offset: int, lines: list[str]) -> Table | None:
    """The table in ``block`` (lines of the page from line ``offset + 1``), line numbers the page's."""
    tokens = _PARSER.parse("\n".join(block) + "\n")
    for token in tokens:
        if token.map:
            token.map = [token.map[0] + offset, token.map[1] + offset]
    start = next((k for k, t in enumerate(tokens) if t.type == "table_open"), None)
    return None if start is None else _table(tokens, start, lines, "")[0]


def _table(tokens: list[Token], start: int, lines: list[str], label: str) -> tuple[Table, int]:
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    raw_counts: dict[int, int] = {}
    raw_lines: dict[int, str] = {}
    cells: list[str] = []
    row_line = 0
    in_head = False
    i = start + 1
    while tokens[i].type != "table_close":
        token = tokens[i]
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            cells = []
            row_line = _lines(token)[0] + 1
        elif token.type == "inline":
            cells.append(inline_text(token))
        elif token.type == "tr_close":
            if in_head:
                header = cells
            elif "|" in lines[row_line - 1]:
                rows.append((row_line, cells))
                raw_counts[row_line] = len(split_row(lines[row_line - 1]))
                raw_lines[row_line] = lines[row_line - 1]
            # a line without a pipe right under a table is prose the table rule swallowed: not a row
        i += 1
    table = Table(_lines(tokens[start])[0] + 1, header, rows, label, raw_counts, raw_lines)
    return table, i + 1
