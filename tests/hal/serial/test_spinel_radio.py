"""`SpinelRadio` beyond the contract: two radios talking, unplug/replug, RCP resets, and bad input on the line."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hal import clock
from hal.radio import AddressFilter, Band, Channel, RadioError, ReceivedFrame, TransientRadioError, TxStatus
from hal.serial import PtyLedger, PtyPort
from hal.serial.spinel_host import NotSpinelError, SpinelTimeout
from hal.serial.spinel_radio import SpinelRadio
from hal.virtual import Medium
from protocols.serial import ash, hdlc_lite, spinel
from tests.hal.radios import PAN, data_frame

from .spinel_pairs import RcpBench, rcp_bench


@pytest.fixture
def bench() -> Iterator[RcpBench]:
    with rcp_bench() as made:
        yield made


def collect(radio: SpinelRadio) -> list[ReceivedFrame]:
    heard: list[ReceivedFrame] = []
    radio.set_receiver(heard.append)
    return heard


def run(coro: Awaitable[Any]) -> Any:
    async def main() -> Any:
        return await coro

    return clock.run(main(), virtual=True)


def test_two_radios_exchange_frames_both_ways_with_acks(bench: RcpBench) -> None:
    async def main() -> tuple[list[bytes], list[bytes], list[TxStatus]]:
        hub, meter = await bench.pair(Band.GHZ_2_4)
        hub.set_address_filter(AddressFilter(pan_id=PAN, short_address=0, pan_coordinator=True))
        meter.set_address_filter(AddressFilter(pan_id=PAN, short_address=7))
        at_hub, at_meter = collect(hub), collect(meter)
        statuses = []
        for seq in range(5):
            statuses.append((await hub.transmit(data_frame(seq, 7, 0, ack=True))).status)
            statuses.append((await meter.transmit(data_frame(100 + seq, 0, 7, ack=True))).status)
        await hub.close()
        await meter.close()
        return [f.psdu for f in at_hub], [f.psdu for f in at_meter], statuses

    at_hub, at_meter, statuses = run(main())
    assert statuses == [TxStatus.SENT] * 10
    assert at_meter == [data_frame(seq, 7, 0, ack=True) for seq in range(5)]
    assert at_hub == [data_frame(100 + seq, 0, 7, ack=True) for seq in range(5)]


def test_sub_ghz_pages_through_the_vendor_property(bench: RcpBench) -> None:
    async def main() -> tuple[set[int], list[Channel]]:
        a, b = await bench.pair(Band.MHZ_868)
        heard = collect(b)
        for radio in (a, b):
            await radio.set_channel(Channel(29, 62))
        await a.transmit(data_frame(1, 0xFFFF, 1))
        pages = a.info.pages
        await a.close()
        await b.close()
        return set(pages), [f.channel for f in heard]

    pages, channels = run(main())
    assert pages == {28, 29, 30, 31} and channels == [Channel(29, 62)]


def test_unplug_and_replug_the_radio_reconnects_and_restores(bench: RcpBench, tmp_path: Path) -> None:
    async def main() -> tuple[list[int], int, Exception | None]:
        medium = Medium(seed=3)
        medium.add_node("hub", (0.0, 0.0, 0.0))
        medium.add_node("meter", (3.0, 0.0, 0.0))
        hub_rcp = bench.rcp(medium, "hub", Band.GHZ_2_4, link_path=str(tmp_path / "hub-dongle"))
        meter_rcp = bench.rcp(medium, "meter", Band.GHZ_2_4)
        hub = await SpinelRadio.open(hub_rcp.path)
        meter = await SpinelRadio.open(meter_rcp.path)
        await hub.set_channel(Channel(0, 20))
        await meter.set_channel(Channel(0, 20))
        hub.set_address_filter(AddressFilter(pan_id=PAN, short_address=0))
        meter.set_address_filter(AddressFilter(pan_id=PAN, short_address=5))  # unfiltered = promiscuous: no ACKs seen
        heard = collect(hub)
        await meter.transmit(data_frame(1, 0, 5))
        hub_rcp.unplug()
        await asyncio.sleep(0.5)
        failure = None
        try:
            await hub.transmit(data_frame(2, 5, 0))
        except TransientRadioError as exc:
            failure = exc
        await meter.transmit(data_frame(3, 0, 5))  # on the air, but the hub's dongle is out
        hub_rcp.plug()
        await hub.wait_ready(10.0)
        acked = await meter.transmit(data_frame(4, 0, 5, ack=True))  # channel 20 and short 0 restored
        await hub.close()
        await meter.close()
        assert acked.status is TxStatus.SENT
        return [f.psdu[2] for f in heard], hub.restores, failure

    sequences, restores, failure = run(main())
    assert sequences == [1, 4] and restores == 1
    assert isinstance(failure, TransientRadioError) and "unplugged" in str(failure)


def test_an_unexpected_rcp_reset_is_restored(bench: RcpBench) -> None:
    async def main() -> tuple[int, TxStatus, Channel]:
        a, b = await bench.pair(Band.GHZ_2_4)
        await a.set_channel(Channel(0, 15))
        await b.set_channel(Channel(0, 15))
        a.set_address_filter(AddressFilter(pan_id=PAN, short_address=1))
        b.set_address_filter(AddressFilter(pan_id=PAN, short_address=2))
        await a.transmit(data_frame(1, 2, 1, ack=True))
        rcp_b = bench.rcps[1]
        rcp_b.reboot()
        await asyncio.sleep(0.1)
        await b.wait_ready(5.0)
        status = (await a.transmit(data_frame(2, 2, 1, ack=True))).status
        channel = rcp_b.radio.channel
        await a.close()
        await b.close()
        return b.restores, status, channel

    assert run(main()) == (1, TxStatus.SENT, Channel(0, 15))


def test_noise_on_the_line_is_dropped_and_counted(bench: RcpBench) -> None:
    async def main() -> tuple[list[bytes], int]:
        a, b = await bench.pair(Band.GHZ_2_4)
        heard = collect(b)
        rcp_b = bench.rcps[1]
        noise = bytes(range(0x20, 0x7E)) + b"\x7e\x01\x02\x7e" + hdlc_lite.encode(b"\x00\x01")[:-3] + b"\x7e"
        rcp_b.port.write(noise)  # garbage, a runt, a truncated frame
        bad = bytearray(hdlc_lite.encode(spinel.build(spinel.SpinelFrame(0, 6, spinel.Prop.STREAM_RAW, b"\x00"))))
        bad[-2] ^= 0xFF
        rcp_b.port.write(bytes(bad))  # a bad FCS
        await a.transmit(data_frame(9, 0xFFFF, 1))
        dropped = b.host.stats.dropped
        await a.close()
        await b.close()
        return [f.psdu for f in heard], dropped

    psdus, dropped = run(main())
    assert psdus == [data_frame(9, 0xFFFF, 1)] and dropped >= 3


def test_wrong_protocol_on_the_other_end_is_a_clear_error() -> None:
    """An EZSP stick answers our Spinel reset with ASH frames: open fails within the reset timeout, saying so."""

    async def main() -> None:
        def answer(data: bytes) -> None:
            port.write(ash.build(ash.AshRstAck(ash.ResetCode.SOFTWARE)) + ash.build(ash.AshError(0x51)))

        port = PtyPort(answer)
        port.plug()
        try:
            await SpinelRadio.open(port.path)
        finally:
            port.unplug()

    with pytest.raises(NotSpinelError) as caught:
        run(main())
    assert "none of the" in str(caught.value) and "wrong protocol or baud rate" in str(caught.value)


def test_silent_device_times_out_without_hanging() -> None:
    async def main() -> float:
        port = PtyPort(lambda data: None)
        port.plug()
        try:
            with pytest.raises(SpinelTimeout) as caught:
                await SpinelRadio.open(port.path)
            assert "no reset status within 2 s" in str(caught.value)
        finally:
            port.unplug()
        return clock.now()

    assert run(main()) == pytest.approx(2.0)


def test_rcp_that_stops_answering_mid_session(bench: RcpBench) -> None:
    async def main() -> tuple[type[Exception], float]:
        a, b = await bench.pair(Band.GHZ_2_4)
        bench.rcps[0].freeze()
        started = clock.now()
        try:
            await a.transmit(data_frame(1, 2, 1))
        except RadioError as exc:
            kind = type(exc)
        waited = clock.now() - started
        await b.close()
        return kind, waited

    kind, waited = run(main())
    assert kind is SpinelTimeout and waited == pytest.approx(5.0)


def test_open_errors_name_the_path(tmp_path: Path) -> None:
    missing = str(tmp_path / "ttyACM7")
    with pytest.raises(RadioError) as caught:
        run(SpinelRadio.open(missing))
    assert missing in str(caught.value) and "by-id" in str(caught.value)


def test_closed_radio_refuses_calls(bench: RcpBench) -> None:
    async def main() -> list[Callable[[], Any]]:
        a, b = await bench.pair(Band.GHZ_2_4)
        await a.close()
        await b.close()
        errors = []
        for call in (lambda: a.transmit(data_frame(1, 2, 1)), lambda: a.set_channel(Channel(0, 12)), a.cca):
            with pytest.raises(RadioError):
                await call()
            errors.append(call)
        with pytest.raises(RadioError):
            a.set_address_filter(None)
        return errors

    assert len(run(main())) == 3


def test_ledger_is_idle_after_a_session(bench: RcpBench) -> None:
    async def main() -> int:
        a, b = await bench.pair(Band.GHZ_2_4)
        await a.transmit(data_frame(1, 2, 1))
        await a.close()
        await b.close()
        return PtyLedger.of().in_flight()

    assert run(main()) == 0
