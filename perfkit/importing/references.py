"""Reference records on disk: one JSON per imported page under reports/references/, named by
benchmark, vendor and framework (``ReferencePage.id``)."""

from __future__ import annotations

import json
from pathlib import Path

from perfkit import paths
from perfkit.errors import UserError
from perfkit.importing.readme import PageError, ReferencePage
from perfkit.results.store import write_json_atomic

REFERENCES = "references"


def references_dir(reports: Path) -> Path:
    return reports / REFERENCES


def write_references(pages: list[ReferencePage], folder: Path) -> list[Path]:
    """Write every page (all were parsed before the first write); two different pages for one
    record in the same call are refused before anything is written."""
    seen: dict[str, ReferencePage] = {}
    for page in pages:
        other = seen.get(page.id)
        if other is not None and other.sha256 != page.sha256:
            raise PageError(f"{page.path or page.source}: would replace {other.path or other.source} "
                            f"(both file as {page.id}) in the same import; import them separately")
        seen[page.id] = page
    targets = []
    for page in seen.values():  # every name checked before the first write
        try:
            targets.append((page, paths.path_under(folder, paths.safe_name(f"{page.id}.json", f"{page.source}: record name"))))
        except UserError as exc:
            raise PageError(str(exc)) from None
    written = []
    for page, path in targets:
        write_json_atomic(path, page.to_dict())
        written.append(path)
    return written


def load_references(folder: Path) -> list[ReferencePage]:
    """Every readable reference record, sorted by benchmark, vendor, source; unreadable ones skipped."""
    pages = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            pages.append(ReferencePage.from_dict(json.loads(path.read_text(encoding="utf-8"))))
        except (ValueError, TypeError, OSError):
            continue
    return sorted(pages, key=lambda p: (p.benchmark, p.vendor, p.source))
