"""The pieces of a README page, each with the line it starts on: headings, bullets, pipe tables.

Only what FlagPerf pages use: ATX headings (also inside a list item, ``- ##### 硬件环境``),
``- key: value`` bullets (ASCII or full-width colon) and GitHub pipe tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADING = re.compile(r"^\s*(?:[-*]\s+)?(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*●]\s+(.*?)\s*$")
_SEPARATOR_CELL = re.compile(r"^:?-{2,}:?$")


class MarkdownError(ValueError):
    """A malformed piece of the page; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Heading:
    line: int
    level: int
    text: str


@dataclass(frozen=True)
class Bullet:
    line: int
    indent: int
    text: str


@dataclass
class Table:
    line: int  # the header row
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (line, cells)
    label: str = ""  # the nearest heading or bullet above it, e.g. "性能指标"


def plain(text: str) -> str:
    """Cell or heading text without bold markers and surrounding space."""
    return text.replace("**", "").strip()


def split_row(line: str) -> list[str]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|"):
        body = body[:-1]
    return [plain(cell.replace("\x00", "|")) for cell in body.replace("\\|", "\x00").split("|")]


@dataclass
class Page:
    headings: list[Heading]
    bullets: list[Bullet]
    tables: list[Table]
    lines: list[str]


def read_page(text: str) -> Page:
    """Split ``text`` into headings, bullets and tables; a broken table raises MarkdownError."""
    lines = text.splitlines()
    headings: list[Heading] = []
    bullets: list[Bullet] = []
    tables: list[Table] = []
    label = ""
    in_code = False
    i = 0
    while i < len(lines):
        raw = lines[i]
        number = i + 1
        stripped = raw.strip()
        if stripped.startswith("```"):
            in_code = not in_code
            i += 1
            continue
        if in_code:
            i += 1
            continue
        if stripped.startswith("|"):
            block = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                block.append((i + 1, lines[i]))
                i += 1
            tables.append(_table(block, label))
            continue
        heading = _HEADING.match(raw)
        if heading:
            text_ = plain(heading.group(2))
            headings.append(Heading(number, len(heading.group(1)), text_))
            label = text_
        else:
            bullet = _BULLET.match(raw)
            if bullet and bullet.group(2):
                bullets.append(Bullet(number, len(bullet.group(1).expandtabs(4)), plain(bullet.group(2))))
                label = plain(bullet.group(2))
        i += 1
    return Page(headings, bullets, tables, lines)


def _table(block: list[tuple[int, str]], label: str) -> Table:
    (head_line, head), rest = block[0], block[1:]
    header = split_row(head)
    if not rest:
        raise MarkdownError(head_line, "table has a header row but no '| --- |' separator row below it")
    sep_line, sep = rest[0]
    sep_cells = [c.replace(" ", "") for c in split_row(sep)]
    if not all(_SEPARATOR_CELL.match(c) for c in sep_cells):
        raise MarkdownError(sep_line, "expected the table's '| --- |' separator row under the header")
    if len(sep_cells) != len(header):
        raise MarkdownError(sep_line, f"separator row has {len(sep_cells)} cells, the header {len(header)}")
    table = Table(head_line, header, label=label)
    for number, line in rest[1:]:
        cells = split_row(line)
        if len(cells) != len(header):
            raise MarkdownError(number, f"row has {len(cells)} cells, the header ({', '.join(header)}) has {len(header)}")
        table.rows.append((number, cells))
    return table
