"""One writer per run folder (perfkit.results.run_folder.locked) and what counts as debris:
another process holds the lock -> refused naming it, or waited for; a live process's staging
and moved-aside folders are never deleted, a dead one's are."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from perfkit.errors import UserError
from perfkit.results import run_folder
from perfkit.results.run_folder import RunFolderBusy, locked, lock_file, new_staging, recover

HOLDER = """
import sys
from pathlib import Path
from perfkit.results.run_folder import locked
with locked(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.readline()
"""


def _hold(final: Path) -> subprocess.Popen:
    """Another process holding ``final``'s lock until its stdin closes."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(final)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def _release(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    proc.wait(timeout=60)


@pytest.fixture()
def final(tmp_path) -> Path:
    return tmp_path / "reports/runs/bert/cpu/smoke"


def test_a_held_folder_is_refused_naming_the_holder_and_free_again_after(final):
    holder = _hold(final)
    try:
        with pytest.raises(RunFolderBusy) as caught:
            with locked(final):
                pass
        message = str(caught.value)
        assert isinstance(caught.value, UserError) and "\n" not in message
        assert f"pid {holder.pid}" in message and "--wait-lock" in message and str(final) in message
    finally:
        _release(holder)
    with locked(final):  # the holder's end released it
        assert lock_file(final).is_file()


def test_waiting_for_the_lock_goes_on_once_the_holder_ends(final):
    holder = _hold(final)
    entered = threading.Event()

    def wait_then_enter() -> None:
        with locked(final, wait=True):
            entered.set()

    waiter = threading.Thread(target=wait_then_enter)
    waiter.start()
    try:
        assert not entered.wait(1.0)  # still held: the waiter cannot be in
    finally:
        _release(holder)
    waiter.join(60)
    assert entered.is_set()


def test_a_holder_killed_outright_leaves_the_folder_free(final):
    holder = _hold(final)
    holder.kill()
    holder.wait(timeout=60)
    with locked(final):
        pass


def test_the_lock_file_is_not_followed_through_a_symlink(final, tmp_path):
    final.parent.mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    lock_file(final).symlink_to(victim)
    with pytest.raises(UserError, match="lock file"):
        with locked(final):
            pass
    assert victim.read_text() == "keep me"


def test_a_live_process_staging_and_moved_aside_folders_are_not_debris(final):
    final.mkdir(parents=True)
    (final / "result.json").write_text("{}")
    live = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.readline()"], stdin=subprocess.PIPE)
    try:
        staging = final.with_name(f".smoke.staging-{live.pid}")
        old = final.with_name(f".smoke.old-{live.pid}")
        for folder in (staging, old):
            folder.mkdir()
            (folder / "result.json").write_text('{"live": true}')
        recover(final)
        mine = new_staging(final)
        assert staging.is_dir() and old.is_dir(), "a live writer's folders were deleted"
        assert (staging / "result.json").read_text() == '{"live": true}'
        run_folder.discard(mine)
    finally:
        live.stdin.close()
        live.wait(timeout=60)
    recover(final)  # now the writer is dead: its folders are debris
    assert not staging.exists() and not old.exists()
    assert (final / "result.json").read_text() == "{}"


def test_a_dead_process_moved_aside_folder_is_restored_when_the_run_folder_is_missing(final):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    final.parent.mkdir(parents=True)
    old = final.with_name(f".smoke.old-{pid}")
    old.mkdir()
    (old / "result.json").write_text('{"previous": true}')
    recover(final)
    assert (final / "result.json").read_text() == '{"previous": true}' and not old.exists()
