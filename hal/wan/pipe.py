"""`WanPipe`: the WAN link in-process, for tests and for a hub and head-end in one process.

Why: tests of the hub, and `commshub demo`, need a head-end without a socket (and fleets of
hubs need no ports). `WanPipe` is a `WanLink` like `WanServer`, so the hub cannot tell them
apart; `await pipe.connect()` returns a `PipeHeadEnd` with the calls of `hal.wan.WanClient`
(`send`, `receive(timeout)`, `close`).

Same rules as TCP, without the bytes: a message is refused above `max_message_size`; each
delivery to the hub happens on a later turn of the loop, as a received TCP segment would; a
head-end holding more than `max_buffer` unread bytes is dropped for not reading (what it holds
stays readable, then `receive` raises `WanClosed`). There is no write buffer to stall and no
half frame, so `stall_timeout` and `frame_timeout` do not apply.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from hal.wan.errors import WanClosed
from hal.wan.link import WanLink
from protocols.wan import check_message_size

LOGGER = logging.getLogger(__name__)


class WanPipe(WanLink):
    """An in-process WAN link: head-ends come from `connect()`."""

    async def connect(self) -> PipeHeadEnd:
        """A new head-end connected to this pipe (`on_connect` runs before this returns)."""
        connection = _PipeConnection(self, "the in-process pipe")
        connection.connection_id = self.connection_made(connection)
        return PipeHeadEnd(connection)


class _PipeConnection:
    """The hub's side of one pipe connection (a `WanConnection`), and the state both ends share."""

    def __init__(self, pipe: WanPipe, peer: str) -> None:
        self.pipe = pipe
        self.peer = peer
        self.connection_id = 0
        self.inbox: deque[bytes] = deque()  # messages to the head-end, not yet received
        self.waiting = 0  # bytes in the inbox
        self.arrived = asyncio.Event()
        self.open = True
        self.closed_reason = ""

    def write(self, data: bytes) -> bool:
        if not self.open:
            return False
        limit = self.pipe.limits.max_buffer
        if self.waiting + len(data) > limit:
            self.abort(f"not reading: {self.waiting} bytes already waiting, the limit is {limit}")
            return False
        self.inbox.append(data)
        self.waiting += len(data)
        self.arrived.set()
        return True

    def abort(self, reason: str) -> None:
        if self.open:
            LOGGER.warning("WAN: dropping head-end %d (%s): %s", self.connection_id, self.peer, reason)
        self.end(reason)

    def close(self) -> None:
        self.end("closed by the hub")

    def end(self, reason: str) -> None:
        """The connection is over, whichever end ended it."""
        if not self.open:
            return
        self.open = False
        self.closed_reason = reason
        self.arrived.set()  # wake a receive() waiting for a message that will not come
        self.pipe.connection_lost(self.connection_id, reason)


class PipeHeadEnd:
    """The head-end's end of a `WanPipe` connection, with the calls of `hal.wan.WanClient`."""

    def __init__(self, connection: _PipeConnection) -> None:
        self._connection = connection

    @property
    def connection_id(self) -> int:
        """The id the hub knows this head-end by."""
        return self._connection.connection_id

    async def send(self, data: bytes) -> None:
        """Send one GBCS message to the hub; `WanClosed` once the connection is closed."""
        connection = self._connection
        if not connection.open:
            raise WanClosed(f"{connection.peer}: {connection.closed_reason}")
        check_message_size(data, connection.pipe.limits.max_message_size)
        loop = asyncio.get_running_loop()
        loop.call_soon(connection.pipe.message_received, connection.connection_id, bytes(data))

    async def receive(self, timeout: float | None = 10.0) -> bytes:
        """The next message from the hub; `TimeoutError` after `timeout` s; `WanClosed` once the
        connection is closed and what arrived before has been read."""
        connection = self._connection
        async with asyncio.timeout(timeout):
            while not connection.inbox:
                if not connection.open:
                    raise WanClosed(f"{connection.peer}: {connection.closed_reason}")
                connection.arrived.clear()
                await connection.arrived.wait()
        message = connection.inbox.popleft()
        connection.waiting -= len(message)
        return message

    async def close(self) -> None:
        """Hang up (the hub sees `on_disconnect`)."""
        self._connection.end("closed by the head-end")

    async def __aenter__(self) -> PipeHeadEnd:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
