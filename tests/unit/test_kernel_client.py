"""The kernel client a run's notebook uses (perfkit.jobs.kernel_client): ready once a
kernel_info_reply came and IOPub delivered a message, with what already came on IOPub dropped
without waiting for silence; asks again while IOPub is not connected; gives up on a dead kernel."""

from __future__ import annotations

import asyncio
from queue import Empty

import pytest

from perfkit.jobs.kernel import _Watch
from perfkit.jobs.kernel_client import IOPUB_WAIT_S, PromptKernelClient


class _Channel:
    """Messages a test queued; every get_msg's timeout is recorded."""

    def __init__(self, messages: list) -> None:
        self.messages, self.timeouts = list(messages), []

    async def get_msg(self, timeout: float | None = None) -> dict:
        self.timeouts.append(timeout)
        if not self.messages or self.messages[0] is None:
            if self.messages:
                self.messages.pop(0)  # None: nothing came within this wait
            raise Empty
        return self.messages.pop(0)


class _Client(PromptKernelClient):
    def __init__(self, shell: list, iopub: list, alive: bool = True) -> None:
        super().__init__()
        self.shell, self.iopub, self.alive, self.asked = _Channel(shell), _Channel(iopub), alive, 0
        self.info = None

    @property
    def shell_channel(self):  # noqa: ANN201
        return self.shell

    @property
    def iopub_channel(self):  # noqa: ANN201
        return self.iopub

    def kernel_info(self) -> str:
        self.asked += 1
        return "id"

    def _handle_kernel_info_reply(self, msg: dict) -> None:
        self.info = msg

    async def _async_is_alive(self) -> bool:
        return self.alive


REPLY = {"msg_type": "kernel_info_reply", "content": {}}
STATUS = {"msg_type": "status", "content": {"execution_state": "idle"}}


def test_ready_on_the_reply_and_an_iopub_message_then_drops_what_came_without_waiting():
    client = _Client(shell=[REPLY], iopub=[STATUS, STATUS, STATUS])
    asyncio.run(client.wait_for_ready(timeout=5))
    assert client.info is REPLY and client.asked == 1
    assert client.iopub.messages == []  # the start-up messages already there are dropped
    assert client.iopub.timeouts == [IOPUB_WAIT_S, 0, 0, 0]  # never a wait for silence after the first message


def test_asks_again_while_iopub_is_not_connected():
    client = _Client(shell=[REPLY, REPLY], iopub=[None, STATUS])
    asyncio.run(client.wait_for_ready(timeout=5))
    assert client.asked == 2 and client.info is REPLY


def test_a_dead_kernel_is_reported():
    client = _Client(shell=[None], iopub=[], alive=False)
    with pytest.raises(RuntimeError, match="died"):
        asyncio.run(client.wait_for_ready(timeout=5))


def test_the_run_kernels_manager_makes_this_client():
    manager = _Watch(None).manager_class()(kernel_name="python3")
    assert manager.client_factory is PromptKernelClient
