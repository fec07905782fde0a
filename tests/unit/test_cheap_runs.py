"""Cheap runs: the host never imports torch to resolve params, list, plan, report or compare;
the notebook's first cell imports only what it needs; the index is built without a second
kernel; a large matrix dry run reads the plug-in entry points a bounded number of times."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import nbformat
import pytest

from perfkit import plugins
from perfkit.cli import main
from perfkit.params import sources
from perfkit.report.plots import IMAGE_DATA
from support.fabricated import make_result, write_run
from support.suite_project import SHORT, make_project, write_suite

ROOT = Path(__file__).resolve().parents[2]
HOST_HEAVY = ("torch", "transformers")  # `report` may import pandas: its tables are frames
CELL_HEAVY = ("torch", "transformers", "pandas", "matplotlib")

# Runs each argv through perfkit.cli.main in this one process, then reports which heavy
# modules got imported. `run` resolves its params fully and goes through the local launcher;
# the notebook's execution is stubbed out (it would start a kernel) and ends ok: what is tested
# is the host's own work before and after it (the run's checks are the kernel's, and the line
# printed after an ok run needs no scenario).
DRIVER = r"""
import json, sys
import perfkit.cells.benchmark  # the notebook's first cell, first: what it alone imports
cell = sorted(m for m in %r if m in sys.modules)
import perfkit.jobs.notebook_run as notebook_run
from perfkit.run.spec import initial_record
def executed(prepared, *a, **k):
    assert "check_payload" in k["kernel_checks"]
    record = initial_record(prepared, "2026-12-07T00:00:00+00:00", status="ok")
    record.metrics = {"e2e_time": 1.0, "p_core": 2.0}
    return notebook_run.NotebookRun(prepared.output_dir, "ok", record, 1.0)
notebook_run.execute_notebook = executed
from perfkit.cli import main
codes = []
for argv in json.loads(sys.argv[1]):
    try:
        codes.append(main(argv))
    except SystemExit as exc:
        codes.append(exc.code)
host = sorted(m for m in %r if m in sys.modules)
print(json.dumps({"codes": codes, "host": host, "cell": cell}))
""" % (CELL_HEAVY, HOST_HEAVY)


def test_host_commands_never_import_torch(tmp_path, bert_data, project_root):
    root = make_project(tmp_path, bert_data, project_root)
    base, new = tmp_path / "base", tmp_path / "new"
    for folder, p_core in ((base, 100.0), (new, 101.0)):
        write_run(folder, make_result("bert", "cpu", "smoke", metrics={"p_core": p_core}))
    commands = [
        ["list"],
        ["list", "configs", "--benchmark", "glm"],
        ["run", "bert", "--vendor", "cpu", "--config", "short", "--set", "max_steps=2", "--no-index"],
        ["run", "glm", "--vendor", "cpu", "--config", "smoke", "--set", "num_heads=3"],  # refused: exit 2
        ["suite", "smoke", "--dry-run"],
        ["report", "--reports", str(new), "--markdown"],
        ["compare", str(base), str(new)],
    ]
    env = {**os.environ, "PERFKIT_ROOT": str(root), "PERFKIT_REPORTS": str(tmp_path / "reports"),
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(commands)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["codes"] == [0, 0, 0, 2, 0, 0, 3], (seen, done.stderr[-2000:])  # compare: one run a side, inconclusive
    assert seen["host"] == [], f"host commands imported {seen['host']}"
    assert seen["cell"] == [], f"the notebook's first cell imported {seen['cell']}"


def test_every_command_starts_without_the_analysis_libraries():
    """Every command builds the whole parser first: it adds each command's options without
    importing what the commands use (pandas through compare's verdicts was ~0.35 s of every
    `perfkit run`'s start, numpy and matplotlib with it)."""
    probe = ("import sys\nfrom perfkit.cli import build_parser\nbuild_parser()\n"
             "print(sorted(m for m in ('pandas', 'numpy', 'matplotlib', 'torch', 'nbconvert', 'papermill') "
             "if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["[]"]


def test_the_index_is_built_without_a_kernel(reports, monkeypatch):
    from perfkit.jobs import index_build

    def no_kernel(*args, **kwargs):
        raise AssertionError("a kernel was started to build the index")

    monkeypatch.setattr("perfkit.jobs.kernel.run_notebook", no_kernel)
    monkeypatch.setattr(index_build, "run_notebook", no_kernel, raising=False)
    write_run(reports, make_result("bert", "cpu", "smoke", loss=[9.0, 8.0, 7.5]))
    write_run(reports, make_result("bert", "cpu", "1x2", nproc=2, loss=[9.0, 8.1, 7.4]))
    index = index_build.build_index(reports)
    page = index.read_text(encoding="utf-8")
    assert IMAGE_DATA in page and '<img alt="throughput' in page  # every figure an SVG image, the throughput chart too
    assert 'src="data:image/png' not in page
    assert "No description has been provided" not in page  # each image says what it shows
    assert "bert/cpu/smoke" in page or "smoke" in page
    saved = nbformat.read(str(reports / "summary.ipynb"), as_version=4)
    code = [c for c in saved.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    injected = [c for c in code if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and repr(str(reports)) in injected[0].source
    assert any(o.get("output_type") == "execute_result" for c in code for o in c.outputs)
    assert not list(reports.glob(".summary.*"))


def test_a_failing_summary_cell_names_the_cell_and_writes_no_index(reports, monkeypatch):
    from perfkit.jobs import index_build

    broken = reports.parent / "notebooks"
    broken.mkdir()
    node = nbformat.v4.new_notebook()
    node.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")]
    (broken / "summary.ipynb").write_text(nbformat.writes(node))
    monkeypatch.setattr(sources, "notebook_path", lambda name: broken / name)
    with pytest.raises(index_build.IndexBuildFailed, match=r"summary.ipynb: cell \d+ \(1 / 0\): ZeroDivisionError"):
        index_build.build_index(reports)
    assert not (reports / "index.html").exists() and not list(reports.glob(".summary.*"))


def test_a_large_matrix_dry_run_scans_entry_points_a_bounded_number_of_times(tmp_path, bert_data, project_root,
                                                                              monkeypatch, capsys):
    root = make_project(tmp_path, bert_data, project_root)
    monkeypatch.setenv("PERFKIT_ROOT", str(root))
    monkeypatch.setenv("PERFKIT_REPORTS", str(root / "reports"))
    matrix = {"seed": list(range(1, 33)), "eval_interval": [1, 2, 3, 4]}  # 128 points per entry
    write_suite(root, "wide", [{**SHORT, "matrix": matrix}, {**SHORT, "config": "long", "matrix": matrix}])
    scans = []
    real = metadata.distributions

    def counted(*args, **kwargs):
        scans.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(metadata, "distributions", counted)
    plugins.scan_entry_points.cache_clear()
    sources._plugin_sources.cache_clear()
    assert main(["suite", "wide", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(": 256 runs") and out[-1] == "256 to run, 0 to skip"
    assert len(scans) <= 2, f"{len(scans)} entry-point scans for 256 points"


def test_the_entry_point_scan_is_cached_per_search_path_and_can_be_cleared(tmp_path, monkeypatch):
    plugins.scan_entry_points.cache_clear()
    first = plugins.group_entry_points("perfkit.vendors")
    assert plugins.group_entry_points("perfkit.vendors") is first
    site = tmp_path / "site"
    info = site / "perfkit_fake_cache-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: perfkit-fake-cache\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[perfkit.vendors]\nfakecache = perfkit_fake_cache:Vendor\n")
    monkeypatch.syspath_prepend(str(site))  # a new search path: scanned again
    assert "fakecache" in [ep.name for ep in plugins.group_entry_points("perfkit.vendors")]
    plugins.scan_entry_points.cache_clear()
    assert plugins.scan_entry_points.cache_info().currsize == 0


LATER = ("pandas", "matplotlib", "perfkit.scenarios.inference", "perfkit.scenarios.specs")


def test_the_kernels_preload_imports_neither_the_report_libraries_nor_other_scenarios():
    """What the kernel imports before the benchmark (RUN_IMPORTS) is in a CPU run's resident
    memory, its "mem", and on the kernel's start: the report's libraries come after the run, and
    a run imports its own scenario only (perfkit.scenarios.scenario_named), when it needs it."""
    from perfkit.jobs.kernel_command import RUN_IMPORTS

    probe = (f"import sys\nimport {', '.join(RUN_IMPORTS)}\n"
             f"print(sorted(m for m in {LATER!r} if m in sys.modules))\n"
             "from perfkit.scenarios import scenario_named\nscenario_named('training')\n"
             f"print(sorted(m for m in {LATER!r} if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["[]", "[]"]


def test_a_run_reports_tables_and_figures_without_pandas():
    """The report cells show their tables as perfkit.report.table.Table, not pandas' Styler: a
    kernel never imports pandas (~0.3 s of every run's report on 2 cores, with the Styler's
    templates). Every training, inference and spec-sheet cell is drawn here, in a fresh process.

    The report's stack is imported frozen out of the collector, with what the run left alive
    (here 150,000 lists): the collections during matplotlib's import walked a run's leftovers
    (~0.13 s of every report on 2 cores); the collector stays on."""
    probe = r"""
import gc, sys
import perfkit.cells.benchmark as pk
left_by_the_run = [[] for _ in range(150_000)]
from perfkit.run.spec import prepare
from support.fabricated import make_result
training = make_result(loss=[3.0 - 0.01 * i for i in range(60)], evals=[{"samples": 64, "quality": 0.1}])
inference = make_result(benchmark="bert_inference", metrics={"infer_latency_p50": 0.01})
specs = make_result(benchmark="specs", metrics={"spec_cases": []})
run = prepare("bert", "cpu", "smoke", {})
shown = [pk.headline(training), pk.params(run), pk.summary(training), pk.environment(training),
         pk.general(training), pk.performance(training), pk.curves(training), pk.energy(training),
         pk.timeline(run, training), pk.definitions(), pk.inference_summary(inference),
         pk.inference_metric_list(inference), pk.inference_values(inference), pk.latency(inference),
         pk.inference_definitions(), pk.spec_sheet(specs), pk.spec_power(specs), pk.spec_definitions()]
pages = [cell._repr_html_() for cell in shown]
assert all("<table>" in page or "<img" in page or "<p>" in page for page in pages), pages
print("pandas" in sys.modules, "jinja2" in sys.modules)
print(gc.isenabled(), gc.get_freeze_count() > 150_000, len(gc.get_objects()) < 50_000)
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "False", "True", "True", "True"]


def _dist(folder: Path, name: str, entry_points: str = "") -> None:
    info = folder / f"{name.lower().replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    # a description below the headers that holds a "Name:" line of its own
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n\nName: not-this-one\n")
    if entry_points:
        (info / "entry_points.txt").write_text(entry_points)


def test_the_plugin_scan_names_distributions_from_their_headers_and_the_first_copy_wins(tmp_path):
    """The scan reads a distribution's name from its metadata headers only (not the e-mail
    parse of the whole file, ~0.07 s of every command); a distribution installed twice counts
    once, the first on the path, even where that copy declares no perfkit entry point."""
    first, second = tmp_path / "first", tmp_path / "second"
    _dist(first, "Acme_Perfkit")
    _dist(second, "acme-perfkit", "[perfkit.vendors]\nacme = acme_perfkit:Vendor\n")
    _dist(second, "Other.Vendor", "[perfkit.vendors]\nother = other_vendor:Vendor\n[console_scripts]\nx = y:z\n")
    found = plugins.scan_entry_points((str(first), str(second)))
    assert [ep.name for ep in found["perfkit.vendors"]] == ["other"]
    assert "console_scripts" not in found
    names = sorted(plugins.distribution_name(d) for d in metadata.distributions(path=[str(first), str(second)]))
    assert names == ["acme-perfkit", "acme-perfkit", "other-vendor"]
