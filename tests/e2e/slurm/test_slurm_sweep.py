"""A sweep on a real single-host Slurm (tests/support/slurm_cluster.py): `perfkit suite --launcher
slurm` with a two-point matrix over a tiny BERT config (3 steps). The two points ask for the same
allocation, so they are one job array; each task runs the prepared run of its own point
(reports/jobs/prepared/, its params hash checked on the node), never the YAML again.

Checked: both points' results (ok, their own batch size and params hash), the array script, the
ledger, and that each saved notebook carries its point's values in its parameters: the saved
notebook of one point, run again with plain papermill from those parameters alone (no payload),
resolves the same params hash."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

from support.cli import run_cli

pytestmark = [pytest.mark.slurm, pytest.mark.e2e]
WAIT_S = 600
BATCHES = (8, 16)


@pytest.fixture(scope="module")
def project(tmp_path_factory, bert_data, project_root) -> Path:
    root = tmp_path_factory.mktemp("slurm-sweep-project")
    shutil.copytree(project_root / "params", root / "params")
    shutil.copytree(project_root / "notebooks", root / "notebooks")
    smoke = yaml.safe_load((root / "params/bert/cpu/smoke.yaml").read_text())
    config = {**smoke, "description": "tiny: the Slurm sweep test's run"}
    config["params"] = {**smoke["params"], "max_steps": 3, "eval_interval": 3, "eval_samples": 500,
                        "data_dir": str(bert_data), "data_autobuild": False, "num_workers": 0}
    (root / "params/bert/cpu/tiny.yaml").write_text(yaml.safe_dump(config))
    runs = [{"benchmark": "bert", "vendor": "cpu", "config": "tiny", "matrix": {"batch_size": list(BATCHES)}}]
    (root / "params/suites/sweep.yaml").write_text(yaml.safe_dump({"description": "a Slurm sweep", "runs": runs}))
    return root


def _env(project: Path, slurm_env: dict) -> dict[str, str]:
    return {**slurm_env, "PERFKIT_ROOT": str(project), "PERFKIT_REPORTS": str(project / "reports"),
            "OMP_NUM_THREADS": "1"}


def test_a_sweep_runs_on_slurm_as_one_array_and_each_point_keeps_its_values(project, slurm_env, tmp_path,
                                                                              monkeypatch):
    done = run_cli("suite", "sweep", "--launcher", "slurm", "--no-html", "--no-index", env_extra=_env(project, slurm_env),
                   timeout=WAIT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 ok" in done.stdout, done.stdout

    jobs = {p.stem: json.loads(p.read_text()) for p in (project / "reports/jobs").glob("*.json")}
    assert len(jobs) == 2 and all("_" in job_id for job_id in jobs)  # the array's two tasks
    (array,) = {job_id.split("_")[0] for job_id in jobs}
    script = (project / "reports/jobs" / f"{array}.sh").read_text()
    assert "#SBATCH --array=0-1" in script and "--prepared" in script and "--overrides" not in script

    hashes = {}
    for batch in BATCHES:
        name = f"tiny--batch_size-{batch}"
        folder = project / "reports/runs/bert/cpu" / name
        result = json.loads((folder / "result.json").read_text())
        assert result["status"] == "ok" and result["metrics"]["steps"] == 3, result.get("error")
        assert result["run"]["config"] == name and result["run"]["params"]["batch_size"] == batch
        (job,) = [j for j in jobs.values() if j["config"] == name]
        assert job["status"] == "ok" and Path(job["prepared"]).is_file()
        prepared = json.loads(Path(job["prepared"]).read_text())
        assert prepared["run"]["params_hash"] == result["run"]["params_hash"]
        # the saved notebook's parameters hold the point's values beside the payload
        saved = nbformat.read(folder / "notebook.ipynb", as_version=4)
        parameters = saved.metadata.papermill.parameters
        assert parameters["vendor"] == "cpu" and parameters["config"] == "tiny"
        assert json.loads(parameters["overrides"]) == {"batch_size": batch}
        hashes[batch] = (folder, parameters, result["run"]["params_hash"])
    assert hashes[BATCHES[0]][2] != hashes[BATCHES[1]][2]

    # the saved notebook of one point, run again with plain papermill from its parameters alone
    import papermill

    folder, parameters, params_hash = hashes[BATCHES[1]]
    for name, value in _env(project, slurm_env).items():
        monkeypatch.setenv(name, value)
    again = tmp_path / "again"
    papermill.execute_notebook(
        str(folder / "notebook.ipynb"), str(tmp_path / "again.ipynb"),
        parameters={**parameters, "resolved": "", "output_dir": str(again)},
        cwd=str(project), progress_bar=False, kernel_name="python3",
    )
    rerun = json.loads((again / "result.json").read_text())
    assert rerun["status"] == "ok" and rerun["run"]["params_hash"] == params_hash
    assert rerun["run"]["params"]["batch_size"] == BATCHES[1]
