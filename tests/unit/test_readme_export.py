"""`perfkit report --markdown` writes the seeds' README structure; importing it gives the numbers back."""

from __future__ import annotations

import pytest
from support.fabricated import make_result, write_run

from perfkit.cli import main
from perfkit.importing import parse_page
from perfkit.report.markdown import readme_text


def test_readme_has_the_seed_structure():
    text = readme_text("bert", "cpu", [make_result()])
    for part in ("配置与运行信息参考", "#### 环境配置", "- ##### 硬件环境", "- ##### 软件环境", "#### 运行情况",
                 "* 通用指标", "* 性能指标", "| 配置 | precision | fix_hp | e2e_time | p_whole | p_train | p_core | mlm_accuracy | mem |"):
        assert part in text, part
    assert "OS版本: Debian GNU/Linux 12" in text
    assert "| 额外修改项 | 无 | / |" in text
    assert "| CPU单机单卡（1x1） smoke | fp32 | bs=16,lr=1e-04 | 12.3 | 80.00 | 90.00 | 100.00 | 0.2500 | 1.25/8.0 |" in text


def test_export_then_import_gives_the_same_numbers(tmp_path, capsys):
    reports = tmp_path / "reports"
    results = [
        make_result(config="x1", metrics={"p_core": 101.25, "p_train": 95.5, "p_whole": 70.75, "e2e_time": 33.4, "acc": 0.4321}),
        make_result(config="x2", nproc=2, metrics={"p_core": 190.5, "acc": 0.4125, "mem_peak_gib": 2.5}),
        make_result(config="x4", nnodes=2, nproc=2, status="failed", error={"type": "RuntimeError", "message": "boom | pipe"}),
        make_result(benchmark="bert", vendor="other", config="y", metrics={"p_core": 5.0}),
    ]
    for r in results:
        write_run(reports, r)
    assert main(["report", "--markdown", "--reports", str(reports)]) == 0
    written = capsys.readouterr().out.split()
    assert sorted(written) == sorted(str(reports / "readme" / "bert" / v / "README.md") for v in ("cpu", "other"))

    page = parse_page(reports / "readme" / "bert" / "cpu" / "README.md")
    assert (page.benchmark, page.vendor, page.kind) == ("bert", "cpu", "training")
    assert [r.topology for r in page.rows] == ["1x1", "1x2", "2x2"]
    one, two, failed = page.rows
    assert one.metrics["p_core"] == 101.25 and one.metrics["p_train"] == 95.5 and one.metrics["p_whole"] == 70.75
    assert one.metrics["e2e_time"] == 33.4 and one.metrics["acc"] == 0.4321
    assert (one.metrics["mem_peak_gib"], one.metrics["mem_total_gib"]) == (1.25, 8.0)
    assert one.metrics["fix_hp_values"] == {"bs": 16, "lr": 1e-4}
    assert two.metrics["p_core"] == 190.5 and two.metrics["mem_peak_gib"] == 2.5
    assert failed.metrics["p_core"] is None and failed.metrics["acc"] is None  # blank, not zero
    assert page.hardware["加速卡型号"] == "Host CPU"
    both = sorted((reports / "readme").glob("bert/*/README.md"))
    assert main(["import", *map(str, both), "--reports", str(reports)]) == 0
    assert sorted(p.name for p in (reports / "references").iterdir()) == ["bert-cpu.json", "bert-other.json"]


def test_inference_rows_roundtrip(tmp_path):
    result = make_result(benchmark="bert_inference", metrics={
        "p_infer_core": 301.0, "p_infer_whole": 293.0, "p_val_core": 257.0, "p_val_whole": 251.0,
        "infer_time": 831e-6, "acc": 0.599, "acc_val": 0.638, "byte_per_batch": 32768, "e2e_time": 468.6})
    text = readme_text("bert_inference", "cpu", [result])
    assert "* 指标值" in text and "831μs" in text and "0.5990/0.6380" in text
    path = tmp_path / "README.md"
    path.write_text(text, encoding="utf-8")
    row = parse_page(path).rows[0]
    assert row.metrics["infer_time"] == pytest.approx(831e-6)
    assert (row.metrics["acc"], row.metrics["acc_val"], row.metrics["p_infer_core"]) == (0.599, 0.638, 301.0)
    assert row.metrics["byte_per_batch"] == 32768 and row.metrics["batch_size"] == 16
