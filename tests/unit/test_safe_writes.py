"""perfkit.files.writing: writes inside perfkit's trees never follow a link, never replace a
special file, and deletions remove only what a manifest with content proves perfkit wrote."""

from __future__ import annotations

import json
import os
import socket
import stat

import pytest

from perfkit.errors import DataError, UserError
from perfkit.files.writing import (
    OWNED_MARKER,
    check_target,
    ensure_folder,
    is_owned,
    move_file_into,
    read_owned,
    record_written,
    remove_file,
    remove_owned,
    remove_tree_owned,
    user_files,
    write_file_atomic,
)


@pytest.fixture
def outside(tmp_path):
    """A folder outside the tree with a user's file in it, to point links at."""
    target = tmp_path / "outside"
    target.mkdir()
    (target / "keep.txt").write_text("user data")
    return target


def _snapshot(folder):
    return sorted((p.relative_to(folder).as_posix(), p.read_bytes() if p.is_file() else None) for p in folder.rglob("*"))


def _one_line(exc) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


# --- ensure_folder ------------------------------------------------------------------------------


def test_ensure_folder_creates_each_component(tmp_path):
    root = tmp_path / "reports"
    made = ensure_folder(root, "tables", "x/y")
    assert made == root / "tables" / "x" / "y"
    assert made.is_dir() and not made.is_symlink()


def test_ensure_folder_refuses_a_symlinked_component(tmp_path, outside):
    root = tmp_path / "reports"
    root.mkdir()
    (root / "tables").symlink_to(outside)
    before = _snapshot(outside)
    with pytest.raises(UserError) as exc:
        ensure_folder(root, "tables", "sub")
    assert "tables" in _one_line(exc) and "symbolic link" in str(exc.value)
    assert _snapshot(outside) == before


def test_ensure_folder_refuses_a_file_where_a_folder_belongs(tmp_path):
    root = tmp_path / "reports"
    root.mkdir()
    (root / "tables").write_text("x")
    with pytest.raises(DataError) as exc:
        ensure_folder(root, "tables", error=DataError)
    assert "regular file" in _one_line(exc)


def test_ensure_folder_refuses_a_dangling_link(tmp_path):
    root = tmp_path / "reports"
    root.mkdir()
    (root / "tables").symlink_to(tmp_path / "nowhere")
    with pytest.raises(UserError):
        ensure_folder(root, "tables")
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("part", ["..", "../x", "/etc", ""])
def test_ensure_folder_never_leaves_root(tmp_path, part):
    root = tmp_path / "reports"
    with pytest.raises(UserError):
        ensure_folder(root, part)


def test_ensure_folder_accepts_a_root_that_is_a_link(tmp_path, outside):
    """The root is the user's choice (``--reports``); only what is below it is checked."""
    root = tmp_path / "reports"
    root.symlink_to(outside)
    assert ensure_folder(root, "tables").is_dir()
    assert (outside / "tables").is_dir()


# --- write_file_atomic --------------------------------------------------------------------------


def test_write_file_atomic_writes_and_replaces(tmp_path):
    root = tmp_path / "reports"
    target = write_file_atomic(root, "tables/a.csv", "x,y\n")
    assert target.read_text() == "x,y\n"
    write_file_atomic(root, root / "tables" / "a.csv", b"z\n")
    assert target.read_bytes() == b"z\n"
    assert sorted(p.name for p in (root / "tables").iterdir()) == ["a.csv"]  # no temp left


def test_write_file_atomic_refuses_symlinked_folder(tmp_path, outside):
    root = tmp_path / "reports"
    root.mkdir()
    (root / "tables").symlink_to(outside)
    before = _snapshot(outside)
    with pytest.raises(UserError) as exc:
        write_file_atomic(root, "tables/keep.txt", "overwritten")
    assert "tables" in _one_line(exc)
    assert _snapshot(outside) == before


@pytest.mark.parametrize("dangling", [False, True])
def test_write_file_atomic_refuses_a_symlink_target(tmp_path, outside, dangling):
    root = tmp_path / "reports"
    root.mkdir()
    link = root / "index.html"
    link.symlink_to(outside / ("missing.html" if dangling else "keep.txt"))
    with pytest.raises(UserError) as exc:
        write_file_atomic(root, "index.html", "<html>")
    assert "symbolic link" in _one_line(exc)
    assert link.is_symlink()
    assert (outside / "keep.txt").read_text() == "user data"
    assert not (outside / "missing.html").exists()


def test_write_file_atomic_refuses_a_fifo(tmp_path):
    root = tmp_path / "reports"
    (root / "tables").mkdir(parents=True)
    fifo = root / "tables" / "runs.csv"
    os.mkfifo(fifo)
    with pytest.raises(UserError) as exc:
        write_file_atomic(root, fifo, "a,b\n")
    assert "special file" in _one_line(exc)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_write_file_atomic_refuses_a_device_or_socket(tmp_path):
    root = tmp_path / "reports"
    root.mkdir()
    target = root / "index.html"
    try:
        os.mknod(target, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(target))
        sock.close()
    with pytest.raises(UserError):
        write_file_atomic(root, "index.html", "<html>")
    mode = os.lstat(target).st_mode
    assert not stat.S_ISREG(mode)


def test_write_file_atomic_refuses_a_folder_target(tmp_path):
    root = tmp_path / "reports"
    (root / "index.html").mkdir(parents=True)
    with pytest.raises(UserError) as exc:
        write_file_atomic(root, "index.html", "<html>")
    assert "folder" in _one_line(exc)


def test_write_file_atomic_refuses_paths_outside_root(tmp_path):
    root = tmp_path / "reports"
    root.mkdir()
    for path in (tmp_path / "elsewhere.txt", "../elsewhere.txt", "a/../../elsewhere.txt"):
        with pytest.raises(UserError):
            write_file_atomic(root, path, "x")
    assert not (tmp_path / "elsewhere.txt").exists()


def test_check_target_refuses_links_and_special_files(tmp_path, outside):
    root = tmp_path / "reports"
    root.mkdir()
    assert check_target(root, "new/file.txt") == root / "new" / "file.txt"
    assert not (root / "new").exists()
    (root / "link").symlink_to(outside)
    with pytest.raises(UserError):
        check_target(root, "link/keep.txt")
    os.mkfifo(root / "fifo.html")
    with pytest.raises(UserError):
        check_target(root, "fifo.html")


def test_move_file_into_replaces_only_a_regular_file(tmp_path, outside):
    root = tmp_path / "reports"
    root.mkdir()
    (root / ".summary.tmp").write_text("new")
    (root / "summary.ipynb").symlink_to(outside / "keep.txt")
    with pytest.raises(UserError):
        move_file_into(root, root / ".summary.tmp", root / "summary.ipynb")
    assert (outside / "keep.txt").read_text() == "user data"
    (root / "summary.ipynb").unlink()
    move_file_into(root, root / ".summary.tmp", root / "summary.ipynb")
    assert (root / "summary.ipynb").read_text() == "new"


def test_remove_file_removes_only_regular_files(tmp_path, outside):
    root = tmp_path / "reports"
    root.mkdir()
    (root / "a.txt").write_text("x")
    (root / "link.txt").symlink_to(outside / "keep.txt")
    os.mkfifo(root / "fifo")
    assert remove_file(root, "a.txt") is True
    assert remove_file(root, "link.txt") is False and (root / "link.txt").is_symlink()
    assert remove_file(root, "fifo") is False and (root / "fifo").exists()
    assert remove_file(root, "missing/x") is False
    assert (outside / "keep.txt").exists()


# --- ownership ----------------------------------------------------------------------------------


def test_record_written_writes_a_marker_with_content(tmp_path):
    folder = tmp_path / "reports" / "tables"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text("1")
    record_written(folder, ["a.csv", folder / "b.csv"], kind="tables", root=tmp_path / "reports")
    body = json.loads((folder / OWNED_MARKER).read_text())
    assert body["tool"] == "perfkit" and body["kind"] == "tables"
    assert body["files"] == ["a.csv", "b.csv"] and body["created"]
    assert read_owned(folder, kind="tables").files == {"a.csv", "b.csv"}
    assert read_owned(folder, kind="dataset") is None


def test_record_written_merge_and_refuses_escaping_names(tmp_path):
    folder = tmp_path / "t"
    record_written(folder, ["a.csv"], kind="tables")
    record_written(folder, ["b.csv"], kind="tables", merge=True)
    assert read_owned(folder).files == {"a.csv", "b.csv"}
    for bad in ("../x", "/etc/passwd", tmp_path / "elsewhere", "a/../../b", OWNED_MARKER):
        with pytest.raises(UserError):
            record_written(folder, [bad], kind="tables")


@pytest.mark.parametrize(
    "marker",
    [
        "",
        "written by perfkit; perfkit may replace this folder\n",
        "{}",
        '{"tool": "other", "kind": "tables", "files": ["a.csv"]}',
        '{"tool": "perfkit", "kind": "tables", "files": ["../../outside/keep.txt"]}',
        '{"tool": "perfkit", "kind": "tables", "files": "a.csv"}',
        "[" * 100_000,
    ],
)
def test_an_empty_or_foreign_marker_proves_nothing(tmp_path, marker):
    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "a.csv").write_text("user")
    (folder / OWNED_MARKER).write_text(marker)
    assert not is_owned(folder)
    result = remove_owned(folder)
    assert result.removed == [] and (folder / "a.csv").read_text() == "user"


def test_a_marker_that_is_a_symlink_proves_nothing(tmp_path):
    elsewhere = tmp_path / "forged.json"
    elsewhere.write_text(json.dumps({"tool": "perfkit", "kind": "tables", "files": ["a.csv"]}))
    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "a.csv").write_text("user")
    (folder / OWNED_MARKER).symlink_to(elsewhere)
    assert read_owned(folder) is None
    remove_owned(folder)
    assert (folder / "a.csv").exists()


def test_a_marker_that_is_a_fifo_proves_nothing(tmp_path):
    folder = tmp_path / "tables"
    folder.mkdir()
    os.mkfifo(folder / OWNED_MARKER)
    assert read_owned(folder) is None


def test_remove_owned_keeps_user_files_and_changed_types(tmp_path, outside):
    root = tmp_path / "reports"
    folder = root / "tables"
    write_file_atomic(root, "tables/a.csv", "1")
    write_file_atomic(root, "tables/sub/c.csv", "3")
    record_written(folder, ["a.csv", "sub/c.csv", "link.csv", "fifo.csv", "dir.csv", "gone.csv"], kind="tables", root=root)
    (folder / "user.csv").write_text("mine")
    (folder / "link.csv").symlink_to(outside / "keep.txt")
    os.mkfifo(folder / "fifo.csv")
    (folder / "dir.csv").mkdir()
    (folder / "dir.csv" / "inner").write_text("mine too")
    result = remove_owned(folder, root=root, kind="tables")
    assert sorted(result.removed) == ["a.csv", "sub/c.csv"]
    assert {"user.csv", "link.csv", "fifo.csv", "dir.csv/inner"} <= set(result.kept)
    assert (folder / "user.csv").read_text() == "mine"
    assert (folder / "link.csv").is_symlink() and (outside / "keep.txt").read_text() == "user data"
    assert (folder / "fifo.csv").exists() and (folder / "dir.csv" / "inner").exists()
    assert not (folder / "sub").exists()  # emptied, so removed
    assert not (folder / OWNED_MARKER).exists()
    assert folder.is_dir() and not result.folder_removed


def test_remove_owned_removes_the_folder_when_nothing_is_left(tmp_path):
    folder = tmp_path / "data" / "bert"
    write_file_atomic(tmp_path / "data", "bert/shard.h5", b"\0")
    record_written(folder, ["shard.h5"], kind="dataset")
    result = remove_owned(folder, kind="dataset")
    assert result.folder_removed and not folder.exists()


def test_remove_owned_only_some_keeps_the_rest_listed(tmp_path):
    folder = tmp_path / "tables"
    for name in ("a.csv", "b.csv"):
        write_file_atomic(tmp_path, f"tables/{name}", name)
    record_written(folder, ["a.csv", "b.csv"], kind="tables")
    result = remove_owned(folder, only=["a.csv", "user.csv"])
    assert result.removed == ["a.csv"]
    assert read_owned(folder).files == {"b.csv"}


def test_remove_owned_does_not_follow_a_symlinked_folder(tmp_path, outside):
    (outside / "a.csv").write_text("user")
    (outside / OWNED_MARKER).write_text(json.dumps({"tool": "perfkit", "kind": "tables", "files": ["a.csv", "keep.txt"]}))
    root = tmp_path / "reports"
    root.mkdir()
    (root / "tables").symlink_to(outside)
    result = remove_owned(root / "tables", root=root)
    assert result.removed == []
    assert (outside / "a.csv").exists() and (outside / "keep.txt").exists()


def test_remove_owned_does_not_follow_a_link_in_a_listed_path(tmp_path, outside):
    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "sub").symlink_to(outside)
    record_written(folder, ["sub/keep.txt"], kind="tables")
    result = remove_owned(folder)
    assert result.removed == [] and (outside / "keep.txt").exists()


def test_user_files_lists_what_the_manifest_does_not(tmp_path):
    folder = tmp_path / "tables"
    write_file_atomic(tmp_path, "tables/a.csv", "1")
    (folder / "notes.md").write_text("mine")
    assert set(user_files(folder)) == {"a.csv", "notes.md"}
    record_written(folder, ["a.csv"], kind="tables")
    assert user_files(folder) == ["notes.md"]


# --- remove_tree_owned --------------------------------------------------------------------------


def test_remove_tree_owned_refuses_a_symlink_at_the_top(tmp_path, outside):
    root = tmp_path / "data"
    root.mkdir()
    (root / "bert.partial").symlink_to(outside)
    with pytest.raises(UserError) as exc:
        remove_tree_owned(root / "bert.partial", root)
    assert "symbolic link" in _one_line(exc)
    assert (outside / "keep.txt").exists() and (root / "bert.partial").is_symlink()


def test_remove_tree_owned_never_follows_links_inside(tmp_path, outside):
    root = tmp_path / "data"
    staging = root / "bert.partial"
    (staging / "sub").mkdir(parents=True)
    (staging / "sub" / "x.h5").write_text("x")
    (staging / "to_outside").symlink_to(outside)
    (staging / "sub" / "file_link").symlink_to(outside / "keep.txt")
    os.mkfifo(staging / "fifo")
    assert remove_tree_owned(staging, root) is True
    assert not staging.exists()
    assert (outside / "keep.txt").read_text() == "user data"


def test_remove_tree_owned_refuses_a_link_on_the_way_and_the_root(tmp_path, outside):
    root = tmp_path / "data"
    root.mkdir()
    (outside / "inner").mkdir()
    (root / "bert").symlink_to(outside)
    with pytest.raises(UserError):
        remove_tree_owned(root / "bert" / "inner", root)
    assert (outside / "inner").is_dir()
    with pytest.raises(UserError):
        remove_tree_owned(root, root)
    with pytest.raises(UserError):
        remove_tree_owned(tmp_path / "outside", root)
    assert remove_tree_owned(root / "missing", root) is False
    (root / "file").write_text("x")
    with pytest.raises(UserError):
        remove_tree_owned(root / "file", root)
    assert (root / "file").exists()
