"""The command line explains itself: every command has a description, examples and the exit
codes; every argument has a help text; `perfkit list` names what can be run; bare `perfkit`
prints the help and exits 0."""

from __future__ import annotations

import argparse
import re

import pytest

from perfkit import cli


def _parsers(parser: argparse.ArgumentParser, name: str = "perfkit"):
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child, sub in action.choices.items():
                yield from _parsers(sub, f"{name} {child}")


def test_every_argument_of_every_command_has_help():
    parsers = dict(_parsers(cli.build_parser()))
    assert {"perfkit run", "perfkit suite", "perfkit list", "perfkit data build", "perfkit compare"} <= set(parsers)
    missing = [f"{name}: {action.dest}" for name, parser in parsers.items() for action in parser._actions
               if not isinstance(action, argparse._SubParsersAction) and not (action.help or "").strip()]
    assert missing == []


def test_every_command_has_a_description_examples_and_exit_codes():
    for name, parser in _parsers(cli.build_parser()):
        text = parser.format_help()
        assert (parser.description or "").strip(), name
        assert "exit codes:" in text, name
        if name not in ("perfkit data",):
            assert "examples:" in text and "  perfkit " in text.split("examples:")[1], name


def test_defaults_are_shown_once():
    text = dict(_parsers(cli.build_parser()))["perfkit run"].format_help()
    assert "(default: cpu)" in text and "(default: smoke)" in text
    assert "(default: None)" not in text and "(default: False)" not in text
    status = dict(_parsers(cli.build_parser()))["perfkit status"].format_help()
    assert "default 20" in status and "(default: 20)" not in status


def test_bare_perfkit_prints_help_and_exits_0(capsys):
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: perfkit") and "list" in out and "exit codes:" in out


def test_list_configs_names_run_ids(capsys):
    assert cli.main(["list", "configs", "--benchmark", "bert", "--vendor", "cpu"]) == 0
    lines = capsys.readouterr().out.split()
    assert "bert/cpu/smoke" in lines and all(line.startswith("bert/cpu/") for line in lines)


def test_list_everything_has_each_section(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for section in cli.LIST_WHAT:
        assert f"{section}:\n" in out
    assert "  bert_inference/cpu/smoke\n" in out and "  onnxruntime\n" in out and "  smoke\n" in out


@pytest.mark.parametrize("what, expected", [("benchmarks", "resnet50"), ("vendors", "cpu"), ("suites", "smoke"),
                                            ("backends", "torch")])
def test_list_one_kind(capsys, what, expected):
    assert cli.main(["list", what]) == 0
    assert expected in capsys.readouterr().out.split()


def test_list_refuses_a_path_as_benchmark(capsys):
    assert cli.main(["list", "configs", "--benchmark", "../etc"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a name" in err


def test_list_refuses_an_unknown_kind(capsys):
    assert cli.main(["list", "things"]) == 2  # a usage error: one line on stderr, exit 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "things" in err


def _examples(parser: argparse.ArgumentParser) -> list[str]:
    text = parser.format_help()
    if "examples:" not in text:
        return []
    block = text.split("examples:", 1)[1].split("\n\n", 1)[0]
    return [re.split(r"\s{2,}", line.strip())[0] for line in block.splitlines()
            if line.strip().startswith("perfkit ") and "COMMAND" not in line]  # the placeholder line


def test_every_help_example_parses_and_names_what_exists():
    """Each example line of every --help (the top help too) parses, and the benchmark, vendor,
    config and suite it names exist: `perfkit run --help` never suggests `--config full`."""
    import shlex

    from perfkit.params import sources

    parser = cli.build_parser()
    examples = sorted({line for _, sub in _parsers(parser) for line in _examples(sub)})
    assert len(examples) >= 20 and any(e.startswith("perfkit join ") for e in examples)
    for line in examples:
        args = parser.parse_args(shlex.split(line)[1:])
        if args.command == "run":
            assert sources.run_config_path(args.benchmark, args.vendor, args.config).is_file(), line
        if args.command == "join":  # the file node 0 names (perfkit.run.rendezvous.join_payload_path)
            assert re.fullmatch(r"reports/jobs/prepared/join-[0-9a-f]{20}\.json", args.prepared), line
        if args.command == "suite" and not args.name.endswith(".yaml"):
            assert sources.suite_path(args.name).is_file(), line
        if args.command in ("bench", "data") and getattr(args, "benchmark", None):
            names = args.benchmark if isinstance(args.benchmark, list) else [args.benchmark]
            assert set(names) <= set(sources.list_benchmarks()), line
        for option in ("vendor",):
            if getattr(args, option, "") and args.command not in ("import",):
                assert args.vendor in cli.list_lines("vendors"), line


@pytest.mark.parametrize("argv", [
    ["list", "configs", "--benchmark", "nope"], ["list", "configs", "--vendor", "nope"],
    ["list", "configs", "--benchmark", "bert", "--vendor", "nope"], ["list", "vendors", "--benchmark", "nope"],
    ["list", "suites", "--benchmark", "nope"], ["list", "backends", "--vendor", "nope"], ["list", "--benchmark", "nope"],
    ["list", "benchmarks", "--vendor", "nope"],
])
def test_list_refuses_unknown_names_in_one_line(capsys, argv):
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "'nope'" in captured.err and "allowed: " in captured.err
    assert captured.out == ""


def test_list_narrows_vendors_to_a_benchmark(capsys):
    assert cli.main(["list", "vendors", "--benchmark", "glm"]) == 0
    assert capsys.readouterr().out.split() == ["cpu", "kunlunxin"]
