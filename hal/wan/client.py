"""`WanClient`: a test head-end over TCP (`commshub send`, the tests), and `HeadEnd`, what it and
the pipe's `PipeHeadEnd` both offer, so a test can run over either."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from hal.wan.errors import WanClosed, WanConnectError
from hal.wan.server import DEFAULT_HOST, DEFAULT_PORT
from protocols.wan import DEFAULT_MAX_MESSAGE_SIZE, FrameReader, encode_frame

READ_SIZE = 64 * 1024


class HeadEnd(Protocol):
    """A head-end connected to the hub: `WanClient` (TCP) or `PipeHeadEnd` (in process)."""

    async def send(self, data: bytes) -> None: ...

    async def receive(self, timeout: float | None = 10.0) -> bytes: ...

    async def close(self) -> None: ...


class WanClient:
    """A head-end's TCP connection to the hub, speaking the `protocols.wan` framing."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> None:
        """Use `await WanClient.connect(host, port)`."""
        self._reader = reader
        self._writer = writer
        self._frames = FrameReader(max_message_size=max_message_size)
        self.max_message_size = max_message_size

    @classmethod
    async def connect(
        cls,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        timeout: float = 10.0,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> WanClient:
        """Connect to the hub at `host`:`port`; `WanConnectError` if it cannot within `timeout` s."""
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except TimeoutError:
            raise WanConnectError(f"cannot connect to {host}:{port}: no answer within {timeout} s") from None
        except OSError as error:
            raise WanConnectError(f"cannot connect to {host}:{port}: {error.strerror or error}") from None
        return cls(reader, writer, max_message_size=max_message_size)

    async def send(self, data: bytes) -> None:
        """Send one GBCS message (framed); `EncodeError` if empty or too big, `WanClosed` if the hub hung up."""
        frame = encode_frame(data, max_message_size=self.max_message_size)
        try:
            self._writer.write(frame)
            await self._writer.drain()
        except ConnectionError as error:
            raise WanClosed(f"the hub closed the connection: {error}") from None

    async def receive(self, timeout: float | None = 10.0) -> bytes:
        """The next message from the hub; `TimeoutError` after `timeout` s, `WanClosed` when the hub
        closed the connection, `protocols.wan.WanFrameError` on a bad frame."""
        async with asyncio.timeout(timeout):
            while (message := self._frames.next_message()) is None:
                try:
                    chunk = await self._reader.read(READ_SIZE)
                except ConnectionError as error:
                    raise WanClosed(f"the hub closed the connection: {error}") from None
                if not chunk:
                    raise WanClosed("the hub closed the connection")
                self._frames.feed(chunk)
        return message

    async def close(self) -> None:
        """Hang up."""
        self._writer.close()
        with contextlib.suppress(ConnectionError):  # already reset by the hub: closed either way
            await self._writer.wait_closed()

    async def __aenter__(self) -> WanClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
