"""`perfkit compare`: the bootstrap interval, the verdicts and the exit code on fabricated repeats."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.fabricated import make_result, write_run
from perfkit.cli import main
from perfkit.comparison.stats import bootstrap_interval, compare_samples, relative_change
from perfkit.comparison.verdicts import FAILED, IMPROVED, REGRESSED, UNCHANGED, compare_runs


def test_relative_change_and_degenerate_interval():
    assert relative_change([100.0, 100.0], [110.0, 110.0]) == pytest.approx(0.10)
    low, high = bootstrap_interval([100.0] * 3, [110.0] * 3)
    assert low == pytest.approx(0.10) and high == pytest.approx(0.10)


def test_interval_matches_the_exact_resampling_distribution():
    # base always means 1; new = [1, 3] resamples to means 1, 2, 3 with chances 1/4, 1/2, 1/4,
    # so the change is 0, 1 or 2 and its central 95 % spans exactly [0, 2].
    low, high = bootstrap_interval([1.0, 1.0], [1.0, 3.0])
    assert (low, high) == (0.0, 2.0)
    # a 40 % interval of the same distribution holds only the middle value
    assert bootstrap_interval([1.0, 1.0], [1.0, 3.0], confidence=0.4) == (1.0, 1.0)


def test_interval_is_reproducible_and_holds_the_estimate():
    base, new = [100.0, 103.0, 98.0, 101.0], [95.0, 97.0, 94.0, 99.0]
    change = compare_samples(base, new)
    assert change == compare_samples(base, new)
    assert change.low <= change.change <= change.high and change.significant
    assert compare_samples([1.0], [2.0]).has_interval is False


def _runs(values: list[float], config: str = "smoke") -> list:
    return [(f"bert/cpu/{config}/r{i + 1}", make_result(config=config, metrics={"p_core": v})) for i, v in enumerate(values)]


def test_verdicts_for_known_differences():
    base = [100.0, 101.0, 99.0, 100.5, 99.5]
    assert compare_runs(_runs(base), _runs([v * 0.9 for v in base]))[0].verdict == REGRESSED
    assert compare_runs(_runs(base), _runs([v * 1.1 for v in base]))[0].verdict == IMPROVED
    assert compare_runs(_runs(base), _runs([100.2, 99.8, 100.4, 99.6, 100.0]))[0].verdict == UNCHANGED
    noisy = compare_runs(_runs([100.0, 60.0, 140.0]), _runs([90.0, 50.0, 140.0]))[0]
    assert noisy.verdict != REGRESSED and not noisy.change.significant  # 7 % worse, but within the noise
    lower = compare_runs(_runs([10.0, 10.1]), _runs([10.0, 10.1]), metric="e2e_time")[0]
    assert lower.metric == "e2e_time"


def test_a_failed_new_side_gates():
    base = _runs([100.0, 101.0])
    new = [("bert/cpu/smoke", make_result(status="failed", error={"type": "E", "message": "x"}))]
    verdict = compare_runs(base, new)[0]
    assert verdict.verdict == FAILED and verdict.gates


def _reports(root: Path, values: list[float], config: str = "smoke") -> Path:
    for i, v in enumerate(values):
        write_run(root, make_result(config=config, metrics={"p_core": v}), repeat="" if i == 0 else f"r{i + 1}")
    return root


def test_cli_exits_1_on_a_regression_and_writes_an_escaped_page(tmp_path, capsys):
    base = _reports(tmp_path / "base", [100.0, 101.0, 99.0, 100.5])
    new = _reports(tmp_path / "new", [90.0, 91.0, 89.0, 90.5])
    page = tmp_path / "out" / "cmp.html"
    assert main(["compare", str(base), str(new), "--html", str(page)]) == 1
    out = capsys.readouterr().out
    assert "REGRESSION" in out and "bert/cpu/smoke" in out and "-9.99" in out
    text = page.read_text(encoding="utf-8")
    assert "REGRESSION" in text and "<script" not in text and "http" not in text.replace('http-equiv', '')


def test_cli_exits_0_without_a_difference(tmp_path, capsys):
    base = _reports(tmp_path / "base", [100.0, 101.0, 99.0])
    new = _reports(tmp_path / "new", [100.5, 99.5, 100.0])
    assert main(["compare", str(base), str(new), "--html", "-"]) == 0
    assert "no regression beyond 5%" in capsys.readouterr().out


def test_cli_threshold_and_run_ids(tmp_path, monkeypatch, capsys):
    reports = tmp_path / "reports"
    _reports(reports, [100.0, 100.5, 99.5], config="old")
    _reports(reports, [96.0, 96.5, 95.5], config="new")
    monkeypatch.setenv("PERFKIT_REPORTS", str(reports))
    assert main(["compare", "bert/cpu/old", "bert/cpu/new", "--html", "-"]) == 0  # 4 % < 5 %
    assert main(["compare", "bert/cpu/old", "bert/cpu/new", "--threshold", "3", "--html", "-"]) == 1
    assert "old → new" in capsys.readouterr().out
    assert (reports / "compare.html").exists() is False


def test_cli_bad_sides_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PERFKIT_REPORTS", str(tmp_path / "reports"))
    assert main(["compare", "../etc", "bert/cpu/x", "--html", "-"]) == 2
    assert main(["compare", str(tmp_path), "bert/cpu/x", "--html", "-"]) == 2
    assert main(["compare", "bert/cpu/a", "bert/cpu/b", "--threshold", "-1"]) == 2


def test_page_escapes_every_value():
    from perfkit.comparison.page import html_page

    evil = "<script>alert(1)</script>"
    verdicts = compare_runs(_runs([1.0, 1.0], config=evil), _runs([1.0, 1.0], config=evil))
    page = html_page(verdicts, evil, evil, 0.05)
    assert "<script>" not in page and "&lt;script&gt;" in page
