"""Frame and radio builders shared by the hal tests (a helper module, not a test file)."""

from __future__ import annotations

from hal.radio import AddressFilter, Band, ReceivedFrame
from hal.virtual import Medium, VirtualRadio
from protocols.ieee802154.fcs import append_fcs

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
