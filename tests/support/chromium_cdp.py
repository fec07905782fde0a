"""Open a page in headless Chromium and record what it did, over the DevTools protocol.

The protocol runs over a pipe (``--remote-debugging-pipe``: Chromium reads JSON commands on fd 3
and writes replies and events on fd 4, each message ended by a NUL byte), so no port, no
websocket library and no network are involved.
"""

from __future__ import annotations

import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--no-default-browser-check",
)
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:", "chrome:", "devtools:")


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageVisit:
    """What happened while the page loaded."""

    text: str = ""  # document.body.innerText
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    log_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    evaluated: object = None  # the value of ``evaluate`` after the load, when one was given

    @property
    def network_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(LOCAL_SCHEMES)]

    @property
    def errors(self) -> list[str]:
        return self.console_errors + self.exceptions + self.log_errors


class _Pipe:
    def __init__(self, write_fd: int, read_fd: int) -> None:
        self._write = os.fdopen(write_fd, "wb", buffering=0)
        self._read = os.fdopen(read_fd, "rb", buffering=0)
        self._messages: queue.Queue = queue.Queue()
        self._next_id = 0
        self.events: list[dict] = []
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self) -> None:
        buffer = b""
        while True:
            chunk = self._read.read(65536)
            if not chunk:
                self._messages.put(None)
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                self._messages.put(json.loads(raw))

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._write.write(json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._messages.get(timeout=max(0.1, deadline - time.monotonic()))
            if reply is None:
                raise RuntimeError(f"chromium closed the pipe while waiting for {method}")
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float) -> bool:
        if any(e.get("method") == method for e in self.events):
            return True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self._messages.get(timeout=max(0.05, deadline - time.monotonic()))
            except queue.Empty:
                return False
            if event is None:
                return False
            self.events.append(event)
            if event.get("method") == method:
                return True
        return False

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                event = self._messages.get(timeout=0.05)
            except queue.Empty:
                continue
            if event is None:
                return
            self.events.append(event)


def visit(page: Path, binary: str, settle_seconds: float = 1.0, timeout: float = 90, width: int | None = None,
          evaluate: str = "", screenshot: Path | None = None, max_shot_height: int = 8000) -> PageVisit:
    """Load ``page`` (a local file) in a fresh headless profile and report errors and requests.
    ``width``: the viewport width in CSS px; ``evaluate``: a JavaScript expression whose value
    (JSON-able) is returned in ``evaluated``; ``screenshot``: where to save a PNG of the whole
    page (up to ``max_shot_height`` px tall)."""
    to_chrome_read, to_chrome_write = os.pipe()
    from_chrome_read, from_chrome_write = os.pipe()

    def wire_fds() -> None:  # in the child: fd 3 is what Chromium reads, fd 4 what it writes
        # The pipe ends may themselves be fds 3..6: copy them above 10 first, so that no dup2
        # is a no-op (which would keep close-on-exec) or overwrites the other end.
        reads, writes = fcntl.fcntl(to_chrome_read, fcntl.F_DUPFD, 10), fcntl.fcntl(from_chrome_write, fcntl.F_DUPFD, 10)
        os.dup2(reads, 3)
        os.dup2(writes, 4)

    with tempfile.TemporaryDirectory(prefix="perfkit-chromium-") as profile:
        process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire_fds, close_fds=False,
        )
        os.close(to_chrome_read)
        os.close(from_chrome_write)
        pipe = _Pipe(to_chrome_write, from_chrome_read)
        try:
            target = pipe.send("Target.createTarget", {"url": "about:blank"}, timeout=timeout)["targetId"]
            session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Runtime", "Log", "Network", "Page"):
                pipe.send(f"{domain}.enable", session=session)
            if width:
                pipe.send("Emulation.setDeviceMetricsOverride",
                          {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
            pipe.send("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
            if not pipe.wait_for("Page.loadEventFired", timeout):
                raise RuntimeError(f"{page} did not finish loading in {timeout} s")
            pipe.drain(settle_seconds)
            text = pipe.send("Runtime.evaluate", {"expression": "document.body.innerText", "returnByValue": True},
                             session=session)["result"].get("value", "")
            result = PageVisit(text=text)
            if evaluate:
                result.evaluated = pipe.send("Runtime.evaluate", {"expression": evaluate, "returnByValue": True},
                                             session=session)["result"].get("value")
            if screenshot is not None:
                import base64

                size = pipe.send("Page.getLayoutMetrics", session=session)["cssContentSize"]
                clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], max_shot_height), "scale": 1}
                shot = pipe.send("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True},
                                 session=session)
                screenshot.write_bytes(base64.b64decode(shot["data"]))
            for event in pipe.events:
                params = event.get("params", {})
                method = event.get("method")
                if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                    result.console_errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
                elif method == "Runtime.exceptionThrown":
                    result.exceptions.append(json.dumps(params.get("exceptionDetails", {}))[:500])
                elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                    entry = params["entry"]
                    result.log_errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".strip())
                elif method == "Network.requestWillBeSent":
                    result.requests.append(params.get("request", {}).get("url", ""))
            try:
                pipe.send("Browser.close", timeout=10)
            except (RuntimeError, queue.Empty):
                pass
            return result
        finally:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
