"""Issue 21, data loss: `perfkit data build` and the autobuild delete only what perfkit proves it
wrote (a marker with content listing the files), keep files a user added, never follow links,
and never replace data another config or a running run is reading."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from perfkit.cli import main
from perfkit.data.autobuild import (
    autobuild,
    choose_folder,
    dataset_settings,
    keyed_folder,
)
from perfkit.data.hashing import write_manifest
from perfkit.data.locking import FolderLock, lock_path
from perfkit.data.staging import (
    LEGACY_MARKER,
    MARKER,
    built_files,
    remove_built,
    staged_folder,
)
from perfkit.errors import DataError


def fake_build(out: Path, settings: dict | None = None, payload: bytes = b"data") -> str:
    """A tiny builder in the shape of the real ones: staged folder, a file in a sub-folder,
    manifest.json with the settings."""
    with staged_folder(out) as staging:
        (staging / "train").mkdir()
        (staging / "train" / "part_0.bin").write_bytes(payload)
        (staging / "vocab.txt").write_text("[PAD]\n")
        return write_manifest(staging, "perfkit.test/1", settings or {"seq_len": 64},
                              [staging / "train" / "part_0.bin", staging / "vocab.txt"])


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err and err.startswith("perfkit: error: ")
    return err


# --- data build: proof of ownership ------------------------------------------------------------


@pytest.mark.parametrize("marker", [LEGACY_MARKER, MARKER])
def test_an_empty_marker_does_not_let_data_build_delete_user_files(tmp_path, capsys, marker):
    out = tmp_path / "mine"
    out.mkdir()
    (out / marker).write_text("")
    (out / "thesis.tex").write_text("years of work")
    assert main(["data", "build", "bert_inference", "--out", str(out)]) == 2
    assert "not a folder perfkit built" in _one_line(capsys)
    assert (out / "thesis.tex").read_text() == "years of work"


def test_a_forged_marker_through_a_link_proves_nothing(tmp_path, capsys):
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({"tool": "perfkit", "kind": "dataset", "files": ["thesis.tex"]}))
    out = tmp_path / "mine"
    out.mkdir()
    (out / MARKER).symlink_to(forged)
    (out / "thesis.tex").write_text("years of work")
    assert main(["data", "build", "bert_inference", "--out", str(out)]) == 2
    _one_line(capsys)
    assert (out / "thesis.tex").read_text() == "years of work"


def test_data_build_refuses_to_drop_files_a_user_added_and_names_them(tmp_path, capsys):
    out = tmp_path / "set"
    fake_build(out)
    (out / "notes.md").write_text("my notes")
    (out / "train" / "extra.bin").write_bytes(b"mine")
    assert main(["data", "build", "bert_inference", "--out", str(out)]) == 2
    line = _one_line(capsys)
    assert "notes.md" in line and "train/extra.bin" in line
    assert (out / "notes.md").read_text() == "my notes" and (out / "train" / "extra.bin").read_bytes() == b"mine"
    assert (out / "train" / "part_0.bin").read_bytes() == b"data"  # the set itself untouched too


def test_data_build_replaces_its_own_folder_whole(tmp_path, capsys):
    out = tmp_path / "set"
    fake_build(out)
    assert main(["data", "build", "bert_inference", "--out", str(out)]) == 0
    assert not (out / "train").exists() and (out / "eval.txt").is_file()
    files = built_files(out)
    assert "eval.txt" in files and "manifest.json" in files
    assert sorted(p.name for p in tmp_path.iterdir()) == [".set.perfkit-lock", "set"]


def test_data_build_refuses_while_a_run_holds_the_folder(tmp_path, capsys):
    out = tmp_path / "set"
    fake_build(out)
    held = FolderLock(out).require(exclusive=False)  # what a running run holds
    try:
        assert main(["data", "build", "bert_inference", "--out", str(out)]) == 2
        assert "in use" in _one_line(capsys)
        assert (out / "train" / "part_0.bin").read_bytes() == b"data"
    finally:
        held.release()
    assert main(["data", "build", "bert_inference", "--out", str(out)]) == 0


def test_data_build_force_removes_a_foreign_folder_without_following_links(tmp_path, capsys):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("keep")
    out = tmp_path / "foreign"
    out.mkdir()
    (out / "f").write_text("x")
    (out / "link").symlink_to(victim)
    assert main(["data", "build", "bert_inference", "--out", str(out), "--force"]) == 0
    assert (victim / "keep.txt").read_text() == "keep"
    assert (out / "eval.txt").is_file() and not (out / "f").exists()


# --- staged folders -----------------------------------------------------------------------------


def test_a_listed_file_that_became_a_link_or_fifo_is_not_perfkits(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    out = tmp_path / "set"
    fake_build(out)
    (out / "vocab.txt").unlink()
    (out / "vocab.txt").symlink_to(victim)
    with pytest.raises(DataError, match="vocab.txt"):
        fake_build(out)
    (out / "vocab.txt").unlink()
    os.mkfifo(out / "vocab.txt")
    with pytest.raises(DataError, match="vocab.txt"):
        fake_build(out)
    assert victim.read_text() == "keep"


def test_a_nested_perfkit_folder_is_perfkits_and_goes_with_the_set(tmp_path):
    out = tmp_path / "set"
    fake_build(out)
    fake_build(out / "checkpoint", {"model": "x"})  # as bert_inference's initial checkpoint
    FolderLock(out / "checkpoint").require(exclusive=False).release()  # leaves its lock file in the set
    fake_build(out, payload=b"new")
    assert (out / "train" / "part_0.bin").read_bytes() == b"new"
    assert not (out / "checkpoint").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".set.perfkit-lock", "set"]


def test_remove_built_keeps_user_files_and_follows_no_link(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "part_0.bin").write_text("keep")
    out = tmp_path / "set"
    fake_build(out)
    (out / "mine.txt").write_text("mine")
    (out / "train" / "part_0.bin").unlink()
    (out / "train").rmdir()
    (out / "train").symlink_to(victim)
    kept = remove_built(out)
    assert set(kept) == {"mine.txt", "train"}
    assert (out / "mine.txt").read_text() == "mine" and (victim / "part_0.bin").read_text() == "keep"
    assert not (out / "vocab.txt").exists() and not (out / MARKER).exists()


def test_a_legacy_set_is_recognised_by_its_manifest_only(tmp_path):
    out = tmp_path / "old"
    (out / "train").mkdir(parents=True)
    (out / "train" / "part_0.bin").write_bytes(b"x")
    (out / LEGACY_MARKER).write_text("written by perfkit; perfkit may replace this folder\n")
    (out / "manifest.json").write_text(json.dumps({"builder": "perfkit.data.build_bert/1", "settings": {},
                                                   "files": ["train/part_0.bin"], "content_sha256": "0"}))
    assert built_files(out) == {"train/part_0.bin", "manifest.json", LEGACY_MARKER}
    (out / "mine.txt").write_text("mine")
    with pytest.raises(DataError, match="mine.txt"):
        fake_build(out)
    (out / "mine.txt").unlink()
    fake_build(out)
    assert (out / MARKER).is_file() and not (out / LEGACY_MARKER).exists()


def test_a_stale_partial_folder_is_cleared_only_with_a_staging_marker(tmp_path):
    out = tmp_path / "set"
    (tmp_path / "set.partial").mkdir()
    (tmp_path / "set.partial" / LEGACY_MARKER).write_text("")  # the old empty marker: not proof
    (tmp_path / "set.partial" / "keep").write_text("x")
    with pytest.raises(DataError, match="perfkit did not write it"):
        fake_build(out)
    assert (tmp_path / "set.partial" / "keep").is_file()


# --- two configs, one data folder ---------------------------------------------------------------


def test_autobuild_for_other_settings_builds_beside_and_keeps_the_first(tmp_path):
    configured = tmp_path / "bert"
    a, b = {"seq_len": 64, "vocab_size": 1000}, {"seq_len": 128, "vocab_size": 1000}
    folder_a, lock_a = autobuild(configured, a, dataset_settings, lambda out: fake_build(out, a, b"A"))
    assert folder_a == configured and lock_a.mode == "shared"
    folder_b, _ = autobuild(configured, b, dataset_settings, lambda out: fake_build(out, b, b"B"))
    assert folder_b == keyed_folder(configured, b) and folder_b.name.startswith("bert.seq128-v1000-")
    assert (configured / "train" / "part_0.bin").read_bytes() == b"A"  # the first's data, untouched
    assert (folder_b / "train" / "part_0.bin").read_bytes() == b"B"
    calls = []
    again, _ = autobuild(configured, b, dataset_settings, calls.append)
    assert again == folder_b and calls == []  # found again, not rebuilt
    assert choose_folder(configured, a, dataset_settings) == configured


def test_autobuild_never_builds_over_user_data(tmp_path):
    configured = tmp_path / "real"
    configured.mkdir()
    (configured / "shard.hdf5").write_bytes(b"real data")
    calls = []
    folder, _ = autobuild(configured, {"seq_len": 64}, dataset_settings, calls.append)
    assert folder == configured and calls == []
    assert (configured / "shard.hdf5").read_bytes() == b"real data"


def test_a_keyed_folder_with_other_content_is_refused_not_replaced(tmp_path):
    configured = tmp_path / "bert"
    fake_build(configured, {"seq_len": 64})
    wanted = {"seq_len": 128}
    keyed = keyed_folder(configured, wanted)
    keyed.mkdir()
    (keyed / "mine.txt").write_text("mine")
    with pytest.raises(DataError, match="not built for these settings"):
        autobuild(configured, wanted, dataset_settings, lambda out: fake_build(out, wanted))
    assert (keyed / "mine.txt").read_text() == "mine"


def test_autobuild_waits_for_a_build_in_progress_then_refuses_in_one_line(tmp_path):
    configured = tmp_path / "bert"
    builder = FolderLock(configured, create_parent=True).require(exclusive=True)
    try:
        with pytest.raises(DataError, match="in use") as exc:
            autobuild(configured, {"seq_len": 64}, dataset_settings, fake_build, wait_s=0)
        assert "\n" not in str(exc.value)
        assert not configured.exists()
    finally:
        builder.release()


def test_a_run_holds_a_shared_lock_on_its_data_for_its_lifetime(tmp_path, monkeypatch):
    from perfkit.benchmarks.bert_training import BertParams, BertTraining

    monkeypatch.setattr(BertTraining, "build_data", lambda self, out: fake_build(out, self.build_settings()))
    bench = BertTraining(BertParams(data_dir=str(tmp_path / "bert"), data_autobuild=True))
    folder = bench.autobuild_or_fail(bench.data_dir(), "bert")
    assert folder == tmp_path / "bert" and bench.data_dir() == folder
    assert not FolderLock(folder).acquire(exclusive=True)  # a rebuild cannot start
    del bench
    assert FolderLock(folder).acquire(exclusive=True)  # the run's end lets go


def test_a_lock_file_that_is_a_link_is_refused(tmp_path):
    folder = tmp_path / "bert"
    folder.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep")
    lock_path(folder).symlink_to(victim)
    with pytest.raises(DataError, match="symbolic link"):
        FolderLock(folder).acquire(exclusive=False)
    assert victim.read_text() == "keep"


def test_a_lock_dropped_at_interpreter_exit_closes_without_the_modules_globals(tmp_path, monkeypatch):
    """At the interpreter's exit a lock held by a global object can outlive its module's globals
    (``os``, ``contextlib`` set to None): dropping it still closes the file, and says nothing."""
    import perfkit.data.locking as locking

    (tmp_path / "set").mkdir()
    held = FolderLock(tmp_path / "set").require(exclusive=True)
    fd = held._fd
    monkeypatch.setattr(locking, "os", None)
    monkeypatch.setattr(locking, "contextlib", None)
    held.__del__()
    monkeypatch.undo()
    with pytest.raises(OSError):
        os.fstat(fd)  # closed
    assert FolderLock(tmp_path / "set").acquire(exclusive=True)
