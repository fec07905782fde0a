"""`perfkit import`: FlagPerf README pages -> reference records the site shows beside measured runs.

    pages = [parse_page(path) for path in files]   # PageError (a UserError) naming file:line
    write_references(pages, reports / "references")
"""

from perfkit.importing.readme import PageError, ReferencePage, ReferenceRow, parse_page
from perfkit.importing.references import load_references, references_dir, write_references

__all__ = [
    "PageError",
    "ReferencePage",
    "ReferenceRow",
    "load_references",
    "parse_page",
    "references_dir",
    "write_references",
]
