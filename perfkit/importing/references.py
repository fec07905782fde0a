"""Reference records on disk: one JSON per imported page under reports/references/."""

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
    """Write every page (all were parsed before the first write, so a bad page writes nothing)."""
    seen: dict[str, str] = {}
    for page in pages:
        if page.id in seen and seen[page.id] != page.sha256:
            raise PageError(f"{page.source}: would replace another page given as {page.id} in the same import; rename one")
        seen[page.id] = page.sha256
    targets = []
    for page in pages:  # every name checked before the first write
        try:
            targets.append(paths.path_under(folder, paths.safe_name(f"{page.id}.json", f"{page.source}: record name")))
        except UserError as exc:
            raise PageError(str(exc)) from None
    written = []
    for page, path in zip(pages, targets):
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
