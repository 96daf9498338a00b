"""What only a `VirtualRadio` does: capability subsets, damaged frames, one radio per node, duty cycle.

The `hal.radio.Radio` contract every radio kind passes is tests/hal/test_radio_contract.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from hal import clock
from hal.radio import AddressFilter, Band, Radio, RadioCaps, RadioError, ReceivedFrame, TxMode, TxStatus
from hal.virtual import FULL_CAPS, Medium
from hal.virtual.duty_cycle import WINDOW_US
from protocols.ieee802154.fcs import check_fcs
from protocols.ieee802154.phy import airtime_us

from ..radios import PAN, Pair, collect, data_frame, run


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
