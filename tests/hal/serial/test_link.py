"""`SerialLink` over real ptys, TCP sockets and pyserial's loop://: data both ways, unplug and replug, clear errors."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from hal import clock
from hal.serial import LinkDown, LinkSettings, PtyLedger, PtyPort, SerialLink, SerialOpenError


class Recorder:
    """A LinkListener that keeps what it is told."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.events: list[str] = []

    def link_up(self) -> None:
        self.events.append("up")

    def link_down(self, error: Exception | None) -> None:
        self.events.append("down")

    def data_received(self, data: bytes) -> None:
        self.data += data


def test_bytes_cross_a_pty_both_ways_in_virtual_time(tmp_path: Path) -> None:
    async def main() -> tuple[bytes, bytes, float]:
        device = bytearray()
        port = PtyPort(device.extend, link_path=str(tmp_path / "dongle"))
        port.plug()
        host = Recorder()
        link = SerialLink(LinkSettings(port.path), host)
        await link.open()
        every_byte = bytes(range(256))  # raw line: no byte is translated or eaten (XON/XOFF, CR/LF)
        link.write(every_byte * 40)
        port.write(every_byte * 40)
        await PtyLedger.of().settled()
        await link.close()
        port.unplug()
        return bytes(device), bytes(host.data), clock.now()

    device, host, now = clock.run(main(), virtual=True)
    assert device == host == bytes(range(256)) * 40
    assert now == 0.0  # virtual time stood still while the bytes were in flight


def test_unplug_and_replug_reconnects(tmp_path: Path) -> None:
    async def main() -> tuple[list[str], bytes, int]:
        device = bytearray()
        port = PtyPort(device.extend, link_path=str(tmp_path / "dongle"))
        port.plug()
        host = Recorder()
        link = SerialLink(LinkSettings(port.path, backoff_max=0.4), host)
        await link.open()
        port.unplug()
        await asyncio.sleep(3.0)  # several failed reopen attempts while unplugged
        assert not link.connected
        with pytest.raises(LinkDown):
            link.write(b"lost")
        port.plug()
        await asyncio.wait_for(link.wait_connected(), 1.0)
        link.write(b"back")
        await PtyLedger.of().settled()
        await link.close()
        port.unplug()
        return host.events, bytes(device), link.reconnects

    events, device, reconnects = clock.run(main(), virtual=True)
    assert events == ["up", "down", "up"] and reconnects == 1
    assert device == b"back"


def test_missing_device_error_names_the_path_and_a_fix(tmp_path: Path) -> None:
    missing = str(tmp_path / "ttyUSB9")

    async def main() -> None:
        await SerialLink(LinkSettings(missing, baudrate=460800), Recorder()).open(attempts=3)

    with pytest.raises(SerialOpenError) as caught:
        clock.run(main(), virtual=True)
    message = str(caught.value)
    assert missing in message and "460800 baud" in message and "tried 3 times" in message
    assert "/dev/serial/by-id" in message


def test_bad_url_is_an_open_error() -> None:
    with pytest.raises(SerialOpenError) as caught:
        clock.run(SerialLink(LinkSettings("nosuchscheme://x"), Recorder()).open())
    assert "nosuchscheme://x" in str(caught.value)


def test_loop_url_echoes_through_the_reader_thread() -> None:
    async def main() -> bytes:
        host = Recorder()
        link = SerialLink(LinkSettings("loop://"), host)
        await link.open()
        link.write(b"ping")
        async with asyncio.timeout(5):
            while bytes(host.data) != b"ping":
                await asyncio.sleep(0.01)
        await link.close()
        return bytes(host.data)

    assert clock.run(main()) == b"ping"


def test_socket_url_and_the_peer_going_away() -> None:
    async def main() -> tuple[bytes, list[str]]:
        accepted: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()

        async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await accepted.put((reader, writer))

        server = await asyncio.start_server(on_client, "127.0.0.1", 0, family=socket.AF_INET)
        port = server.sockets[0].getsockname()[1]
        host = Recorder()
        link = SerialLink(LinkSettings(f"socket://127.0.0.1:{port}", reconnect=False), host)
        await link.open()
        reader, writer = await asyncio.wait_for(accepted.get(), 5)
        link.write(b"hello")
        assert await asyncio.wait_for(reader.readexactly(5), 5) == b"hello"
        writer.write(b"world")
        await writer.drain()
        async with asyncio.timeout(5):
            while bytes(host.data) != b"world":
                await asyncio.sleep(0.01)
        writer.close()
        async with asyncio.timeout(5):
            while "down" not in host.events:
                await asyncio.sleep(0.01)
        await link.close()
        server.close()
        await server.wait_closed()
        return bytes(host.data), host.events

    data, events = clock.run(main())
    assert data == b"world" and events == ["up", "down"]
