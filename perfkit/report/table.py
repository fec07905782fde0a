"""A report table: named columns and rows of display strings, rendered to HTML without pandas.

A run report's tables are a few dozen short strings each. Built as pandas DataFrames and shown
through pandas' Styler, they cost every notebook kernel pandas' import and the Styler's
templates (~0.3 s on 2 cores, a tenth of a run's whole overhead) for no arithmetic at all.
``Table`` holds the strings; ``Table.html`` writes the one table markup every page uses (run
reports, the index, the summary): display headers (perfkit.report.labels), every cell escaped,
numbers and tokens kept on one line. The site's own tables stay DataFrames (their sorting and
CSVs use pandas) and are shown through the same markup (``Table.of_frame``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from perfkit.report import labels
from perfkit.report.labels import keep_words

if TYPE_CHECKING:
    import pandas as pd

LONG_WORD = 14  # a word longer than this (a run id, a file name) may wrap after its "/"
TOKEN_CHARS = 24  # a cell this short without spaces (or starting with a number) never wraps
_NUMBER_FIRST = re.compile(r"^[-+−]?\d")


def cell_class(text: str) -> str:
    """How a cell may wrap. "num": a number, a short number phrase ("171.2 / 174", "100.00
    (p_core)") or a one-word token (a status, "REGRESSION"): never wraps. "long": holds a long
    word (run ids, file names, key lists): wraps after its "/" only. "": wraps between words.
    No cell ever breaks inside a word."""
    text = text.strip()
    if text and len(text) <= TOKEN_CHARS and (" " not in text or _NUMBER_FIRST.match(text)):
        return "num"
    return "long" if any(len(word) > LONG_WORD for word in text.split()) else ""


def _cell_html(raw: str, css: str) -> str:
    """Escaped text, words kept whole; in a long cell (``css``, its :func:`cell_class`), a long
    word instead gets a break opportunity after each "/" (between the parts of a run id, never
    inside a name)."""
    text = html.escape(raw)
    if css != "long":
        return keep_words(text)
    return " ".join(word.replace("/", "/<wbr>") if len(word) > LONG_WORD else keep_words(word) for word in text.split(" "))


def _text(value: Any) -> str:
    """A cell's string: nothing for a missing value (None, NaN), never "None" or "nan"."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


@dataclass(frozen=True)
class Table:
    """Rows of display strings under named columns (the short keys: perfkit.report.labels
    turns them into display headers when the table is shown)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"table: a row of {len(row)} cells under {len(self.columns)} columns")

    @classmethod
    def of_rows(cls, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
        return cls(tuple(columns), tuple(tuple(_text(value) for value in row) for row in rows))

    @classmethod
    def of_records(cls, records: Sequence[Mapping[str, Any]], columns: Sequence[str] = ()) -> Table:
        """One row per mapping; the columns are ``columns``, else every key in the order first
        seen; a key a record lacks is an empty cell."""
        names = list(columns) or list(dict.fromkeys(key for record in records for key in record))
        return cls.of_rows(names, ([record.get(name) for name in names] for record in records))

    @classmethod
    def of_frame(cls, frame: pd.DataFrame) -> Table:
        return cls.of_rows([str(c) for c in frame.columns], frame.itertuples(index=False))

    def __len__(self) -> int:
        return len(self.rows)

    def records(self) -> list[dict[str, str]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def __getitem__(self, name: str) -> list[str]:
        """The cells of column ``name``, top to bottom."""
        at = self.columns.index(name)
        return [row[at] for row in self.rows]

    def renamed(self, names: Mapping[str, str]) -> Table:
        return Table(tuple(names.get(c, c) for c in self.columns), self.rows)

    def without(self, names: Iterable[str]) -> Table:
        drop = set(names)
        keep = [i for i, c in enumerate(self.columns) if c not in drop]
        return Table(tuple(self.columns[i] for i in keep), tuple(tuple(row[i] for i in keep) for row in self.rows))

    def html(self, hrefs: Mapping[int, str] | None = None, link_column: str | tuple[str, ...] = "",
             column_hrefs: Mapping[str, Mapping[int, str]] | None = None) -> str:
        """The table in HTML with display headers, every cell escaped and classed by
        :func:`cell_class`. Cells of ``link_column`` (one name or several) in the rows of
        ``hrefs`` (position -> relative URL) become links; ``column_hrefs``: a column's own links
        (column -> position -> relative URL)."""
        link_columns = (link_column,) if isinstance(link_column, str) else link_column
        hrefs = hrefs or {}
        column_hrefs = column_hrefs or {}
        head = "".join(f"<th>{keep_words(html.escape(labels.header(c)))}</th>" for c in self.columns)
        body = []
        for position, row in enumerate(self.rows):
            cells = []
            for column, raw in zip(self.columns, row, strict=True):
                css = cell_class(raw)
                text = _cell_html(raw, css)
                href = column_hrefs[column].get(position) if column in column_hrefs else (
                    hrefs.get(position) if column in link_columns else None)
                if href:
                    text = f'<a href="{html.escape(href, quote=True)}">{text}</a>'
                cells.append(f'<td class="{css}">{text}</td>' if css else f"<td>{text}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"

    def _repr_html_(self) -> str:  # how a notebook cell shows it
        return self.html()

    def __repr__(self) -> str:  # the notebook's text/plain: one line per row, cells separated by " | "
        lines = [" | ".join(labels.header(c) for c in self.columns)]
        lines += [" | ".join(row) for row in self.rows]
        return "\n".join(lines)
