"""`perfkit compare`: like with like, the test and its threshold, the labels and the exit codes,
on fabricated repeats (tests/support/fabricated.py)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from support.fabricated import make_result, write_run
from perfkit.cli import main
from perfkit.comparison import verdicts as V
from perfkit.comparison.command import EXIT_BAD_INPUT, EXIT_INCONCLUSIVE, EXIT_OK, EXIT_REGRESSION
from perfkit.comparison.stats import (
    compare_samples, effective_sample_size, lag1_autocorrelation, relative_change, welch_test,
)
from perfkit.results.store import write_json_atomic

HASH = "same-params"


def _result(config: str = "smoke", p_core: object = 100.0, params: dict | None = None, params_hash: str = HASH,
            **kwargs):
    result = make_result(config=config, metrics={"p_core": p_core}, **kwargs)
    result.run["params_hash"] = params_hash
    if params is not None:
        result.run["params"] = params
    return result


def _runs(values: list[float], config: str = "smoke", **kwargs) -> list:
    return [(f"bert/cpu/{config}/r{i + 1}", _result(config, v, **kwargs)) for i, v in enumerate(values)]


def _reports(root: Path, values: list, config: str = "smoke", **kwargs) -> Path:
    for i, v in enumerate(values):
        write_run(root, _result(config, v, **kwargs), repeat="" if i == 0 else f"r{i + 1}", report_html=False)
    return root


# --- the test -------------------------------------------------------------------------------


def test_welch_test_matches_known_values():
    # by hand: means 2 and 5.5, variances 1 and 5/3; se = sqrt(1/3 + 5/12) = sqrt(0.75);
    # t = 3.5 / se = 4.0415; Welch-Satterthwaite df = 0.75**2 / ((1/3)**2/2 + (5/12)**2/3) = 4.9592;
    # two-sided p = 0.01008; interval 3.5 -/+ t_0.975(df) * se, relative to the base mean 2
    from scipy import stats

    se, df = math.sqrt(0.75), 0.75**2 / ((1 / 3) ** 2 / 2 + (5 / 12) ** 2 / 3)
    assert 3.5 / se == pytest.approx(4.0415, abs=1e-4) and df == pytest.approx(4.9592, abs=1e-4)
    p, low, high = welch_test([1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0])
    assert p == pytest.approx(0.01008, abs=5e-5) and p == pytest.approx(2 * stats.t.sf(3.5 / se, df))
    half = stats.t.ppf(0.975, df) * se
    assert low == pytest.approx((3.5 - half) / 2) and high == pytest.approx((3.5 + half) / 2)
    # identical samples: no difference; constant but different samples: certainly different
    assert welch_test([5.0, 5.0, 5.0], [5.0, 5.0])[0] == 1.0
    assert welch_test([5.0, 5.0, 5.0], [6.0, 6.0]) == (0.0, pytest.approx(0.2), pytest.approx(0.2))


def test_change_interval_holds_the_estimate_and_agrees_with_the_test():
    assert relative_change([100.0, 100.0], [110.0, 110.0]) == pytest.approx(0.10)
    base, new = [100.0, 103.0, 98.0, 101.0], [95.0, 97.0, 94.0, 99.0]
    change = compare_samples(base, new)
    assert change.low <= change.change <= change.high and change.significant and change.high < 0
    noisy = compare_samples([100.0, 60.0, 140.0], [90.0, 50.0, 140.0])
    assert not noisy.significant and noisy.low < 0 < noisy.high
    assert compare_samples([1.0], [2.0]).has_interval is False and compare_samples([1.0], [2.0]).p_value is None


def test_effective_sample_size_accounts_for_autocorrelation():
    alternating = [1.0, 2.0] * 10  # negative r1 is clipped to 0: worth all its values
    assert effective_sample_size(alternating) == 20
    drifting = [float(i) for i in range(20)]  # strongly correlated: worth far fewer
    r1 = lag1_autocorrelation(drifting)
    assert 0.8 < r1 < 1 and effective_sample_size(drifting) == pytest.approx(20 * (1 - r1) / (1 + r1))
    assert effective_sample_size(drifting) < 3
    assert lag1_autocorrelation([3.0, 3.0, 3.0]) == 0.0


# --- verdicts -------------------------------------------------------------------------------


def test_verdicts_for_known_differences():
    base = [100.0, 101.0, 99.0, 100.5, 99.5]
    assert V.compare_runs(_runs(base), _runs([v * 0.9 for v in base]))[0].verdict == V.REGRESSED
    assert V.compare_runs(_runs(base), _runs([v * 1.1 for v in base]))[0].verdict == V.IMPROVED
    assert V.compare_runs(_runs(base), _runs([100.2, 99.8, 100.4, 99.6, 100.0]))[0].verdict == V.BELOW_THRESHOLD
    noisy = V.compare_runs(_runs([100.0, 60.0, 140.0]), _runs([90.0, 50.0, 120.0]))[0]
    assert noisy.verdict == V.NOT_SIGNIFICANT  # 11 % worse, but within the noise
    assert any(n.startswith("noisy: base CV") for n in noisy.notes)
    lower = V.compare_runs(_runs([10.0, 10.1, 10.2]), _runs([12.0, 12.1, 12.2]), metric="e2e_time")[0]
    assert lower.metric == "e2e_time"


def test_a_change_smaller_than_the_threshold_is_below_threshold_not_no_change():
    base, new = [13.8, 13.9, 13.7], [4.6, 4.7, 4.5]  # -66 %
    at_90 = V.compare_runs(_runs(base), _runs(new), threshold=0.90)[0]
    assert at_90.verdict == "below threshold" and at_90.change.significant
    assert V.compare_runs(_runs(base), _runs(new), threshold=0.05)[0].verdict == "REGRESSION"


def test_two_repeats_a_side_is_inconclusive_whatever_the_interval():
    verdict = V.compare_runs(_runs([100.0, 101.0]), _runs([60.0, 61.0]))[0]
    assert verdict.verdict == "inconclusive (n<3)" and not verdict.gates
    assert V.compare_runs(_runs([100.0]), _runs([50.0]))[0].verdict == V.INCONCLUSIVE


def test_params_that_differ_get_no_verdict_and_are_listed():
    base = _runs([13.8, 13.9, 13.7], params={"batch_size": 32, "max_steps": 100}, params_hash="h32")
    new = _runs([4.6, 4.7, 4.5], params={"batch_size": 16, "max_steps": 100}, params_hash="h16")
    verdict = V.compare_runs(base, new)[0]
    assert verdict.verdict == "params differ" and not verdict.gates
    assert verdict.notes == ("params differ: batch_size: 32 → 16",)
    allowed = V.compare_runs(base, new, allow_params_differ=True)[0]
    assert allowed.verdict == V.REGRESSED and "batch_size: 32 → 16" in allowed.notes[0]


def test_a_failed_new_side_gates():
    new = [("bert/cpu/smoke", make_result(status="failed", error={"type": "E", "message": "x"}))]
    new[0][1].run["params_hash"] = HASH
    verdict = V.compare_runs(_runs([100.0, 101.0, 102.0]), new)[0]
    assert verdict.verdict == V.FAILED and verdict.gates


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, "fast", [1.0], {"v": 1}, 10**400, -5.0, True])
def test_an_invalid_metric_on_either_side_is_named_never_dropped(value):
    good = _runs([100.0, 101.0, 102.0])
    bad = _runs([100.0, 101.0]) + [("bert/cpu/smoke/r3", _result(p_core=value))]
    for base, new in ((good, bad), (bad, good)):
        verdict = V.compare_runs(base, new)[0]
        assert verdict.verdict == V.METRIC_INVALID
        assert len(verdict.notes) == 1 and verdict.notes[0].startswith("bert/cpu/smoke/r3: metrics.p_core")


def test_read_value_classes():
    assert V.read_value({"p": 1}, "p") == ("ok", 1.0)
    assert V.read_value({}, "p") == ("missing", None)
    assert V.read_value([1], "p")[1] is None and "not a mapping" in V.read_value([1], "p")[0]
    assert V.read_value({"p": 10**400}, "p") == ("too large for a float", None)


# --- the command ----------------------------------------------------------------------------


def test_cli_exits_1_on_a_regression_and_writes_an_escaped_page(tmp_path, capsys):
    base = _reports(tmp_path / "base", [100.0, 101.0, 99.0, 100.5])
    new = _reports(tmp_path / "new", [90.0, 91.0, 89.0, 90.5])
    page = tmp_path / "out" / "cmp.html"
    assert main(["compare", str(base), str(new), "--html", str(page)]) == EXIT_REGRESSION == 1
    out = capsys.readouterr().out
    assert "REGRESSION" in out and "bert/cpu/smoke" in out and "-9.99" in out
    assert "Welch two-sample t-test" in out  # which test decided
    text = page.read_text(encoding="utf-8")
    assert "REGRESSION" in text and "Welch two-sample t-test" in text
    assert "<script" not in text and "http" not in text.replace("http-equiv", "")


def test_cli_exits_0_without_a_difference(tmp_path, capsys):
    base = _reports(tmp_path / "base", [100.0, 101.0, 99.0])
    new = _reports(tmp_path / "new", [100.5, 99.5, 100.0])
    assert main(["compare", str(base), str(new), "--html", "-"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "no regression beyond 5%" in out and "below threshold" in out


def test_cli_threshold_and_run_ids(tmp_path, monkeypatch, capsys):
    reports = tmp_path / "reports"
    _reports(reports, [100.0, 100.5, 99.5], config="old")
    _reports(reports, [92.0, 92.5, 91.5], config="new")
    monkeypatch.setenv("PERFKIT_REPORTS", str(reports))
    assert main(["compare", "bert/cpu/old", "bert/cpu/new", "--html", "-", "--threshold", "10"]) == EXIT_OK
    assert main(["compare", "bert/cpu/old", "bert/cpu/new", "--threshold", "3", "--html", "-"]) == EXIT_REGRESSION
    assert "old → new" in capsys.readouterr().out
    assert (reports / "compare.html").exists() is False


def test_cli_acceptance_batch_32_against_batch_16_says_params_differ(tmp_path, capsys):
    base = _reports(tmp_path / "base", [13.81, 13.9, 13.7], params={"batch_size": 32}, params_hash="h32")
    new = _reports(tmp_path / "new", [4.63, 4.7, 4.6], params={"batch_size": 16}, params_hash="h16")
    assert main(["compare", str(base), str(new), "--html", "-"]) == EXIT_INCONCLUSIVE == 3
    out = capsys.readouterr().out
    assert "params differ" in out and "batch_size: 32 → 16" in out
    assert "REGRESSION" not in out.split("\n", 2)[2] and "improved" not in out
    assert main(["compare", str(base), str(new), "--html", "-", "--allow-params-differ"]) == EXIT_REGRESSION


def test_cli_acceptance_two_repeats_a_side_is_inconclusive(tmp_path, capsys):
    base = _reports(tmp_path / "base", [100.0, 102.0])
    new = _reports(tmp_path / "new", [60.0, 58.0])
    assert main(["compare", str(base), str(new), "--html", "-"]) == EXIT_INCONCLUSIVE
    out = capsys.readouterr().out
    assert "inconclusive (n<3)" in out and "REGRESSION" not in out.split("\n", 2)[2]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", '"fast"', "[1.0]", "1e400", "1" + "0" * 400])
def test_cli_an_invalid_new_metric_fails_the_gate_with_one_named_line(tmp_path, capsys, value):
    base = _reports(tmp_path / "base", [100.0, 101.0, 99.0])
    new = _reports(tmp_path / "new", [100.0, 101.0, 99.0])
    path = new / "runs/bert/cpu/smoke/r3/result.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"p_core": 99.0', f'"p_core": {value}'), encoding="utf-8")
    assert main(["compare", str(base), str(new), "--html", "-"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    # the strict result loader refuses the record (NaN, inf, 1e400, a 400-digit integer) or the
    # gate refuses the value (text, a list): either way one line naming the file, exit 2
    assert len(err) == 1 and str(path) in err[0]
    assert "metric invalid" in err[0] or "unreadable result" in err[0]


@pytest.mark.parametrize("metrics", ["[1, 2]", '"text"', "[" * 100_000 + "]" * 100_000])
def test_cli_a_broken_record_is_named_and_fails_the_gate(tmp_path, capsys, metrics):
    base = _reports(tmp_path / "base", [100.0, 101.0, 99.0])
    new = _reports(tmp_path / "new", [100.0, 101.0, 99.0])
    path = new / "runs/bert/cpu/smoke/r3/result.json"
    text = path.read_text(encoding="utf-8")
    start = text.index('"metrics": {')
    end = text.index("}", start) + 1
    path.write_text(text[:start] + f'"metrics": {metrics}' + text[end:], encoding="utf-8")
    assert main(["compare", str(base), str(new), "--html", "-"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "r3" in err and "Traceback" not in err


def test_cli_base_mean_zero_is_one_line_exit_2(tmp_path, capsys):
    base = _reports(tmp_path / "base", [0.0, 0.0, 0.0])
    new = _reports(tmp_path / "new", [1.0, 1.0, 1.0])
    assert main(["compare", str(base), str(new), "--html", "-"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "base mean 0" in err[0]


def test_cli_bad_sides_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PERFKIT_REPORTS", str(tmp_path / "reports"))
    assert main(["compare", "../etc", "bert/cpu/x", "--html", "-"]) == 2
    assert main(["compare", str(tmp_path), "bert/cpu/x", "--html", "-"]) == 2
    assert main(["compare", "bert/cpu/a", "bert/cpu/b", "--threshold", "-1"]) == 2


def _special(tmp_path: Path, kind: str) -> Path:
    target = tmp_path / f"target-{kind}"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "symlink":
        (tmp_path / "victim.txt").write_text("keep me", encoding="utf-8")
        target.symlink_to(tmp_path / "victim.txt")
    elif kind == "dangling":
        target.symlink_to(tmp_path / "nowhere.html")
    elif kind == "folder":
        target.mkdir()
    elif kind == "chardev":
        if os.geteuid() != 0:
            pytest.skip("mknod of a character device needs root")
        os.mknod(target, 0o600 | __import__("stat").S_IFCHR, os.makedev(1, 3))
    return target


@pytest.mark.parametrize("kind", ["fifo", "symlink", "dangling", "folder", "chardev"])
def test_cli_html_never_replaces_a_special_file_or_follows_a_link(tmp_path, capsys, kind):
    base = _reports(tmp_path / "base", [100.0, 101.0, 99.0])
    new = _reports(tmp_path / "new", [100.0, 101.0, 99.0])
    target = _special(tmp_path, kind)
    before = os.lstat(target)
    assert main(["compare", str(base), str(new), "--html", str(target)]) == 2
    captured = capsys.readouterr()
    assert len(captured.err.strip().splitlines()) == 1 and "--html" in captured.err
    assert captured.out == ""  # refused before anything was printed
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    if kind == "symlink":
        assert (tmp_path / "victim.txt").read_text(encoding="utf-8") == "keep me"
    if kind == "dangling":
        assert not (tmp_path / "nowhere.html").exists()


def test_cli_html_replaces_a_regular_file_atomically(tmp_path, capsys):
    base = _reports(tmp_path / "base", [100.0, 101.0, 99.0])
    target = tmp_path / "page.html"
    target.write_text("old", encoding="utf-8")
    assert main(["compare", str(base), str(base), "--html", str(target)]) == EXIT_OK
    assert "性能对比" in target.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".page.html")] == []


def test_unreadable_results_are_named_not_silently_skipped(tmp_path, capsys):
    base = _reports(tmp_path / "base", [100.0, 101.0, 99.0])
    new = _reports(tmp_path / "new", [100.0, 101.0, 99.0])
    write_json_atomic(new / "runs/bert/cpu/smoke/r4/result.json", {"schema_version": 99})
    assert main(["compare", str(base), str(new), "--html", "-"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "r4/result.json" in err and "schema_version" in err


def test_page_escapes_every_value():
    from perfkit.comparison.page import html_page

    evil = "<script>alert(1)</script>"
    verdicts = V.compare_runs(_runs([1.0, 1.0], config=evil), _runs([1.0, 1.0], config=evil))
    page = html_page(verdicts, evil, evil, 0.05)
    assert "<script>" not in page and "&lt;script&gt;" in page


# --- per-step samples (--per-step) ----------------------------------------------------------


def _stepped(step_times: list[float], p_core: float = 100.0):
    result = _result(p_core=p_core)
    result.curves["step_time"] = step_times
    return result


def _wobble(level: float, n: int, seed: int) -> list[float]:
    import random

    rng = random.Random(seed)
    return [level * (1 + rng.gauss(0, 0.02)) for _ in range(n)]


def test_per_step_samples_judge_a_single_run_a_side_by_their_effective_size():
    base = [("b", _stepped(_wobble(0.10, 200, 1)))]
    slower = [("n", _stepped(_wobble(0.12, 200, 2)))]
    same = [("n", _stepped(_wobble(0.10, 200, 3)))]
    assert V.compare_runs(base, slower)[0].verdict == V.INCONCLUSIVE  # without --per-step: 1 repeat a side
    got = V.compare_runs(base, slower, per_step=True)[0]
    assert got.verdict == V.REGRESSED and got.metric == "step_time (per step)"  # step time up 20 %: worse
    assert got.change.n_eff_base > 30 and "n_eff" in got.notes[-1]
    assert V.compare_runs(base, same, per_step=True)[0].verdict == V.BELOW_THRESHOLD


def test_per_step_samples_that_drift_are_worth_few_values_and_stay_inconclusive():
    drift = [0.10 + 0.001 * i for i in range(200)]  # one long trend: r1 near 1, n_eff tiny
    got = V.compare_runs([("b", _stepped(drift))], [("n", _stepped([v * 1.2 for v in drift]))], per_step=True)[0]
    assert got.verdict == "inconclusive (n_eff<30)" and got.change.n_eff_base < 30


def test_per_step_values_that_are_not_numbers_are_metric_invalid():
    bad = _stepped(_wobble(0.1, 50, 1))
    bad.curves["step_time"][10] = "slow"
    got = V.compare_runs([("b", _stepped(_wobble(0.1, 50, 2)))], [("n/result.json", bad)], per_step=True)[0]
    assert got.verdict == V.METRIC_INVALID and got.notes == ("n/result.json: curves.step_time holds a value that is str, not a number",)


def test_cli_per_step(tmp_path, capsys):
    write_run(tmp_path / "base", _stepped(_wobble(0.10, 200, 1)), report_html=False)
    write_run(tmp_path / "new", _stepped(_wobble(0.13, 200, 2)), report_html=False)
    assert main(["compare", str(tmp_path / "base"), str(tmp_path / "new"), "--html", "-"]) == EXIT_INCONCLUSIVE
    assert main(["compare", str(tmp_path / "base"), str(tmp_path / "new"), "--html", "-", "--per-step"]) == 1
    assert "step_time (per step)" in capsys.readouterr().out


def test_an_ok_repeat_without_the_metric_is_named_not_left_out():
    new = _runs([100.0, 101.0, 102.0])
    del new[1][1].metrics["p_core"]
    got = V.compare_runs(_runs([100.0, 101.0, 102.0]), new)[0]
    assert got.verdict == V.METRIC_MISSING and got.notes == ("bert/cpu/smoke/r2: no metrics.p_core",)


def test_several_params_sets_that_pair_with_nothing_get_no_verdict():
    base = _runs([10.0, 10.1, 10.2], params_hash="a") + _runs([5.0, 5.1, 5.2], params_hash="b")
    new = _runs([10.0, 10.1, 10.2], params_hash="c")
    got = V.compare_runs(base, new)
    assert [v.verdict for v in got] == [V.PARAMS_DIFFER] * 3 and not any(v.gates for v in got)
    partly = V.compare_runs(base, _runs([10.0, 10.1, 10.2], params_hash="a") + _runs([1.0], params_hash="d"))
    assert sorted(v.verdict for v in partly) == sorted([V.BELOW_THRESHOLD, V.PARAMS_DIFFER])  # b ↔ d: one each
