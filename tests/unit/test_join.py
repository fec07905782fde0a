"""`perfkit join`: the other nodes of a multi-node run run node 0's prepared run, from the file
node 0 wrote before it announced (or stdin), its params hash checked; nothing is resolved from
the YAML on the joining node. In-process: the workers' launch is replaced by a recorder."""

from __future__ import annotations

import io
import json
import os
import shlex
from pathlib import Path

import pytest

from perfkit.errors import UserError
from perfkit.run import elastic
from perfkit.run.rendezvous import announce_host, join_command, join_payload_path, write_join_payload
from perfkit.run.spec import load_payload_file, prepare

from support.cli import run_main

ENDPOINT = "127.0.0.1:29999"
FORM = "usage: perfkit join --prepared FILE --rdzv-endpoint HOST:PORT --node-rank K"


@pytest.fixture()
def two_node_run(tmp_path):
    return prepare("bert", "cpu", "cpux2x1", {"max_steps": 5}, tmp_path / "node0-run")


@pytest.fixture()
def launches(monkeypatch) -> list:
    """What `perfkit join` started, in order: preflight, then this node's workers."""
    calls: list = []
    monkeypatch.setattr(elastic, "preflight", lambda run: calls.append(("preflight", run)))

    def launch(self, run, worker=None):
        calls.append(("launch", run, self.node_rank, self.endpoint))

    monkeypatch.setattr(elastic.ElasticLauncher, "launch", launch)
    return calls


def _join(prepared: str, node_rank: str = "1", endpoint: str = ENDPOINT):
    return run_main("join", "--prepared", prepared, "--rdzv-endpoint", endpoint, "--node-rank", node_rank)


def _one_error_line(done) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_node_0_writes_the_prepared_run_under_reports_and_prints_the_exact_join_command(reports, two_node_run, capsys):
    path = announce_host(two_node_run, "node0:29400")
    out = capsys.readouterr().out
    assert path.parent == reports.resolve() / "jobs" / "prepared" and path.name.startswith("join-")
    assert f"  {join_command(path, 'node0:29400', 'K')}\n" in out
    assert f"{path} must be readable there" in out and "--prepared - " in out
    assert load_payload_file(path).resolved.to_dict() == two_node_run.resolved.to_dict()
    # the host and its notebook's kernel both announce: the same run names the same file
    assert announce_host(two_node_run, "node0:29400") == path
    other = prepare("bert", "cpu", "cpux2x1", {"max_steps": 6}, two_node_run.output_dir)
    assert join_payload_path(other) != path


def test_the_prepared_run_is_not_written_through_a_link_in_the_reports_tree(reports, two_node_run, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    reports.mkdir()
    (reports / "jobs").symlink_to(elsewhere)
    with pytest.raises(UserError, match="refused"):
        write_join_payload(two_node_run)
    assert list(elsewhere.iterdir()) == []


def test_node_0_writes_the_file_before_its_workers_start(reports, two_node_run, monkeypatch, capsys):
    seen: list[bool] = []
    monkeypatch.setattr(elastic, "launch_node", lambda run, node, worker: seen.append(join_payload_path(run).is_file()))
    with pytest.raises(elastic.WorkerFailed, match="without writing result.json"):
        elastic.ElasticLauncher(0, ENDPOINT).launch(two_node_run)
    assert seen == [True]
    assert "--prepared " in capsys.readouterr().out


def test_join_preflights_then_launches_node_0s_run_from_the_file(reports, two_node_run, launches):
    path = write_join_payload(two_node_run)
    done = _join(str(path))
    assert done.returncode == 0, done.stderr
    assert [call[0] for call in launches] == ["preflight", "launch"]
    _, run, node_rank, endpoint = launches[1]
    assert (node_rank, endpoint) == (1, ENDPOINT)
    assert run.resolved.to_dict() == two_node_run.resolved.to_dict()
    assert run.output_dir != two_node_run.output_dir and not run.output_dir.exists()  # a scratch folder, gone
    assert "node 1 of bert/cpu/cpux2x1: workers finished" in done.stdout


def test_join_reads_the_prepared_run_from_stdin(reports, two_node_run, launches, monkeypatch):
    text = write_join_payload(two_node_run).read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text)))
    done = _join("-")
    assert done.returncode == 0, done.stderr
    assert launches[1][1].resolved.params_hash == two_node_run.resolved.params_hash


def test_a_prepared_run_edited_after_it_was_written_is_refused_naming_the_file(reports, two_node_run, launches):
    path = write_join_payload(two_node_run)
    data = json.loads(path.read_text())
    data["run"]["params"]["learning_rate"] = 0.001
    path.write_text(json.dumps(data))
    line = _one_error_line(_join(str(path)))
    assert line.startswith(f"perfkit: error: {path}: params hash mismatch for bert/cpu/cpux2x1")
    assert launches == []


def test_an_edited_run_piped_in_is_refused_naming_stdin(reports, two_node_run, launches, monkeypatch):
    data = json.loads(write_join_payload(two_node_run).read_text())
    data["run"]["nnodes"] = 3
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(json.dumps(data).encode())))
    line = _one_error_line(_join("-"))
    assert line.startswith("perfkit: error: --prepared - (stdin): params hash mismatch") and launches == []


def test_stdin_that_is_a_terminal_is_refused(launches, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal())
    assert "stdin is a terminal" in _one_error_line(_join("-")) and launches == []


def test_a_missing_prepared_run_is_refused_naming_it(tmp_path, launches):
    missing = tmp_path / "absent.json"
    assert _one_error_line(_join(str(missing))) == f"perfkit: error: {missing}: no such file" and launches == []


@pytest.mark.parametrize("node_rank", ["0", "2", "-1"])
def test_a_node_rank_outside_the_prepared_runs_nodes_is_refused(reports, two_node_run, launches, node_rank):
    path = write_join_payload(two_node_run)
    line = _one_error_line(_join(str(path), node_rank))
    assert f"--node-rank {node_rank}: the prepared run {path} (bert/cpu/cpux2x1) has nnodes=2; allowed: 1..1" in line
    assert launches == []


def test_a_node_rank_outside_a_run_piped_in_is_refused(reports, two_node_run, launches, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(write_join_payload(two_node_run).read_bytes())))
    line = _one_error_line(_join("-", "3"))
    assert "--node-rank 3: the prepared run on stdin (bert/cpu/cpux2x1) has nnodes=2; allowed: 1..1" in line
    assert launches == []


def test_a_single_node_run_needs_no_join(reports, tmp_path, launches):
    path = write_join_payload(prepare("bert", "cpu", "smoke", {}, tmp_path / "run"))
    assert "a single-node run needs no join" in _one_error_line(_join(str(path))) and launches == []


def test_a_bad_endpoint_is_a_usage_error(reports, two_node_run, launches):
    path = write_join_payload(two_node_run)
    assert "HOST:PORT" in _one_error_line(_join(str(path), endpoint="nohostport")) and launches == []


@pytest.mark.parametrize("argv", [
    ["--rdzv-endpoint", ENDPOINT, "--node-rank", "1", "bert", "--vendor", "cpu", "--config", "cpux2x1"],
    ["--rdzv-endpoint", ENDPOINT, "--node-rank", "1", "--prepared", "x.json", "bert", "--config", "cpux2x1",
     "--set", "max_steps=5"],
], ids=["without --prepared", "with --prepared"])
def test_the_old_form_with_a_benchmark_and_config_is_refused_naming_the_new_form(argv, launches):
    line = _one_error_line(run_main("join", *argv))
    assert FORM in line and launches == []


def test_the_printed_command_parses_as_the_join_it_names(tmp_path):
    from perfkit.cli import build_parser

    path = tmp_path / "a folder" / "join-0.json"
    args = build_parser().parse_args(shlex.split(join_command(path, ENDPOINT, 1))[1:])
    assert (Path(args.prepared), args.rdzv_endpoint, args.node_rank) == (path, ENDPOINT, 1)
    assert os.sep in args.prepared
