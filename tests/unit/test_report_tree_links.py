"""Issue 21, links inside reports/: `report` and `report --markdown` never follow a link, never
replace a special file, and remove only the CSVs perfkit's manifest says it wrote. Each refusal
is one line and exit 2, with nothing written or deleted where the link points."""

from __future__ import annotations

import json
import os
import stat

import pytest
from support.fabricated import make_result, write_run

from perfkit.cli import main
from perfkit.files.writing import OWNED_MARKER, read_owned, record_written
from perfkit.report.site_data import TABLES_KIND, load_site, write_csv_tables
from perfkit.results.store import write_json_atomic, write_text_atomic
from perfkit.telemetry.samples import Sample
from perfkit.telemetry.store import write_samples


@pytest.fixture
def reports(tmp_path):
    folder = tmp_path / "reports"
    write_run(folder, make_result(metrics={"p_core": 100.0}))
    write_run(folder, make_result(benchmark="glm", metrics={"p_core": 50.0}))
    return folder


@pytest.fixture
def victim(tmp_path):
    """A user's folder outside reports/ that a link will point at."""
    folder = tmp_path / "victim"
    folder.mkdir()
    (folder / "runs.csv").write_text("my own runs.csv\n")  # a name perfkit would write
    (folder / "notes.txt").write_text("keep me\n")
    (folder / "README.md").write_text("my readme\n")
    return folder


def _snapshot(folder):
    return sorted(
        (p.relative_to(folder).as_posix(), p.read_bytes() if p.is_file() and not p.is_symlink() else None)
        for p in folder.rglob("*")
    )


def _error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    return err


def test_report_refuses_a_symlinked_tables_folder(reports, victim, capsys):
    (reports / "tables").symlink_to(victim)
    before = _snapshot(victim)
    assert main(["report", "--reports", str(reports)]) == 2
    assert "tables" in _error_line(capsys)
    assert _snapshot(victim) == before
    assert not (reports / "index.html").exists()


def test_report_refuses_a_symlinked_index_html(reports, victim, capsys):
    (reports / "index.html").symlink_to(victim / "notes.txt")
    before = _snapshot(victim)
    assert main(["report", "--reports", str(reports)]) == 2
    assert "index.html" in _error_line(capsys)
    assert _snapshot(victim) == before
    assert not (reports / "tables").exists()  # refused before any CSV was written


@pytest.mark.parametrize("name", ["index.html", "summary.ipynb", "tables/runs.csv", "tables/.perfkit-owned.json"])
def test_report_refuses_a_fifo_where_it_writes(reports, capsys, name):
    target = reports / name
    target.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(target)
    assert main(["report", "--reports", str(reports)]) == 2
    assert name.split("/")[-1] in _error_line(capsys)
    assert stat.S_ISFIFO(os.lstat(target).st_mode)


def test_report_refuses_a_file_where_the_tables_folder_belongs(reports, capsys):
    (reports / "tables").write_text("not a folder\n")
    assert main(["report", "--reports", str(reports)]) == 2
    assert "tables" in _error_line(capsys)
    assert (reports / "tables").read_text() == "not a folder\n"


def test_markdown_refuses_a_symlinked_readme_folder(reports, victim, capsys):
    (reports / "readme").symlink_to(victim)
    before = _snapshot(victim)
    assert main(["report", "--markdown", "--reports", str(reports)]) == 2
    assert "readme" in _error_line(capsys)
    assert _snapshot(victim) == before


def test_markdown_refuses_a_symlink_below_readme_and_writes_nothing(reports, victim, capsys):
    (reports / "readme").mkdir()
    (reports / "readme" / "glm").symlink_to(victim)  # bert sorts first: still nothing is written
    before = _snapshot(victim)
    assert main(["report", "--markdown", "--reports", str(reports)]) == 2
    assert "glm" in _error_line(capsys)
    assert _snapshot(victim) == before
    assert not (reports / "readme" / "bert").exists()


def test_markdown_refuses_a_readme_that_is_a_link_or_a_device(reports, victim, capsys):
    (reports / "readme" / "bert" / "cpu").mkdir(parents=True)
    (reports / "readme" / "bert" / "cpu" / "README.md").symlink_to(victim / "README.md")
    assert main(["report", "--markdown", "--reports", str(reports)]) == 2
    _error_line(capsys)
    assert (victim / "README.md").read_text() == "my readme\n"
    (reports / "readme" / "bert" / "cpu" / "README.md").unlink()
    os.mknod(reports / "readme" / "bert" / "cpu" / "README.md", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    assert main(["report", "--markdown", "--reports", str(reports)]) == 2
    _error_line(capsys)
    assert stat.S_ISCHR(os.lstat(reports / "readme" / "bert" / "cpu" / "README.md").st_mode)


def test_markdown_writes_normally(reports, capsys):
    assert main(["report", "--markdown", "--reports", str(reports)]) == 0
    assert (reports / "readme" / "bert" / "cpu" / "README.md").is_file()


def test_csv_tables_keep_user_files_and_remove_only_listed_stale_ones(reports):
    tables = reports / "tables"
    tables.mkdir()
    (tables / "mine.csv").write_text("user\n")
    (tables / "old_comparison.csv").write_text("perfkit wrote this once\n")
    record_written(tables, ["old_comparison.csv"], kind=TABLES_KIND, root=reports)
    written = write_csv_tables(load_site(reports))
    assert (tables / "mine.csv").read_text() == "user\n"
    assert not (tables / "old_comparison.csv").exists()
    assert read_owned(tables, kind=TABLES_KIND).files == {p.name for p in written}


def test_csv_tables_without_a_manifest_delete_nothing(reports):
    """Tables from before the manifest, or a user's CSV: no proof, so kept."""
    tables = reports / "tables"
    tables.mkdir()
    (tables / "gone.csv").write_text("no proof\n")
    (tables / OWNED_MARKER).write_text("")  # an empty marker proves nothing
    write_csv_tables(load_site(reports))
    assert (tables / "gone.csv").read_text() == "no proof\n"


def test_csv_tables_marker_that_is_a_link_is_refused(reports, tmp_path):
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({"tool": "perfkit", "kind": TABLES_KIND, "files": ["mine.csv"]}))
    tables = reports / "tables"
    tables.mkdir()
    (tables / "mine.csv").write_text("user\n")
    (tables / OWNED_MARKER).symlink_to(forged)
    with pytest.raises(Exception) as exc:
        write_csv_tables(load_site(reports))
    assert exc.value.exit_code == 2
    assert (tables / "mine.csv").read_text() == "user\n"
    assert json.loads(forged.read_text())["files"] == ["mine.csv"]


def test_a_stale_listed_csv_that_became_a_link_is_kept(reports, victim):
    tables = reports / "tables"
    tables.mkdir()
    (tables / "old.csv").symlink_to(victim / "notes.txt")
    record_written(tables, ["old.csv"], kind=TABLES_KIND, root=reports)
    write_csv_tables(load_site(reports))
    assert (tables / "old.csv").is_symlink() and (victim / "notes.txt").read_text() == "keep me\n"


# --- the result and telemetry stores --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "link", "dangling", "folder", "device"])
def test_atomic_writes_refuse_a_target_that_is_not_a_regular_file(tmp_path, victim, kind):
    target = tmp_path / "out" / "result.json"
    target.parent.mkdir()
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "link":
        target.symlink_to(victim / "notes.txt")
    elif kind == "dangling":
        target.symlink_to(victim / "missing.json")
    elif kind == "folder":
        target.mkdir()
    else:
        os.mknod(target, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    before = os.lstat(target)
    with pytest.raises(Exception) as exc:
        write_json_atomic(target, {"a": 1})
    assert exc.value.exit_code == 2 and "\n" not in str(exc.value)
    after = os.lstat(target)
    assert (after.st_ino, stat.S_IFMT(after.st_mode)) == (before.st_ino, stat.S_IFMT(before.st_mode))
    assert (victim / "notes.txt").read_text() == "keep me\n" and not (victim / "missing.json").exists()
    assert sorted(p.name for p in target.parent.iterdir()) == ["result.json"]  # no temp file left


def test_atomic_write_with_root_refuses_a_link_on_the_way(tmp_path, victim):
    root = tmp_path / "reports"
    root.mkdir()
    (root / "suites").symlink_to(victim)
    with pytest.raises(Exception) as exc:
        write_text_atomic(root / "suites" / "notes.txt", "x", root=root)
    assert exc.value.exit_code == 2
    assert (victim / "notes.txt").read_text() == "keep me\n"


def test_telemetry_refuses_a_fifo_or_link(tmp_path, victim):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "telemetry.csv").symlink_to(victim / "notes.txt")
    with pytest.raises(Exception) as exc:
        write_samples(folder / "telemetry.csv", [Sample(0.0, {})])
    assert exc.value.exit_code == 2
    assert (victim / "notes.txt").read_text() == "keep me\n"
    (folder / "telemetry.csv").unlink()
    write_samples(folder / "telemetry.csv", [Sample(0.0, {})])
    assert (folder / "telemetry.csv").read_text().startswith("t,")
