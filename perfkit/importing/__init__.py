"""`perfkit import`: FlagPerf README pages -> reference records the site shows beside measured runs.
Training and inference pages (``readme``) and hardware spec pages under ``base/`` (``base_page``);
``pages`` tells them apart.

    page = parse_page(path)                           # PageError (a UserError) naming file:line
    result = import_pages(files, references_dir(reports))   # every bad page listed, good ones written
    write_references(pages, reports / "references")
"""

from perfkit.importing.batch import BatchResult, import_pages, parse_pages
from perfkit.importing.pages import parse_page, parse_text
from perfkit.importing.readme import PageError, ReferencePage, ReferenceRow
from perfkit.importing.references import load_references, references_dir, write_references

__all__ = [
    "BatchResult",
    "PageError",
    "ReferencePage",
    "ReferenceRow",
    "import_pages",
    "load_references",
    "parse_page",
    "parse_pages",
    "parse_text",
    "references_dir",
    "write_references",
]
