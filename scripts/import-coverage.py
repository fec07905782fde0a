#!/usr/bin/env python3
"""Import coverage of a folder of FlagPerf pages: how many import, why the others are refused,
numeric cells in against values out.

    python scripts/import-coverage.py /tmp/flagperf-pages        # every *.md below it

Exit code 0 when no numeric cell is lost silently and no table dropped silently, 1 otherwise.
Nothing is written.
"""

from __future__ import annotations

import sys
from pathlib import Path

from perfkit.importing.coverage import page_coverage, summary


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: import-coverage.py FOLDER (a folder of FlagPerf README pages, *.md)", file=sys.stderr)
        return 2
    results = [page_coverage(path) for path in sorted(Path(argv[0]).rglob("*.md")) if path.name != "SOURCES.md"]
    for line in summary(results):
        print(line)
    return 1 if any(r.silent or r.silent_tables for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
