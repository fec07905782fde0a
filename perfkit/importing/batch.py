"""`perfkit import FILE...`: every page parsed, every bad page reported, the good ones written.

Each page is parsed on its own; a page perfkit cannot place is refused with one line
(``file:line: why``) and the batch goes on. A page with rows of several vendors (FlagPerf's
inference pages) gives one record per vendor (``split_by_vendor``). Two pages that would file under the same record
(benchmark, vendor, framework) with different text: the second is refused, naming the first,
so a README.md never overwrites another vendor's README.md. With ``strict`` one refused page
refuses the batch and nothing is written.

Exit codes (``BatchResult.exit_code``): 0 every page imported (warnings about single cells are
printed but do not count); 1 some pages refused, the others imported; 2 nothing imported (every
page refused, or ``--strict`` and any page refused).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from perfkit.importing.pages import parse_page
from perfkit.importing.readme import PageError, ReferencePage, split_by_vendor
from perfkit.importing.references import write_references

ALL_IMPORTED, SOME_REFUSED, NONE_IMPORTED = 0, 1, 2


@dataclass
class BatchResult:
    pages: list[ReferencePage] = field(default_factory=list)  # the pages that were (or would be) written
    refused: list[str] = field(default_factory=list)  # one line per refused page: 'file:line: why'
    written: list[Path] = field(default_factory=list)
    strict: bool = False

    @property
    def warnings(self) -> list[str]:
        """Each warning once (the records of one multi-vendor page share its warnings)."""
        return list(dict.fromkeys(w for page in self.pages for w in page.warnings))

    @property
    def exit_code(self) -> int:
        if not self.refused:
            return ALL_IMPORTED
        return NONE_IMPORTED if self.strict or not self.pages else SOME_REFUSED


def parse_pages(files: list[Path], benchmark: str = "", vendor: str = "") -> BatchResult:
    """Parse every file; the refused ones are listed, the others kept once per record id."""
    result = BatchResult()
    taken: dict[str, ReferencePage] = {}
    for name in files:
        try:
            records = split_by_vendor(parse_page(Path(name), benchmark, vendor))
        except PageError as exc:
            result.refused.append(str(exc))
            continue
        clashes = [(page, taken[page.id]) for page in records
                   if page.id in taken and taken[page.id].sha256 != page.sha256]
        if clashes:
            page, other = clashes[0]
            result.refused.append(f"{page.path}:1: files under the same record as {other.path} ({page.id}); "
                                  "import it in a separate run or pass --vendor/--benchmark")
            continue
        for page in records:
            if page.id not in taken:
                taken[page.id] = page
                result.pages.append(page)
    return result


def import_pages(files: list[Path], folder: Path, benchmark: str = "", vendor: str = "",
                 strict: bool = False) -> BatchResult:
    """Parse ``files`` and write the good pages' records under ``folder`` (nothing with ``strict``
    when any page was refused)."""
    result = parse_pages(files, benchmark, vendor)
    result.strict = strict
    if result.pages and not (strict and result.refused):
        result.written = write_references(result.pages, folder)
    return result
