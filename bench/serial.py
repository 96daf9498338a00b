"""Frames per second through a real pty, both ways, between `SpinelRadio` and the virtual Spinel RCP.

Three figures:

* property round trips: GET PHY_CHAN from the host, IS from the RCP (one
  request frame and one reply frame through the pty each);
* transmissions: `SpinelRadio.transmit` of a 40-byte frame on radio A
  (STREAM_RAW request, tx-done reply) delivered to radio B (a STREAM_RAW
  frame up B's pty) - three frames across two ptys per transmission; the
  medium runs in virtual time, so the air costs no wall time and the figure
  is the serial path's own;
* the codec alone: HDLC-lite encode + de-frame + Spinel parse of RX frames;
* EZSP: frames through a pty to the virtual NCP, and ZCL reads through
  bellows next to our own radio library (`bench.serial_ezsp`).

Usage: `python -m bench serial`. Figures depend on the machine's load.
"""

from __future__ import annotations

import time

from bench import serial_ezsp
from firmware.dongles import SpinelRcp
from hal import clock
from hal.radio import AddressFilter, Band, ReceivedFrame
from hal.serial.spinel_radio import SpinelRadio
from hal.virtual import Medium
from protocols.ieee802154.fcs import append_fcs
from protocols.serial import hdlc_lite, spinel
from protocols.serial.spinel import Prop

GETS = 3000
TRANSMITS = 2000
CODEC_FRAMES = 20000
PAN = 0x1A62


def _data_frame(seq: int) -> bytes:
    header = (
        bytes((0x41, 0x88, seq & 0xFF))
        + PAN.to_bytes(2, "little")
        + (2).to_bytes(2, "little")
        + (1).to_bytes(2, "little")
    )
    return append_fcs(header + bytes(range(40 - len(header) - 2)))


async def _measure() -> tuple[float, float, int]:
    medium = Medium(seed=1)
    medium.add_node("a", (0.0, 0.0, 0.0))
    medium.add_node("b", (3.0, 0.0, 0.0))
    rcps = [SpinelRcp(medium.radio(node, Band.GHZ_2_4)) for node in ("a", "b")]
    for rcp in rcps:
        rcp.plug()
    a = await SpinelRadio.open(rcps[0].path)
    b = await SpinelRadio.open(rcps[1].path)
    a.set_address_filter(AddressFilter(pan_id=PAN, short_address=1))
    b.set_address_filter(AddressFilter(pan_id=PAN, short_address=2))
    heard: list[ReceivedFrame] = []
    b.set_receiver(heard.append)
    started = time.perf_counter()
    for _ in range(GETS):
        await a.host.get(Prop.PHY_CHAN)
    gets = GETS / (time.perf_counter() - started)
    started = time.perf_counter()
    for seq in range(TRANSMITS):
        await a.transmit(_data_frame(seq))
    transmits = TRANSMITS / (time.perf_counter() - started)
    await a.close()
    await b.close()
    for rcp in rcps:
        await rcp.close()
    return gets, transmits, len(heard)


def _codec() -> float:
    rx = spinel.RxFrame(_data_frame(1), spinel.RxMetadata(-60, channel=15, lqi=200, timestamp=123456))
    wire = hdlc_lite.encode(spinel.build(spinel.SpinelFrame(0, 6, Prop.STREAM_RAW, spinel.build_rx_frame(rx))))
    deframer = hdlc_lite.HdlcLiteDeframer()
    started = time.perf_counter()
    for _ in range(CODEC_FRAMES):
        hdlc_lite.encode(spinel.build_rx_frame(rx))
        for payload in deframer.feed(wire):
            assert isinstance(payload, bytes)
            spinel.parse_rx_frame(spinel.parse(payload).value)
    return CODEC_FRAMES / (time.perf_counter() - started)


def main() -> None:
    gets, transmits, heard = clock.run(_measure(), virtual=True)
    print(f"property round trips (GET -> IS) through a pty: {gets:,.0f}/s ({2 * gets:,.0f} frames/s both ways)")
    print(
        f"transmissions A -> B (request, tx-done, RX on two ptys): {transmits:,.0f}/s "
        f"({3 * transmits:,.0f} frames/s); {heard} of {TRANSMITS} delivered to B"
    )
    print(f"codec only (HDLC-lite + Spinel RX frame, encode and decode): {_codec():,.0f} frames/s")
    for line in serial_ezsp.figures():
        print(line)


if __name__ == "__main__":
    main()
