"""The ZCL frame inside a GBZ component (gbcs.md 5.3; ZCL 2.4.1): header fields and the raw payload.

Why its own module: the header is the part of a component that stays in clear even when the
component is encrypted, so framing (`payload`) needs it without the typed command layer
(`zcl`), which imports zigpy. The header is written by hand - three bytes, five with a
manufacturer code - which is both simpler and faster than a struct library for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocols.gbz.errors import GbzDecodeError, GbzEncodeError

#: Frame control bits (ZCL 2.4.1.1).
FRAME_TYPE_MASK = 0x03
PROFILE_WIDE, CLUSTER_SPECIFIC = 0x00, 0x01
MANUFACTURER_SPECIFIC = 0x04
SERVER_TO_CLIENT = 0x08
DISABLE_DEFAULT_RESPONSE = 0x10


@dataclass(frozen=True, slots=True)
class ZclFrame:
    """A ZCL frame: frame control, [manufacturer code], sequence number, command id, payload.

    `payload` is the command payload in clear (for an encrypted component, the plaintext).
    """

    frame_control: int
    sequence: int
    command_id: int
    payload: bytes = b""
    manufacturer_code: int | None = None

    @property
    def cluster_specific(self) -> bool:
        return self.frame_control & FRAME_TYPE_MASK == CLUSTER_SPECIFIC

    @property
    def profile_wide(self) -> bool:
        return self.frame_control & FRAME_TYPE_MASK == PROFILE_WIDE

    @property
    def server_to_client(self) -> bool:
        return bool(self.frame_control & SERVER_TO_CLIENT)

    def header(self) -> bytes:
        """The header bytes (what stays in clear in an encrypted component)."""
        return build_header(self)


def header_size(frame_control: int) -> int:
    return 5 if frame_control & MANUFACTURER_SPECIFIC else 3


def parse_header(data: bytes, offset: int = 0, end: int | None = None) -> tuple[int, int | None, int, int, int]:
    """(frame control, manufacturer code, sequence, command id, offset after the header) at `offset`."""
    end = len(data) if end is None else end
    if offset >= end:
        raise GbzDecodeError(offset, "zcl frame control", "no bytes left for the ZCL header")
    frame_control = data[offset]
    size = header_size(frame_control)
    if offset + size > end:
        raise GbzDecodeError(offset, "zcl header", f"needs {size} bytes, only {end - offset} left")
    manufacturer = None
    at = offset + 1
    if frame_control & MANUFACTURER_SPECIFIC:
        manufacturer = int.from_bytes(data[at : at + 2], "little")
        at += 2
    return frame_control, manufacturer, data[at], data[at + 1], at + 2


def parse_frame(data: bytes, offset: int = 0, end: int | None = None) -> ZclFrame:
    """The ZCL frame in `data[offset:end]`: the header, then everything else is payload."""
    end = len(data) if end is None else end
    frame_control, manufacturer, sequence, command_id, at = parse_header(data, offset, end)
    return ZclFrame(frame_control, sequence, command_id, bytes(data[at:end]), manufacturer)


def build_header(frame: ZclFrame) -> bytes:
    """Frame control, [manufacturer code], sequence, command id; GbzEncodeError on out-of-range fields."""
    for name, value in (("frame_control", frame.frame_control), ("sequence", frame.sequence)):
        if not 0 <= value <= 0xFF:
            raise GbzEncodeError(name, f"{value} is not one byte")
    if not 0 <= frame.command_id <= 0xFF:
        raise GbzEncodeError("command_id", f"{frame.command_id} is not one byte")
    manufacturer = b""
    if frame.frame_control & MANUFACTURER_SPECIFIC:
        if frame.manufacturer_code is None or not 0 <= frame.manufacturer_code <= 0xFFFF:
            raise GbzEncodeError("manufacturer_code", "a manufacturer-specific frame needs a 16-bit code")
        manufacturer = frame.manufacturer_code.to_bytes(2, "little")
    elif frame.manufacturer_code is not None:
        raise GbzEncodeError("manufacturer_code", "set, but the frame control's manufacturer bit is clear")
    return bytes((frame.frame_control,)) + manufacturer + bytes((frame.sequence, frame.command_id))


def build_frame(frame: ZclFrame) -> bytes:
    return build_header(frame) + frame.payload
