"""The one supervised notebook execution, on the host (used by ``perfkit run``, ``perfkit suite``
and the index build). Papermill under supervision: a wall-clock limit for the whole notebook and a clean stop on
Ctrl-C.

papermill runs in a worker thread while the calling thread watches the clock. When the limit
passes or the user presses Ctrl-C, the kernel's process group is killed; nbclient notices the
dead kernel, papermill saves the partial notebook, and the worker returns. How the notebook
ended is one of:

- ``ok``: every cell ran;
- ``error``: a cell raised (papermill's error banner is in the notebook);
- ``died``: the kernel exited by itself (crash, ``os._exit``, killed from outside, out of memory);
- ``timeout``: the limit passed and the kernel was stopped;
- ``stalled``: for the stall timeout (DEFAULT_STALL_TIMEOUT_S unless told; 0 or None: never)
  nothing moved: no new cell, no save of the output notebook, no line in the progress feed,
  and the kernel's process tree used (almost) no CPU; the kernel was stopped;
- ``interrupted``: Ctrl-C (or SIGTERM, SIGHUP: perfkit.errors), the kernel was stopped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from jupyter_core.utils import run_sync
from traitlets import Type

from perfkit.jobs.early_kernel import EarlyKernel
from perfkit.jobs.kernel_client import PromptKernelClient
from perfkit.jobs.kernel_command import kernel_command, preload_argument

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_POLL_SECONDS = 0.25
STALL_SAMPLE_S = 1.0  # how often the stall watchdog looks
CHECKS_READY_TIMEOUT_S = 60.0  # for the kernel to answer before its checks (papermill's own start timeout)
BUSY_CPU_SHARE = 0.05  # CPU seconds per wall second of the kernel's tree that count as working


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


class KernelChecksFailed(Exception):
    """The run's checks raised in its kernel (``kernel_checks``): the notebook never started."""

    def __init__(self, ename: str, evalue: str, traceback: str) -> None:
        super().__init__(f"{ename}: {evalue}")
        self.ename, self.evalue, self.traceback = ename, evalue, traceback


@dataclass(frozen=True)
class KernelEnding:
    """How one notebook execution ended."""

    ending: str
    seconds: float
    ename: str = ""
    evalue: str = ""
    traceback: str = ""
    exit_code: int | None = None  # the kernel process's return code when it died (-N: signal N)
    cell_index: int | None = None  # the cell that was running when it ended
    cell_source: str = ""

    @property
    def where(self) -> str:
        if self.cell_index is None:
            return "before the first cell"
        first = self.cell_source.strip().splitlines()[0] if self.cell_source.strip() else ""
        return f"in cell {self.cell_index}" + (f" ({first})" if first else "")

    def reason(self, timeout: float | None = None) -> str:
        """One line for people: what happened and where."""
        if self.ending == "error":
            return f"{self.ename}: {self.evalue}"
        if self.ending == "timeout":
            return f"timed out after {timeout:g} s {self.where}; the kernel was stopped"
        if self.ending == "interrupted":
            return f"interrupted (Ctrl-C, SIGTERM or SIGHUP) {self.where}; the kernel was stopped"
        if self.ending == "stalled":
            return self.evalue
        if self.ending == "died":
            if self.ename and self.ename != "DeadKernelError":
                return f"{self.ename}: {self.evalue}"
            return f"{kernel_death(self.exit_code)} {self.where}"
        return ""


def kernel_death(exit_code: int | None) -> str:
    if exit_code is None:
        return "the kernel died"
    if exit_code < 0:
        name = signal.Signals(-exit_code).name if -exit_code in signal.valid_signals() else str(-exit_code)
        cause = " (out of memory, or killed from outside)" if -exit_code == signal.SIGKILL else ""
        return f"the kernel was killed by {name}{cause}"
    return f"the kernel died with exit code {exit_code}"


class _Watch:
    """What the worker thread reports back: the kernel manager, the running cell, the outcome.
    The kernel's own stderr goes to ``stderr`` (a file), not the terminal."""

    def __init__(self, stderr: Any, env: dict[str, str] | None = None, preload: tuple[str, ...] = (),
                 early: EarlyKernel | None = None, kernel_checks: str = "") -> None:
        self.stderr = stderr
        self.env = env or {}  # added to the kernel's environment
        self.preload = preload  # modules the kernel imports as it starts, before the first cell
        self.early = early  # a kernel started already, adopted where it is the one to launch
        self.kernel_checks = kernel_checks  # code run in the kernel before the notebook; an error refuses the run
        self.checked = threading.Event()  # set once the kernel's checks ran (or could not run)
        self.check_error: KernelChecksFailed | None = None
        self.go = threading.Event()  # set when the host's checks passed: the notebook may start
        self.launched = threading.Event()  # set once the kernel's process started (or could not start)
        self.cells_over = threading.Event()  # set once papermill returned or raised: the notebook is final
        self.refused = False  # the host's checks refused the run: the notebook never starts
        self.managers: list[AsyncKernelManager] = []
        self.cell_index: int | None = None
        self.cell_source = ""
        self.error: BaseException | None = None
        self.process: Any = None

    def manager_class(self) -> type[AsyncKernelManager]:
        watch = self

        class WatchedKernelManager(AsyncKernelManager):
            client_factory = Type(PromptKernelClient, klass=AsyncKernelClient)  # ready without 0.2 s of IOPub silence

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                watch.managers.append(self)

            def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
                return kernel_command(super().format_kernel_cmd(extra_arguments))

            def write_connection_file(self, **kw: Any) -> None:
                if watch.early is not None and self.connection_file == str(watch.early.connection_file):
                    return  # the early kernel's, read by it already: never rewritten under it
                super().write_connection_file(**kw)

            # jupyter_client declares AsyncKernelManager.start_kernel, a coroutine, over KernelManager's sync one
            async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
                kw.setdefault("stderr", watch.stderr)
                if watch.preload:  # nbclient passes its own (empty by default) extra_arguments
                    kw["extra_arguments"] = [*(kw.get("extra_arguments") or []), preload_argument(watch.preload)]
                if watch.env:
                    kw.setdefault("env", {**os.environ, **watch.env})
                if watch.early is not None and self.provisioner is None:
                    # its connection file, ports and key; launched only if it is not the same kernel
                    self.cache_ports = False
                    self.connection_file = str(watch.early.connection_file)
                    self.load_connection_file()
                    self.kernel_id = self.kernel_id or str(uuid.uuid4())
                    self.provisioner = EarlyKernelProvisioner(watch.early, kernel_id=self.kernel_id,
                                                              kernel_spec=self.kernel_spec, parent=self)
                await super().start_kernel(**kw)

        return WatchedKernelManager

    def on_cell_execute(self, cell: Any, cell_index: int, **_: Any) -> None:
        self.cell_index = cell_index
        self.cell_source = "".join(cell.get("source", ""))

    def kernel_process(self) -> Any:
        """The kernel's Popen once it started (kept: nbclient drops its manager at the end)."""
        if self.process is None and self.managers:
            provisioner = getattr(self.managers[-1], "provisioner", None)
            self.process = getattr(provisioner, "process", None)
        return self.process

    def kill_kernel(self) -> bool:
        process = self.kernel_process()
        if process is None:
            return False
        kill_tree(process.pid)
        return True


class EarlyKernelProvisioner(LocalProvisioner):  # type: ignore[misc]
    """jupyter_client's local provisioner, offered a kernel started already
    (perfkit.jobs.early_kernel): it adopts that process where it is the one it would launch (the
    same command, environment, working folder and error file, and the connection the manager
    holds), instead of launching another. Otherwise that kernel is stopped and one is launched
    as usual, on the same connection file."""

    def __init__(self, early: EarlyKernel, **kw: Any) -> None:
        super().__init__(**kw)
        self.early: EarlyKernel | None = early

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        early, self.early = self.early, None
        if early is not None:
            if early.process.poll() is None and early.same_launch(cmd, kwargs) and self._same_connection(early):
                early.adopted = True
                self.process = early.process
                self.pid = early.process.pid
                self.pgid = early.process.pid  # a session leader (start_new_session)
                self.cwd = kwargs.get("cwd")
                return self.connection_info
            early.stop()
        return await super().launch_kernel(cmd, **kwargs)

    def _same_connection(self, early: EarlyKernel) -> bool:
        told = early.connection()
        held = dict(self.connection_info)
        key = held.get("key")
        held["key"] = key.decode() if isinstance(key, bytes) else key
        return "curve_publickey" not in held and all(
            held.get(name) == told.get(name)
            for name in ("key", "ip", "transport", "signature_scheme", "shell_port", "iopub_port", "stdin_port",
                         "control_port", "hb_port"))


def kill_tree(pid: int) -> None:
    """SIGKILL ``pid``, its process group and every process it started, however deep.

    Distributed workers run in sessions of their own (the elastic agent starts them so), so
    killing the kernel's group alone would orphan them. The tree is frozen first (SIGSTOP,
    until no new process appears), then killed, so nothing forks in between."""
    try:
        root = psutil.Process(pid)
    except psutil.Error:
        return
    seen: dict[int, psutil.Process] = {}
    for _ in range(20):
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            tree = [root]
        new = [p for p in tree if p.pid not in seen]
        if not new:
            break
        for proc in new:
            seen[proc.pid] = proc
            with contextlib.suppress(psutil.Error):
                proc.suspend()
    try:
        os.killpg(os.getpgid(pid), signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for proc in seen.values():
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs([p for p in seen.values() if p.pid != pid], timeout=5)


@contextlib.contextmanager
def _signals_ignored():
    """Ignore SIGINT, SIGTERM and SIGHUP meanwhile (main thread only; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def _stop(worker: threading.Thread, watch: _Watch) -> None:
    """Kill the kernel as soon as it exists (it may still be starting) and wait for papermill.

    The kernel is killed even when papermill already returned: a signal can end papermill's
    wait without stopping the kernel, which would then run on, orphaned."""
    while worker.is_alive() and not watch.kill_kernel():
        worker.join(_POLL_SECONDS)
    watch.kill_kernel()
    worker.join()


class _StallWatch:
    """No progress and no CPU for ``limit`` seconds: the run stalled. Progress is a new cell, a
    new save of the output notebook, or new bytes in the progress feed; CPU is the kernel's
    whole process tree (workers included) using more than BUSY_CPU_SHARE of a core. The clock
    starts when the first cell runs: before that the kernel is starting, which papermill bounds
    with its own start timeout, and a slow start on a loaded host is not a stall."""

    def __init__(self, limit: float, watch: _Watch, files: list[Path]) -> None:
        self.limit, self.watch, self.files = limit, watch, files
        self.marks: tuple = ()
        self.cpu = 0.0
        self.sampled = self.moved = 0.0

    def _marks(self) -> tuple:
        stats: list[tuple[int, int] | None] = []
        for path in self.files:
            try:
                info = path.stat()
                stats.append((info.st_size, info.st_mtime_ns))
            except OSError:
                stats.append(None)
        return (self.watch.cell_index, *stats)

    def _cpu(self, process: Any) -> float:
        try:
            root = psutil.Process(process.pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            return self.cpu
        total = 0.0
        for proc in tree:
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                total += times.user + times.system
        return total

    def stalled(self, now: float) -> bool:
        """One look (at most every STALL_SAMPLE_S); whether the limit has passed with nothing moving."""
        process = self.watch.kernel_process()
        if process is None or self.watch.cell_index is None or now - self.sampled < STALL_SAMPLE_S:
            return False
        marks, cpu = self._marks(), self._cpu(process)
        if not self.sampled or marks != self.marks or cpu - self.cpu > BUSY_CPU_SHARE * (now - self.sampled):
            self.moved = now
        self.marks, self.cpu, self.sampled = marks, cpu, now
        return now - self.moved >= self.limit

    def last_progress(self) -> str:
        """The feed's last step (``step 12/40``), '' when there is none."""
        for path in self.files:
            if path.suffix != ".jsonl":
                continue
            try:
                with open(path, "rb") as handle:
                    handle.seek(max(0, path.stat().st_size - 8192))
                    lines = handle.read().splitlines()
            except OSError:
                continue
            for line in reversed(lines):
                try:
                    update = json.loads(line)
                    n, total = int(update["n"]), int(update["total"])
                except (ValueError, KeyError, TypeError):
                    continue
                unit = update.get("unit") if update.get("unit") in ("step", "batch") else "step"
                return f"{unit} {n}/{max(n, total)}"
        return ""

    def reason(self, where: str) -> str:
        last = self.last_progress()
        return (f"stalled: no progress and no CPU use for {self.limit:g} s {where}"
                f"{'; last progress ' + last if last else ''}; the kernel was stopped (--stall-timeout)")


def run_notebook(
    notebook: Path,
    output: Path,
    parameters: dict[str, Any],
    cwd: Path,
    timeout: float | None = None,
    kernel_name: str = "python3",
    env: dict[str, str] | None = None,
    stall_timeout: float | None = None,
    progress_feed: Path | None = None,
    host_checks: Callable[[], None] | None = None,
    preload: tuple[str, ...] = (),
    once_written: tuple[Path, Callable[[], None]] | None = None,
    when_ok: Callable[[], None] | None = None,
    early: EarlyKernel | None = None,
    kernel_checks: str = "",
) -> KernelEnding:
    """Execute ``notebook`` into ``output`` with papermill; never raises for what the notebook
    does (KeyboardInterrupt during the wait ends it as ``interrupted``). ``env``: variables added
    to the kernel's environment (e.g. where it feeds the live progress bar). ``stall_timeout``:
    seconds with nothing moving before the run ends as ``stalled`` (None or 0: no watchdog);
    ``progress_feed``: the feed file whose growth counts as progress.

    ``host_checks``: the host's own work before the notebook starts (perfkit.run.preflight, then
    creating the folder of ``output``), done here while the kernel boots and imports ``preload``,
    on the other core; papermill starts (and first writes ``output``) only once it returns. What
    it raises is raised from here, after the kernel was stopped: the notebook never started.

    ``once_written``: (file, work): once ``file`` exists (the run's result: the benchmark no
    longer measures), ``work`` runs in a host thread while the notebook goes on; it has ended
    when this returns. It never runs if the file never appears.

    ``when_ok``: work on the finished notebook (its HTML export), done in this thread once the
    notebook ended ok and ``once_written``'s work ended, while the kernel is being stopped; the
    kernel is stopped when this returns, whatever the work raised.

    ``early``: a kernel started before this was called (perfkit.jobs.early_kernel), adopted if
    it is the kernel this would launch (``EarlyKernelProvisioner``); its error file is the
    kernel's, whichever kernel runs.

    ``kernel_checks``: code run in the kernel once it is up, before ``host_checks`` and before
    the notebook starts (the run's own checks, which need the kernel's torch:
    perfkit.run.preflight.kernel_code). What it raises is raised from here as
    :class:`KernelChecksFailed`, after the kernel was stopped: the notebook never started. Its
    printed lines go to this process's stderr (a dataset being built, say)."""
    with contextlib.ExitStack() as owned:
        stderr = early.stderr if early is not None else owned.enter_context(
            tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace"))
        watch = _Watch(stderr, env, preload, early, kernel_checks)
        files = [output] + ([progress_feed] if progress_feed is not None else [])
        stall = _StallWatch(stall_timeout, watch, files) if stall_timeout else None
        later = _OnceWritten(*once_written) if once_written else None
        try:
            ending, worker = _supervise(watch, notebook, output, parameters, cwd, timeout, kernel_name, stall,
                                        host_checks, later)
        finally:
            if later is not None:
                later.join()
        try:
            if when_ok is not None and ending.ending == "ok":
                when_ok()  # while the worker stops the kernel
        finally:
            worker.join()
        stderr.seek(0)
        tail = _kernel_stderr_tail(stderr.read())
    if ending.ending == "died" and tail:
        text = (ending.traceback + "\n" if ending.traceback else "") + "kernel stderr, last lines:\n" + tail
        ending = dataclasses.replace(ending, traceback=text)
    return ending


def _kernel_stderr_tail(text: str, lines: int = 20) -> str:
    kept = [line for line in text.splitlines() if line.strip() and "running over TCP without encryption" not in line]
    return "\n".join(kept[-lines:])


def _supervise(
    watch: _Watch, notebook: Path, output: Path, parameters: dict[str, Any], cwd: Path, timeout: float | None,
    kernel_name: str, stall: _StallWatch | None = None, host_checks: Callable[[], None] | None = None,
    later: _OnceWritten | None = None,
) -> tuple[KernelEnding, threading.Thread]:
    """How the notebook ended, once its cells are over, and the worker thread, which may still be
    stopping the kernel (join it)."""

    def work() -> None:
        manager = None
        try:
            # the kernel boots (and imports what it preloads) while the host checks the run
            manager = watch.manager_class()(kernel_name=kernel_name)
            try:
                run_sync(manager.start_kernel)(cwd=str(cwd))
            finally:
                watch.launched.set()
            # papermill is imported here, once the kernel's process runs: its import (~0.25 s)
            # overlaps the kernel's boot instead of delaying it
            import papermill

            from perfkit.jobs.notebook_saves import ENGINE, atomic_path, register

            register()
            if watch.kernel_checks:
                watch.check_error = run_sync(_run_checks)(manager, watch.kernel_checks)
            watch.checked.set()
            watch.go.wait()
            if watch.refused:
                return
            papermill.execute_notebook(
                str(notebook),
                atomic_path(Path(output).absolute()),
                parameters=parameters,
                cwd=str(cwd),
                progress_bar=False,
                log_output=False,
                kernel_name=kernel_name,
                km=manager,  # papermill's client adopts the started kernel; stopping it is ours
                engine_name=ENGINE,  # saves around code cells only
                on_cell_execute=watch.on_cell_execute,
            )
        except BaseException as exc:  # reported to the waiting thread
            watch.error = exc
        finally:
            watch.checked.set()
            watch.cells_over.set()
            if manager is not None:
                _shut_down(manager, watch)

    worker = threading.Thread(target=work, name="perfkit-papermill", daemon=True)
    worker.start()
    if host_checks is not None or watch.kernel_checks:
        _check_while_starting(host_checks or _nothing, worker, watch)
    # the notebook's wall-clock limit counts from here: the run's checks (a dataset's hash can
    # take minutes) are not the notebook's time; the kernel's boot mostly is, as before
    started = time.perf_counter()
    watch.go.set()
    ending, said = "ok", ""
    try:
        while worker.is_alive() and not watch.cells_over.is_set():
            watch.kernel_process()
            now = time.perf_counter()
            if timeout is not None and now - started > timeout:
                ending = "timeout"
                _stop(worker, watch)
                break
            if later is not None:
                later.poll()
            if stall is not None and stall.stalled(now):
                ending, said = "stalled", stall.reason(_where(watch))
                _stop(worker, watch)
                break
            watch.cells_over.wait(_POLL_SECONDS)
    except KeyboardInterrupt:
        ending = "interrupted"
        with _signals_ignored():  # a second Ctrl-C or SIGTERM must not cut the kill short
            _stop(worker, watch)
    return _ending(ending, watch, time.perf_counter() - started, said), worker


class _OnceWritten:
    """Starts ``work`` in a thread the first time ``poll`` finds ``file``."""

    def __init__(self, file: Path, work: Callable[[], None]) -> None:
        self.file, self.work = file, work
        self.thread: threading.Thread | None = None

    def poll(self) -> None:
        if self.thread is None and self.file.exists():
            self.thread = threading.Thread(target=self.work, name="perfkit-once-written", daemon=True)
            self.thread.start()

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()


def _shut_down(manager: AsyncKernelManager, watch: _Watch) -> None:
    """Stop the kernel at once: the last cell has run and papermill saved the notebook, so
    nothing is lost, and waiting for its interpreter to wind down (torch's and the telemetry
    thread's exit) would cost ~1.5 s. Its tree is killed here and its process reaped as soon as
    it is gone (jupyter_client's own kill then polls it every 0.1 s); jupyter_client then
    releases the connection file and ports. A kernel already dead keeps its exit status."""
    process = watch.kernel_process()
    if process is not None and process.poll() is None:
        kill_tree(process.pid)
        with contextlib.suppress(Exception):
            process.wait(timeout=5)
    with contextlib.suppress(Exception):
        run_sync(manager.shutdown_kernel)(now=True)


async def _run_checks(manager: AsyncKernelManager, code: str) -> KernelChecksFailed | None:
    """Run ``code`` in the kernel, silently (no history, no execution count); what it raised, or
    None. A kernel that does not come up or answer is not a refusal: papermill meets it next and
    the run reports it as every kernel death is reported."""
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=CHECKS_READY_TIMEOUT_S)
        reply = await client.execute_interactive(code, silent=True, store_history=False, allow_stdin=False,
                                                 output_hook=_print_stream)
    except Exception:  # noqa: BLE001 - reported by the notebook's own start
        return None
    finally:
        client.stop_channels()
    content = reply.get("content", {})
    if content.get("status") != "error":
        return None
    return KernelChecksFailed(content.get("ename", ""), content.get("evalue", ""),
                              strip_ansi("\n".join(content.get("traceback") or [])))


def _print_stream(message: dict[str, Any]) -> None:
    """What the kernel's checks printed, to this process's stderr."""
    if message.get("msg_type") == "stream":
        sys.stderr.write(message["content"].get("text", ""))
        sys.stderr.flush()


def _nothing() -> None:
    pass


def _check_while_starting(host_checks: Callable[[], None], worker: threading.Thread, watch: _Watch) -> None:
    """Once the kernel started and ran its checks (``kernel_checks``), run the host's; on any
    exception (a refusal, Ctrl-C) stop the kernel, the notebook never started, and raise it."""
    try:
        watch.launched.wait()
        watch.checked.wait()
        if watch.check_error is not None:
            raise watch.check_error
        host_checks()
    except BaseException:
        with _signals_ignored():
            watch.refused = True
            watch.go.set()  # the worker, once its kernel is up, returns without starting the notebook
            _stop(worker, watch)
        raise


def _where(watch: _Watch) -> str:
    return KernelEnding("", 0, cell_index=watch.cell_index, cell_source=watch.cell_source).where


def _ending(ending: str, watch: _Watch, seconds: float, said: str = "") -> KernelEnding:
    exc = watch.error
    process = watch.kernel_process()
    exit_code = process.poll() if process is not None else None
    ok = KernelEnding("ok", seconds, cell_index=watch.cell_index, cell_source=watch.cell_source)
    if ending != "ok":
        return dataclasses.replace(ok, ending=ending, exit_code=exit_code, evalue=said)
    if exc is None:
        return ok
    from papermill.exceptions import PapermillExecutionError  # imported already by the worker, or an error path

    if isinstance(exc, PapermillExecutionError):
        text = strip_ansi("\n".join(exc.traceback or []))
        return dataclasses.replace(ok, ending="error", ename=exc.ename, evalue=exc.evalue, traceback=text)
    # DeadKernelError, or a kernel that could not start: the run could not go on
    dead = type(exc).__name__ == "DeadKernelError"
    text = "" if dead else "".join(traceback.format_exception(exc))
    return dataclasses.replace(ok, ending="died", ename=type(exc).__name__, evalue=str(exc), traceback=text,
                               exit_code=exit_code)
