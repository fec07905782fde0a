"""Hostile and oversized result.json files against every reader: ``report --markdown``,
``compare``, ``perfkit.report.load()`` and the index's scan (which ``report`` uses).

A reader given the bad file directly (``compare path/result.json``) exits 2 with one line
naming it; a reader scanning a tree skips it with one warning line naming it and goes on with
the good runs. Nothing is silently missing, nothing is a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfkit.cli import main
from perfkit.files.json_strict import loads_strict
from perfkit.results.curves import MAX_CURVE_POINTS, bounded_curves
from perfkit.results.store import (
    RESULT_LIMIT,
    ResultFileError,
    load_result,
    load_results,
    write_json_atomic,
)
from support.fabricated import make_result

GOOD = ("bert", "cpu", "smoke")
BAD = ("bert", "cpu", "hostile")


def _good_record() -> dict:
    return make_result(*GOOD).to_dict()


def _deep(kind: str, depth: int) -> str:
    return ("[" * depth + "]" * depth) if kind == "list" else ('{"a":' * depth + "1" + "}" * depth)


# each case: the raw text of result.json, and a fragment of the one line naming what is wrong
def _with(**fields) -> str:
    record = _good_record()
    for key, value in fields.items():
        if "." in key:
            outer, inner = key.split(".", 1)
            record[outer][inner] = value
        else:
            record[key] = value
    return json.dumps(record)


def _raw_metric(text: str) -> str:
    """The good record with ``metrics.p_core`` replaced by raw JSON text (NaN, 10**400, …)."""
    return _with(**{"metrics.p_core": "@@"}).replace('"@@"', text)


CASES = {
    "metrics_is_a_list": (_with(metrics=[1, 2, 3]), "metrics"),
    "p_core_10_pow_400": (_raw_metric(str(10**400)), "out of range"),
    "p_core_1e999": (_raw_metric("1e999"), "out of range"),
    "p_core_text_1e999": (_with(**{"metrics.p_core": "1e999"}), "p_core"),
    "p_core_text_nan": (_with(**{"metrics.p_core": "nan"}), "p_core"),
    "p_core_nan": (_raw_metric("NaN"), "NaN"),
    "p_core_infinity": (_raw_metric("Infinity"), "Infinity"),
    "p_core_minus_infinity": (_raw_metric("-Infinity"), "Infinity"),
    "p_core_a_list": (_with(**{"metrics.p_core": [1.0]}), "p_core"),
    "mfu_text_inf": (_with(**{"metrics.mfu": "-inf"}), "mfu"),
    "whole_file_100k_deep": (_deep("list", 100_000), "nested deeper"),
    "metrics_100k_deep": (_raw_metric(_deep("dict", 100_000)), "nested deeper"),
    "curves_10k_deep_list": (_with(curves={"loss": "@@"}).replace('"@@"', _deep("list", 10_000)), "nested deeper"),
    "top_level_list": ("[1, 2, 3]", "JSON object"),
    "top_level_string": ('"result"', "JSON object"),
    "schema_version_text": (_with(schema_version="2"), "schema_version"),
    "schema_version_huge": (_with(schema_version="@@").replace('"@@"', "9" * 5000), "out of range"),
    "benchmark_not_text": (_with(benchmark=["bert"]), "benchmark"),
    "curves_not_lists": (_with(curves={"loss": "1, 2, 3"}), "curves"),
    "run_is_text": (_with(run="fast"), "run"),
    "not_json": ('{"schema_version": 2,', "is not JSON"),
    "not_utf8": (b'{"benchmark": "\xff"}', "UTF-8"),
}


def _write(folder: Path, names: tuple[str, str, str], text: str | bytes) -> Path:
    path = folder / "runs" / Path(*names) / "result.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


@pytest.fixture
def tree(tmp_path, monkeypatch):
    reports = tmp_path / "reports"
    write_json_atomic(reports / "runs" / Path(*GOOD) / "result.json", _good_record())
    monkeypatch.setenv("PERFKIT_REPORTS", str(reports))
    monkeypatch.setenv("PERFKIT_DATA", str(tmp_path / "cache"))
    return reports


def _one_warning_naming(err: str, path: Path) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    warnings = [line for line in lines if line.startswith("perfkit: warning: ")]
    assert len(warnings) == 1 and str(path) in warnings[0], lines
    assert not any("Traceback" in line for line in lines), lines


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hostile_result_is_refused_in_one_line_when_given_directly(name, tree, capsys):
    text, fragment = CASES[name]
    path = _write(tree, BAD, text)
    with pytest.raises(ResultFileError) as caught:
        load_result(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)
    assert fragment in str(caught.value), str(caught.value)
    capsys.readouterr()
    assert main(["compare", str(path), str(tree)]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("perfkit: error: ") and str(path) in err[0], err


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hostile_result_in_a_tree_is_skipped_with_a_warning_by_every_reader(name, tree, tmp_path, capsys):
    import perfkit.report

    text, _ = CASES[name]
    path = _write(tree, BAD, text)
    capsys.readouterr()
    frame = perfkit.report.load(tree)
    assert list(frame["config"]) == ["smoke"]
    _one_warning_naming(capsys.readouterr().err, path)

    assert main(["report", "--markdown", "--reports", str(tree)]) == 0
    _one_warning_naming(capsys.readouterr().err, path)

    baseline = tmp_path / "baseline"
    write_json_atomic(baseline / "runs" / Path(*GOOD) / "result.json", _good_record())
    code = main(["compare", str(baseline), str(tree)])
    assert code == 2  # a gate never passes over a record it could not read: named, exit 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and str(path) in lines[0] and "unreadable result" in lines[0], lines


def test_a_result_over_the_limit_is_named_not_silently_missing(tree, capsys):
    path = _write(tree, BAD, '{"pad": "' + "x" * (RESULT_LIMIT + 10) + '"}')
    assert [p for p, _ in load_results([path, tree / "runs" / Path(*GOOD) / "result.json"])] != []
    _one_warning_naming(capsys.readouterr().err, path)


def test_the_writer_stays_far_below_the_reader_limit_for_the_longest_run(tmp_path):
    """max_steps allows 1e8: the curves of a long run are stored in bounded form (their size does
    not grow with the steps past MAX_CURVE_POINTS; 2 million steps, about 500 times that), and the
    file reads back."""
    steps = 2_000_000
    loss = [2.0 + (i % 977) / 1000 for i in range(steps)]
    record = make_result(*GOOD).to_dict()
    record["curves"] = bounded_curves({"loss": loss, "step_time": loss, "compute_time": loss, "data_time": loss,
                                       "eval": [{"step": i, "quality": 0.1} for i in range(0, steps, 100)]})
    path = tmp_path / "result.json"
    write_json_atomic(path, record)
    assert path.stat().st_size < RESULT_LIMIT // 4
    result = load_result(path)
    assert len(result.curves["loss"]) <= MAX_CURVE_POINTS
    assert result.curves["downsampled"]["loss"] == steps
    kept = result.curves["loss_index"]
    assert kept[0] == 0 and kept[-1] == steps - 1
    assert min(result.curves["loss"]) == min(loss) and max(result.curves["loss"]) == max(loss)


def test_a_record_with_a_64_bit_seed_and_extreme_finite_numbers_loads(tmp_path):
    record = _good_record()
    record["run"]["params"]["seed"] = (1 << 64) - 1
    record["metrics"].update({"p_core": 1.7976931348623157e308, "e2e_time": 5e-324, "mfu": -0.0})
    path = tmp_path / "result.json"
    write_json_atomic(path, record)
    assert load_result(path).run["params"]["seed"] == (1 << 64) - 1


def test_short_curves_are_stored_whole():
    curves = {"loss": [3.0, 2.0, 1.0], "eval": []}
    assert bounded_curves(curves) == curves


# -- property: whatever the JSON, the loader returns a record or one line ---------------------
json_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
    st.sampled_from(["nan", "inf", "1e999", "-Infinity", "NaN"]),
)
json_values = st.recursive(json_leaves, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=16)
FIELDS = ["metrics", "curves", "run", "environment", "hardware", "data", "benchmark", "schema_version", "error",
          "kind", "seeds", "metrics.p_core", "metrics.acc", "metrics.mem", "run.params", "curves.loss"]
RAW = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e999", str(10**400), "[" * 5000 + "]" * 5000])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=json_values, raw=st.none() | RAW)
def test_any_record_loads_or_is_refused_in_one_line_and_loads_into_the_table(tmp_path, field, value, raw):
    from perfkit.report.frame import results_table

    record = _good_record()
    outer, _, inner = field.partition(".")
    if inner:
        if not isinstance(record.get(outer), dict):
            record[outer] = {}
        record[outer][inner] = "@@" if raw else value
    else:
        record[outer] = "@@" if raw else value
    text = json.dumps(record).replace('"@@"', raw) if raw else json.dumps(record)
    path = tmp_path / "result.json"
    path.write_text(text, encoding="utf-8")
    try:
        result = load_result(path)
    except ResultFileError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
        return
    results_table([("bert/cpu/smoke", result)])  # no exception from what the loader let through


@settings(max_examples=80, deadline=None)
@given(depth=st.integers(1, 300), kind=st.sampled_from(["list", "dict"]))
def test_json_nesting_is_bounded_before_parsing(depth, kind):
    from perfkit.errors import UserError

    text = _deep(kind, depth)
    try:
        loads_strict(text, "x.json")
    except UserError as exc:
        assert depth > 64 and "nested deeper" in str(exc)
    else:
        assert depth <= 64


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


bracket_text = st.text(alphabet='[]{}"\\ab', max_size=12)  # strings full of brackets, quotes and escapes


@settings(max_examples=200, deadline=None)
@given(value=st.recursive(st.none() | st.integers() | bracket_text,
                          lambda inner: st.lists(inner, max_size=4) | st.dictionaries(bracket_text, inner, max_size=4),
                          max_leaves=20),
       indent=st.none() | st.integers(0, 2))
def test_the_nesting_count_sees_only_brackets_outside_strings(value, indent):
    from perfkit.files.json_strict import nesting_depth

    assert nesting_depth(json.dumps(value, indent=indent), 64) == _depth(value)


def _longest_int(value) -> int:
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int):
        return len(str(abs(value)))
    if isinstance(value, list):
        return max((_longest_int(v) for v in value), default=0)
    if isinstance(value, dict):
        return max((_longest_int(v) for v in value.values()), default=0)
    return 0


digit_text = st.text(alphabet='0123456789.eE-+"\\ ', max_size=30)  # strings that look like numbers
big_ints = st.integers(min_value=-(10**30), max_value=10**30)
finite_floats = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([1e300, -1.5e-300, 123456789012345678901234.5])


@settings(max_examples=200, deadline=None)
@given(value=st.recursive(st.none() | big_ints | finite_floats | digit_text,
                          lambda inner: st.lists(inner, max_size=4) | st.dictionaries(digit_text, inner, max_size=4),
                          max_leaves=20),
       indent=st.none() | st.integers(0, 2))
def test_integers_are_bounded_by_their_digits_and_nothing_else_is(value, indent):
    """An integer of over MAX_INT_DIGITS digits is refused, naming its length; floats of any
    length of text and strings of digits are read as they are."""
    from perfkit.errors import UserError
    from perfkit.files.json_strict import MAX_INT_DIGITS

    text = json.dumps(value, indent=indent)
    longest = _longest_int(value)
    try:
        loaded = loads_strict(text, "x.json")
    except UserError as exc:
        assert longest > MAX_INT_DIGITS, exc
        assert f"an integer of {longest} digits is out of range" in str(exc)
    else:
        assert longest <= MAX_INT_DIGITS
        assert loaded == json.loads(text)
