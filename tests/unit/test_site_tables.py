"""The site's tables from fabricated results and imported pages: comparison, scaling, alignment,
repeats, flagged runs, CSV export, and escaping of everything shown."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from support.fabricated import SEEDS, make_result, write_run

from perfkit.files.writing import record_written
from perfkit.measure.metrics import scaling_efficiency
from perfkit.importing import parse_page, write_references
from perfkit.report import alignment, compare, repeats, scaling
from perfkit.report.site_data import TABLES_KIND, all_tables, load_site, write_csv_tables

EVIL = "<script>alert('x')</script>"


def test_scaling_efficiency_definition():
    assert scaling_efficiency(800.0, 100.0, 8) == 1.0
    assert scaling_efficiency(600.0, 100.0, 8) == pytest.approx(0.75)


def test_scaling_table_uses_the_mean_of_repeats_and_the_smallest_config():
    rows = [
        compare.measured_row(make_result(config="a", metrics={"p_core": 100.0})),
        compare.measured_row(make_result(config="a", metrics={"p_core": 120.0})),  # a repeat of a
        compare.measured_row(make_result(config="b", nproc=8, metrics={"p_core": 770.0})),
        compare.measured_row(make_result(config="c", nnodes=2, nproc=8, metrics={"p_core": 1320.0})),
        compare.measured_row(make_result(config="d", nproc=4, status="failed")),  # no throughput: left out
    ]
    records = {r["topology"]: r for r in scaling.scaling_rows(rows)}
    assert set(records) == {"1x1", "1x8", "2x8"}
    assert records["1x1"]["runs"] == 2 and records["1x1"]["throughput"] == 110.0
    assert records["1x8"]["efficiency"] == pytest.approx(770 / (110 * 8))
    assert records["2x8"]["efficiency"] == pytest.approx(1320 / (110 * 16))
    assert {r["throughput key"] for r in records.values()} == {"p_core"}


def test_published_scaling_from_seed_002():
    page = parse_page(next(SEEDS.glob("002_*.txt")))
    records = scaling.scaling_rows(compare.published_rows(page))
    assert [(r["topology"], r["throughput key"]) for r in records] == [("1x1", "throughput"), ("1x8", "throughput")]
    assert records[1]["efficiency"] == pytest.approx(118.45 / (17.0 * 8))


def test_mean_relative_loss_error():
    assert alignment.mean_relative_loss_error([1.1, 2.2], [1.0, 2.0]) == pytest.approx(0.1)
    assert alignment.mean_relative_loss_error([1.0, None, 3.0, 9.0], [1.0, 2.0, 3.0]) == 0.0  # common steps only
    assert alignment.mean_relative_loss_error([], [1.0]) is None


def test_alignment_flags_over_two_percent_against_the_chosen_reference():
    loss = [4.0, 3.0, 2.0, 1.0]
    runs = [
        ("bert/cpu/a", make_result(config="a", loss=loss)),
        ("bert/cpu/b", make_result(config="b", loss=[v * 1.01 for v in loss])),
        ("bert/cpu/c", make_result(config="c", loss=[v * 1.03 for v in loss])),
    ]
    by_run = {r["run"]: r for r in alignment.alignment_rows(runs)}
    assert by_run["bert/cpu/b"]["reference"] == "bert/cpu/a"  # default: the first ok run
    assert by_run["bert/cpu/b"]["flag"] == "ok" and by_run["bert/cpu/c"]["flag"] == "over 2%"
    assert by_run["bert/cpu/c"]["mean relative loss error"] == pytest.approx(0.03)
    chosen = {r["run"]: r for r in alignment.alignment_rows(runs, "bert/cpu/c")}
    assert set(chosen) == {"bert/cpu/a", "bert/cpu/b"} and chosen["bert/cpu/a"]["reference"] == "bert/cpu/c"


def test_repeats_mean_std_cv():
    results = [make_result(config="a", metrics={"p_core": v}) for v in (90.0, 100.0, 110.0)]
    results.append(make_result(config="a", status="failed"))  # not counted
    results.append(make_result(config="lonely"))  # one run: no spread
    rows = {r["metric"]: r for r in repeats.repeat_rows(results)}
    assert rows["p_core"]["n"] == 3
    assert rows["p_core"]["mean"] == pytest.approx(100.0)
    assert rows["p_core"]["std"] == pytest.approx(10.0)
    assert rows["p_core"]["cv"] == pytest.approx(0.1)
    assert {r["config"] for r in repeats.repeat_rows(results)} == {"a"}
    frame = repeats.repeats_table(results)
    assert frame[frame["metric"] == "p_core"].iloc[0]["mean ± std"] == "100.00 ± 10.00"
    assert frame[frame["metric"] == "p_core"].iloc[0]["CV"] == "10.00%"


def _site(tmp_path: Path) -> Path:
    reports = tmp_path / "reports"
    write_run(reports, make_result(config="x1", loss=[3.0, 2.0, 1.0]))
    write_run(reports, make_result(config="x1", loss=[3.0, 2.0, 1.0], metrics={"p_core": 104.0}), repeat="r2")
    write_run(reports, make_result(config="x8", nproc=8, metrics={"p_core": 700.0}))
    write_run(reports, make_result(config="bad", status="failed", error={"type": "FloatingPointError", "message": "loss is nan", "step": 7}))
    write_run(reports, make_result(config="odd", nonstandard=["seq_len"]))
    write_references([parse_page(p) for p in sorted(SEEDS.glob("*.txt"))], reports / "references")
    return reports


def test_comparison_shows_published_beside_measured(tmp_path):
    site = load_site(_site(tmp_path))
    tables = all_tables(site)
    bert = tables["bert_comparison"]
    assert set(bert["source"]) == {"measured", "published"}
    published = bert[bert["source"] == "published"]
    assert set(published["vendor"]) == {"kunlunxin", "iluvatar"}
    r300_1x8 = published[published["配置"] == "R300单机8卡（1x8）"].iloc[0]
    assert r300_1x8["acc"] == "0.3600" and r300_1x8["mem"] == "26.50/32.0" and r300_1x8["p_core"] == ""
    assert published[published["from"].str.startswith("002_")]["性能(samples/s)"].tolist() == ["17.00", "118.45", ""]
    assert {"glm_comparison", "mobilenetv2_comparison", "bert_inference_comparison"} <= set(tables)
    inference = tables["bert_inference_comparison"]
    assert inference.iloc[1]["infer_time"] == "831μs" and inference.iloc[0]["acc"] == "0.5990/0.6380"
    flagged = tables["flagged"].set_index("run")
    assert flagged.loc["bert/cpu/bad", "reason"] == "FloatingPointError: loss is nan (step 7)"
    assert flagged.loc["bert/cpu/odd", "standard"] == "no †"
    runs = tables["runs"].set_index("run")
    assert runs.loc["bert/cpu/x1/r2", "report"] == "runs/bert/cpu/x1/r2/report.html"


def test_csv_tables_are_written_and_stale_ones_removed(tmp_path):
    """A CSV perfkit wrote (listed in tables/.perfkit-owned.json) whose table is gone is removed;
    a CSV the user put there is kept."""
    reports = _site(tmp_path)
    stale = reports / "tables" / "gone.csv"
    stale.parent.mkdir(parents=True)
    stale.write_text("old\n")
    record_written(stale.parent, ["gone.csv"], kind=TABLES_KIND, root=reports)
    mine = reports / "tables" / "mine.csv"
    mine.write_text("user\n")
    written = write_csv_tables(load_site(reports))
    names = {p.name for p in written}
    assert {"runs.csv", "bert_comparison.csv", "scaling.csv", "repeats.csv", "alignment.csv", "flagged.csv"} <= names
    assert not stale.exists()
    assert mine.read_text() == "user\n"
    with (reports / "tables" / "scaling.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    measured = [r for r in rows if r["source"] == "measured"]
    assert [(r["topology"], r["runs"]) for r in measured] == [("1x1", "2"), ("1x8", "1")]
    assert [round(float(r["efficiency"]), 3) for r in measured] == [1.0, 0.858]  # raw numbers, not rounded text


def test_every_string_is_escaped(tmp_path):
    import perfkit.cells.summary as ps

    reports = tmp_path / "reports"
    write_run(reports, make_result(config=EVIL, vendor=EVIL, status="failed", nonstandard=[EVIL],
                                   error={"type": EVIL, "message": EVIL}, loss=[1.0, 2.0]))
    write_run(reports, make_result(config="ok", loss=[1.0, 2.0]))
    page = tmp_path / "evil.md"
    page.write_text(f"### 昆仑芯 {EVIL}\n- ##### 硬件环境\n  - 加速卡型号: {EVIL}\n\n"
                    f"| 配置 | precision | p_core |\n| --- | --- | --- |\n| {EVIL}（1x1） | {EVIL} | 5 |\n", encoding="utf-8")
    write_references([parse_page(page, benchmark="bert")], reports / "references")
    site = ps.load(str(reports))
    html_parts = [ps.runs_table(site).data, ps.flagged(site).data, ps.comparison(site).data,
                  ps.scaling(site).data, ps.alignment(site).data, ps.repeats(site).data]
    joined = "".join(html_parts)
    assert "<script>" not in joined
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in joined


def test_redacted_csv_has_no_home_path(tmp_path):
    from perfkit.report.redact import current_identity

    home = current_identity().home
    reports = tmp_path / "reports"
    write_run(reports, make_result(config="x", status="failed", error={"type": "OSError", "message": f"cannot open {home}/secret/data"}))
    write_csv_tables(load_site(reports), redacted=True)
    text = (reports / "tables" / "flagged.csv").read_text(encoding="utf-8")
    assert "cannot open ~/secret/data" in text and f"{home}/secret" not in text
