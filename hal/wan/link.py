"""What every WAN link (the TCP server, the in-process pipe) shares: connection ids, delivery of
whole messages to the hub, sending to one head-end or to all, and the limits that keep one bad
head-end from stalling the others (docs/wan.md).

Why a base class: the hub is written once against `WanLink` (`send`, `broadcast`,
`connections`, the three callbacks) and runs unchanged on real TCP or on the pipe that tests
and `commshub demo` use. Transports register their connections here through the public hooks
`connection_made`, `message_received` and `connection_lost`, named after asyncio's protocol
callbacks, and implement `WanConnection`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, TypeVar

from protocols.wan import DEFAULT_MAX_MESSAGE_SIZE, check_message_size

LOGGER = logging.getLogger(__name__)

Argument = TypeVar("Argument")

#: Default bound on bytes queued towards one head-end before it is disconnected for not reading (1 MiB).
DEFAULT_MAX_BUFFER = 1024 * 1024

#: Default seconds a head-end may leave the TCP write buffer above its high-water mark (not reading).
DEFAULT_STALL_TIMEOUT = 30.0

#: Default seconds from the first byte of a frame to its last, before a head-end is disconnected.
DEFAULT_FRAME_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class WanMessage:
    """One whole GBCS message from a head-end; answer it with `link.send(connection_id, ...)`."""

    connection_id: int
    data: bytes


@dataclass(frozen=True, slots=True)
class WanLimits:
    """What one head-end may cost the hub before it is disconnected (docs/wan.md, "Limits")."""

    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE  # larger frames in either direction are refused
    max_buffer: int = DEFAULT_MAX_BUFFER  # bytes queued towards a head-end that does not read
    stall_timeout: float = DEFAULT_STALL_TIMEOUT  # seconds the TCP buffer may stay full
    frame_timeout: float = DEFAULT_FRAME_TIMEOUT  # seconds a half-received frame may wait for the rest


class WanConnection(Protocol):
    """One head-end connection as a transport provides it."""

    @property
    def peer(self) -> str:
        """Who is at the other end (e.g. "127.0.0.1:50312", "the in-process pipe"), for logs."""
        ...

    def write(self, data: bytes) -> bool:
        """Queue one message (unframed) to the head-end; False when the connection is gone or was
        just dropped for not reading (more than `max_buffer` bytes waiting). Never waits."""
        ...

    def abort(self, reason: str) -> None:
        """Drop the connection now, discarding anything queued."""
        ...

    def close(self) -> None:
        """Close the connection once what is queued has been sent."""
        ...


MessageHandler = Callable[[WanMessage], object]
ConnectionHandler = Callable[[int], object]


class WanLink:
    """The head-end connections of one hub, whatever carries them."""

    def __init__(
        self,
        *,
        on_message: MessageHandler,
        on_connect: ConnectionHandler | None = None,
        on_disconnect: ConnectionHandler | None = None,
        limits: WanLimits | None = None,
    ) -> None:
        """`on_message(WanMessage)` is called for each whole message, `on_connect(connection_id)` /
        `on_disconnect(connection_id)` as head-ends come and go. Callbacks run on the loop, must not
        block, and may call `send` / `broadcast`; one that raises is logged and the link carries on."""
        self.limits = limits or WanLimits()
        self._on_message = on_message
        self._on_connect = on_connect
        self._on_disconnect = on_disconnect
        self._connections: dict[int, WanConnection] = {}
        self._ids = itertools.count(1)
        self._emptied: asyncio.Event | None = None  # set when the last connection goes, while closing

    async def start(self) -> None:
        """Start accepting head-ends (a transport overrides this)."""

    async def close(self, *, grace: float = 1.0) -> None:
        """Stop accepting head-ends and close every connection (a transport overrides this)."""
        await self.close_connections(grace)

    async def __aenter__(self) -> WanLink:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def connections(self) -> tuple[int, ...]:
        """Ids of the head-ends connected now, oldest first."""
        return tuple(self._connections)

    def peer(self, connection_id: int) -> str | None:
        """Who connection `connection_id` is (None once it is gone)."""
        found = self._connections.get(connection_id)
        return None if found is None else found.peer

    def send(self, connection_id: int, data: bytes) -> bool:
        """Queue `data` (one GBCS message) to one head-end; False when it is gone (never waits).

        Raises `EncodeError` for an empty message or one above `limits.max_message_size`.
        """
        check_message_size(data, self.limits.max_message_size)
        connection = self._connections.get(connection_id)
        return connection is not None and connection.write(data)

    def broadcast(self, data: bytes) -> int:
        """Queue `data` to every connected head-end; how many it reached (never waits)."""
        check_message_size(data, self.limits.max_message_size)
        return sum(connection.write(data) for connection in list(self._connections.values()))

    def disconnect(self, connection_id: int, reason: str = "closed by the hub") -> bool:
        """Drop one head-end now; False if it was already gone."""
        connection = self._connections.get(connection_id)
        if connection is None:
            return False
        connection.abort(reason)
        return True

    async def close_connections(self, grace: float) -> None:
        """Close every connection, letting queued messages go out for up to `grace` seconds; then
        drop those still open (a head-end that does not read must not hold up a shutdown)."""
        if not self._connections:
            return
        self._emptied = asyncio.Event()
        for connection in list(self._connections.values()):
            connection.close()
        try:
            await asyncio.wait_for(self._emptied.wait(), grace)
        except TimeoutError:
            for connection in list(self._connections.values()):
                connection.abort(f"still sending after {grace} s at shutdown")
        finally:
            self._emptied = None

    # -- hooks for transports ----------------------------------------------------------------------

    def connection_made(self, connection: WanConnection) -> int:
        """A transport's new connection: give it an id and tell the hub."""
        connection_id = next(self._ids)
        self._connections[connection_id] = connection
        LOGGER.info("WAN: head-end %d connected from %s", connection_id, connection.peer)
        if self._on_connect is not None:
            self._call(self._on_connect, connection_id)
        return connection_id

    def message_received(self, connection_id: int, data: bytes) -> None:
        """A transport received one whole message on a connection still registered."""
        if connection_id in self._connections:
            self._call(self._on_message, WanMessage(connection_id, data))

    def connection_lost(self, connection_id: int, reason: str) -> None:
        """A transport's connection ended (idempotent: a dropped connection reports twice)."""
        connection = self._connections.pop(connection_id, None)
        if connection is None:
            return
        if self._emptied is not None and not self._connections:
            self._emptied.set()
        LOGGER.info("WAN: head-end %d (%s) disconnected: %s", connection_id, connection.peer, reason)
        if self._on_disconnect is not None:
            self._call(self._on_disconnect, connection_id)

    def _call(self, callback: Callable[[Argument], object], argument: Argument) -> None:
        try:
            callback(argument)
        except Exception:  # the hub's bug must not take the WAN link, or other head-ends, down with it
            LOGGER.exception("WAN: the hub's callback %r failed", callback)
