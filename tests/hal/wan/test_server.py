"""`hal.wan.WanServer` and `WanClient` over real TCP sockets on 127.0.0.1 port 0: the framing on the
wire, garbage, zero and oversized lengths, half frames, a frame that never completes, a head-end that
stops reading, ports in use, connection errors and timeouts. Timeouts run on the virtual clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hal import clock
from hal.wan import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    WanClient,
    WanClosed,
    WanConnectError,
    WanLimits,
    WanLink,
    WanListenError,
    WanServer,
)
from tests.hal.wan.harness import RecordingHub, running_link


async def _raw(link: WanLink) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A head-end that writes bytes by hand (no framing helper) to the TCP link `link`."""
    assert isinstance(link, WanServer)
    return await asyncio.open_connection("127.0.0.1", link.port)


async def _read_to_the_end(reader: asyncio.StreamReader) -> bytes:
    """What the server sent before it dropped us (a reset counts as the end)."""
    try:
        return await asyncio.wait_for(reader.read(), 30.0)
    except ConnectionResetError:
        return b""


def test_the_defaults_are_loopback_port_8765() -> None:
    assert (DEFAULT_HOST, DEFAULT_PORT) == ("127.0.0.1", 8765)
    assert WanServer(on_message=print).port == 8765


def test_the_wire_format_is_a_big_endian_length_then_the_message(rtds_dir: Path) -> None:
    """A real GBCS command (an RTDS file) crosses the socket byte-exact, framed as docs/wan.md says."""
    command = bytes.fromhex(
        (rtds_dir / "1.1.1_ECS01a" / "ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_COMMAND_GBCS.HEX").read_text()
    )

    async def main() -> None:
        hub = RecordingHub()
        async with running_link("tcp", hub) as (link, _connect):
            reader, writer = await _raw(link)
            writer.write(len(command).to_bytes(4, "big") + command)
            await writer.drain()
            answer_header = await asyncio.wait_for(reader.readexactly(4), 30.0)
            answer = await asyncio.wait_for(reader.readexactly(int.from_bytes(answer_header, "big")), 30.0)
            assert hub.messages[0].data == command
            assert answer == b"re:" + command and answer_header == (len(command) + 3).to_bytes(4, "big")
            writer.close()

    clock.run(main())


@pytest.mark.parametrize(
    "garbage, length",
    [
        (b"GET / HTTP/1.1\r\nHost: hub\r\n\r\n", int.from_bytes(b"GET ", "big")),
        (bytes.fromhex("00010001") + bytes(10), 65537),  # one byte over the default maximum
        (bytes.fromhex("00000000"), 0),
        (bytes.fromhex("ffffffff"), 0xFFFFFFFF),
    ],
)
def test_garbage_and_bad_lengths_drop_only_that_head_end(
    garbage: bytes, length: int, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        hub = RecordingHub()
        async with running_link("tcp", hub) as (link, connect):
            good, good_id = await connect()
            reader, writer = await _raw(link)
            await hub.until(lambda: len(hub.connected) == 2)
            bad_id = hub.connected[1]
            writer.write(garbage)
            await writer.drain()
            assert await _read_to_the_end(reader) == b""  # dropped, nothing answered
            await hub.until(lambda: hub.disconnected == [bad_id])
            assert hub.messages == [] and link.connections == (good_id,)
            await good.send(b"unaffected")
            assert await good.receive() == b"re:unaffected"
            writer.close()

    clock.run(main())
    assert f"a message length of {length}" in caplog.text


def test_half_frames_wait_for_the_rest_without_stalling_anyone() -> None:
    async def main() -> None:
        hub = RecordingHub()
        async with running_link("tcp", hub) as (link, connect):
            reader, writer = await _raw(link)
            frame = (5).to_bytes(4, "big") + b"hello"
            writer.write(frame[:2])  # half a length
            await writer.drain()
            other, _ = await connect()
            await other.send(b"meanwhile")
            assert await other.receive() == b"re:meanwhile"  # served while the first frame is half in
            writer.write(frame[2:7])
            await writer.drain()
            await other.send(b"again")
            assert await other.receive() == b"re:again"
            for byte in frame[7:] + frame:  # the rest byte by byte, then a whole second frame
                writer.write(bytes([byte]))
                await writer.drain()
            header = await asyncio.wait_for(reader.readexactly(4), 30.0)
            assert await reader.readexactly(int.from_bytes(header, "big")) == b"re:hello"
            header = await asyncio.wait_for(reader.readexactly(4), 30.0)
            assert await reader.readexactly(int.from_bytes(header, "big")) == b"re:hello"
            assert [message.data for message in hub.messages] == [b"meanwhile", b"again", b"hello", b"hello"]
            writer.close()

    clock.run(main())


def test_a_frame_never_completed_is_dropped_after_the_frame_timeout(caplog: pytest.LogCaptureFixture) -> None:
    """Measured from the frame's first byte: trickling a byte now and then does not keep it alive."""

    async def main() -> float:
        hub = RecordingHub()
        async with running_link("tcp", hub, limits=WanLimits(frame_timeout=30.0)) as (link, connect):
            good, _ = await connect()
            reader, writer = await _raw(link)
            await hub.until(lambda: len(hub.connected) == 2)
            started = clock.now()
            writer.write((100).to_bytes(4, "big") + b"partial")
            await writer.drain()
            for _ in range(6):  # a byte every 7 s: still the same unfinished frame
                await asyncio.sleep(7.0)
                if hub.disconnected:
                    break
                writer.write(b".")
                await writer.drain()
            await hub.until(lambda: len(hub.disconnected) == 1, timeout=120.0)
            dropped_after = hub.disconnected_at[hub.disconnected[0]] - started
            await good.send(b"still served")
            assert await good.receive() == b"re:still served"
            assert await _read_to_the_end(reader) == b""
            writer.close()
            return dropped_after

    dropped_after = clock.run(main(), virtual=True)
    assert dropped_after == 30.0  # virtual seconds: the timer from the first byte, not the trickle, decided
    assert "was not completed within 30.0 s (15 bytes of it received)" in caplog.text


def test_a_head_end_whose_buffer_stays_full_is_dropped_after_the_stall_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> float:
        hub = RecordingHub()
        limits = WanLimits(max_buffer=64 * 1024 * 1024, stall_timeout=30.0)
        async with running_link("tcp", hub, limits=limits) as (link, connect):
            (_sleeper, sleeper_id), (reader, _) = await connect(), await connect()
            for _ in range(200):  # 12 MB: more than the kernel buffers take, less than max_buffer
                assert link.send(sleeper_id, bytes(60 * 1024))
            started = clock.now()
            await hub.until(lambda: hub.disconnected == [sleeper_id], timeout=600.0)
            await reader.send(b"fine")
            assert await reader.receive() == b"re:fine"
            return hub.disconnected_at[sleeper_id] - started

    assert clock.run(main(), virtual=True) == 30.0  # virtual seconds
    assert "not reading:" in caplog.text and "for more than 30.0 s" in caplog.text


def test_a_port_in_use_is_a_listen_error() -> None:
    async def main() -> None:
        first = WanServer("127.0.0.1", 0, on_message=print)
        await first.start()
        second = WanServer("127.0.0.1", first.port, on_message=print)
        with pytest.raises(WanListenError, match=f"cannot listen on 127.0.0.1:{first.port}"):
            await second.start()
        await first.close()

    clock.run(main())


def test_connecting_to_nothing_is_a_connect_error() -> None:
    async def main() -> None:
        server = WanServer("127.0.0.1", 0, on_message=print)
        await server.start()
        port = server.port
        await server.close()  # the port is free again: nobody listens there now
        with pytest.raises(WanConnectError, match=f"cannot connect to 127.0.0.1:{port}"):
            await WanClient.connect("127.0.0.1", port)

    clock.run(main())


def test_receive_times_out_and_reports_a_closed_hub() -> None:
    async def main() -> None:
        hub = RecordingHub(echo=False)
        async with running_link("tcp", hub) as (link, connect):
            head_end, connection_id = await connect()
            with pytest.raises(TimeoutError):
                await head_end.receive(timeout=5.0)  # virtual seconds
            link.send(connection_id, b"late")
            assert await head_end.receive() == b"late"
        with pytest.raises(WanClosed, match="the hub closed the connection"):
            await head_end.receive()
        with pytest.raises(WanClosed):
            for _ in range(100):  # the first writes may still land in the kernel before the reset shows
                await head_end.send(b"anyone?")
                await asyncio.sleep(0.01)

    clock.run(main(), virtual=True)
