"""The `hal.radio.Radio` contract, run against every radio kind we have (parametrized fixture).

The kinds are the entries of `RADIO_KINDS`: "virtual" (two `VirtualRadio`s on
one `Medium`) and "spinel" (two `SpinelRadio`s, each over a real pty to a
virtual Spinel RCP on one `Medium`). A new radio kind joins with one entry: a
context giving a factory of two radios of that kind which hear each other.
What only one kind does is tested beside it (tests/hal/virtual/test_radio.py,
tests/hal/serial/test_spinel_radio.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

from hal.radio import (
    AddressFilter,
    Band,
    Channel,
    Radio,
    RadioCaps,
    RadioError,
    TxStatus,
)
from hal.virtual import Medium
from protocols.ieee802154.phy import airtime

from .radios import PAN, Pair, collect, data_frame, run
from .serial.spinel_pairs import rcp_bench


async def virtual_pair(band: Band) -> Pair:
    medium = Medium(seed=21)
    medium.add_node("a", (0.0, 0.0, 0.0))
    medium.add_node("b", (4.0, 1.0, 0.0))
    return medium.radio("a", band), medium.radio("b", band)


@contextmanager
def virtual_kind() -> Iterator[Callable[[Band], Awaitable[Pair]]]:
    """Two `VirtualRadio`s 4 m apart on one `Medium`."""
    yield virtual_pair


@contextmanager
def spinel_kind() -> Iterator[Callable[[Band], Awaitable[Pair]]]:
    """Two `SpinelRadio`s, each over HDLC-lite on its own real pty to a virtual RCP on one `Medium`."""
    with rcp_bench() as bench:
        yield bench.pair


#: Every radio kind we have: a context that gives a factory of two radios of that kind which hear each other.
RADIO_KINDS: dict[str, Callable[[], AbstractContextManager[Callable[[Band], Awaitable[Pair]]]]] = {
    "virtual": virtual_kind,
    "spinel": spinel_kind,
}


@pytest.fixture(params=[(kind, band) for kind in RADIO_KINDS for band in Band], ids=lambda p: f"{p[0]}-{p[1].value}")
def make_pair(request: pytest.FixtureRequest) -> Iterator[Callable[[], Awaitable[Pair]]]:
    kind, band = request.param
    with RADIO_KINDS[kind]() as pair:
        yield lambda: pair(band)


# ------------------------------------------------------------------ the contract


def test_describes_itself(make_pair: Callable[[], Awaitable[Pair]]) -> None:
    async def scenario(a: Radio, b: Radio) -> None:
        assert isinstance(a, Radio)
        assert a.channel in a.info.channels and a.info.channels
        assert a.info.min_power_dbm < a.info.max_power_dbm
        assert a.info.extended_address != b.info.extended_address
        assert len(a.info.bands) == 1 and a.channel.band in a.info.bands

    run(scenario, make_pair)


def test_refuses_a_channel_it_does_not_have(make_pair: Callable[[], Awaitable[Pair]]) -> None:
    async def scenario(a: Radio, b: Radio) -> None:
        foreign = Channel(28, 0) if a.channel.page == 0 else Channel(0, 11)
        with pytest.raises(RadioError):
            await a.set_channel(foreign)

    run(scenario, make_pair)


def test_power_is_clamped_to_the_range(make_pair: Callable[[], Awaitable[Pair]]) -> None:
    async def scenario(a: Radio, b: Radio) -> None:
        assert await a.set_power(1000.0) == a.info.max_power_dbm
        assert await a.set_power(-1000.0) == a.info.min_power_dbm
        assert await a.set_power(0.0) == 0.0

    run(scenario, make_pair)


def test_a_frame_arrives_whole_with_link_facts(make_pair: Callable[[], Awaitable[Pair]]) -> None:
    frame = data_frame(7, 2, 1)

    async def scenario(a: Radio, b: Radio) -> None:
        heard = collect(b)
        result = await a.transmit(frame)
        assert result.status is TxStatus.SENT and result.attempts == 1
        assert result.airtime == pytest.approx(airtime(len(frame), a.channel.page))
        [got] = heard
        assert got.psdu == frame and got.fcs_ok and got.channel == a.channel
        assert -100.0 < got.rssi < 0.0 and 0 <= got.lqi <= 255
        assert got.timestamp == pytest.approx(result.timestamp + result.airtime)

    run(scenario, make_pair)


def test_acked_frame_reports_sent_and_frame_pending(make_pair: Callable[[], Awaitable[Pair]]) -> None:
    async def scenario(a: Radio, b: Radio) -> None:
        plain = await a.transmit(data_frame(1, 2, 1, ack=True))
        b.set_address_filter(AddressFilter(pan_id=PAN, short_address=2, pending_sources=frozenset({1})))
        pending = await a.transmit(data_frame(2, 2, 1, ack=True))
        assert (plain.status, plain.frame_pending, plain.attempts) == (TxStatus.SENT, False, 1)
        assert (pending.status, pending.frame_pending) == (TxStatus.SENT, True)

    run(scenario, make_pair)


def test_unanswered_frame_is_retried_then_no_ack(make_pair: Callable[[], Awaitable[Pair]]) -> None:
    async def scenario(a: Radio, b: Radio) -> None:
        result = await a.transmit(data_frame(3, 9, 1, ack=True), max_frame_retries=2)
        assert result.status is TxStatus.NO_ACK and result.attempts == 3

    run(scenario, make_pair)


def test_address_filter(make_pair: Callable[[], Awaitable[Pair]]) -> None:
    async def scenario(a: Radio, b: Radio) -> None:
        heard = collect(b)
        await a.transmit(data_frame(1, 3, 1))  # someone else
        await a.transmit(data_frame(2, 2, 1, pan=0x4444))  # another PAN
        await a.transmit(data_frame(3, 0xFFFF, 1))  # broadcast
        await a.transmit(data_frame(4, 2, 1))  # us
        assert [f.psdu[2] for f in heard] == [3, 4]

    run(scenario, make_pair)


def test_promiscuous_hears_all_and_acks_nothing(make_pair: Callable[[], Awaitable[Pair]]) -> None:
    async def scenario(a: Radio, b: Radio) -> None:
        heard = collect(b)
        b.set_promiscuous(True)
        first = await a.transmit(data_frame(1, 3, 1))
        second = await a.transmit(data_frame(2, 2, 1, ack=True), max_frame_retries=0)
        assert first.status is TxStatus.SENT and second.status is TxStatus.NO_ACK
        assert [f.psdu[2] for f in heard] == [1, 2]

    run(scenario, make_pair)


def test_never_keeps_the_callers_buffer(make_pair: Callable[[], Awaitable[Pair]]) -> None:
    original = data_frame(5, 2, 1)

    async def scenario(a: Radio, b: Radio) -> None:
        heard = collect(b)
        buffer = bytearray(original)
        sending = asyncio.ensure_future(a.transmit(buffer))
        await asyncio.sleep(0)
        buffer[5:] = bytes(len(buffer) - 5)
        await sending
        assert [f.psdu for f in heard] == [original]

    run(scenario, make_pair)


def test_radios_on_different_channels_do_not_hear_each_other(make_pair: Callable[[], Awaitable[Pair]]) -> None:
    async def scenario(a: Radio, b: Radio) -> None:
        heard = collect(b)
        other = sorted(c for c in a.info.channels if c != a.channel)[0]
        await a.set_channel(other)
        await a.transmit(data_frame(1, 2, 1))
        await b.set_channel(other)
        await a.transmit(data_frame(2, 2, 1))
        assert [f.psdu[2] for f in heard] == [2]

    run(scenario, make_pair)


def test_idle_channel_is_clear_and_quiet(make_pair: Callable[[], Awaitable[Pair]]) -> None:
    async def scenario(a: Radio, b: Radio) -> None:
        assert await a.cca() is True
        if a.caps & RadioCaps.ENERGY_SCAN:
            assert -130.0 < await a.energy_detect(0.005) < -80.0

    run(scenario, make_pair)


def test_close_is_idempotent_and_final(make_pair: Callable[[], Awaitable[Pair]]) -> None:
    async def scenario(a: Radio, b: Radio) -> None:
        heard = collect(b)
        await b.close()
        await b.close()
        await a.transmit(data_frame(1, 2, 1))
        assert heard == []
        with pytest.raises(RadioError):
            await b.transmit(data_frame(2, 1, 2))

    run(scenario, make_pair)
