"""The `hal.radio.Radio` contract, run against every radio kind we have (parametrized fixture).

Today the only kind is "virtual" (two `VirtualRadio`s on one `Medium`); a serial
raw radio joins by adding a factory to `PAIR_FACTORIES` that returns two
radios which hear each other. Tests below the contract section are
VirtualRadio-specific (capability subsets, duty cycle).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from hal import clock
from hal.radio import (
    AddressFilter,
    Band,
    Channel,
    Radio,
    RadioCaps,
    RadioError,
    ReceivedFrame,
    TxMode,
    TxStatus,
)
from hal.virtual import FULL_CAPS, Medium
from hal.virtual.duty_cycle import WINDOW_US
from protocols.ieee802154.fcs import check_fcs
from protocols.ieee802154.phy import airtime, airtime_us
from .frames import PAN, data_frame

Pair = tuple[Radio, Radio]


async def virtual_pair(band: Band) -> Pair:
    medium = Medium(seed=21)
    medium.add_node("a", (0.0, 0.0, 0.0))
    medium.add_node("b", (4.0, 1.0, 0.0))
    return medium.radio("a", band), medium.radio("b", band)


PAIR_FACTORIES: dict[str, Callable[[Band], Awaitable[Pair]]] = {"virtual": virtual_pair}


@pytest.fixture(params=[(kind, band) for kind in PAIR_FACTORIES for band in Band], ids=lambda p: f"{p[0]}-{p[1].value}")
def make_pair(request: pytest.FixtureRequest) -> Callable[[], Awaitable[Pair]]:
    kind, band = request.param
    return lambda: PAIR_FACTORIES[kind](band)


def run(scenario: Callable[[Radio, Radio], Awaitable[Any]], make_pair: Callable[[], Awaitable[Pair]]) -> Any:
    """Make a filtered pair (a = short 1, b = short 2 on PAN) and run `scenario(a, b)` in virtual time."""

    async def main() -> Any:
        a, b = await make_pair()
        a.set_address_filter(AddressFilter(pan_id=PAN, short_address=1))
        b.set_address_filter(AddressFilter(pan_id=PAN, short_address=2))
        try:
            return await scenario(a, b)
        finally:
            await a.close()
            await b.close()

    return clock.run(main(), virtual=True)


def collect(radio: Radio) -> list[ReceivedFrame]:
    heard: list[ReceivedFrame] = []
    radio.set_receiver(heard.append)
    return heard


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


# ------------------------------------------------------------------ VirtualRadio specifics


def raw_pair(caps: RadioCaps, band: Band = Band.GHZ_2_4) -> Callable[[], Awaitable[Pair]]:
    """A full-caps sender `a` and a receiver `b` with only `caps`."""

    async def make() -> Pair:
        medium = Medium(seed=22)
        medium.add_node("a", (0.0, 0.0, 0.0))
        medium.add_node("b", (4.0, 0.0, 0.0))
        return medium.radio("a", band), medium.radio("b", band, caps=caps)

    return make


def test_without_auto_ack_nothing_is_acknowledged() -> None:
    async def scenario(a: Radio, b: Radio) -> None:
        heard = collect(b)
        result = await a.transmit(data_frame(1, 2, 1, ack=True), max_frame_retries=0)
        assert result.status is TxStatus.NO_ACK and len(heard) == 1

    run(scenario, raw_pair(FULL_CAPS & ~RadioCaps.AUTO_ACK))


def test_without_ack_timeout_transmit_returns_after_airtime_and_acks_go_up() -> None:
    """A soft MAC above a raw radio sees the ACK as a frame, and transmit does not wait for it."""

    async def scenario(a: Radio, b: Radio) -> None:
        heard = collect(b)
        result = await b.transmit(data_frame(9, 1, 2, ack=True))
        done = clock.now()
        await asyncio.sleep(0.01)
        assert result.status is TxStatus.SENT and result.attempts == 1
        assert done == pytest.approx(result.timestamp + result.airtime)
        assert [f.psdu[:3] for f in heard] == [bytes((0x02, 0x00, 9))]  # the ACK of DSN 9

    run(scenario, raw_pair(RadioCaps.AUTO_ACK))


def test_capabilities_a_raw_radio_lacks_are_refused() -> None:
    async def scenario(a: Radio, b: Radio) -> None:
        with pytest.raises(RadioError):
            await b.transmit(data_frame(1, 1, 2), mode=TxMode.CSMA)
        with pytest.raises(RadioError):
            b.set_promiscuous(True)
        with pytest.raises(RadioError):
            await b.energy_detect(0.01)
        result = await b.transmit(data_frame(2, 9, 2, ack=True), mode=TxMode.CCA)
        assert result.status is TxStatus.SENT  # no ACK_TIMEOUT: sent means "on the air"

    run(scenario, raw_pair(RadioCaps.NONE))


def test_promiscuous_radio_gets_damaged_frames_with_a_bad_fcs() -> None:
    async def main() -> list[ReceivedFrame]:
        medium = Medium(seed=23)
        medium.add_node("a", (0.0, 0.0, 0.0))
        medium.add_node("sniffer", (0.0, 200.0, 0.0))  # at the edge of hearing at -20 dBm
        a, sniffer = medium.radio("a", Band.GHZ_2_4), medium.radio("sniffer", Band.GHZ_2_4)
        await a.set_power(-20.0)
        sniffer.set_promiscuous(True)
        heard = collect(sniffer)
        for seq in range(200):
            await a.transmit(data_frame(seq, 2, 1), mode=TxMode.DIRECT)
        return heard

    heard = clock.run(main(), virtual=True)
    good, bad = [f for f in heard if f.fcs_ok], [f for f in heard if not f.fcs_ok]
    assert good and bad
    assert all(check_fcs(f.psdu) for f in good) and not any(check_fcs(f.psdu) for f in bad)


def test_one_radio_per_node_and_band_until_closed() -> None:
    async def main() -> None:
        medium = Medium()
        medium.add_node("hub", (0.0, 0.0, 0.0))
        first = medium.radio("hub", Band.GHZ_2_4)
        medium.radio("hub", Band.MHZ_868)  # the other band is fine
        with pytest.raises(RadioError):
            medium.radio("hub", Band.GHZ_2_4)
        await first.close()
        medium.radio("hub", Band.GHZ_2_4)

    clock.run(main(), virtual=True)


def test_868_airtime_is_charged_exactly_and_the_limit_enforced() -> None:
    """Duty-cycle totals equal the sum of the airtimes on the air, ACKs included; over the limit -> DUTY_CYCLE."""

    async def main() -> tuple[int, int, int, list[TxStatus], list[tuple[str, float]]]:
        medium = Medium(seed=24)
        medium.add_node("hub", (0.0, 0.0, 0.0))
        medium.add_node("gsme", (5.0, 0.0, 0.0))
        aired: dict[str, int] = {"hub": 0, "gsme": 0}
        hub, gsme = medium.radio("hub", Band.MHZ_868), medium.radio("gsme", Band.MHZ_868)
        hub.set_address_filter(AddressFilter(pan_id=PAN, short_address=0))
        gsme.set_address_filter(AddressFilter(pan_id=PAN, short_address=1))
        crossings: list[tuple[str, float]] = []
        meter = medium.duty_cycle("gsme")
        meter.add_threshold(0.0001, lambda node, fraction, now: crossings.append((node, fraction)))

        def on_air(frame: ReceivedFrame) -> None:  # the ideal sniffer: ACKs (len 5) come from the hub here
            aired["hub" if len(frame.psdu) == 5 else "gsme"] += airtime_us(len(frame.psdu), frame.channel.page)

        medium.add_sniffer(on_air)
        statuses = []
        for seq in range(60):
            statuses.append((await gsme.transmit(data_frame(seq, 0, 1, ack=True, payload=100))).status)
        assert set(statuses) == {TxStatus.SENT}
        room = 1.5 * airtime_us(111, 28)  # room for one more frame, not two
        meter.limit = (meter.used_us(clock.now()) + room) / WINDOW_US
        statuses = [(await gsme.transmit(data_frame(s, 0, 1, ack=True, payload=100))).status for s in (60, 61)]
        return meter.total_us, aired["gsme"], medium.duty_cycle("hub").total_us - aired["hub"], statuses, crossings

    total, aired, hub_difference, statuses, crossings = clock.run(main(), virtual=True)
    assert total == aired and total == 61 * airtime_us(111, 28)
    assert hub_difference == 0
    assert statuses == [TxStatus.SENT, TxStatus.DUTY_CYCLE]
    assert [node for node, _ in crossings] == ["gsme"] and crossings[0][1] >= 0.0001
