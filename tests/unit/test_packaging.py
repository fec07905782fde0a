"""The conda environment and the package metadata ask for the same things."""

import re
import tomllib

import yaml


# conda-forge names that differ from the PyPI name of what they install
CONDA_TO_PYPI = {"pytorch-cpu": "torch", "matplotlib-base": "matplotlib"}


def _name(requirement: str) -> str:
    name = re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")
    return CONDA_TO_PYPI.get(name, name)


def test_environment_yml_matches_pyproject(project_root):
    project = tomllib.loads((project_root / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((project_root / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    conda_names = {_name(d) for d in env["dependencies"] if isinstance(d, str) and _name(d) not in ("python", "pip")}
    pip_names = {_name(d) for d in pip_section if not d.startswith("-e")}
    extras = project["optional-dependencies"]
    wanted = {_name(d) for d in project["dependencies"]} | {_name(d) for group in extras.values() for d in group}
    assert wanted == conda_names | pip_names
    assert "-e ." in pip_section
    # torch is a range in the package; vendors bring their own build
    torch_req = next(d for d in project["dependencies"] if _name(d) == "torch")
    assert "==" not in torch_req


def test_console_script_is_declared(project_root):
    project = tomllib.loads((project_root / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["perfkit"] == "perfkit.cli:console"  # main, then an exit without teardown


def test_license_is_spdx_with_its_file(project_root):
    project = tomllib.loads((project_root / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0" and project["license-files"] == ["LICENSE"]
    text = (project_root / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text and "END OF TERMS AND CONDITIONS" in text


def test_optional_dependencies_are_extras_not_core(project_root):
    project = tomllib.loads((project_root / "pyproject.toml").read_text())["project"]
    core = {_name(d) for d in project["dependencies"]}
    extras = {k: {_name(d) for d in v} for k, v in project["optional-dependencies"].items()}
    assert not core & {"onnx", "onnxruntime", "scikit-learn", "nvidia-ml-py"}
    assert extras["onnx"] == {"onnx", "onnxruntime"} and extras["datasets"] == {"scikit-learn"}
    assert extras["nvidia"] == {"nvidia-ml-py"}


def test_conda_environment_takes_cpu_torch_from_conda_forge(project_root):
    env = yaml.safe_load((project_root / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip_section = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    assert env["channels"] == ["conda-forge"] and any(d.startswith("pytorch-cpu") for d in conda)
    assert pip_section == ["-e ."]  # nothing but the kit itself from PyPI


def test_setup_env_installs_the_extras_the_tests_need(project_root):
    script = (project_root / "scripts" / "setup-env.sh").read_text()
    for extra in ("test", "lab", "onnx", "datasets"):
        assert extra in script.split('-e ".[', 1)[1].split("]", 1)[0].split(",")


def test_a_missing_extra_names_it(monkeypatch):
    import builtins

    import pytest

    from perfkit.plugins import MissingExtra, require

    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    monkeypatch.delitem(__import__("sys").modules, "sklearn.datasets", raising=False)
    with pytest.raises(MissingExtra, match=r"pip install 'perfkit\[datasets\]'"):
        require("sklearn.datasets")


def test_notebooks_name_the_kits_kernel_and_the_readme_starts_lab_as_root(project_root):
    import json

    for path in sorted((project_root / "notebooks").glob("*.ipynb")):
        spec = json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
        assert (spec["name"], spec["display_name"]) == ("perfkit", "Python (perfkit)"), path.name
    setup = (project_root / "scripts" / "setup-env.sh").read_text()
    assert '--name perfkit --display-name "Python (perfkit)"' in setup
    assert "jupyter lab --allow-root notebooks/" in (project_root / "README.md").read_text()
