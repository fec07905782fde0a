"""A scratch project for suite tests: the real params and notebooks plus two tiny run configs,
`short` (3 steps) and `long` (6 steps), so one fault step (FAULT_STEP) fails only the long run."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import yaml

from support.cli import run_cli

FAULT_STEP = 4  # reached by `long` only


def make_project(tmp_path: Path, bert_data: Path, project_root: Path) -> Path:
    """A scratch project: the real params and notebooks plus the `short` and `long` configs."""
    root = tmp_path / "project"
    shutil.copytree(project_root / "params", root / "params")
    shutil.copytree(project_root / "notebooks", root / "notebooks")
    smoke = yaml.safe_load((root / "params/bert/cpu/smoke.yaml").read_text())
    for name, steps in (("short", 3), ("long", 6)):
        config = {**smoke, "description": f"{steps} steps for the suite tests"}
        config["params"] = {**smoke["params"], "max_steps": steps, "eval_interval": 3,
                            "data_dir": str(bert_data), "data_autobuild": False}
        (root / f"params/bert/cpu/{name}.yaml").write_text(yaml.safe_dump(config))
    return root


def write_suite(root: Path, name: str, runs: list[dict], **top) -> Path:
    path = root / "params/suites" / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"description": "test suite", **top, "runs": runs}))
    return path


def suite_cli(root: Path, *args: str, fault: str = "") -> subprocess.CompletedProcess:
    env = {"PERFKIT_ROOT": str(root), "PERFKIT_REPORTS": str(root / "reports")}
    if fault:
        env["PERFKIT_TEST_FAULT"] = fault
    return run_cli("suite", *args, env_extra=env)


def run_dir(root: Path, config: str) -> Path:
    return root / "reports/runs/bert/cpu" / config


def result(root: Path, config: str) -> dict:
    return json.loads((run_dir(root, config) / "result.json").read_text())


SHORT = {"benchmark": "bert", "vendor": "cpu", "config": "short"}
LONG = {"benchmark": "bert", "vendor": "cpu", "config": "long"}
