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
from dataclasses import dataclass, field
from pathlib import Path

from perfkit import paths
from perfkit.errors import UserError
from perfkit.files.given_paths import check_given_path
from perfkit.results.record import RunResult
from perfkit.results.store import RESULT_FILE, load_result

_RUN_ID_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@dataclass
class Side:
    label: str  # as the user gave it
    root: Path  # the folder the run ids are relative to
    runs: list[tuple[str, RunResult]]  # (run id, result), sorted
    unreadable: list[str] = field(default_factory=list)  # "<file>: why", one per result perfkit could not read
    files: dict[str, Path] = field(default_factory=dict)  # run id -> its result.json

    def located(self) -> list[tuple[str, RunResult]]:
        """(result file, result) pairs: what the verdicts name a value by."""
        return [(str(self.files.get(run_id, run_id)), result) for run_id, result in self.runs]


def _why(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    text = " ".join(str(exc).split())
    return (text[:160] + "...") if len(text) > 160 else text or type(exc).__name__


def _results_under(folder: Path, relative_to: Path) -> tuple[list[tuple[str, RunResult]], list[str]]:
    runs, unreadable = [], []
    for path in sorted(folder.rglob(RESULT_FILE)):
        parts = path.relative_to(folder).parts
        if any(part.startswith(".") for part in parts):
            continue  # staging or replaced folders
        if path.is_symlink():
            unreadable.append(f"{path}: a symbolic link (not read)")
            continue
        try:
            result = load_result(path)
            if not isinstance(result.run, dict) or not isinstance(result.environment, dict):
                raise ValueError("'run' and 'environment' must be mappings")
            for name in ("benchmark", "vendor", "config", "status"):
                if not isinstance(getattr(result, name), str):
                    raise ValueError(f"{name!r} is not text")
        except (ValueError, TypeError, OSError, RecursionError, AttributeError, UserError) as exc:
            unreadable.append(f"{path}: {_why(exc)}")
            continue
        runs.append((path.parent.relative_to(relative_to).as_posix(), result))
    return runs, unreadable


def _files(runs: list[tuple[str, RunResult]], relative_to: Path) -> dict[str, Path]:
    return {run_id: relative_to / run_id / RESULT_FILE for run_id, _ in runs}


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
            runs, unreadable = _results_under(root / "runs", root / "runs")
        else:
            runs, unreadable = _results_under(root, root.parent)
        if not runs:
            raise UserError(f"compare: {spec} holds no readable {RESULT_FILE}"
                            + (f" ({unreadable[0]})" if unreadable else ""))
        relative_to = root / "runs" if (root / "runs").is_dir() else root.parent
        return Side(spec, root, runs, unreadable, _files(runs, relative_to))
    if not is_run_id(spec):
        raise UserError(f"compare: {spec!r} is neither a folder nor a run id such as bert/cpu/smoke")
    base = (reports or paths.reports_dir()) / "runs"
    folder = base / spec.strip("/")
    runs, unreadable = _results_under(folder, base) if folder.is_dir() else ([], [])
    if not runs:
        raise UserError(f"compare: no results for run id {spec!r} under {base}"
                        + (f" ({unreadable[0]})" if unreadable else ""))
    return Side(spec, folder, runs, unreadable, _files(runs, base))
