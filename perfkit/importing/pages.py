"""Any FlagPerf page -> its record: a hardware spec page (``base/``, perfkit.importing.base_page)
or a training / inference page (perfkit.importing.readme), told apart by path and sections.

The page's bounds (size, table lines, tables, rows, columns) are checked first, the same for
both kinds; a page over one, or one that cannot be placed, is refused with one ``file:line: why``.
"""

from __future__ import annotations

from pathlib import Path

from perfkit.files.reading import read_text_bounded
from perfkit.importing import base_page, limits, readme
from perfkit.importing.markdown import read_page
from perfkit.importing.readme import PageError, ReferencePage


def parse_text(text: str, path: Path, benchmark: str = "", vendor: str = "") -> ReferencePage:
    """One page -> one record; a number Python cannot convert or a structure too deep is a
    PageError naming the file, never a traceback."""
    path = Path(path)
    try:
        readme._check_size(path, text)
        page = read_page(text)
        readme._check_tables(path, page)
        if not base_page.is_base_page(path, page):
            return readme.parse_text(text, path, benchmark, vendor)
        marker = readme._MARKER.search(text)
        return base_page.parse_base(text, path, page, benchmark, vendor,
                                    (marker.group(1), marker.group(2)) if marker else None)
    except (ValueError, OverflowError, RecursionError) as exc:
        raise readme._error(path, 1, f"cannot read the page ({type(exc).__name__}: {str(exc)[:120]})") from None


def parse_page(path: Path, benchmark: str = "", vendor: str = "") -> ReferencePage:
    """Read one page; PageError (exit 2) names the file and line it cannot understand."""
    path = Path(path)
    # bounded, regular files only (not /dev/zero or a FIFO); a leading BOM is not part of the first heading
    text = read_text_bounded(path, limits.MAX_PAGE_BYTES, PageError, allow_bom=True)
    return parse_text(text, path, benchmark, vendor)
