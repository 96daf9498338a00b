"""The EZSP frame header, in the three formats hosts and NCPs speak today (UG100; radio.md 6.1).

    legacy           seq, frame control, frame id (1 byte)                   EZSP v4-v7
    legacy extended  seq, frame control, 0xFF, frame control high, frame id  EZSP v5-v7
    extended         seq, frame control low, high, frame id (2 bytes LE)     EZSP v8 and later

The first command of every session, `version` (frame id 0), is always sent
in the legacy format, whatever the NCP speaks, so that host and NCP can
agree on a version; `parse` therefore takes the agreed version and still
reads a legacy `version` frame.

Frame control, low byte: bit 7 direction (1 = response), bits 6-5 network
index; for commands bits 1-0 the sleep mode; for responses bits 4-3 the
callback type, bit 2 callback pending, bit 1 truncated, bit 0 overflow.
High byte: bit 7 security enabled, bit 6 padding enabled, bits 1-0 the
frame format version (1 for the extended format).

Only the header is decoded here; parameters stay bytes (each command's
layout belongs to the EZSP NCP that answers it).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .errors import SerialDecodeError, SerialEncodeError

PROTOCOL = "ezsp"
#: Frame id of the `version` command.
VERSION_FRAME_ID = 0x0000
#: First EZSP version with the extended (2-byte frame control, 2-byte frame id) format.
EXTENDED_SINCE = 8
#: First EZSP version whose NCP accepts the legacy extended (0xFF) header.
LEGACY_EXTENDED_SINCE = 5
_LEGACY_EXTENDED_MARK = 0xFF


class Format(enum.Enum):
    LEGACY = "legacy"
    LEGACY_EXTENDED = "legacy-extended"
    EXTENDED = "extended"


class CallbackType(enum.IntEnum):
    NONE = 0
    SYNCHRONOUS = 1
    ASYNCHRONOUS = 2


@dataclass(frozen=True, slots=True)
class EzspHeader:
    """One EZSP header. Response-only bits are False/NONE in commands, and the sleep mode 0 in responses."""

    sequence: int
    frame_id: int
    response: bool = False
    network_index: int = 0
    sleep_mode: int = 0
    callback_type: CallbackType = CallbackType.NONE
    callback_pending: bool = False
    truncated: bool = False
    overflow: bool = False
    security: bool = False
    padding: bool = False
    format: Format = Format.EXTENDED


@dataclass(frozen=True, slots=True)
class EzspFrame:
    header: EzspHeader
    parameters: bytes = b""


def format_for(version: int, frame_id: int) -> Format:
    """The format a frame with `frame_id` travels in once `version` is agreed."""
    if frame_id == VERSION_FRAME_ID or version < LEGACY_EXTENDED_SINCE:
        return Format.LEGACY
    return Format.EXTENDED if version >= EXTENDED_SINCE else Format.LEGACY_EXTENDED


def _low_byte(header: EzspHeader) -> int:
    if not 0 <= header.network_index <= 3:
        raise SerialEncodeError(PROTOCOL, "network_index", f"{header.network_index} is not 0..3")
    low = header.response << 7 | header.network_index << 5
    if header.response:
        return low | header.callback_type << 3 | header.callback_pending << 2 | header.truncated << 1 | header.overflow
    if not 0 <= header.sleep_mode <= 3:
        raise SerialEncodeError(PROTOCOL, "sleep_mode", f"{header.sleep_mode} is not 0..3")
    return low | header.sleep_mode


def build(frame: EzspFrame) -> bytes:
    """Encode `frame` in its header's format; SerialEncodeError when a field does not fit it."""
    header = frame.header
    if not 0 <= header.sequence <= 0xFF:
        raise SerialEncodeError(PROTOCOL, "sequence", f"{header.sequence} is not a byte")
    high = header.security << 7 | header.padding << 6
    low = _low_byte(header)
    if header.format is Format.EXTENDED:
        if not 0 <= header.frame_id <= 0xFFFF:
            raise SerialEncodeError(PROTOCOL, "frame_id", f"{header.frame_id:#x} is not 16 bits")
        head = bytes((header.sequence, low, high | 0x01)) + header.frame_id.to_bytes(2, "little")
        return head + frame.parameters
    # A legacy id byte is any octet after the 0xFF mark; in the 3-byte header 0xFF would be read as the mark.
    largest = 0xFF if header.format is Format.LEGACY_EXTENDED else 0xFE
    if not 0 <= header.frame_id <= largest:
        raise SerialEncodeError(PROTOCOL, "frame_id", f"{header.frame_id:#x} does not fit a legacy frame id")
    if header.format is Format.LEGACY_EXTENDED:
        return bytes((header.sequence, low, _LEGACY_EXTENDED_MARK, high, header.frame_id)) + frame.parameters
    if high:
        raise SerialEncodeError(PROTOCOL, "security", "the legacy 3-byte header has no high frame-control byte")
    return bytes((header.sequence, low, header.frame_id)) + frame.parameters


def parse(data: bytes, *, version: int) -> EzspFrame:
    """Decode an EZSP frame exchanged under EZSP `version` (a legacy `version` frame is always read)."""
    if len(data) < 3:
        raise SerialDecodeError(PROTOCOL, len(data), "header", f"{len(data)} bytes are shorter than any EZSP header")
    sequence, low = data[0], data[1]
    high, fmt = 0, Format.LEGACY
    if version >= EXTENDED_SINCE and data[2] & 0x03 == 0x01:
        if len(data) < 5:
            raise SerialDecodeError(PROTOCOL, len(data), "frame_id", "extended header cut short")
        fmt, high, frame_id, offset = Format.EXTENDED, data[2], int.from_bytes(data[3:5], "little"), 5
    elif version >= LEGACY_EXTENDED_SINCE and data[2] == _LEGACY_EXTENDED_MARK:
        if len(data) < 5:
            raise SerialDecodeError(PROTOCOL, len(data), "frame_id", "legacy extended header cut short")
        fmt, high, frame_id, offset = Format.LEGACY_EXTENDED, data[3], data[4], 5
    else:
        frame_id, offset = data[2], 3
        if frame_id == _LEGACY_EXTENDED_MARK:  # only reached below v5; `build` could not write it back either
            raise SerialDecodeError(PROTOCOL, 2, "frame_id", "0xFF marks the legacy extended header: no frame has it")
        if version >= EXTENDED_SINCE and frame_id != VERSION_FRAME_ID:
            reason = f"frame format version {data[2] & 0x03} in a v{version} frame that is not `version`"
            raise SerialDecodeError(PROTOCOL, 2, "frame_control", reason)
    response = bool(low & 0x80)
    if not response and low & 0x1C:
        raise SerialDecodeError(PROTOCOL, 1, "frame_control", f"reserved command bits set in {low:#04x}")
    header = EzspHeader(
        sequence=sequence,
        frame_id=frame_id,
        response=response,
        network_index=low >> 5 & 0x03,
        sleep_mode=0 if response else low & 0x03,
        callback_type=CallbackType(low >> 3 & 0x03) if response and low >> 3 & 0x03 != 3 else CallbackType.NONE,
        callback_pending=response and bool(low & 0x04),
        truncated=response and bool(low & 0x02),
        overflow=response and bool(low & 0x01),
        security=bool(high & 0x80),
        padding=bool(high & 0x40),
        format=fmt,
    )
    if response and low >> 3 & 0x03 == 3:
        raise SerialDecodeError(PROTOCOL, 1, "frame_control", "callback type 3 is reserved")
    return EzspFrame(header, bytes(data[offset:]))
