"""`WanServer`: the hub's WAN port, a TCP server that head-ends connect to (docs/wan.md).

Default address 127.0.0.1:8765. Loopback by default, because a test hub must not be reachable
from the network unless asked (`--listen 0.0.0.0:8765`). Port 8765 is unprivileged (no root on
the rig), outside Linux's ephemeral range (32768-60999, so it never collides with an outgoing
connection), and unused by anything a Raspberry Pi OS install runs.

Each connection is an asyncio `Protocol` running the sans-I/O `protocols.wan.FrameReader`, so a
head-end can never stall the hub or another head-end:
- a half-written frame is kept until the rest arrives, for at most `frame_timeout` seconds from
  its first byte; a bad length (zero, oversized, garbage) drops that connection at once (the
  stream cannot be resynchronised);
- sending never waits: a message goes to the connection's write buffer. A head-end that does not
  read is dropped when its buffer would pass `max_buffer` bytes, or when the buffer has stayed
  above the high-water mark for `stall_timeout` seconds;
- a vanished head-end is noticed by TCP and reported through `on_disconnect`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import cast

from hal.wan.errors import WanListenError
from hal.wan.link import ConnectionHandler, MessageHandler, WanLimits, WanLink
from protocols.wan import HEADER_SIZE, FrameReader, WanFrameError

LOGGER = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765

#: Write-buffer level above which a connection counts as not reading (asyncio's own default).
WRITE_HIGH_WATER = 64 * 1024


class WanServer(WanLink):
    """Head-ends connect over TCP; each message is a 4-byte big-endian length then a GBCS message."""

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        on_message: MessageHandler,
        on_connect: ConnectionHandler | None = None,
        on_disconnect: ConnectionHandler | None = None,
        limits: WanLimits | None = None,
    ) -> None:
        """Listen on `host`:`port` once started (port 0: any free port, read back from `port`)."""
        super().__init__(on_message=on_message, on_connect=on_connect, on_disconnect=on_disconnect, limits=limits)
        self.host = host
        self._requested_port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        """Start listening; raises `WanListenError` (e.g. the port is in use)."""
        loop = asyncio.get_running_loop()
        try:
            self._server = await loop.create_server(lambda: _TcpConnection(self), self.host, self._requested_port)
        except OSError as error:
            raise WanListenError(
                f"cannot listen on {self.host}:{self._requested_port}: {error.strerror or error}"
            ) from None
        LOGGER.info("WAN: listening on %s:%d", self.host, self.port)

    @property
    def port(self) -> int:
        """The port listened on (the one the OS chose when asked for port 0)."""
        if self._server is None or not self._server.sockets:
            return self._requested_port
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self, *, grace: float = 1.0) -> None:
        """Stop listening, let queued messages go out (up to `grace` seconds), close every connection."""
        if self._server is not None:
            self._server.close()
        await self.close_connections(grace)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None


class _TcpConnection(asyncio.Protocol):
    """One head-end's TCP connection: frames in, frames out, and the limits that protect the others."""

    def __init__(self, link: WanServer) -> None:
        self._link = link
        self._limits = link.limits
        self._reader = FrameReader(max_message_size=link.limits.max_message_size)
        self._transport: asyncio.Transport | None = None
        self._id = 0
        self._open = False
        self.peer = "?"
        self._stall_timer: asyncio.TimerHandle | None = None
        self._frame_timer: asyncio.TimerHandle | None = None
        self._frame_timer_offset = -1  # stream offset of the frame the frame timer watches

    # -- asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        address = transport.get_extra_info("peername")
        self.peer = f"{address[0]}:{address[1]}" if isinstance(address, tuple) else str(address)
        self._transport.set_write_buffer_limits(high=WRITE_HIGH_WATER)
        self._open = True
        self._id = self._link.connection_made(self)

    def data_received(self, data: bytes) -> None:
        if not self._open:
            return
        self._reader.feed(data)
        try:
            while self._open and (message := self._reader.next_message()) is not None:
                self._link.message_received(self._id, message)
        except WanFrameError as error:
            self.abort(f"bad frame: {error}")
            return
        if self._open:
            self._watch_frame()

    def pause_writing(self) -> None:
        if self._open and self._stall_timer is None:
            loop = asyncio.get_running_loop()
            self._stall_timer = loop.call_later(self._limits.stall_timeout, self._stalled)

    def resume_writing(self) -> None:
        self._cancel_stall_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._open = False
        self._cancel_timers()
        self._link.connection_lost(self._id, "closed by the head-end" if exc is None else f"lost: {exc}")

    # -- WanConnection ---------------------------------------------------------------------------

    def write(self, data: bytes) -> bool:
        if not self._open or self._transport is None:
            return False
        waiting = self._transport.get_write_buffer_size()
        if waiting + HEADER_SIZE + len(data) > self._limits.max_buffer:
            self.abort(f"not reading: {waiting} bytes already waiting, the limit is {self._limits.max_buffer}")
            return False
        self._transport.write(len(data).to_bytes(HEADER_SIZE, "big") + data)
        return True

    def abort(self, reason: str) -> None:
        if not self._open:
            return
        LOGGER.warning("WAN: dropping head-end %d (%s): %s", self._id, self.peer, reason)
        self._open = False
        self._cancel_timers()
        self._link.connection_lost(self._id, reason)
        if self._transport is not None:
            self._transport.abort()

    def close(self) -> None:
        if self._open and self._transport is not None:
            self._transport.close()  # connection_lost follows once the buffer is sent

    # -- limits ------------------------------------------------------------------------------------

    def _watch_frame(self) -> None:
        """Time a half-received frame from its first byte (not from each byte: a trickle is no progress)."""
        if self._reader.pending == 0:
            self._cancel_frame_timer()
        elif self._frame_timer is None or self._frame_timer_offset != self._reader.offset:
            self._cancel_frame_timer()
            loop = asyncio.get_running_loop()
            self._frame_timer = loop.call_later(self._limits.frame_timeout, self._frame_timed_out)
            self._frame_timer_offset = self._reader.offset

    def _frame_timed_out(self) -> None:
        self._frame_timer = None
        self.abort(
            f"a frame begun at stream offset {self._reader.offset} was not completed within "
            f"{self._limits.frame_timeout} s ({self._reader.pending} bytes of it received)"
        )

    def _stalled(self) -> None:
        self._stall_timer = None
        waiting = self._transport.get_write_buffer_size() if self._transport is not None else 0
        self.abort(f"not reading: {waiting} bytes waiting for more than {self._limits.stall_timeout} s")

    def _cancel_stall_timer(self) -> None:
        if self._stall_timer is not None:
            self._stall_timer.cancel()
            self._stall_timer = None

    def _cancel_frame_timer(self) -> None:
        if self._frame_timer is not None:
            self._frame_timer.cancel()
            self._frame_timer = None

    def _cancel_timers(self) -> None:
        self._cancel_stall_timer()
        self._cancel_frame_timer()
