"""Suite plans (host side): a matrix of runs from params/suites/<name>.yaml, executed one notebook at a time.

A suite file::

    description: what it is for
    timeout: 900            # optional: wall seconds per run (kernel start to last cell)
    runs:
      - {benchmark: bert, vendor: cpu, config: smoke, repeats: 2, set: {max_steps: 100}, timeout: 600}
      - {benchmark: bert, vendor: cpu, config: smoke, matrix: {batch_size: [16, 32, 64], precision: [fp32, bf16]}}

A ``matrix`` makes one run per point of the product of its lists (a sweep; perfkit.params.matrix),
each in its own folder named from its values, ``smoke--batch_size-16--precision-fp32``.

Every run is validated before the first one starts. Each gets its own kernel and run folder
(repeat K >= 2 in ``<config>/r<K>/``). A run that fails, crashes or times out is recorded and
the suite goes on. A run whose result is already there with status ok and the same params
hash, data hash and kit version is skipped unless forced.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from perfkit import __version__
from perfkit.benchmarks.declared.data_state import current_data
from perfkit.errors import ParamsError, UserError
from perfkit.params import sources
from perfkit.params.limits import MAX_REPEATS, MAX_SUITE_RUNS, check_count, check_timeout
from perfkit.params.loading import OVERRIDES_SOURCE, load_yaml_mapping
from perfkit.params.matrix import Point, expand, point_name
from perfkit.results import run_folder
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult
from perfkit.results.store import RESULT_FILE, load_result
from perfkit.run.spec import PreparedRun, prepare

SUITE_KEYS = ("description", "timeout", "runs")
RUN_KEYS = ("benchmark", "vendor", "config", "repeats", "set", "timeout", "matrix")


@dataclass(frozen=True)
class SuiteEntry:
    benchmark: str
    vendor: str
    config: str
    repeats: int = 1
    overrides: dict[str, Any] = field(default_factory=dict)
    timeout: float | None = None
    point: Point = ()  # a matrix point: the swept params and their values
    name: str = ""  # the run folder's name: the config's, or the point's (config--key-value...)
    position: int | None = None  # its index in the suite file's runs (points share their entry's)

    @property
    def label(self) -> str:
        return f"{self.benchmark}/{self.vendor}/{self.name or self.config}"


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    entries: list[SuiteEntry]
    source: str = ""  # the file, as shown in messages
    timeout: float | None = None


def _timeout(value: Any, where: str) -> float | None:
    return None if value is None else check_timeout(value, where)


def suite_path(name: str) -> tuple[Path, str]:
    """``name`` is a suite under params/suites/ or a path to a .yaml file. The suite's name (the
    file's stem) names reports/suites/<name>.json, so it follows the safe-name rule
    (perfkit.paths.safe_name) either way."""
    if name.endswith((".yaml", ".yml")) or "/" in name:
        path = Path(name)
        try:
            exists = path.is_file()
        except OSError as exc:  # e.g. a name over the OS limit
            raise ParamsError(f"suite file {name[:200]}: {exc.strerror}") from None
        if not exists:
            raise ParamsError(f"suite file {name[:200]} does not exist")
        sources.check_name(path.stem, f"suite file {name[:200]}: suite name")
        return path, name
    path = sources.suite_path(name)
    return path, sources.show(path)


def _entries(item: Any, where: str) -> list[SuiteEntry]:
    """One entry, or one per point of its matrix."""
    entry = _entry(item, where)
    if "matrix" not in item:
        return [entry]
    return [replace(entry, point=point, name=point_name(entry.config, point, where))
            for point in expand(item["matrix"], where, entry.overrides)]


def _entry(item: Any, where: str) -> SuiteEntry:
    if not isinstance(item, dict):
        raise ParamsError(f"{where}: must be a mapping with keys {', '.join(RUN_KEYS)}")
    unknown = sorted(set(item) - set(RUN_KEYS))
    if unknown:
        raise ParamsError(f"{where}: unknown key '{unknown[0]}'; allowed: {', '.join(RUN_KEYS)}")
    for key in ("benchmark", "vendor", "config"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise ParamsError(f"{where}: key '{key}' is required (a string)")
    repeats = check_count(item.get("repeats", 1), "repeats", where, MAX_REPEATS)
    overrides = item.get("set") or {}
    if not isinstance(overrides, dict):
        raise ParamsError(f"{where}: key 'set' must be a mapping of param overrides")
    return SuiteEntry(item["benchmark"], item["vendor"], item["config"], repeats, overrides,
                      _timeout(item.get("timeout"), where))


def load_suite(name: str) -> Suite:
    path, shown = suite_path(name)
    data = load_yaml_mapping(path)
    unknown = sorted(set(data) - set(SUITE_KEYS))
    if unknown:
        raise ParamsError(f"{shown}: unknown key '{unknown[0]}'; allowed: {', '.join(SUITE_KEYS)}")
    runs = data.get("runs")
    if not isinstance(runs, list) or not runs:
        raise ParamsError(f"{shown}: key 'runs' must be a non-empty list of runs")
    indexed = [(i, replace(e, position=i)) for i, item in enumerate(runs) for e in _entries(item, f"{shown}: runs[{i}]")]
    entries = [e for _, e in indexed]
    check_count(sum(e.repeats for e in entries), "runs (repeats included)", shown, MAX_SUITE_RUNS)
    seen: dict[str, int] = {}
    for i, entry in indexed:
        if entry.label in seen:
            raise ParamsError(
                f"{shown}: runs[{i}]: {entry.label} is already runs[{seen[entry.label]}] and would write the "
                "same run folder; use 'repeats', a 'matrix', or a separate run config for other params"
            )
        seen[entry.label] = i
    return Suite(path.stem, str(data.get("description", "")), entries, shown, _timeout(data.get("timeout"), shown))


@dataclass(frozen=True)
class PlannedRun:
    """One repeat of one suite entry, validated, with its folder and time limit."""

    entry: SuiteEntry
    repeat: int
    prepared: PreparedRun
    timeout: float | None

    @property
    def label(self) -> str:
        return self.entry.label + (f" r{self.repeat}" if self.entry.repeats > 1 else "")

    @property
    def run_dir(self) -> Path:
        return self.prepared.output_dir


def plan_suite(suite: Suite, timeout: float | None = None) -> list[PlannedRun]:
    """Every run of the suite, params resolved and validated before anything runs.

    ``timeout`` (the command line's) wins over a run's own, which wins over the suite's."""
    return list(iter_plan(suite, timeout))


def planned_count(suite: Suite) -> int:
    """How many runs :func:`plan_suite` makes (repeats included), without resolving any."""
    return sum(entry.repeats for entry in suite.entries)


def iter_plan(suite: Suite, timeout: float | None = None) -> Iterator[PlannedRun]:
    """:func:`plan_suite` one run at a time, so a dry run can print as it goes. Two points of
    one matrix that resolve to the same params (``[3, 3.0]`` for a whole-number key) are refused:
    a point never runs twice."""
    timeout = _timeout(timeout, "--timeout")
    points: dict[tuple[int | None, str], SuiteEntry] = {}
    for i, entry in enumerate(suite.entries):
        where = f"runs[{i if entry.position is None else entry.position}]"
        try:
            first = _prepare(entry)
        except UserError as exc:
            message = str(exc).replace(OVERRIDES_SOURCE, "key 'set'" if not entry.point else "key 'set' or 'matrix'")
            raise type(exc)(f"{suite.source}: {where} ({entry.label}): {message}") from None
        if entry.point:
            twin = points.setdefault((entry.position, first.resolved.params_hash), entry)
            if twin is not entry:
                raise ParamsError(
                    f"{suite.source}: {where}: matrix points {twin.name} and {entry.name} are the same run after "
                    "each value is read as its param's type; list each value once"
                )
        limit = timeout if timeout is not None else entry.timeout if entry.timeout is not None else suite.timeout
        for repeat in range(1, entry.repeats + 1):
            folder = run_folder.repeat_dir(first.output_dir, repeat)
            prepared = PreparedRun(first.resolved, first.hardware, folder)
            yield PlannedRun(entry, repeat, prepared, limit)


def _prepare(entry: SuiteEntry) -> PreparedRun:
    """The entry's run; a matrix point records its point's name as its config (so readers keep
    points apart) and has its own folder, its params the config's with the point's values set."""
    if not entry.point:
        return prepare(entry.benchmark, entry.vendor, entry.config, entry.overrides)
    folder = run_folder.run_dir(entry.benchmark, entry.vendor, entry.name)
    first = prepare(entry.benchmark, entry.vendor, entry.config, {**entry.overrides, **dict(entry.point)}, folder)
    return PreparedRun(replace(first.resolved, config=entry.name), first.hardware, folder)


def completed(run: PlannedRun, data_hash: str | None) -> RunResult | None:
    """The run's existing result if it is ok and made from the same params, data and kit."""
    path = run.run_dir / RESULT_FILE
    if data_hash is None or not path.is_file():
        return None
    try:
        result = load_result(path)
    except (ValueError, TypeError, OSError):
        return None
    same = (
        result.status == vocab.OK
        and result.params_hash == run.prepared.resolved.params_hash
        and result.data.get("hash") == data_hash
        and result.kit_version == __version__
    )
    return result if same else None


def current_data_hash(run: PlannedRun) -> str | None:
    """The dataset's hash as it is on disk now, without building anything or importing the
    benchmark's module (for dry runs: perfkit.benchmarks.declared.data_state)."""
    try:
        identity = current_data(run.prepared.resolved.params)
    except (UserError, OSError):
        return None
    return identity.content_hash if identity else None
