"""The client papermill drives a run's kernel through: jupyter_client's asynchronous client, ready
as soon as the kernel answers.

jupyter_client's ``wait_for_ready`` ends by listening to the kernel's IOPub channel until it has
been silent for 0.2 s, to throw away the kernel's start-up messages. Every run paid those 0.2 s
between the kernel's start and the first cell. Nothing needs the wait: nbclient keeps only the
IOPub messages whose parent is the request of the cell it runs, so a start-up message still
queued is skipped there. Here the readiness check is the same (a ``kernel_info_reply`` on the
shell channel, then a message on IOPub, which proves that channel connected); what already
arrived on IOPub is then dropped without waiting for more.
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous.client import AsyncKernelClient

REPLY_WAIT_S = 1.0  # for a kernel_info_reply, before asking again (jupyter_client's own)
IOPUB_WAIT_S = 0.2  # for the IOPub message that shows the channel connected, before asking again


class PromptKernelClient(AsyncKernelClient):
    """``wait_for_ready`` without the trailing 0.2 s of IOPub silence."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:  # type: ignore[override]
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            reply = await _next(self.shell_channel, REPLY_WAIT_S)
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                if await _next(self.iopub_channel, IOPUB_WAIT_S) is not None:
                    self._handle_kernel_info_reply(reply)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
        while await _next(self.iopub_channel, 0) is not None:  # what already came; nothing is waited for
            pass


async def _next(channel: Any, timeout: float) -> dict[str, Any] | None:
    try:
        return await channel.get_msg(timeout=timeout)
    except Empty:
        return None
