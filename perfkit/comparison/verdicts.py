"""Per configuration: base against new, the change with its test, and a verdict.

Like is compared with like: a configuration is (benchmark, vendor, config) and its runs are
paired only when their params hash is the same. A pair whose params differ (batch 32 against
batch 16) is shown apart as "params differ" with the keys that differ, and gets no verdict
unless the caller allows it (``allow_params_differ``). When each side holds exactly one
configuration they are paired even if their names differ (two run ids), under the same rule.

Only runs that ended ok give samples; a configuration whose new side has no ok run while the
base has one is a failure, which gates like a regression. A metric value that is not a finite
number of at least 0 (NaN, inf, text, a list, a number too large for a float) is "metric
invalid", never silently dropped: a gate must not pass on it.

Verdicts, in the order they are decided:

- fewer than ``MIN_REPEATS`` ok values on a side: "inconclusive (n<3)";
- ``|change|`` below the threshold: "below threshold";
- the test (perfkit.comparison.stats) finds no significant difference: "not significant";
- otherwise "REGRESSION" (worse) or "improved".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from perfkit.comparison.stats import MIN_EFFECTIVE_STEPS, MIN_REPEATS, Change, compare_samples, compare_steps
from perfkit.report.repeats import CV_BOUND, spread
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult

THROUGHPUT_KEYS = (vocab.P_CORE, vocab.P_TRAIN, vocab.P_WHOLE, vocab.P_INFER_CORE, vocab.P_INFER_WHOLE)
LOWER_IS_BETTER_PREFIXES = ("e2e_time", "infer_time", "latency", "mem_", "energy", "export_time", "setup_time")

IMPROVED = "improved"
REGRESSED = "REGRESSION"
BELOW_THRESHOLD = "below threshold"
NOT_SIGNIFICANT = "not significant"
INCONCLUSIVE = f"inconclusive (n<{MIN_REPEATS})"
INCONCLUSIVE_STEPS = f"inconclusive (n_eff<{MIN_EFFECTIVE_STEPS})"
PARAMS_DIFFER = "params differ"
FAILED = "FAILED"
ONLY_BASE, ONLY_NEW = "only in base", "only in new"
METRIC_MISSING = "metric missing"
METRIC_INVALID = "metric invalid"
BASE_ZERO = "base mean 0"

GATING = (REGRESSED, FAILED)  # exit 1
NO_VERDICT = (INCONCLUSIVE, INCONCLUSIVE_STEPS, PARAMS_DIFFER)  # exit 3 when nothing gates
BAD_INPUT = (METRIC_MISSING, METRIC_INVALID, BASE_ZERO)  # exit 2

Key = tuple[str, str, str]


@dataclass(frozen=True)
class Sample:
    """One side's values of the metric over its ok runs, and what was wrong with the others."""

    values: list[float] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)  # "<run id>: metrics.<key> = <value> (why)"
    missing: list[str] = field(default_factory=list)  # run ids of ok runs without the metric

    @property
    def cv(self) -> float | None:
        return spread(self.values)[2] if len(self.values) >= 2 else None


@dataclass(frozen=True)
class Verdict:
    key: Key  # (benchmark, vendor, config); "a → b" where two differently named runs are paired
    metric: str
    base: list[float]
    new: list[float]
    change: Change | None
    verdict: str
    notes: tuple[str, ...] = ()  # params that differ, noisy repeats, invalid values
    base_cv: float | None = None
    new_cv: float | None = None

    @property
    def label(self) -> str:
        return "/".join(self.key)

    @property
    def gates(self) -> bool:
        return self.verdict in GATING


def lower_is_better(metric: str) -> bool:
    return metric.startswith(LOWER_IS_BETTER_PREFIXES)


def read_value(metrics: Any, key: str) -> tuple[str, float | None]:
    """("ok", value), ("missing", None), or ("<why it is invalid>", None) for metrics[key]."""
    if not isinstance(metrics, dict):
        return f"metrics is a {type(metrics).__name__}, not a mapping", None
    if key not in metrics or metrics[key] is None:
        return "missing", None
    value = metrics[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{type(value).__name__}, not a number", None
    try:
        number = float(value)
    except OverflowError:
        return "too large for a float", None
    if number != number or number in (float("inf"), float("-inf")):
        return "not a finite number", None
    if number < 0:
        return "negative", None
    return "ok", number


def _shown(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 100:
        return f"an integer of {value.bit_length()} bits"
    if isinstance(value, (dict, list)):
        return f"a {type(value).__name__} of {len(value)}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def sample(runs: list[tuple[str, RunResult]], metric: str) -> Sample:
    """``runs``: (where, result) pairs, ``where`` a run id or the result file that names a bad value."""
    out = Sample()
    for run_id, result in runs:
        if result.status != vocab.OK:
            continue
        why, value = read_value(result.metrics, metric)
        if value is not None:
            out.values.append(value)
        elif why == "missing":
            out.missing.append(run_id)
        else:
            shown = _shown(result.metrics.get(metric)) if isinstance(result.metrics, dict) else ""
            out.invalid.append(f"{run_id}: metrics.{metric}" + (f" = {shown}" if shown else "") + f" ({why})")
    return out


def headline_metric(results: list[RunResult]) -> str:
    """The first throughput key that an ok result has (valid or not: an invalid one is reported)."""
    for key in THROUGHPUT_KEYS:
        if any(r.status == vocab.OK and isinstance(r.metrics, dict) and r.metrics.get(key) is not None for r in results):
            return key
    return ""


def group(runs: list[tuple[str, RunResult]]) -> dict[Key, list[tuple[str, RunResult]]]:
    groups: dict[Key, list[tuple[str, RunResult]]] = {}
    for run_id, result in runs:
        groups.setdefault((result.benchmark, result.vendor, result.config), []).append((run_id, result))
    return groups


def by_params(runs: list[tuple[str, RunResult]]) -> dict[str, list[tuple[str, RunResult]]]:
    out: dict[str, list[tuple[str, RunResult]]] = {}
    for run_id, result in runs:
        out.setdefault(str(result.params_hash), []).append((run_id, result))
    return out


MAX_PARAM_DEPTH = 8  # nested params deeper than this are compared as one value
MAX_LISTED = 12  # differing params listed by name; the rest are counted


def _flat(value: Any, prefix: str = "", depth: int = 0) -> dict[str, Any]:
    if isinstance(value, dict) and depth < MAX_PARAM_DEPTH:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}{str(k)[:60]}.", depth + 1))
        return out
    return {prefix.rstrip("."): value}


def params_of(result: RunResult) -> dict[str, Any]:
    """What a run's params hash covers, flat: the resolved params and the topology."""
    run = result.run if isinstance(result.run, dict) else {}
    params = run.get("params") if isinstance(run.get("params"), dict) else {}
    topology: dict[str, Any] = {k: run.get(k) for k in ("nnodes", "nproc_per_node") if k in run}
    return {**_flat(params), **topology}


def params_difference(base: RunResult, new: RunResult) -> list[str]:
    """'key: base value → new value' for every param that differs (the hashes when none does)."""
    b, n = params_of(base), params_of(new)
    missing = object()
    differing = [k for k in sorted(set(b) | set(n)) if not _same(b.get(k, missing), n.get(k, missing))]
    out = [f"{k}: {_shown(b[k]) if k in b else '–'} → {_shown(n[k]) if k in n else '–'}"
           for k in differing[:MAX_LISTED]]
    if len(differing) > MAX_LISTED:
        out.append(f"and {len(differing) - MAX_LISTED} more")
    return out or [f"params_hash: {_shown(base.params_hash)} → {_shown(new.params_hash)}"]


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (RecursionError, ValueError, TypeError):
        return False


def judge(change: Change, metric: str, threshold: float, lower: bool | None = None) -> str:
    """The verdict of a change: inconclusive without enough values a side (MIN_REPEATS
    repeats, or MIN_EFFECTIVE_STEPS effective per-step values), then threshold, then test."""
    if not change.enough:
        return INCONCLUSIVE_STEPS if change.per_step else INCONCLUSIVE
    if abs(change.change) < threshold:
        return BELOW_THRESHOLD
    if not change.significant:
        return NOT_SIGNIFICANT
    lower = lower_is_better(metric) if lower is None else lower
    worse = change.change > 0 if lower else change.change < 0
    return REGRESSED if worse else IMPROVED


STEP_CURVES = {vocab.TRAINING: "step_time", vocab.INFERENCE: "infer_latency"}  # seconds per step / per batch
WARMUP_FRACTION = 0.1  # the first tenth of a run's steps (at least one) is warm-up, not compared


def step_series(runs: list[tuple[str, RunResult]]) -> tuple[str, list[list[float]], list[str]]:
    """(curve key, one series per ok run after its warm-up, invalid values named) of a side."""
    series, invalid, key = [], [], ""
    for where, result in runs:
        if result.status != vocab.OK or not isinstance(result.curves, dict):
            continue
        key = STEP_CURVES.get(result.kind, "step_time")
        values = result.curves.get(key)
        if not isinstance(values, list) or not values:
            continue
        checked = [read_value({"v": v}, "v") for v in values[:1_000_000]]
        bad = next((why for why, value in checked if value is None), None)
        if bad is not None:
            invalid.append(f"{where}: curves.{key} holds a value that is {bad}")
            continue
        numbers = [value for _, value in checked if value is not None]
        series.append(numbers[max(1, int(len(numbers) * WARMUP_FRACTION)):])
    return key, [s for s in series if s], invalid


def _per_step(key: Key, base: list[tuple[str, RunResult]], new: list[tuple[str, RunResult]], threshold: float,
              notes: tuple[str, ...]) -> Verdict | None:
    """The verdict from per-step samples, or None when a side has none."""
    b_key, b_series, b_bad = step_series(base)
    n_key, n_series, n_bad = step_series(new)
    if b_bad or n_bad:
        return Verdict(key, b_key or n_key, [], [], None, METRIC_INVALID, notes + tuple(b_bad + n_bad))
    if not b_series or not n_series or b_key != n_key or sum(len(s) for s in b_series + n_series) < 4:
        return None
    flat_b, flat_n = [v for s in b_series for v in s], [v for s in n_series for v in s]
    if sum(flat_b) == 0:
        return Verdict(key, b_key, flat_b, flat_n, None, BASE_ZERO,
                       notes + (f"the base mean of {b_key} is 0: a relative change is undefined",))
    change = compare_steps(b_series, n_series)
    note = (f"per-step samples ({b_key}, warm-up dropped): base {change.n_base} steps, n_eff "
            f"{change.n_eff_base:.1f}; new {change.n_new} steps, n_eff {change.n_eff_new:.1f}")
    return Verdict(key, f"{b_key} (per step)", flat_b, flat_n, change, judge(change, b_key, threshold, lower=True),
                   notes + (note,))


def _noise_notes(base: Sample, new: Sample) -> list[str]:
    notes = []
    for side, s in (("base", base), ("new", new)):
        cv = s.cv
        if cv is not None and cv > CV_BOUND:
            notes.append(f"noisy: {side} CV {cv:.0%} > {CV_BOUND:.0%}")
    return notes


def _one(key: Key, metric_wanted: str, base: list[tuple[str, RunResult]], new: list[tuple[str, RunResult]],
         threshold: float, notes: tuple[str, ...] = (), no_verdict: str = "", per_step: bool = False) -> Verdict:
    metric = metric_wanted or headline_metric([r for _, r in base + new])
    if not metric:
        return Verdict(key, "", [], [], None, METRIC_MISSING,
                       notes + ("no ok run on either side has a throughput metric; name one with --metric",))
    b, n = sample(base, metric), sample(new, metric)
    cvs = {"base_cv": b.cv, "new_cv": n.cv}
    if b.invalid or n.invalid:
        return Verdict(key, metric, b.values, n.values, None, METRIC_INVALID, notes + tuple(b.invalid + n.invalid),
                       **cvs)
    if b.values and not n.values:
        if not any(r.status == vocab.OK for _, r in new):
            return Verdict(key, metric, b.values, [], None, FAILED, notes, **cvs)
        return Verdict(key, metric, b.values, [], None, METRIC_MISSING,
                       notes + tuple(f"{rid}: no metrics.{metric}" for rid in n.missing), **cvs)
    if not b.values or not n.values or b.missing or n.missing:  # an ok run without it is never just left out
        why = tuple(f"{rid}: no metrics.{metric}" for rid in b.missing + n.missing) or (f"no ok run with {metric}",)
        return Verdict(key, metric, b.values, n.values, None, METRIC_MISSING, notes + why, **cvs)
    if sum(b.values) == 0:
        return Verdict(key, metric, b.values, n.values, None, BASE_ZERO,
                       notes + (f"the base mean of {metric} is 0: a relative change is undefined",), **cvs)
    if per_step and min(len(b.values), len(n.values)) < MIN_REPEATS:
        stepped = _per_step(key, base, new, threshold, notes)
        if stepped is not None:
            return stepped if not no_verdict or stepped.verdict in BAD_INPUT else replace(stepped, verdict=no_verdict)
    change = compare_samples(b.values, n.values)
    notes = notes + tuple(_noise_notes(b, n))
    verdict = no_verdict or judge(change, metric, threshold)
    return Verdict(key, metric, b.values, n.values, change, verdict, notes, **cvs)


def _pair(key: Key, metric: str, base: list[tuple[str, RunResult]], new: list[tuple[str, RunResult]],
          threshold: float, allow_params_differ: bool, per_step: bool = False) -> list[Verdict]:
    """Runs of one configuration on both sides, paired by params hash."""
    base_sets, new_sets = by_params(base), by_params(new)
    out = [_one(key, metric, base_sets[h], new_sets[h], threshold, per_step=per_step)
           for h in sorted(base_sets.keys() & new_sets.keys())]
    base_only = [h for h in sorted(base_sets) if h not in new_sets]
    new_only = [h for h in sorted(new_sets) if h not in base_sets]
    if len(base_only) == 1 and len(new_only) == 1:
        b, n = base_sets[base_only[0]], new_sets[new_only[0]]
        diff = tuple(params_difference(b[0][1], n[0][1]))
        notes = (f"{PARAMS_DIFFER}: " + "; ".join(diff),)
        out.append(_one(key, metric, b, n, threshold, notes, "" if allow_params_differ else PARAMS_DIFFER, per_step))
        return out
    # several params sets left on a side: no pairing is sound. When nothing was paired at all the
    # configuration got no comparison, which must not read as a pass.
    unpaired = PARAMS_DIFFER if not out and base_only and new_only else ""
    for h in base_only:
        out.append(Verdict(key, metric, [], [], None, unpaired or ONLY_BASE,
                           (f"params_hash {_shown(h)} only in base",)))
    for h in new_only:
        out.append(Verdict(key, metric, [], [], None, unpaired or ONLY_NEW,
                           (f"params_hash {_shown(h)} only in new",)))
    return out


def compare_runs(
    base: list[tuple[str, RunResult]], new: list[tuple[str, RunResult]], threshold: float = 0.05, metric: str = "",
    allow_params_differ: bool = False, per_step: bool = False,
) -> list[Verdict]:
    """Verdicts for every configuration found on either side, sorted by configuration.
    ``per_step``: where a side has fewer than MIN_REPEATS ok repeats, judge the runs' per-step
    samples by their effective sample size instead (perfkit.comparison.stats.compare_steps)."""
    base_groups, new_groups = group(base), group(new)
    if len(base_groups) == 1 and len(new_groups) == 1 and base_groups.keys() != new_groups.keys():
        (bk, bv), (nk, nv) = next(iter(base_groups.items())), next(iter(new_groups.items()))
        joined = tuple(b if b == n else f"{b} → {n}" for b, n in zip(bk, nk, strict=False))
        return _pair(joined, metric, bv, nv, threshold, allow_params_differ, per_step)  # type: ignore[arg-type]
    out = []
    for key in sorted(base_groups.keys() | new_groups.keys()):
        if key not in new_groups:
            out.append(Verdict(key, metric, [], [], None, ONLY_BASE))
        elif key not in base_groups:
            out.append(Verdict(key, metric, [], [], None, ONLY_NEW))
        else:
            out.extend(_pair(key, metric, base_groups[key], new_groups[key], threshold, allow_params_differ, per_step))
    return out

