"""What was accepted and then failed the run (or ran wrongly) is refused up front by the params
layer: one line naming the file or key and what is allowed, exit 2, no run started, nothing
written. Shapes (num_heads must divide hidden_size), sizes no device could hold (a memory
estimate), absurd timeouts, YAML integers past Python's 4,300 digits, matrix points that
coincide after type coercion, suite names that are not names, and hardware figures that are
not positive numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from perfkit.cli import main
from perfkit.errors import UserError
from support.suite_project import SHORT, make_project, write_suite


@pytest.fixture()
def project(tmp_path, bert_data, project_root, monkeypatch) -> Path:
    root = make_project(tmp_path, bert_data, project_root)
    monkeypatch.setenv("PERFKIT_ROOT", str(root))
    monkeypatch.setenv("PERFKIT_REPORTS", str(root / "reports"))

    def no_run(*args, host_checks=None, kernel_checks="", **kwargs):
        # execute_notebook runs the run's checks in its kernel, then the host's, before any cell
        if kernel_checks:
            eval(kernel_checks)  # noqa: S307 - perfkit's own expression (perfkit.run.preflight.kernel_code)
        if host_checks is not None:
            host_checks()
        raise AssertionError("the run started")

    monkeypatch.setattr("perfkit.jobs.notebook_run.execute_notebook", no_run)
    return root


def _refused(argv: list[str], capsys) -> str:
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, (code, err)
    assert err and "Traceback" not in "\n".join(err), err
    return err[-1]


HEADS = {  # benchmark, overrides: num_heads that does not divide hidden_size
    "bert 3/128": ("bert", ["num_heads=3"]),
    "glm 100/64": ("glm", ["num_heads=100"]),
    "glm 3/64 (attention width 63)": ("glm", ["num_heads=3"]),
    "bert_inference 5/128": ("bert_inference", ["num_heads=5"]),
    "bert 8/100": ("bert", ["hidden_size=100", "num_heads=8"]),
    "glm 7/64": ("glm", ["num_heads=7"]),
}


@pytest.mark.parametrize("case", list(HEADS))
def test_heads_that_do_not_divide_the_hidden_width_are_refused(case, project, capsys):
    benchmark, sets = HEADS[case]
    line = _refused(["run", benchmark, "--vendor", "cpu", "--config", "smoke",
                     *[a for s in sets for a in ("--set", s)], "--no-index"], capsys)
    assert "key 'num_heads'" in line and "does not divide hidden_size" in line and "allowed" in line, line
    assert not (project / "reports").exists()


def test_heads_in_a_run_config_file_name_the_file(project, capsys):
    path = project / "params/glm/cpu/heads.yaml"
    config = yaml.safe_load((project / "params/glm/cpu/smoke.yaml").read_text())
    config["params"]["num_heads"] = 3
    path.write_text(yaml.safe_dump(config))
    line = _refused(["run", "glm", "--vendor", "cpu", "--config", "heads", "--no-index"], capsys)
    assert "params/glm/cpu/heads.yaml" in line and "key 'num_heads'" in line, line


def test_resnet_stages_must_pair_widths_and_depths(project, capsys):
    line = _refused(["run", "resnet50", "--vendor", "cpu", "--config", "smoke", "--set", "depths=[1, 1]",
                     "--no-index"], capsys)
    assert "depths" in line and "one depth per stage" in line, line


TOO_BIG = {  # sizes inside the per-key bounds that no machine here can hold
    "hidden 131072": ["hidden_size=131072"],
    "deep and wide": ["hidden_size=16384", "num_heads=16", "num_layers=4096"],
    "huge vocabulary": ["vocab_size=16777216", "hidden_size=65536"],
    "huge activations": ["batch_size=1048576", "seq_len=65536"],
}


@pytest.mark.parametrize("case", list(TOO_BIG))
def test_sizes_that_cannot_be_allocated_are_refused_before_the_model_is_built(case, project, capsys):
    sets = [*TOO_BIG[case], "data_dir=no-such-data", "data_autobuild=false"]
    line = _refused(["run", "bert", "--vendor", "cpu", "--config", "smoke",
                     *[a for s in sets for a in ("--set", s)], "--no-index"], capsys)
    assert "GiB available" in line and "rough estimate" in line and "allowed: smaller" in line, line


def test_the_smoke_configs_fit_the_memory_estimate():
    from perfkit.run.memory import check_memory
    from perfkit.run.spec import prepare

    class Cpu:
        type = "cpu"

    for benchmark in ("bert", "glm", "bert_inference", "resnet50", "mobilenetv2"):
        check_memory(prepare(benchmark, "cpu", "smoke"), Cpu(), host=True)  # no error


def test_a_card_is_checked_against_its_own_free_memory(monkeypatch):
    from perfkit.run import memory
    from perfkit.run.spec import prepare

    class Card:
        type = "cuda"

    run = prepare("bert", "cpu", "smoke", {"hidden_size": 8192, "num_layers": 48})
    monkeypatch.setattr(memory, "available_memory_bytes", lambda device, host=False: None if host else 1 << 30)
    memory.check_memory(run, Card(), host=True)  # the host never asks a card
    with pytest.raises(UserError, match="GiB available"):
        memory.check_memory(run, Card())


@pytest.mark.parametrize("value", ["1e-300", "0.5", "0", "-1", "inf", "nan", "1e400"])
def test_absurd_timeouts_are_refused(value, project, capsys):
    line = _refused(["run", "bert", "--vendor", "cpu", "--config", "short", f"--timeout={value}", "--no-index"],
                    capsys)
    assert "--timeout" in line and ">= 1" in line, line


@pytest.mark.parametrize("value", [1e-300, 0.5, "fast", True, 10 ** 12])
def test_absurd_suite_timeouts_are_refused(value, project, capsys):
    write_suite(project, "t", [{**SHORT, "timeout": value}])
    line = _refused(["suite", "t", "--dry-run"], capsys)
    assert "params/suites/t.yaml" in line and "key 'timeout'" in line and "at least 1" in line, line


BIG = "9" * 5000
HUGE_INTS = {
    "params in a run config": lambda root: _config_with(root, f"  max_steps: {BIG}\n"),
    "repeats": lambda root: _suite_text(root, f"    repeats: {BIG}\n"),
    "a matrix value": lambda root: _suite_text(root, f"    matrix: {{seed: [1, {BIG}]}}\n"),
    "a suite timeout": lambda root: _suite_text(root, f"    timeout: {BIG}\n"),
    "hexadecimal": lambda root: _suite_text(root, f"    repeats: 0x{'f' * 5000}\n"),
}


def _config_with(root: Path, extra: str) -> list[str]:
    text = (root / "params/bert/cpu/short.yaml").read_text()
    (root / "params/bert/cpu/big.yaml").write_text(text.replace("params:\n", "params:\n" + extra, 1))
    return ["run", "bert", "--vendor", "cpu", "--config", "big", "--no-index"]


def _suite_text(root: Path, extra: str) -> list[str]:
    (root / "params/suites/big.yaml").write_text("runs:\n  - benchmark: bert\n    vendor: cpu\n    config: short\n"
                                                 + extra)
    return ["suite", "big", "--dry-run"]


@pytest.mark.parametrize("case", list(HUGE_INTS))
def test_yaml_integers_past_4300_digits_are_one_line(case, project, capsys):
    line = _refused(HUGE_INTS[case](project), capsys)
    assert "at most 4300 digits" in line and ".yaml" in line, line


@pytest.mark.parametrize("value, needle", [(f"0x{'f' * 3600}", "4300 digits"), (f"-0x{'f' * 4000}", "4300 digits")])
def test_set_integers_past_4300_digits_are_one_line(value, needle, project, capsys):
    line = _refused(["run", "bert", "--vendor", "cpu", "--config", "short", "--set", f"max_steps={value}"], capsys)
    assert "--set" in line and needle in line, line


def test_overrides_json_with_a_huge_integer_is_one_line():
    from perfkit.errors import ParamsError
    from perfkit.run.spec import parse_overrides_text

    with pytest.raises(ParamsError, match="4300 digits"):
        parse_overrides_text('{"max_steps": ' + BIG + "}")


SAME_POINTS = {
    "3 and 3.0": {"eval_interval": [3, 3.0]},
    "1 and true": {"data_autobuild": [True, 1]},
    "0.5 and '5e-1'": {"learning_rate": [0.5, "5e-1"]},
    "16 and 16.0": {"seed": [16, 16.0]},
}


@pytest.mark.parametrize("case", list(SAME_POINTS))
def test_matrix_points_that_coincide_after_coercion_are_refused(case, project, capsys):
    write_suite(project, "twice", [{**SHORT, "matrix": SAME_POINTS[case]}])
    line = _refused(["suite", "twice", "--dry-run"], capsys)
    assert "params/suites/twice.yaml" in line and "runs[0]" in line and "are the same run" in line, line


@pytest.mark.parametrize("name", ["..yaml", "a b.yaml", "-rf.yaml", "é.yaml", ".hidden.yaml", "x;y.yaml"])
def test_suite_file_names_follow_the_safe_name_rule(name, project, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / name).write_text(yaml.safe_dump({"runs": [SHORT]}))
    monkeypatch.chdir(folder)
    line = _refused(["suite", f"./{name}", "--dry-run"], capsys)
    assert "suite name" in line, line
    assert not (project / "reports").exists()


BAD_FIGURES = {
    "peak -1": "peak_tflops: {fp32: -1}\n",
    "peak 0": "peak_tflops: {fp32: 0}\n",
    "peak text": "peak_tflops: {fp32: fast}\n",
    "peak true": "peak_tflops: {bf16: true}\n",
    "peak huge": f"peak_tflops: {{fp32: {10 ** 400}}}\n",
    "memory -1": "memory_gib: -1\n",
    "bandwidth 0": "memory_bandwidth_tb_s: 0\n",
}


@pytest.mark.parametrize("case", list(BAD_FIGURES))
def test_hardware_figures_must_be_positive_finite_numbers(case, project, capsys):
    (project / "params/hardware/bad.yaml").write_text("name: Bad Card\nvendor: cpu\nshort_name: bad\n"
                                                       + BAD_FIGURES[case])
    config = yaml.safe_load((project / "params/bert/cpu/short.yaml").read_text())
    (project / "params/bert/cpu/badhw.yaml").write_text(yaml.safe_dump({**config, "hardware": "bad"}))
    line = _refused(["run", "bert", "--vendor", "cpu", "--config", "badhw", "--no-index"], capsys)
    assert "params/hardware/bad.yaml" in line and "must be a number > 0" in line, line
