"""Sweeps: a suite entry's matrix expands to one run per point, each in a folder named from its
values; bad matrices are refused in one line (exit 2); the index draws the points as curves."""

from __future__ import annotations

import pytest
import yaml

from perfkit.cli import main
from perfkit.errors import ParamsError
from perfkit.jobs.suite import load_suite, plan_suite
from perfkit.params.limits import MAX_MATRIX_POINTS
from perfkit.params.matrix import expand, point_name, sweep_of
from perfkit.paths import safe_name
from perfkit.report import sweeps as report_sweeps

from support.fabricated import make_result, write_run
from support.suite_project import SHORT, run_dir, write_suite

MATRIX = {"batch_size": [16, 32, 64], "precision": ["fp32", "bf16"]}


def test_matrix_expands_to_the_product_in_order():
    points = expand(MATRIX, "suite: runs[0]")
    assert len(points) == 6
    assert points[0] == (("batch_size", 16), ("precision", "fp32"))
    assert points[1] == (("batch_size", 16), ("precision", "bf16"))
    assert points[-1] == (("batch_size", 64), ("precision", "bf16"))


def test_point_names_are_readable_safe_and_read_back():
    names = [point_name("smoke", p) for p in expand(MATRIX, "x")]
    assert names[0] == "smoke--batch_size-16--precision-fp32"
    assert len(set(names)) == 6 and all(safe_name(n, "n") == n for n in names)
    assert point_name("smoke", (("learning_rate", 0.001), ("fused", True))) == "smoke--learning_rate-0.001--fused-true"
    assert sweep_of(names[0]) == ("smoke", ("batch_size", "precision"))
    assert sweep_of("smoke") is None and sweep_of("A100x1x1_seq128") is None and sweep_of("--x-1") is None


BAD_MATRICES = {
    "not a mapping": ([16, 32], "key 'matrix' must be a mapping"),
    "empty mapping": ({}, "key 'matrix' must be a mapping"),
    "scalar values": ({"batch_size": 16}, "matrix key 'batch_size' must be a non-empty list"),
    "empty list": ({"batch_size": []}, "matrix key 'batch_size' must be a non-empty list"),
    "nested value": ({"batch_size": [[16]]}, "is not a number, string or boolean"),
    "null value": ({"batch_size": [None]}, "is not a number, string or boolean"),
    "repeated value": ({"batch_size": [16, 16]}, "lists 16 twice"),
    "path in a value": ({"precision": ["../../etc"]}, "is not a name"),
    "key not a name": ({"Batch Size": [1, 2]}, "is not a param name"),
    "too many keys": ({f"k{i}": [1] for i in range(9)}, "at most 4"),
    "too many values": ({"batch_size": list(range(1, 200))}, "at most 64"),
    "too many points": ({"batch_size": list(range(1, 60)), "seed": list(range(1, 60))}, f"at most {MAX_MATRIX_POINTS}"),
    "also in set": ({"max_steps": [1, 2]}, "matrix key 'max_steps' is also in 'set'"),
    "unknown param": ({"no_such_key": [1, 2]}, "unknown key 'no_such_key'"),
    "value the param refuses": ({"batch_size": [16, -1]}, "batch_size"),
}


@pytest.mark.parametrize("name", list(BAD_MATRICES))
def test_bad_matrix_is_refused_in_one_line(name, project, monkeypatch, capsys):
    matrix, needle = BAD_MATRICES[name]
    write_suite(project, "bad", [{**SHORT, "set": {"max_steps": 2}, "matrix": matrix}])
    monkeypatch.setenv("PERFKIT_ROOT", str(project))
    monkeypatch.setenv("PERFKIT_REPORTS", str(project / "reports"))
    code = main(["suite", "bad", "--dry-run"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert "params/suites/bad.yaml" in err[0] and "runs[0]" in err[0] and needle in err[0], err[0]
    assert not (project / "reports").exists()


def test_matrix_points_plan_their_own_folders_and_params(project, monkeypatch, capsys):
    write_suite(project, "sweep", [{**SHORT, "repeats": 2, "matrix": MATRIX}, SHORT])
    monkeypatch.setenv("PERFKIT_ROOT", str(project))
    monkeypatch.setenv("PERFKIT_REPORTS", str(project / "reports"))
    planned = plan_suite(load_suite("sweep"))
    assert len(planned) == 6 * 2 + 1
    first = planned[0]
    assert first.run_dir == run_dir(project, "short--batch_size-16--precision-fp32")
    assert first.prepared.resolved.config == "short--batch_size-16--precision-fp32"
    assert first.prepared.resolved.params.batch_size == 16 and first.prepared.resolved.params.precision == "fp32"
    assert planned[1].run_dir == first.run_dir / "r2"
    assert planned[-1].run_dir == run_dir(project, "short") and planned[-1].prepared.resolved.config == "short"
    assert len({p.run_dir for p in planned}) == len(planned)
    assert main(["suite", "sweep", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "bert/cpu/short--batch_size-64--precision-bf16 r2" in out and "13 to run, 0 to skip" in out


def test_same_point_twice_is_refused(project, monkeypatch, capsys):
    write_suite(project, "twice", [{**SHORT, "matrix": {"batch_size": [16, 32]}},
                                   {**SHORT, "matrix": {"batch_size": [32, 64]}}])
    monkeypatch.setenv("PERFKIT_ROOT", str(project))
    assert main(["suite", "twice", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "runs[1]: bert/cpu/short--batch_size-32 is already runs[0]" in err


# -- the index curve --------------------------------------------------------------------------

def _point(batch: int, precision: str, p_core: float):
    result = make_result(config=f"smoke--batch_size-{batch}--precision-{precision}", metrics={"p_core": p_core})
    result.run["params"] = {"batch_size": batch, "precision": precision}
    return result


def test_sweep_curves_on_fabricated_results(tmp_path):
    results = [_point(b, p, v) for b, p, v in [(16, "fp32", 100.0), (32, "fp32", 180.0), (64, "fp32", 300.0),
                                               (16, "bf16", 150.0), (64, "bf16", 500.0)]]
    repeat = _point(32, "fp32", 200.0)  # a repeat of the same point: averaged
    plain = make_result(config="smoke")  # not a sweep
    failed = make_result(config="smoke--batch_size-128--precision-fp32", status="failed")
    found = report_sweeps.sweeps([*results, repeat, plain, failed])
    assert len(found) == 1
    sweep = found[0]
    assert (sweep.title, sweep.x, sweep.metric) == ("bert/cpu/smoke", "batch_size", "p_core")
    assert sweep.series() == {"precision=bf16": [(16.0, 150.0), (64.0, 500.0)],
                              "precision=fp32": [(16.0, 100.0), (32.0, 190.0), (64.0, 300.0)]}
    fig = report_sweeps.sweep_chart([*results, repeat, plain, failed])
    ax = fig.axes[0]
    lines = {c.get_label(): (list(c.lines[0].get_xdata()), list(c.lines[0].get_ydata())) for c in ax.containers}
    assert lines["precision=fp32"] == ([16.0, 32.0, 64.0], [100.0, 190.0, 300.0])  # errorbar lines
    assert "batch_size" in ax.get_xlabel() and "samples/s" in ax.get_ylabel()


def test_one_point_or_no_sweep_draws_nothing():
    assert report_sweeps.sweeps([_point(16, "fp32", 1.0)]) == []
    assert report_sweeps.sweep_chart([make_result()]) is None


def test_summary_cell_draws_the_sweep_from_a_reports_folder(tmp_path):
    import perfkit.cells.summary as ps
    from perfkit.report.plots import IMAGE_DATA

    for batch, value in ((8, 10.0), (16, 18.0)):
        write_run(tmp_path, _point(batch, "fp32", value))
    site = ps.load(str(tmp_path))
    assert {site.run_id(d) for d, _ in site.runs} == {"bert/cpu/smoke--batch_size-8--precision-fp32",
                                                      "bert/cpu/smoke--batch_size-16--precision-fp32"}
    shown = ps.sweeps(site).data
    assert f'<img alt="throughput against each swept parameter" src="{IMAGE_DATA}' in shown
    empty = ps.load(str(tmp_path / "none"))
    assert "No sweeps yet" in ps.sweeps(empty).data


def _in_project(project, monkeypatch) -> None:
    monkeypatch.setenv("PERFKIT_ROOT", str(project))
    monkeypatch.setenv("PERFKIT_REPORTS", str(project / "reports"))


def test_a_sweep_points_notebook_parameters_resolve_the_point_again(project, monkeypatch):
    """What a sweep point's notebook is given: its payload, and the vendor, run config and
    overrides it was resolved from, the point's values included, so that the saved notebook,
    run again with papermill without the payload, resolves the same params hash (the real
    re-run is in tests/e2e/slurm/test_slurm_sweep.py)."""
    from pathlib import Path

    import nbformat

    from perfkit.jobs import notebook_run
    from perfkit.jobs.kernel import KernelEnding
    from perfkit.jobs.suite_run import suite_exit_code
    from perfkit.run.spec import from_payload, prepare

    write_suite(project, "sweep", [{**SHORT, "set": {"eval_interval": 2},
                                    "matrix": {"batch_size": [16, 32], "precision": ["bf16"]}}])
    _in_project(project, monkeypatch)
    given: dict[str, dict] = {}

    def run_notebook(notebook, output, parameters, cwd, timeout=None, host_checks=None, **_):
        if host_checks is not None:  # as the real one: the host's checks before any cell
            host_checks()
        given[from_payload(parameters["resolved"]).resolved.config] = dict(parameters)
        Path(output).write_text(nbformat.writes(nbformat.v4.new_notebook()))
        return KernelEnding("died", 0.1, exit_code=-9)

    monkeypatch.setattr(notebook_run, "run_notebook", run_notebook)
    planned = {run.prepared.resolved.config: run.prepared for run in plan_suite(load_suite("sweep"))}
    assert main(["suite", "sweep", "--no-html", "--no-index"]) == suite_exit_code(2)  # both "crashed": nothing ran
    assert set(given) == set(planned) == {"short--batch_size-16--precision-bf16", "short--batch_size-32--precision-bf16"}
    for name, parameters in given.items():
        assert parameters["vendor"] == "cpu" and parameters["config"] == "short"
        point = planned[name].resolved
        again = prepare("bert", parameters["vendor"], parameters["config"], parameters["overrides"])
        assert again.resolved.params_hash == point.params_hash == from_payload(parameters["resolved"]).resolved.params_hash
        assert again.resolved.params.batch_size == point.params.batch_size and again.resolved.params.eval_interval == 2


def test_a_matrix_on_slurm_is_one_array_whose_tasks_run_their_points(project, monkeypatch, capsys):
    """Points of one shape (nodes, cards, time) share one job array; each task gets the prepared
    run of its own point (reports/jobs/prepared/), not a config name and overrides."""
    from pathlib import Path

    from perfkit.run.spec import load_payload_file
    from perfkit.slurm import commands, ledger

    write_suite(project, "sweep", [{**SHORT, "matrix": {"batch_size": [16, 32]}}])
    _in_project(project, monkeypatch)
    scripts: list[str] = []

    def submit(script, extra=None):
        scripts.append(Path(script).read_text())
        return "500"

    monkeypatch.setattr(commands, "require", lambda command: None)
    monkeypatch.setattr(commands, "max_array_size", lambda: 1000)
    monkeypatch.setattr(commands, "submit", submit)
    assert main(["suite", "sweep", "--launcher", "slurm", "--no-wait", "--no-html"]) == 0
    assert capsys.readouterr().out.split() == ["500_0", "500_1"]
    (script,) = scripts
    assert "#SBATCH --array=0-1" in script and "--overrides" not in script and "--config" not in script
    records = {r.job_id: r for r in ledger.all_records()}
    for task, batch in ((0, 16), (1, 32)):
        record = records[f"500_{task}"]
        assert record.config == f"short--batch_size-{batch}" and record.run_dir == str(run_dir(project, record.config))
        prepared = load_payload_file(Path(record.prepared))
        assert prepared.resolved.params.batch_size == batch and prepared.resolved.config == record.config
        assert f"--prepared {record.prepared} " in script.split(f"  {task})")[1].split(";;")[0]
