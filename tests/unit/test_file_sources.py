"""Where files come from: the project first, then plug-ins' perfkit_files, then perfkit's packaged
copies; names that pick files are plain names, never paths."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from perfkit.errors import ParamsError
from perfkit.params import sources
from perfkit.params.hardware import load_hardware


def _fake_plugin(site: Path, dist: str, package: str, files: dict[str, str]) -> None:
    """An installed distribution `dist` with a perfkit.vendors entry point into `package`."""
    pkg = site / package
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("class Vendor:\n    pass\n")
    for relative, text in files.items():
        path = pkg / "perfkit_files" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    info = site / f"{dist.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[perfkit.vendors]\nfake = {package}:Vendor\n")


@pytest.fixture()
def project(tmp_path, monkeypatch, project_root) -> Path:
    root = tmp_path / "project"
    shutil.copytree(project_root / "params", root / "params")
    (root / "notebooks").mkdir()
    monkeypatch.setenv("PERFKIT_ROOT", str(root))
    return root


@pytest.fixture()
def plugin(tmp_path, monkeypatch) -> Path:
    site = tmp_path / "site"
    _fake_plugin(site, "perfkit-fake-vendor", "perfkit_fake_vendor", {
        "params/bert/fake/smoke.yaml": "hardware: fakecard\nparams:\n  batch_size: 4\n",
        "params/bert/cpu/smoke.yaml": "hardware: cpu\n",  # shadowed by the project's
        "params/hardware/fakecard.yaml": "name: Fake Card\nvendor: fake\nshort_name: fake\n",
        "params/suites/fake.yaml": "runs: []\n",
        "notebooks/fake.ipynb": "{}",
    })
    monkeypatch.syspath_prepend(str(site))
    return site / "perfkit_fake_vendor" / "perfkit_files"


def test_plugin_files_are_found_after_the_project(project, plugin):
    labels = [s.label for s in sources.file_sources()]
    assert labels[:2] == ["project", "perfkit-fake-vendor"]
    assert sources.run_config_path("bert", "fake", "smoke") == plugin / "params/bert/fake/smoke.yaml"
    assert sources.run_config_path("bert", "cpu", "smoke") == project / "params/bert/cpu/smoke.yaml"
    assert sources.show(plugin / "params/bert/fake/smoke.yaml") == "perfkit-fake-vendor:params/bert/fake/smoke.yaml"
    assert sources.show(project / "params/bert/cpu/smoke.yaml") == "params/bert/cpu/smoke.yaml"
    assert load_hardware("fakecard").name == "Fake Card"
    assert sources.suite_path("fake") == plugin / "params/suites/fake.yaml"
    assert sources.notebook_path("fake.ipynb") == plugin / "notebooks/fake.ipynb"


def test_errors_list_choices_from_every_source(project, plugin):
    with pytest.raises(ParamsError, match=r"no run configs for vendor 'nope' in params/bert; allowed: .*fake"):
        sources.run_config_path("bert", "nope", "smoke")
    with pytest.raises(ParamsError, match=r"unknown hardware 'nope' .* allowed: .*fakecard"):
        load_hardware("nope")
    assert "bert" in sources.list_benchmarks()


def test_a_project_file_overrides_the_plugin(project, plugin):
    (project / "params/bert/fake").mkdir()
    (project / "params/bert/fake/smoke.yaml").write_text("hardware: cpu\n")
    assert sources.run_config_path("bert", "fake", "smoke") == project / "params/bert/fake/smoke.yaml"


@pytest.mark.parametrize("name", ["../cpu", "..", ".", "a/b", "a\\b", "/etc/passwd", "", ".hidden", "x y", "c:d"])
def test_names_are_never_paths(project, name):
    with pytest.raises(ParamsError, match="is not a name|must be a non-empty name"):
        sources.run_config_path("bert", "cpu", name)
    with pytest.raises(ParamsError, match="is not a name|must be a non-empty name"):
        sources.run_config_path("bert", name, "smoke")
    with pytest.raises(ParamsError, match="is not a name|must be a non-empty name"):
        load_hardware(name)
    with pytest.raises(ParamsError, match="is not a name|must be a non-empty name"):
        sources.notebook_path(name)


def test_outside_a_project_the_current_folder_holds_reports_and_data(tmp_path, monkeypatch):
    from perfkit import paths

    monkeypatch.delenv("PERFKIT_ROOT", raising=False)
    monkeypatch.delenv("PERFKIT_REPORTS", raising=False)
    monkeypatch.delenv("PERFKIT_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(paths, "__file__", str(tmp_path / "site/perfkit/paths.py"))  # as if installed
    assert paths.find_project_root() is None
    assert paths.reports_dir() == tmp_path.resolve() / "reports"
    assert paths.data_cache_dir() == tmp_path.resolve() / "data"
    assert [s.label for s in sources.file_sources() if s.label == "project"] == []


def test_perfkit_root_needs_only_params(tmp_path, monkeypatch):
    from perfkit import paths
    from perfkit.errors import UserError

    (tmp_path / "params").mkdir()
    monkeypatch.setenv("PERFKIT_ROOT", str(tmp_path))
    assert paths.find_project_root() == tmp_path.resolve()
    monkeypatch.setenv("PERFKIT_ROOT", str(tmp_path / "missing"))
    with pytest.raises(UserError, match="does not hold a params/ folder"):
        paths.find_project_root()
