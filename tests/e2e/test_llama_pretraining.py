"""End to end: the Llama pre-training case on the CPU.

- `perfkit run llama --vendor cpu --config smoke` learns: the final loss is below the corpus's
  unigram entropy, and result.json has token/p/s and both MFUs with their formulas.
- 1x2 FSDP2 over gloo through the elastic launcher gives the same per-step losses as one
  process with the same global batch (LOSS_RTOL).
"""

from __future__ import annotations

import json
import re

import pytest

from perfkit.run.execute import execute
from perfkit.run.spec import prepare

from support.cli import run_cli

SMOKE_STEPS = 60  # fewer than the smoke's 150 (test time); the loss is below the unigram entropy by step ~25
FSDP_STEPS = 6
# 1x1 with 16 sequences and 1x2 FSDP with 8 per process see the same windows at every step in
# fp32; they differ only in the order gradients are summed (reduce-scatter vs one backward), so
# per-step losses agree to float rounding; held here to 1e-4 relative.
LOSS_RTOL = 1e-4


@pytest.fixture(scope="module")
def smoke(llama_data, tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports-llama")
    done = run_cli("run", "llama", "--vendor", "cpu", "--config", "smoke", "--set", f"data_dir={llama_data}",
                   "--set", f"max_steps={SMOKE_STEPS}", "--set", f"eval_interval={SMOKE_STEPS}", env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 0, done.stdout + done.stderr
    return reports, done


def test_the_cpu_smoke_learns_below_the_unigram_entropy(smoke):
    reports, done = smoke
    result = json.loads((reports / "runs/llama/cpu/smoke/result.json").read_text())
    metrics = result["metrics"]
    assert result["status"] == "ok" and metrics["steps"] == SMOKE_STEPS
    assert len(result["curves"]["loss"]) == SMOKE_STEPS
    # byte-level pydoc text: about 3.2 nats per token without context
    assert 2.5 < metrics["unigram_entropy"] < 4.0
    assert metrics["loss_below_unigram"] is True
    assert metrics["loss"] < metrics["unigram_entropy"] - 0.3
    assert result["curves"]["loss"][0] > metrics["unigram_entropy"]  # it started above: it learnt
    for key in ("tokens_per_card_s", "mfu", "mfu_attn"):
        assert isinstance(metrics[key], float) and metrics[key] > 0, key
    assert metrics["mfu_attn"] > metrics["mfu"]
    assert "6·N" in metrics["mfu_formula"] and "12·L·h·s" in metrics["mfu_attn_formula"]
    assert metrics["global_batch_tokens"] == 16 * 128 and metrics["chips"] == 1
    assert metrics["sharding"] == "single process, not sharded"
    assert "fp32" in metrics["precision_mode"] and metrics["attention"].startswith("SDPA")
    assert result["data"]["builder"] == "perfkit.data.build_llama/1"
    # perfkit run prints both, the loss and the unigram entropy, with token/p/s and the MFUs
    printed = done.stdout
    assert f"loss={metrics['loss']:.4g}" in printed and f"unigram_entropy={metrics['unigram_entropy']:.4g}" in printed
    assert "tokens_per_card_s=" in printed and "mfu_attn=" in printed


def test_the_index_shows_token_per_chip_and_mfu(smoke):
    reports, _ = smoke
    html = (reports / "index.html").read_text()
    metrics = json.loads((reports / "runs/llama/cpu/smoke/result.json").read_text())["metrics"]
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*llama/cpu/smoke(?:(?!</tr>).)*</tr>", html, re.S)
    assert row and "token/p/s" in html
    shown = re.sub(r"<[^>]+>", " ", row.group(0))  # what a reader sees in the run's row
    assert f" {metrics['tokens_per_card_s']:.1f} " in shown  # token/p/s
    assert f"{metrics['mfu'] * 100:.3g} % of" in shown  # MFU (6·N) with its peak


@pytest.fixture(scope="module")
def single(llama_data, tmp_path_factory):
    overrides = {"data_dir": str(llama_data), "max_steps": FSDP_STEPS, "eval_interval": FSDP_STEPS}
    return execute(prepare("llama", "cpu", "smoke", overrides, tmp_path_factory.mktemp("single")), progress=False)


def test_fsdp_over_two_processes_matches_one_process(llama_data, single, tmp_path):
    reports = tmp_path / "reports"
    done = run_cli("run", "llama", "--vendor", "cpu", "--config", "cpux1x2", "--no-index", "--quiet",
                   "--set", f"data_dir={llama_data}", "--set", f"max_steps={FSDP_STEPS}",
                   "--set", f"eval_interval={FSDP_STEPS}", env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((reports / "runs/llama/cpu/cpux1x2/result.json").read_text())
    metrics = result["metrics"]
    assert metrics["global_batch"] == single.metrics["global_batch"] == 16 and metrics["chips"] == 2
    assert metrics["sharding"].startswith("FSDP2 fully_shard over 2 processes (gloo): 2 decoder layers + root")
    assert result["curves"]["loss"] == pytest.approx(single.curves["loss"], rel=LOSS_RTOL)
    assert metrics["acc"] == pytest.approx(single.metrics["acc"], abs=1e-3)


def test_flagperf_llama3_8b_page_sits_beside_the_measured_run(smoke):
    from pathlib import Path

    from perfkit.importing.readme import parse_page
    from perfkit.report import compare
    from perfkit.results.store import load_result

    reports, _ = smoke
    page = parse_page(Path(__file__).parents[1] / "fixtures/flagperf/training__nvidia__llama3_8B-megatron__README.md")
    assert page.benchmark == "llama"
    measured = compare.measured_row(load_result(reports / "runs/llama/cpu/smoke/result.json"))
    table = compare.comparison_table([*compare.published_rows(page), measured], "training")
    rows = {row["source"]: row for row in table.to_dict("records")}
    # like for like, per chip: the page's token/p/s and MFU (6·N) and the run's, in the same columns
    assert rows["published"]["tokens_per_card_s"] and rows["measured"]["tokens_per_card_s"]
    assert rows["measured"]["mfu"] and rows["measured"]["loss"]
