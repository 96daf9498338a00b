"""A recording hub behind a real WAN link (TCP on 127.0.0.1 port 0, or the in-process pipe)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from hal.wan import HeadEnd, WanClient, WanLimits, WanLink, WanMessage, WanPipe, WanServer

KINDS = ["tcp", "pipe"]
GUARD = 30.0  # seconds: a guard against a hang, never a timing assertion


class RecordingHub:
    """Records what the link reports; answers each message with b"re:" + message to its sender."""

    def __init__(self, *, echo: bool = True) -> None:
        self.link: WanLink | None = None
        self.echo = echo
        self.messages: list[WanMessage] = []
        self.connected: list[int] = []
        self.disconnected: list[int] = []
        self.disconnected_at: dict[int, float] = {}  # loop time of each disconnection
        self.on_connect_also: Callable[[int], object] | None = None
        self._changed = asyncio.Event()

    def on_message(self, message: WanMessage) -> None:
        self.messages.append(message)
        if self.echo and self.link is not None:
            self.link.send(message.connection_id, b"re:" + message.data)
        self._changed.set()

    def on_connect(self, connection_id: int) -> None:
        self.connected.append(connection_id)
        if self.on_connect_also is not None:
            self.on_connect_also(connection_id)
        self._changed.set()

    def on_disconnect(self, connection_id: int) -> None:
        self.disconnected.append(connection_id)
        self.disconnected_at[connection_id] = asyncio.get_running_loop().time()
        self._changed.set()

    async def until(self, condition: Callable[[], bool], timeout: float = GUARD) -> None:
        """Wait (on events, not sleeps) until `condition()` holds."""
        async with asyncio.timeout(timeout):
            while not condition():
                self._changed.clear()
                await self._changed.wait()


Connect = Callable[[], Awaitable[tuple[HeadEnd, int]]]


@asynccontextmanager
async def running_link(
    kind: str, hub: RecordingHub, *, limits: WanLimits | None = None
) -> AsyncIterator[tuple[WanLink, Connect]]:
    """A started link of `kind` wired to `hub`, and a function connecting a new head-end to it
    (returning it with the connection id the hub knows it by, once the hub has seen it)."""
    link: WanLink
    if kind == "tcp":
        link = WanServer(
            "127.0.0.1",
            0,
            on_message=hub.on_message,
            on_connect=hub.on_connect,
            on_disconnect=hub.on_disconnect,
            limits=limits,
        )
    else:
        link = WanPipe(
            on_message=hub.on_message, on_connect=hub.on_connect, on_disconnect=hub.on_disconnect, limits=limits
        )

    async def connect() -> tuple[HeadEnd, int]:
        seen = len(hub.connected)
        head_end: HeadEnd
        if isinstance(link, WanServer):
            head_end = await WanClient.connect("127.0.0.1", link.port)
        else:
            assert isinstance(link, WanPipe)
            head_end = await link.connect()
        await hub.until(lambda: len(hub.connected) > seen)
        return head_end, hub.connected[seen]

    hub.link = link
    await link.start()
    try:
        yield link, connect
    finally:
        await link.close()
