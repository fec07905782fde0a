"""A result carries its benchmark's description (RunResult.benchmark_info), so reports and the
index render it without importing the benchmark: no PyTorch in the summary kernel or in
`perfkit report`, and a run of a benchmark whose plug-in is not installed here still shows."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from perfkit.results.benchmark_info import BenchmarkInfo
from perfkit.run.spec import initial_record, prepare

from support.fabricated import make_result, write_run

PLUGIN_INFO = {"name": "vendorbench", "title": "A vendor's own benchmark", "kind": "inference",
               "task": "语音识别", "model": "conformer-xl", "dataset": "an in-house set",
               "quality_metric": "wer_accuracy", "quality_label": "1 - WER", "notebook": "vendorbench.ipynb",
               "quality_column": ""}


def test_a_run_records_its_benchmarks_description(tmp_path):
    record = initial_record(prepare("bert", "cpu", "smoke", {}, tmp_path / "run"))
    info = BenchmarkInfo.from_dict(record.benchmark_info)
    assert info is not None and info.name == "bert" and info.quality_metric == "mlm_accuracy"
    assert json.loads(json.dumps(record.to_dict()))["benchmark_info"]["kind"] == "training"


@pytest.mark.parametrize("bad", [None, [], "x", {}, {**PLUGIN_INFO, "task": 3}, {**PLUGIN_INFO, "model": "m" * 501},
                                 {k: v for k, v in PLUGIN_INFO.items() if k != "quality_metric"}])
def test_a_description_that_is_not_one_is_ignored(bad):
    assert BenchmarkInfo.from_dict(bad) is None


def test_index_cells_render_a_plugin_run_without_torch_or_the_plugin(tmp_path):
    result = make_result(benchmark="vendorbench", config="x1", kind="inference",
                         metrics={"wer_accuracy": 0.91, "p_infer_core": 50.0})
    result.benchmark_info = dict(PLUGIN_INFO)
    write_run(tmp_path, result)
    script = f"""
import sys
import perfkit.cells.summary as ps
from perfkit.report import tables
site = ps.load({str(tmp_path)!r})
general = tables.inference_metric_list(site.results[0])._repr_html_()
html = ps.comparison(site).data
assert "conformer-xl" in general and "语音识别" in general, general
assert "vendorbench 指标值 Values" in html, html
loaded = sorted(m for m in sys.modules if m == "torch" or m.startswith("perfkit.benchmarks"))
print("LOADED", loaded)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stdout
