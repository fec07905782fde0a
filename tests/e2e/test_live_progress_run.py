"""`perfkit run` shows the kernel's progress live on stderr, `--quiet` shows none, and the saved
notebook keeps at most 20 progress lines."""

from __future__ import annotations

import json
import re

from support.cli import run_cli

PROGRESS_LINE = re.compile(r"^bert: step \d+/\d+")


def _notebook_progress_lines(run_dir) -> list[str]:
    notebook = json.loads((run_dir / "notebook.ipynb").read_text())
    text = "".join("".join(out.get("text", "")) for cell in notebook["cells"] for out in cell.get("outputs", [])
                   if out.get("output_type") == "stream")
    return [line for line in text.splitlines() if PROGRESS_LINE.match(line)]


def _run(bert_data, reports, steps: int, *extra: str):
    sets = [f"data_dir={bert_data}", f"max_steps={steps}", "eval_interval=40"]
    return run_cli("run", "bert", "--vendor", "cpu", "--config", "smoke", "--no-index", "--no-html", *extra,
                   *[item for s in sets for item in ("--set", s)], env_extra={"PERFKIT_REPORTS": str(reports)})


def test_run_streams_a_bar_and_the_notebook_keeps_few_lines(bert_data, tmp_path):
    done = _run(bert_data, tmp_path, 40)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "bert/cpu/smoke:" in done.stderr and "40/40" in done.stderr and "loss=" in done.stderr
    assert "acc=" in done.stderr  # the last evaluation
    run_dir = tmp_path / "runs/bert/cpu/smoke"
    lines = _notebook_progress_lines(run_dir)
    assert 10 <= len(lines) <= 20 and lines[-1].startswith("bert: step 40/40 (100%)")
    assert not list(run_dir.glob(".progress*"))


def test_quiet_run_prints_no_bar(bert_data, tmp_path):
    done = _run(bert_data, tmp_path, 4, "--quiet")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "bert/cpu/smoke:" not in done.stderr and "step" not in done.stderr
    assert "bert/cpu/smoke: ok" in done.stdout
