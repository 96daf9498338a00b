"""ACK timing on every channel page and every pairing of soft MAC and radio ACK handling.

The sender must report a frame whose ACK came as delivered, and the ACK must
start inside the window the PHY's standard gives: no sooner than
aTurnaroundTime after the frame's last symbol, and no later than the latest
start the sender's macAckWaitDuration covers (IEEE 802.15.4-2006 7.5.6.4.2
on page 0: aTurnaroundTime .. + aUnitBackoffPeriod; ZigBee R22 D.11 on the
GB868 pages: aLBTAckWindowStart .. aLBTAckWindow, 450 us .. 1 ms; radio.md
2.5, 3.1). The expected windows are the standards' symbol counts, written out
here, not read from the table under test.
"""

from __future__ import annotations

import pytest

from firmware.zigbee.mac import MacInterface
from firmware.zigbee.mac_types import Address, DataIndication
from firmware.zigbee.status import Status
from hal import clock
from hal.radio import Channel, RadioCaps, ReceivedFrame
from hal.virtual import FULL_CAPS, Medium
from protocols.ieee802154 import airtime

#: (page, channel, symbol us, earliest ACK start in symbols, latest ACK start in symbols)
PAGES = [
    (0, 11, 16, 12, 12 + 20),  # 802.15.4-2006: aTurnaroundTime, + aUnitBackoffPeriod
    (28, 0, 10, 45, 100),  # R22 D.11: aLBTAckWindowStart, aLBTAckWindow
    (29, 27, 10, 45, 100),
    (30, 35, 10, 45, 100),
    (31, 0, 10, 45, 100),
]
#: A raw radio: no CSMA, no ACK wait, no retries, no auto-ACK - the MAC does them in software.
RAW = FULL_CAPS & ~(RadioCaps.CSMA_BACKOFF | RadioCaps.ACK_TIMEOUT | RadioCaps.TRANSMIT_RETRIES | RadioCaps.AUTO_ACK)
KINDS = {"soft-mac": RAW, "radio": FULL_CAPS}
PAN = 0x1A62


@pytest.mark.parametrize("receiver_kind", sorted(KINDS))
@pytest.mark.parametrize("sender_kind", sorted(KINDS))
@pytest.mark.parametrize(("page", "number", "symbol_us", "earliest", "latest"), PAGES)
def test_ack_is_timely_and_the_frame_reported_delivered(
    page: int, number: int, symbol_us: int, earliest: int, latest: int, sender_kind: str, receiver_kind: str
) -> None:
    channel = Channel(page, number)
    band = channel.band

    async def main() -> tuple[Status, list[DataIndication], list[ReceivedFrame]]:
        medium = Medium(seed=3)
        medium.add_node("a", (0.0, 0.0, 0.0))
        medium.add_node("b", (3.0, 0.0, 0.0))
        air: list[ReceivedFrame] = []
        medium.add_sniffer(air.append)
        sender = MacInterface(medium.radio("a", band, caps=KINDS[sender_kind]))
        receiver = MacInterface(medium.radio("b", band, caps=KINDS[receiver_kind]))
        heard: list[DataIndication] = []
        receiver.on_data = lambda _iface, indication: heard.append(indication)
        for iface, short in ((sender, 1), (receiver, 2)):
            await iface.set_channel(channel)
            iface.set_addresses(pan_id=PAN, short_address=short)
        status = await sender.send(Address(2), b"reading")
        await sender.close()
        await receiver.close()
        return status, heard, air

    status, heard, air = clock.run(main(), virtual=True)
    assert status is Status.SUCCESS
    assert [h.payload for h in heard] == [b"reading"]
    data, ack = air  # exactly one transmission each way: nothing was retried
    assert len(ack.psdu) == 5 and ack.psdu[0] & 0x07 == 2
    ack_start = ack.timestamp - airtime(5, page)
    gap_us = (ack_start - data.timestamp) * 1e6
    assert earliest * symbol_us - 1e-3 <= gap_us <= latest * symbol_us + 1e-3
