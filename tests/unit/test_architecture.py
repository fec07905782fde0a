"""The architecture holds: import layers are enforced, the host's resolved run reaches the
kernel and the workers intact, launchers are chosen by the caller, scenarios answer
"training or inference?"."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import perfkit
from perfkit.errors import ParamsError
from perfkit.results import vocabulary as vocab
from perfkit.run import spec
from perfkit.run.launcher import InlineLauncher, worker_by_name, worker_name
from perfkit.scenarios import scenario_named, scenario_of

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(perfkit.__file__).resolve().parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
                          cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=300)


def test_every_package_and_root_module_is_in_the_layers_contract():
    layers = next(c for c in _contracts() if c["id"] == "layers")["layers"]
    named = {part.strip() for layer in layers for part in layer.replace(":", "|").split("|")}
    packages = {f"perfkit.{p.name}" for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    modules = {f"perfkit.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")}
    assert packages | modules <= named


def test_every_folder_is_one_layer():
    """A layer names whole packages (or root modules), never a package's modules one by one: a
    folder split across layers hides an upward import inside it."""
    layers = next(c for c in _contracts() if c["id"] == "layers")["layers"]
    named = [part.strip() for layer in layers for part in layer.split("|")]
    assert all(name.count(".") == 1 for name in named), named


def test_the_package_root_keeps_only_entry_points_and_basics():
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= 6, modules


@pytest.fixture(scope="module")
def copy_with_upward_import(tmp_path_factory) -> Path:
    """The checkout's package and contracts, with one lower layer importing the host side."""
    root = tmp_path_factory.mktemp("layers")
    shutil.copytree(PACKAGE, root / "perfkit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    record = root / "perfkit" / "results" / "record.py"
    record.write_text(record.read_text() + "\nimport perfkit.jobs.suite  # injected: a cycle through the layers\n")
    return root


@pytest.fixture(scope="module")
def copy_with_sibling_cycle(tmp_path_factory) -> Path:
    """The checkout's package and contracts, with two modules of one package importing each other
    (a loop no layers contract sees: telemetry is one layer)."""
    root = tmp_path_factory.mktemp("cycle")
    shutil.copytree(PACKAGE, root / "perfkit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    source = root / "perfkit" / "telemetry" / "source.py"
    source.write_text(source.read_text() + "\nimport perfkit.telemetry.sources  # injected: a loop inside a package\n")
    return root


def test_a_loop_between_siblings_fails_lint_imports(copy_with_sibling_cycle):
    done = _lint(copy_with_sibling_cycle)
    assert done.returncode != 0, done.stdout
    assert "No cycles are allowed in perfkit.telemetry" in done.stdout
    assert "BROKEN" in done.stdout


def test_an_upward_import_fails_lint_imports(copy_with_upward_import):
    done = _lint(copy_with_upward_import)
    assert done.returncode != 0, done.stdout
    assert "perfkit.results.record -> perfkit.jobs.suite" in done.stdout
    assert "BROKEN" in done.stdout


def test_the_checkout_passes_lint_imports():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_kernel_receives_the_run_the_host_resolved(tmp_path):
    run = spec.prepare("bert", "cpu", "smoke", {"max_steps": 7}, tmp_path / "final")
    again = spec.from_payload(spec.to_payload(run), tmp_path / "staging")
    assert again.resolved.to_dict() == run.resolved.to_dict()
    assert again.output_dir == tmp_path / "staging"
    assert again.resolved.params.max_steps == 7


def test_a_params_hash_mismatch_is_a_clear_error(tmp_path):
    run = spec.prepare("bert", "cpu", "smoke", {}, tmp_path)
    tampered = spec.to_payload(run).replace('"max_steps": ', '"max_steps": 1')
    with pytest.raises(ParamsError, match="params hash mismatch for bert/cpu/smoke"):
        spec.from_payload(tampered)
    with pytest.raises(ParamsError, match="parameter 'resolved'"):
        spec.from_payload("{not json")


def recording_worker(run, progress=True, ctx=None):
    return ("ran", run.benchmark, progress, ctx)


def test_the_inline_launcher_runs_the_given_worker_here(tmp_path):
    run = spec.prepare("bert", "cpu", "smoke", {}, tmp_path)
    assert InlineLauncher(progress=False).launch(run, worker=recording_worker) == ("ran", "bert", False, None)
    name = worker_name(recording_worker)
    assert name.endswith(":recording_worker")


def test_a_worker_name_must_be_importable():
    assert worker_by_name("perfkit.run.execute:execute").__name__ == "execute"
    with pytest.raises(Exception, match="not an importable module:function"):
        worker_by_name("perfkit.run.execute:nothing_here")


def test_the_scenario_answers_training_or_inference():
    training, inference = scenario_of("bert"), scenario_of("bert_inference")
    assert (training.kind, inference.kind) == ("training", "inference")
    assert "p_core" in vocab.HEADLINE_KEYS[training.kind] and "p_infer_core" in vocab.HEADLINE_KEYS[inference.kind]
    assert (training.table_title, inference.table_title) == ("性能指标 Performance", "指标值 Values")
    assert scenario_named("inference") is not None
    with pytest.raises(Exception, match="unknown scenario 'serving'"):
        scenario_named("serving")


def test_the_initial_record_stores_the_kind(tmp_path):
    assert spec.initial_record(spec.prepare("bert_inference", "cpu", "smoke", {}, tmp_path)).kind == "inference"
    assert spec.initial_record(spec.prepare("glm", "cpu", "smoke", {}, tmp_path)).kind == "training"


def test_test_modules_have_unique_basenames():
    """pytest's default (prepend) import mode imports every test file by its basename, so two
    test files with one name in tests/unit and tests/e2e stop the whole run at collection."""
    tests = Path(__file__).resolve().parents[1]
    by_name: dict[str, list[str]] = {}
    for path in tests.rglob("test_*.py"):
        if not (path.parent / "__init__.py").exists():
            by_name.setdefault(path.name, []).append(str(path.relative_to(tests)))
    assert {name: paths for name, paths in by_name.items() if len(paths) > 1} == {}


RUFF = Path(sys.executable).with_name("ruff")


def _ruff(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(RUFF), "check", "--no-cache", "perfkit"], cwd=root, capture_output=True, text=True,
                          timeout=300)


def test_the_checkout_passes_ruff():
    done = _ruff(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_planted_lint_error_fails_ruff(tmp_path):
    shutil.copytree(PACKAGE, tmp_path / "perfkit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    errors = tmp_path / "perfkit" / "errors.py"
    errors.write_text(errors.read_text() + "\n\ndef planted(items):\n    import os\n    return zip(items, items)\n")
    done = _ruff(tmp_path)
    assert done.returncode != 0
    assert "F401" in done.stdout and "B905" in done.stdout


MYPY = Path(sys.executable).with_name("mypy")


def _mypy(root: Path, module: str) -> subprocess.CompletedProcess:
    """mypy with the checkout's configuration (pyproject.toml in ``root``) on one module; the
    modules it imports are read for their types, their own errors not reported (the whole
    package is scripts/test.sh's run)."""
    return subprocess.run([str(MYPY), "--follow-imports=silent", "--cache-dir", str(root / ".mypy_cache"), module],
                          cwd=root, capture_output=True, text=True, timeout=300)


def test_the_test_command_type_checks_the_package():
    """scripts/test.sh runs mypy (before the tests) with pyproject.toml's configuration: the
    package, mypy's default checks, no module's errors ignored."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert config["files"] == ["perfkit"] and not config.get("ignore_errors")
    assert all(set(o) == {"module", "ignore_missing_imports"} for o in config.get("overrides", [])), config
    commands = [line.strip() for line in (ROOT / "scripts" / "test.sh").read_text().splitlines()]
    assert ".venv/bin/mypy" in commands
    assert commands.index(".venv/bin/mypy") < next(i for i, c in enumerate(commands) if "pytest" in c and "exec" in c)


def test_a_planted_type_error_fails_mypy(tmp_path):
    """The same command passes on the module as it is and fails on it with a wrong return type
    planted, naming the line and the error code. The metric arithmetic imports only the standard
    library, so this costs about a second of CPU."""
    shutil.copytree(PACKAGE, tmp_path / "perfkit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    module = "perfkit/measure/metrics.py"
    clean = _mypy(tmp_path, module)
    assert clean.returncode == 0 and "Success" in clean.stdout, clean.stdout + clean.stderr
    planted = tmp_path / module
    lines = planted.read_text().count("\n")
    planted.write_text(planted.read_text() + "\n\ndef planted(t: TrainingTimings) -> str:\n    return t.e2e\n")
    done = _mypy(tmp_path, module)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{module}:{lines + 4}: error: Incompatible return value type" in done.stdout, done.stdout
    assert "[return-value]" in done.stdout
