"""The sniffer hosts against dongles that misbehave: noise, broken lines and packets, silence (radio.md 6.5).

The "dongle" is the device side of a real pty (`PtyPort`) writing exactly
the bytes each case needs; virtual time, so the silent dongle's timeout
costs nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hal import clock
from hal.radio import Channel, ReceivedFrame
from hal.serial import PtyPort
from hal.serial.sniffer_hosts import NrfSnifferHost, SnifferTimeout, TiSnifferHost
from protocols.ieee802154.fcs import append_fcs
from protocols.serial import nrf_sniffer, ti_sniffer
from protocols.serial.nrf_sniffer import NrfReceived
from protocols.serial.ti_sniffer import TiCapture

BEACON_REQUEST = bytes.fromhex("030801ffffffff07")  # radio.md 2.4


def _run(scenario: Any) -> Any:
    return clock.run(scenario(), virtual=True)


def test_nrf_host_drops_garbage_and_keeps_good_lines() -> None:
    async def scenario() -> tuple[list[ReceivedFrame], int]:
        heard: list[ReceivedFrame] = []
        dongle = PtyPort(lambda data: None)
        dongle.plug()
        host = NrfSnifferHost(dongle.path, heard.append)
        await host.start(Channel(0, 25))
        dongle.write(b"\x00\xff noise\r\nreceived: 0308zz power: -40 lqi: 9 time: 1\r\n")  # broken capture line
        dongle.write(b"x" * 500 + b"\r\n")  # a line longer than any capture
        dongle.write(nrf_sniffer.build_received(NrfReceived(append_fcs(BEACON_REQUEST), -52, 201, 1234)))
        await asyncio.sleep(0.1)
        await host.close()
        dongle.unplug()
        return heard, host.dropped

    heard, dropped = _run(scenario)
    assert [(f.psdu, f.channel, f.rssi, f.lqi) for f in heard] == [
        (append_fcs(BEACON_REQUEST), Channel(0, 25), -52.0, 201)
    ]
    assert dropped == 2


def test_ti_host_times_out_on_a_silent_dongle() -> None:
    async def scenario() -> float:
        dongle = PtyPort(lambda data: None)  # plugged in, never answers
        dongle.plug()
        host = TiSnifferHost(dongle.path, lambda frame: None)
        start = asyncio.get_running_loop().time()
        with pytest.raises(SnifferTimeout, match="did not answer"):
            await host.start(Channel(28, 3))
        await host.close()
        dongle.unplug()
        return asyncio.get_running_loop().time() - start

    assert _run(scenario) == pytest.approx(2.0)


def test_ti_host_resynchronises_after_noise_and_bad_packets() -> None:
    async def scenario() -> tuple[list[ReceivedFrame], int]:
        heard: list[ReceivedFrame] = []

        def answer(data: bytes) -> None:  # every command answered OK, as the firmware does
            for packet in ti_sniffer.TiSnifferDeframer().feed(data):
                if isinstance(packet, ti_sniffer.TiPacket):
                    dongle.write(ti_sniffer.build(ti_sniffer.TiPacket(0x80 | packet.info & 0x3F, b"\x00")))

        dongle = PtyPort(answer)
        dongle.plug()
        host = TiSnifferHost(dongle.path, heard.append)
        await host.start(Channel(0, 11))
        good = ti_sniffer.build_capture(TiCapture(99, BEACON_REQUEST, -70, True, 50))
        bad_sum = bytearray(good)
        bad_sum[-3] ^= 0xFF
        dongle.write(b"\x40\x53\x40garbage" + bytes(bad_sum) + good)
        await asyncio.sleep(0.1)
        await host.close()
        dongle.unplug()
        return heard, host.dropped

    heard, dropped = _run(scenario)
    assert [(f.psdu, f.rssi, f.lqi, f.fcs_ok) for f in heard] == [(append_fcs(BEACON_REQUEST), -70.0, 100, True)]
    assert dropped >= 2
