"""Executing a planned suite (host side): resume, one kernel per run, failure isolation, progress with ETA,
the kit's overhead per run, and a suite record under reports/suites/<name>.json.

Nothing a run does stops the suite except Ctrl-C, which ends the current run as
``interrupted`` (recorded like any other run) and skips the rest.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass

from perfkit import paths
from perfkit.errors import UserError
from perfkit.jobs.stall import DEFAULT_STALL_TIMEOUT_S
from perfkit.jobs.suite import PlannedRun, Suite, completed, current_data_hash
from perfkit.results import vocabulary as vocab
from perfkit.results.record import utc_now
from perfkit.results.store import write_json_atomic

SKIP_REASON = "ok result with the same params hash, data hash and kit version"


@dataclass
class RunOutcome:
    label: str
    run_dir: str
    status: str  # one of vocabulary.OUTCOME_STATUSES
    seconds: float = 0.0
    detail: str = ""
    e2e_time: float | None = None
    kit_overhead: float | None = None  # notebook wall time minus e2e_time
    html_seconds: float | None = None

    @property
    def failed(self) -> bool:
        return self.status not in (vocab.OK, vocab.SKIPPED)

    def line(self) -> str:
        text = f"{self.label}: {self.status}"
        if self.status == vocab.SKIPPED:
            return f"{text} ({self.detail})"
        text += f" in {self.seconds:.1f} s"
        if self.e2e_time is not None:
            text += f"; e2e_time {self.e2e_time:.1f} s, kit overhead {self.kit_overhead:.1f} s"
        if self.html_seconds is not None:
            text += f", HTML export {self.html_seconds:.1f} s"
        if self.detail:
            text += f" - {self.detail}"
        return text


@dataclass
class SuiteReport:
    suite: str
    started_at: str
    outcomes: list[RunOutcome]
    wall_seconds: float = 0.0
    interrupted: bool = False

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[RunOutcome]:
        return [o for o in self.outcomes if o.failed]

    def summary(self) -> str:
        ran = [o for o in self.outcomes if o.status != vocab.SKIPPED]
        text = (f"suite {self.suite}: {self.count(vocab.OK)} ok, {len(self.failed)} not ok, {self.count(vocab.SKIPPED)} skipped;"
                f" wall time {self.wall_seconds:.1f} s")
        overheads = [o.kit_overhead for o in ran if o.kit_overhead is not None]
        if overheads:
            text += f"; kit overhead per run {min(overheads):.1f}-{max(overheads):.1f} s"
        if self.interrupted:
            text += "; interrupted, rerun the suite to resume"
        return text

    def to_dict(self) -> dict:
        return {"suite": self.suite, "started_at": self.started_at, "wall_seconds": self.wall_seconds,
                "interrupted": self.interrupted, "runs": [asdict(o) for o in self.outcomes]}


def dry_run_lines(planned: Iterable[PlannedRun], force: bool = False) -> Iterator[str]:
    """What a real run would do, one line per run as it is planned (then the totals), without
    building data, writing anything or importing torch."""
    to_run = total = 0
    data_hashes: dict[tuple, str | None] = {}  # runs that read one folder the same way hash it once
    for run in planned:
        total += 1
        params = run.prepared.resolved.params
        key = (params.data_dir, params.data_autobuild, json.dumps(params.data_settings(), sort_keys=True))
        if key not in data_hashes and not force:
            data_hashes[key] = current_data_hash(run)
        done = None if force else completed(run, data_hashes[key])
        limit = f"timeout {run.timeout:g} s" if run.timeout else "no timeout"
        overrides = json.dumps(run.entry.overrides) if run.entry.overrides else ""
        if done:
            yield f"skip  {run.label}  ({SKIP_REASON}, finished {done.finished_at})"
        else:
            to_run += 1
            yield f"run   {run.label}  {limit}  -> {run.run_dir}  {overrides}".rstrip()
    yield f"{to_run} to run, {total - to_run} to skip"


def _execute(run: PlannedRun, html: bool, redacted: bool, force: bool,
             stall_timeout: float | None = DEFAULT_STALL_TIMEOUT_S) -> RunOutcome:
    from perfkit.jobs.notebook_run import execute_notebook  # papermill and nbconvert: not for dry runs
    from perfkit.run.preflight import preflight

    base = RunOutcome(run.label, str(run.run_dir), vocab.INVALID)
    try:
        data = preflight(run.prepared)
        done = None if force else completed(run, data.content_hash)
        if done:
            base.status, base.detail = vocab.SKIPPED, SKIP_REASON
            return base
        ran = execute_notebook(run.prepared, timeout=run.timeout, html=html, redacted=redacted,
                               stall_timeout=stall_timeout)
    except UserError as exc:
        base.detail = str(exc)
        return base
    detail = "; ".join(part for part in (ran.error, *ran.notes()) if part)
    return RunOutcome(run.label, str(ran.run_dir), ran.status, ran.seconds, detail, ran.e2e_time, ran.kit_overhead,
                      ran.html_seconds if html else None)


def run_suite(
    suite: Suite,
    planned: list[PlannedRun],
    html: bool = True,
    redacted: bool = False,
    force: bool = False,
    echo: Callable[[str], None] | None = None,
    stall_timeout: float | None = DEFAULT_STALL_TIMEOUT_S,
) -> SuiteReport:
    """Run every planned run in order; one's failure never stops the others."""
    from tqdm import tqdm

    report = SuiteReport(suite.name, utc_now(), [])
    started = time.perf_counter()
    bar = tqdm(total=len(planned), unit="run", desc=f"suite {suite.name}", file=sys.stderr, ascii=True,
               smoothing=0, dynamic_ncols=True, bar_format="{desc}: {n}/{total} runs |{bar}| {elapsed}, ETA {remaining}")
    say = echo or bar.write
    try:
        for run in planned:
            bar.set_description(f"suite {suite.name}: {run.label}")
            outcome = _execute(run, html, redacted, force, stall_timeout)
            report.outcomes.append(outcome)
            say(outcome.line())
            if outcome.status == vocab.SKIPPED:  # the bar and its ETA count only runs that run
                bar.total -= 1
                bar.refresh()
            else:
                bar.update(1)
            if outcome.status == vocab.INTERRUPTED:
                report.interrupted = True
                break
    except KeyboardInterrupt:  # between runs: validation, skips, the swap
        report.interrupted = True
    finally:
        bar.close()
        report.wall_seconds = time.perf_counter() - started
    write_json_atomic(paths.reports_dir() / "suites" / f"{suite.name}.json", report.to_dict(), root=paths.reports_dir())
    return report


def suite_exit_code(failed: int) -> int:
    """0 when every run ended ok, else 100 + the number of runs that did not (at most 125):
    never 2 (bad usage, params or data) nor 130 (interrupted)."""
    return 0 if failed == 0 else min(100 + failed, 125)
