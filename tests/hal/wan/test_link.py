"""The `WanLink` contract, run over real TCP sockets on 127.0.0.1 port 0 and over the in-process pipe:
several head-ends at once, responses to the right one, broadcast, vanished head-ends, a head-end that
does not read, a hub callback that fails, shutdown."""

from __future__ import annotations

import logging

import pytest

from hal import clock
from hal.wan import WanClosed, WanLimits, WanMessage
from protocols.errors import EncodeError
from tests.hal.wan.harness import KINDS, RecordingHub, running_link


@pytest.mark.parametrize("kind", KINDS)
def test_several_head_ends_each_get_their_own_responses(kind: str) -> None:
    async def main() -> None:
        hub = RecordingHub()
        async with running_link(kind, hub) as (link, connect):
            (first, first_id), (second, second_id), (third, third_id) = [await connect() for _ in range(3)]
            assert link.connections == (first_id, second_id, third_id)
            for round_number in range(3):
                await second.send(b"second %d" % round_number)
                await first.send(b"first %d" % round_number)
                await third.send(b"third %d" % round_number)
            for round_number in range(3):
                assert await first.receive() == b"re:first %d" % round_number
                assert await second.receive() == b"re:second %d" % round_number
                assert await third.receive() == b"re:third %d" % round_number
            by_sender = {
                connection_id: [message.data for message in hub.messages if message.connection_id == connection_id]
                for connection_id in (first_id, second_id, third_id)
            }
            assert by_sender[first_id] == [b"first 0", b"first 1", b"first 2"]
            assert by_sender[third_id] == [b"third 0", b"third 1", b"third 2"]
            assert link.peer(first_id) is not None

    clock.run(main())


@pytest.mark.parametrize("kind", KINDS)
def test_broadcast_reaches_every_head_end(kind: str) -> None:
    async def main() -> None:
        hub = RecordingHub()
        async with running_link(kind, hub) as (link, connect):
            assert link.broadcast(b"nobody listens") == 0
            head_ends = [(await connect())[0] for _ in range(3)]
            assert link.broadcast(b"alert") == 3
            for head_end in head_ends:
                assert await head_end.receive() == b"alert"

    clock.run(main())


@pytest.mark.parametrize("kind", KINDS)
def test_a_vanished_head_end_is_reported_and_the_others_carry_on(kind: str) -> None:
    async def main() -> None:
        hub = RecordingHub()
        async with running_link(kind, hub) as (link, connect):
            (leaving, leaving_id), (staying, staying_id) = await connect(), await connect()
            await leaving.close()
            await hub.until(lambda: hub.disconnected == [leaving_id])
            assert link.connections == (staying_id,) and link.peer(leaving_id) is None
            assert link.send(leaving_id, b"too late") is False
            assert link.send(12345, b"never was") is False
            await staying.send(b"still here")
            assert await staying.receive() == b"re:still here"

    clock.run(main())


@pytest.mark.parametrize("kind", KINDS)
def test_the_hub_can_drop_a_head_end(kind: str) -> None:
    async def main() -> None:
        hub = RecordingHub()
        async with running_link(kind, hub) as (link, connect):
            head_end, connection_id = await connect()
            assert link.disconnect(connection_id) is True and link.disconnect(connection_id) is False
            assert hub.disconnected == [connection_id]
            with pytest.raises(WanClosed):
                await head_end.receive()

    clock.run(main())


@pytest.mark.parametrize("kind", KINDS)
def test_a_head_end_that_does_not_read_is_dropped_without_stalling_the_others(kind: str) -> None:
    """The bound on queued bytes: sending never waits; past `max_buffer` the head-end is dropped."""

    async def main() -> None:
        hub = RecordingHub()
        async with running_link(kind, hub, limits=WanLimits(max_buffer=256 * 1024)) as (link, connect):
            (_sleeper, sleeper_id), (reader, reader_id) = await connect(), await connect()
            message = bytes(60 * 1024)
            accepted = 0
            while link.send(sleeper_id, message):  # never waits: the kernel's buffers fill, then ours
                accepted += 1
                assert link.send(reader_id, b"tick %d" % accepted)
                assert await reader.receive() == b"tick %d" % accepted  # the other head-end is served meanwhile
                assert accepted < 10_000, "the sleeping head-end was never dropped"
            assert accepted >= 4  # 256 KiB of our own buffer at least, before the drop
            assert sleeper_id in hub.disconnected and link.connections == (reader_id,)
            await reader.send(b"after")
            assert await reader.receive() == b"re:after"

    clock.run(main())


@pytest.mark.parametrize("kind", KINDS)
def test_a_failing_hub_callback_is_logged_and_the_link_carries_on(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    class FlakyHub(RecordingHub):
        def on_message(self, message: WanMessage) -> None:
            if message.data == b"boom":
                raise RuntimeError("hub bug")
            super().on_message(message)

    async def main() -> None:
        hub = FlakyHub()
        async with running_link(kind, hub) as (_link, connect):
            head_end, _ = await connect()
            await head_end.send(b"boom")
            await head_end.send(b"fine")
            assert await head_end.receive() == b"re:fine"

    with caplog.at_level(logging.ERROR):
        clock.run(main())
    assert "callback" in caplog.text and "hub bug" in caplog.text


@pytest.mark.parametrize("kind", KINDS)
def test_messages_outside_the_size_bounds_are_refused_on_both_sides(kind: str) -> None:
    async def main() -> None:
        hub = RecordingHub()
        async with running_link(kind, hub, limits=WanLimits(max_message_size=100)) as (link, connect):
            head_end, connection_id = await connect()
            with pytest.raises(EncodeError, match="101 bytes"):
                link.send(connection_id, bytes(101))
            with pytest.raises(EncodeError, match="0 bytes"):
                link.broadcast(b"")
            assert link.send(connection_id, bytes(100))
            assert await head_end.receive() == bytes(100)
            if kind == "pipe":  # a WanClient frames with its own maximum (the default, 64 KiB)
                with pytest.raises(EncodeError):
                    await head_end.send(bytes(101))

    clock.run(main())


@pytest.mark.parametrize("kind", KINDS)
def test_closing_the_link_closes_every_head_end_even_one_that_does_not_read(kind: str) -> None:
    async def main() -> None:
        hub = RecordingHub()
        async with running_link(kind, hub, limits=WanLimits(max_buffer=64 * 1024 * 1024)) as (link, connect):
            (reader, _), (sleeper, sleeper_id) = await connect(), await connect()
            for _ in range(200):  # 12 MB the sleeper never reads: more than the kernel buffers hold
                link.send(sleeper_id, bytes(60 * 1024))
            link.broadcast(b"goodbye")
            await link.close(grace=5.0)  # virtual seconds: the sleeper is dropped when they are up
            assert link.connections == () and len(hub.disconnected) == 2
        assert await reader.receive() == b"goodbye"  # queued messages went out before the close
        with pytest.raises(WanClosed):
            await reader.receive()
        del sleeper

    clock.run(main(), virtual=True)
