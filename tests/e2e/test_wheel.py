"""The built wheel works outside a checkout: installed into a scratch virtual environment, run
from an empty folder, `perfkit run bert --vendor cpu --config smoke` finds its run config,
hardware file and notebook in the wheel's packaged copies and writes ./reports and ./data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from support.cli import ROOT

pytestmark = pytest.mark.e2e


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that points at the checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PERFKIT_ROOT", "PERFKIT_REPORTS", "PERFKIT_DATA", "VIRTUAL_ENV")}
    # The reused dependencies' data files (nbconvert's templates) live under the test
    # interpreter's prefix, where a full install would have put them into the venv.
    env["JUPYTER_PATH"] = os.path.join(sys.prefix, "share", "jupyter")
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
        check=True, capture_output=True, text=True, timeout=300,
    )
    (built,) = out.glob("perfkit-*.whl")
    return built


@pytest.fixture(scope="module")
def scratch_venv(tmp_path_factory, wheel) -> Path:
    """A fresh venv holding only the perfkit wheel. The heavy dependencies (torch, transformers,
    papermill, ipykernel) are reused from the test interpreter's site-packages through a .pth
    line, so nothing is downloaded; perfkit itself resolves to the wheel, which comes first."""
    venv = tmp_path_factory.mktemp("venv") / "scratch"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin/python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "reuse_test_site_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)],
        check=True, capture_output=True, text=True, timeout=300,
    )
    return venv


def test_the_wheel_carries_params_and_notebooks(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "perfkit/_files/params/bert/cpu/smoke.yaml" in names
    assert "perfkit/_files/params/hardware/cpu.yaml" in names
    assert "perfkit/_files/params/suites/smoke.yaml" in names
    assert "perfkit/_files/notebooks/bert_training.ipynb" in names
    assert "perfkit/_files/notebooks/summary.ipynb" in names
    assert "perfkit/report/templates/perfkit_offline/index.html.j2" in names


def test_bert_smoke_runs_from_an_empty_folder(scratch_venv, tmp_path):
    work = tmp_path / "empty"
    work.mkdir()
    where = subprocess.run([str(scratch_venv / "bin/python"), "-c", "import perfkit; print(perfkit.__file__)"],
                           cwd=work, env=_clean_env(), capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(scratch_venv)), where  # the wheel, not the checkout
    done = subprocess.run(
        [str(scratch_venv / "bin/perfkit"), "run", "bert", "--vendor", "cpu", "--config", "smoke",
         "--set", "max_steps=10", "--set", "eval_interval=5", "--set", "eval_samples=500"],
        cwd=work, env=_clean_env(), capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((work / "reports/runs/bert/cpu/smoke/result.json").read_text())
    assert result["status"] == "ok" and result["metrics"]["steps"] == 10
    assert result["run"]["config_file"] == "perfkit:params/bert/cpu/smoke.yaml"
    assert (work / "reports/runs/bert/cpu/smoke/report.html").is_file()
    assert (work / "reports/index.html").is_file()
    assert (work / "data/bert").is_dir()  # the smoke's data_autobuild wrote under the current folder
    assert sorted(p.name for p in work.iterdir()) == ["data", "reports"]
