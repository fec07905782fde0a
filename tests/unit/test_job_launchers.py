"""The host-side job launchers (perfkit.jobs.launcher): `--launcher NAME` picks a launcher object
from the CLI's registry, and `perfkit run` / `perfkit suite` only talk to that object."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from perfkit import cli
from perfkit.errors import UserError
from perfkit.jobs.launcher import JobLauncher, LocalLauncher


class RecordingLauncher(JobLauncher):
    """A launcher that runs nothing and says what it was asked; ``outcome`` is what run() returns."""

    name = "recording"
    calls: list[tuple] = []
    outcome = None

    @classmethod
    def add_arguments(cls, parser, suite=False):
        parser.add_argument("--recording-flag", default="")

    @classmethod
    def from_args(cls, args):
        launcher = cls()
        launcher.flag = args.recording_flag
        return launcher

    def run(self, prepared, timeout=None, html=True, redacted=False):
        self.calls.append(("run", prepared.resolved.config, prepared.resolved.params.max_steps, prepared.resolved.overrides,
                           timeout,
                           html, self.flag))
        return self.outcome

    def run_suite(self, suite, planned, html=True, redacted=False, force=False):
        self.calls.append(("suite", suite.name, [run.label for run in planned], html, force, self.flag))
        return None


@pytest.fixture
def recording(monkeypatch):
    monkeypatch.setitem(cli.JOB_LAUNCHERS, "recording", f"{__name__}:RecordingLauncher")
    RecordingLauncher.calls = []
    RecordingLauncher.outcome = None
    return RecordingLauncher


def test_the_built_in_launchers_are_job_launchers_and_local_is_the_default():
    registry = cli.job_launchers()
    assert registry.names()[:2] == ["local", "slurm"]
    assert registry.load("local") is LocalLauncher
    slurm = registry.load("slurm")
    assert issubclass(slurm, JobLauncher) and slurm.name == "slurm"
    args = cli.build_parser().parse_args(["run", "bert"])
    assert args.launcher == "local"
    local = registry.load(args.launcher).from_args(args)
    assert isinstance(local, LocalLauncher) and local.announce and local.rdzv_endpoint == ""


def test_the_slurm_launcher_is_built_from_its_own_options():
    args = cli.build_parser().parse_args(
        ["suite", "smoke", "--launcher", "slurm", "--partition", "gpu", "--time", "30", "--max-jobs", "2",
         "--slurm-arg", "exclusive", "--no-wait"])
    launcher = cli._launcher(args)
    assert launcher.name == "slurm"
    options = launcher.options
    assert (options.partition, options.time, options.max_jobs, options.wait) == ("gpu", "30", 2, False)
    assert options.sbatch_args == (("exclusive", ""),)


def test_a_bad_slurm_option_is_a_usage_error_before_anything_runs():
    args = cli.build_parser().parse_args(["run", "bert", "--launcher", "slurm", "--time", "soon"])
    with pytest.raises(UserError, match="--time: 'soon' is not a Slurm time limit"):
        cli._launcher(args)


def test_an_unknown_launcher_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.build_parser().parse_args(["run", "bert", "--launcher", "kubernetes"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'kubernetes'" in capsys.readouterr().err


def test_run_hands_the_prepared_run_to_the_chosen_launcher(recording, tmp_path, monkeypatch):
    monkeypatch.setenv("PERFKIT_REPORTS", str(tmp_path / "reports"))
    code = cli.main(["run", "bert", "--config", "smoke", "--launcher", "recording", "--set", "max_steps=3",
                     "--timeout", "90", "--no-html", "--recording-flag", "on"])
    assert code == 0  # None: submitted, nothing to publish here
    assert recording.calls == [("run", "smoke", 3, {"max_steps": 3}, 90.0, False, "on")]
    assert not (tmp_path / "reports").exists()  # the launcher ran nothing, the CLI wrote nothing


def test_run_exit_code_follows_the_launchers_outcome(recording, tmp_path, monkeypatch, capsys):
    from perfkit.jobs.notebook_run import NotebookRun

    monkeypatch.setenv("PERFKIT_REPORTS", str(tmp_path / "reports"))
    for status, code in (("failed", 1), ("interrupted", 130)):
        recording.outcome = NotebookRun(tmp_path / "run", status, None, 1.0, error="InjectedFault: boom")
        assert cli.main(["run", "bert", "--launcher", "recording", "--no-index"]) == code
    assert "error: InjectedFault: boom" in capsys.readouterr().err


def test_params_errors_come_before_the_launcher_runs(recording):
    assert cli.main(["run", "bert", "--launcher", "recording", "--set", "no_such_param=1"]) == 2
    assert recording.calls == []


def test_suite_hands_the_plan_to_the_chosen_launcher(recording, tmp_path, monkeypatch):
    monkeypatch.setenv("PERFKIT_REPORTS", str(tmp_path / "reports"))
    suite = tmp_path / "two.yaml"
    suite.write_text("description: three runs\nruns:\n  - {benchmark: bert, vendor: cpu, config: smoke, repeats: 2}\n"
                     "  - {benchmark: bert, vendor: cpu, config: cpux2x1}\n")
    assert cli.main(["suite", str(suite), "--launcher", "recording", "--force"]) == 0
    ((kind, name, labels, html, force, flag),) = recording.calls
    assert (kind, name, html, force, flag) == ("suite", "two", True, True, "")
    assert labels == ["bert/cpu/smoke r1", "bert/cpu/smoke r2", "bert/cpu/cpux2x1"]


def test_building_the_parser_imports_no_launcher_machinery():
    """`perfkit --help` stays quick: the launcher classes load, torch and papermill do not."""
    import subprocess

    code = ("import sys; from perfkit.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('torch', 'papermill', 'perfkit.slurm.launcher') if m in sys.modules))")
    root = Path(cli.__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['perfkit.slurm.launcher']"
