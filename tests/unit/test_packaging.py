"""The conda environment and the package metadata ask for the same things."""

import re
import tomllib

import yaml


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


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
    assert project["scripts"]["perfkit"] == "perfkit.cli:main"
