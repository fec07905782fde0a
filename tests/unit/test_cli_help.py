"""The command line explains itself: every command has a description, examples and the exit
codes; every argument has a help text; `perfkit list` names what can be run; bare `perfkit`
prints the help and exits 0."""

from __future__ import annotations

import argparse

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
