"""A third-party vendor, installed as a package with a `perfkit.vendors` entry point, runs the
BERT smoke notebook without any change to perfkit (examples/perfkit-vendor-example). Its run
config and hardware file come from the package itself (perfkit_files/), found through the entry
point: nothing is copied into the checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from support.cli import ROOT, run_cli

EXAMPLE = ROOT / "examples/perfkit-vendor-example"


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory) -> dict[str, str]:
    """The example installed into a private folder (pip --target), run from the checkout."""
    tmp = tmp_path_factory.mktemp("plugin")
    source = tmp / "src"
    shutil.copytree(EXAMPLE, source)
    target = tmp / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(target), str(source)],
        check=True, capture_output=True, text=True, timeout=300,
    )
    return {
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(target)]),
        "PERFKIT_REPORTS": str(tmp / "reports"),
    }


def test_without_the_package_the_vendor_is_unknown():
    done = run_cli("env", "--vendor", "example", env_extra={"PYTHONPATH": str(ROOT)})
    assert done.returncode == 2 and "unknown vendor 'example'" in done.stderr


def test_installed_package_is_found_through_its_entry_point(plugin_env):
    done = run_cli("env", "--vendor", "example", env_extra=plugin_env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["accelerator"]["sdk"] == "perfkit-vendor-example 0.1.0"


def test_bert_smoke_runs_from_the_packages_own_files(plugin_env, bert_data):
    assert not (ROOT / "params/bert/example").exists() and not (ROOT / "params/hardware/example-host.yaml").exists()
    done = run_cli(
        "run", "bert", "--vendor", "example", "--config", "smoke", "--no-index",
        "--set", f"data_dir={bert_data}", "--set", "max_steps=4", "--set", "eval_interval=2", "--set", "eval_samples=500",
        env_extra=plugin_env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    run_dir = os.path.join(plugin_env["PERFKIT_REPORTS"], "runs/bert/example/smoke")
    result = json.loads(open(os.path.join(run_dir, "result.json"), encoding="utf-8").read())
    assert result["status"] == "ok" and result["vendor"] == "example" and result["metrics"]["steps"] == 4
    assert result["run"]["config_file"] == "perfkit-vendor-example:params/bert/example/smoke.yaml"
    assert result["run"]["hardware"] == "example-host" and result["hardware"]["short_name"] == "Example"
    assert result["environment"]["accelerator"]["driver"] == "example-driver 1.0"
    assert "Example accelerator (host CPU)" in open(os.path.join(run_dir, "report.html"), encoding="utf-8").read()
