"""What one side of `perfkit compare` is, read into (run id, result) pairs.

A side is, in this order:

0. one ``result.json`` file (refused with one line when it cannot be read);
1. a reports folder (it holds ``runs/``): every run and repeat in it;
2. any other folder holding ``result.json`` files (a run folder, or a part of ``runs/``): every
   result under it, repeats included;
3. a run id of the current reports folder (``bert/cpu/smoke``, or a prefix such as ``bert/cpu``):
   the results under ``reports/runs/<id>``.

reports/ is not committed, so a git commit holds no results: to compare two builds, keep the
baseline's reports folder (a CI artifact, a copy) and give its path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from perfkit import paths
from perfkit.errors import UserError
from perfkit.files.given_paths import check_given_path
from perfkit.results.record import RunResult
from perfkit.results.store import RESULT_FILE, load_result, load_results

_RUN_ID_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@dataclass
class Side:
    label: str  # as the user gave it
    root: Path  # the folder the run ids are relative to
    runs: list[tuple[str, RunResult]]  # (run id, result), sorted


def _results_under(folder: Path, relative_to: Path) -> list[tuple[str, RunResult]]:
    files = [path for path in sorted(folder.rglob(RESULT_FILE))
             if not any(part.startswith(".") for part in path.relative_to(folder).parts)]  # staging or replaced
    return [(path.parent.relative_to(relative_to).as_posix(), result) for path, result in load_results(files)]


def is_run_id(text: str) -> bool:
    parts = text.strip("/").split("/")
    return 1 <= len(parts) <= 4 and all(_RUN_ID_PART.fullmatch(p) for p in parts)


def read_side(spec: str, reports: Path | None = None) -> Side:
    """The results ``spec`` names; a UserError when it names nothing with a result."""
    if not spec:
        raise UserError("compare: a side is empty; give a reports folder, a run folder or a run id")
    path = Path(check_given_path(spec, "compare: a side")).expanduser()
    if reports is not None:
        check_given_path(reports, "--reports")
    if path.is_file() and path.name == RESULT_FILE:  # one result file, given directly: read or refused
        result = load_result(path)
        return Side(spec, path.resolve().parent, [(f"{result.benchmark}/{result.vendor}/{result.config}", result)])
    if path.is_dir():
        root = path.resolve()
        if (root / "runs").is_dir():
            runs = _results_under(root / "runs", root / "runs")
        else:
            runs = _results_under(root, root.parent)
        if not runs:
            raise UserError(f"compare: {spec} holds no readable {RESULT_FILE}")
        return Side(spec, root, runs)
    if not is_run_id(spec):
        raise UserError(f"compare: {spec!r} is neither a folder nor a run id such as bert/cpu/smoke")
    base = (reports or paths.reports_dir()) / "runs"
    folder = base / spec.strip("/")
    runs = _results_under(folder, base) if folder.is_dir() else []
    if not runs:
        raise UserError(f"compare: no results for run id {spec!r} under {base}")
    return Side(spec, folder, runs)
