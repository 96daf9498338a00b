"""Frame and radio builders shared by the hal tests (a helper module, not a test file)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from hal import clock
from hal.radio import AddressFilter, Band, Radio, ReceivedFrame
from hal.virtual import Medium, VirtualRadio
from protocols.ieee802154.fcs import append_fcs

#: Two radios that hear each other: `a` and `b`.
Pair = tuple[Radio, Radio]

PAN = 0x1A62


def data_frame(seq: int, dst: int, src: int, *, ack: bool = False, pan: int = PAN, payload: int = 30) -> bytes:
    """A PAN-compressed short/short data frame (FCF 0x8841, or 0x8861 with ACK request) with FCS (radio.md 2.1)."""
    fcf = 0x8861 if ack else 0x8841
    mhr = fcf.to_bytes(2, "little") + bytes((seq & 0xFF,)) + pan.to_bytes(2, "little")
    mhr += dst.to_bytes(2, "little") + src.to_bytes(2, "little")
    return append_fcs(mhr + bytes(range(payload)))


def attach(
    medium: Medium, name: str, band: Band, short: int, *, coordinator: bool = False
) -> tuple[VirtualRadio, list[ReceivedFrame]]:
    """A radio for `name` with PAN/short filter and a list collecting what it receives."""
    radio = medium.radio(name, band)
    radio.set_address_filter(AddressFilter(pan_id=PAN, short_address=short, pan_coordinator=coordinator))
    heard: list[ReceivedFrame] = []
    radio.set_receiver(heard.append)
    return radio, heard


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
    """Everything `radio` receives, in a list."""
    heard: list[ReceivedFrame] = []
    radio.set_receiver(heard.append)
    return heard
