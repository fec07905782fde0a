"""Progress: a long run leaves at most 20 plain lines in the notebook; the kernel's feed drives
the host's live bar; a disabled bar says nothing."""

from __future__ import annotations

import io
import json

import pytest

from perfkit.jobs.live_progress import LiveBar, live_progress
from perfkit.run import progress as kernel_progress
from perfkit.run.progress import MAX_LINES, Feed, NotebookLines, Progress


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("total", [1, 7, 19, 20, 21, 100, 14_400, 1_000_003])
def test_a_run_of_any_length_leaves_at_most_20_lines(total):
    stream, clock = io.StringIO(), FakeClock()
    lines = NotebookLines(total, stream, "bert", clock=clock)
    for step in range(1, total + 1):
        clock.now += 0.5
        lines.update(step, f"loss={1 / step:.3f}")
    lines.close()
    printed = stream.getvalue().splitlines()
    assert 1 <= len(printed) <= MAX_LINES
    assert len(printed) == min(total, MAX_LINES - 1)  # a mark each ~5%, the last at the end
    assert printed[-1].startswith(f"bert: step {total}/{total} (100%)") and "eta" not in printed[-1]
    steps = [int(line.split()[2].split("/")[0]) for line in printed]
    assert steps == sorted(set(steps))


def test_lines_carry_eta_loss_and_the_last_eval():
    stream, clock = io.StringIO(), FakeClock()
    bar = Progress(100, True, "bert", "loss", "step", stream)
    bar.lines.clock = clock
    clock.now = 600.0  # data and model loading before the first step: not in the ETA
    for step in range(1, 101):
        clock.now = 600.0 + step * 2.0
        bar(step, 5.0 - step / 50, 0.25 if step == 10 else None)
    bar.close()
    printed = stream.getvalue().splitlines()
    assert printed[0] == "bert: step 6/100 (6%) loss=4.88 elapsed 00:10 eta 03:08", printed[0]
    assert printed[-1].startswith("bert: step 100/100 (100%) loss=3 acc=0.2500 elapsed 03:18")
    assert "acc=0.2500" in printed[-1] and "acc" not in printed[0]  # the last eval stays shown


def test_disabled_progress_prints_and_writes_nothing(tmp_path):
    stream = io.StringIO()
    bar = Progress(50, False, "bert", "loss", "step", stream, str(tmp_path / "feed"))
    for step in range(1, 51):
        bar(step, 1.0, None)
    bar.close()
    assert stream.getvalue() == "" and not (tmp_path / "feed").exists()


def test_feed_is_throttled_and_ends_with_the_last_step(tmp_path):
    clock, path = FakeClock(), tmp_path / "feed.jsonl"
    feed = Feed(str(path), 1000, "bert", "step", "loss", clock=clock)
    for step in range(1, 1001):
        clock.now = step * 0.01  # 10 s in all
        feed.update(step, 2.0, None)
    feed.close()
    sent = [json.loads(line) for line in path.read_text().splitlines()]
    assert 15 <= len(sent) <= 22 and sent[0]["n"] == 1 and sent[-1]["n"] == 1000
    assert sent[-1]["total"] == 1000 and sent[-1]["unit"] == "step" and sent[-1]["value"] == 2.0


def test_a_nan_loss_does_not_break_the_feed(tmp_path):
    path = tmp_path / "feed.jsonl"
    feed = Feed(str(path), 3, "bert", "step", "loss")
    feed.update(1, float("nan"), None)
    feed.close()
    assert path.read_text() == ""


def test_live_bar_follows_the_feed_and_skips_garbage(tmp_path):
    path, out = tmp_path / "feed.jsonl", io.StringIO()
    bar = LiveBar(path, out, "bert/cpu/smoke")
    path.write_text(json.dumps({"n": 3, "total": 10, "unit": "step", "value_name": "loss", "value": 1.5, "acc": None})
                    + "\nnot json\n[1, 2]\n" + '{"n": "x", "total": 10}\n' + '{"n": 5, "tot')
    assert bar.read_new() == 1 and bar.bar.n == 3
    with path.open("a") as file:
        file.write('al": 10, "value": 1.25, "acc": 0.5, "value_name": "loss"}\n')
    assert bar.read_new() == 1 and bar.bar.n == 5
    bar.close()
    text = out.getvalue()
    assert "bert/cpu/smoke" in text and "5/10" in text and "loss=1.25" in text and "acc=0.5000" in text


def test_kernel_progress_reaches_the_host_bar(tmp_path, monkeypatch):
    out = io.StringIO()
    with live_progress(tmp_path / ".progress.jsonl", "bert_inference/cpu/smoke", True, out) as env:
        monkeypatch.setenv(kernel_progress.FEED_ENV, env[kernel_progress.FEED_ENV])
        notebook = io.StringIO()
        bar = Progress.from_env(8, True, "bert_inference", "latency_s", "batch", notebook)
        for n in range(1, 11):  # inference may run past its minimum batches
            bar(n, 0.01, 0.75 if n == 10 else None)
        bar.close()
    assert "10/10" in out.getvalue() and "batch" in out.getvalue() and "acc=0.7500" in out.getvalue()
    assert not (tmp_path / ".progress.jsonl").exists()
    assert "bert_inference: batch 10 (past the planned 8) latency_s=0.01 acc=0.7500" in notebook.getvalue()


def test_quiet_yields_no_environment_and_no_file(tmp_path):
    out = io.StringIO()
    with live_progress(tmp_path / ".progress.jsonl", "x", False, out) as env:
        assert env == {}
    assert out.getvalue() == "" and not (tmp_path / ".progress.jsonl").exists()


def test_the_scenario_names_what_the_bar_counts():
    from perfkit.scenarios import scenario_of

    assert (scenario_of("bert").progress_unit, scenario_of("bert_inference").progress_unit) == ("step", "batch")


@pytest.mark.parametrize("total, steps", [(24, 87), (1, 5), (10, 11)])
def test_a_count_past_the_planned_total_never_reads_n_of_m(total, steps):
    """An inference pass runs until its minimum batches and its minimum seconds: the count may
    pass the planned total ("batch 87/24" before); it then says so."""
    stream, clock = io.StringIO(), FakeClock()
    lines = NotebookLines(total, stream, "bert_inference", unit="batch", clock=clock)
    for n in range(1, steps + 1):
        clock.now += 0.1
        lines.update(n, "latency_s=0.09")
    lines.close()
    for line in stream.getvalue().splitlines():
        count = line.split()[2]
        if "/" in count:
            n, m = map(int, count.split("/"))
            assert n <= m, line
    assert f"batch {steps} (past the planned {total})" in stream.getvalue()
    assert kernel_progress.count_text(3, 24) == "3/24 (12%)"
