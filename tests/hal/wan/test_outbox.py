"""`hal.wan.WanOutbox` over real TCP sockets (and the pipe) with a real SQLite file: alerts and
responses kept while no head-end is connected, flushed in order when one connects, bounded with the
oldest reported, held back until the NVM transaction commits, surviving a restart."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from hal import clock
from hal.nvm import NvmStore
from hal.wan import DroppedMessage, WanLimits, WanOutbox
from protocols.errors import EncodeError
from tests.hal.wan.harness import KINDS, RecordingHub, running_link


@pytest.mark.parametrize("kind", KINDS)
def test_alerts_wait_in_nvm_while_nobody_is_connected_and_flush_in_order(kind: str, tmp_path: Path) -> None:
    async def main() -> None:
        hub = RecordingHub()
        with NvmStore.open(tmp_path / "state.db") as store:
            async with running_link(kind, hub) as (link, connect):
                outbox = WanOutbox(link, store.partition("chf"), limit=10)
                hub.on_connect_also = lambda _connection_id: outbox.flush()
                for number in range(3):
                    outbox.alert(b"alert %d" % number)
                assert outbox.pending == 3
                assert [entry["data"] for _, entry in store.partition("chf").queue("wan/outbox")] == [
                    b"alert 0",
                    b"alert 1",
                    b"alert 2",
                ]
                head_end, _ = await connect()
                assert [await head_end.receive() for _ in range(3)] == [b"alert 0", b"alert 1", b"alert 2"]
                assert outbox.pending == 0
                outbox.alert(b"alert 3")  # connected, nothing waiting: straight out, no NVM write
                assert await head_end.receive() == b"alert 3" and outbox.pending == 0

    clock.run(main())


@pytest.mark.parametrize("kind", KINDS)
def test_a_full_outbox_drops_the_oldest_and_reports_it(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dropped: list[DroppedMessage] = []

    async def main() -> None:
        hub = RecordingHub()
        with NvmStore.open(tmp_path / "state.db") as store:
            async with running_link(kind, hub) as (link, connect):
                outbox = WanOutbox(link, store.partition("chf"), limit=3, on_drop=dropped.append)
                hub.on_connect_also = lambda _connection_id: outbox.flush()
                for number in range(5):
                    outbox.alert(b"alert %d" % number)
                assert outbox.pending == 3
                head_end, _ = await connect()
                assert [await head_end.receive() for _ in range(3)] == [b"alert 2", b"alert 3", b"alert 4"]

    with caplog.at_level(logging.WARNING):
        clock.run(main())
    assert dropped == [DroppedMessage(1, b"alert 0", None), DroppedMessage(2, b"alert 1", None)]
    assert caplog.text.count("WAN outbox full (3 messages): dropped the oldest") == 2


@pytest.mark.parametrize("kind", KINDS)
def test_a_response_goes_to_its_head_end_only(kind: str) -> None:
    async def main() -> None:
        hub = RecordingHub(echo=False)
        async with running_link(kind, hub) as (link, connect):
            outbox = WanOutbox(link, NvmStore.memory().partition("chf"))
            (asker, asker_id), (other, _) = await connect(), await connect()
            outbox.respond(asker_id, b"your answer")
            outbox.alert(b"for everyone")
            assert await asker.receive() == b"your answer"
            assert await asker.receive() == b"for everyone"
            assert await other.receive() == b"for everyone"  # and never the response before it

    clock.run(main())


@pytest.mark.parametrize("kind", KINDS)
def test_nothing_goes_out_before_the_transaction_commits(kind: str) -> None:
    async def main() -> None:
        hub = RecordingHub(echo=False)
        store = NvmStore.memory()
        chf = store.partition("chf")
        async with running_link(kind, hub) as (link, connect):
            outbox = WanOutbox(link, chf)
            head_end, connection_id = await connect()
            with pytest.raises(RuntimeError), chf.transaction() as tx:
                tx.put("counter", 1)
                outbox.respond(connection_id, b"response of a rolled-back command")
                raise RuntimeError("the command failed")
            assert outbox.pending == 0 and chf.get("counter") is None
            with chf.transaction() as tx:
                tx.put("counter", 2)
                outbox.respond(connection_id, b"response 2")
                assert outbox.pending == 1  # durable with the command's effects ...
                assert link.broadcast(b"marker") == 1  # ... but not sent yet
            assert outbox.pending == 0
            assert await head_end.receive() == b"marker"
            assert await head_end.receive() == b"response 2"  # the rolled-back one never came

    clock.run(main())


def test_waiting_messages_survive_a_restart_and_old_response_targets_go_to_everyone(tmp_path: Path) -> None:
    """Connection ids restart at 1: a response kept for head-end 2 of the previous run must not be
    taken for the new head-end 2; it goes to every head-end, like an alert."""
    path = tmp_path / "state.db"

    async def first_run() -> None:
        hub = RecordingHub(echo=False)
        with NvmStore.open(path) as store:
            async with running_link("tcp", hub) as (link, connect):
                outbox = WanOutbox(link, store.partition("chf"))
                (first, _), (second, second_id) = await connect(), await connect()
                await first.close()
                await second.close()
                await hub.until(lambda: len(hub.disconnected) == 2)
                outbox.respond(second_id, b"response to the old head-end 2")
                outbox.alert(b"alert")
                assert outbox.pending == 2

    async def second_run() -> None:
        hub = RecordingHub(echo=False)
        with NvmStore.open(path) as store:
            async with running_link("tcp", hub) as (link, connect):
                outbox = WanOutbox(link, store.partition("chf"))
                assert outbox.pending == 2
                (first, first_id), (second, second_id) = await connect(), await connect()
                assert (first_id, second_id) == (1, 2)
                assert outbox.flush() == 2
                for head_end in (first, second):
                    assert await head_end.receive() == b"response to the old head-end 2"
                    assert await head_end.receive() == b"alert"

    clock.run(first_run())
    clock.run(second_run())


def test_an_alert_raised_while_flushing_goes_out_once_after_the_rest() -> None:
    """Flushing drops a head-end that does not read; the hub's on_disconnect raises an alert at that
    moment. The reader gets every message once, in order, the new alert last."""

    class AlertingHub(RecordingHub):
        outbox: WanOutbox | None = None

        def on_disconnect(self, connection_id: int) -> None:
            super().on_disconnect(connection_id)
            if self.outbox is not None:
                self.outbox.alert(b"head-end %d dropped" % connection_id)

    async def main() -> None:
        hub = AlertingHub(echo=False)
        async with running_link("pipe", hub, limits=WanLimits(max_buffer=6000)) as (link, connect):
            outbox = hub.outbox = WanOutbox(link, NvmStore.memory().partition("chf"))
            for number in range(5):
                outbox.alert(bytes([number]) * 1000)
            (reader, _), (_sleeper, sleeper_id) = await connect(), await connect()
            assert link.send(sleeper_id, bytes(4500))  # the sleeper has room for one more message
            assert outbox.flush() == 6  # the sleeper overflows on the second message and is dropped
            assert hub.disconnected == [sleeper_id]
            received = [await reader.receive() for _ in range(6)]
            assert received == [bytes([number]) * 1000 for number in range(5)] + [b"head-end 2 dropped"]
            assert outbox.pending == 0
            with pytest.raises(TimeoutError):
                await reader.receive(timeout=1.0)  # nothing twice

    clock.run(main(), virtual=True)


def test_an_oversized_message_is_refused_when_given_not_at_a_later_flush() -> None:
    async def main() -> None:
        hub = RecordingHub()
        async with running_link("pipe", hub) as (link, _connect):
            outbox = WanOutbox(link, NvmStore.memory().partition("chf"))
            with pytest.raises(EncodeError):
                outbox.alert(bytes(link.limits.max_message_size + 1))
            assert outbox.pending == 0

    clock.run(main())
