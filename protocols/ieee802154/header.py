"""The MAC header (MHR) as plain values, and `peek`: a construct-free reader for hot paths.

`peek` exists because the virtual medium looks at every frame on the air
(who is it for, does it want an ACK) and must not pay for a full decode; it
uses only slicing and `int.from_bytes`.  The full codec (`mac.parse`) returns
the same `Header` inside its frames, and the tests hold the two to agreement.

Which PAN IDs are present depends on frame version, addressing modes and the
PAN ID compression bit (radio.md 2.2): versions 2003/2006 carry a PAN ID with
each address but drop the source PAN when both addresses are present and
compression is set; version 2015 follows IEEE 802.15.4-2015 table 7-2.
`pan_ids_present` is that rule, written once and shared with the codec.
"""

from __future__ import annotations

import enum
from typing import NamedTuple

from .errors import decode_error
from .fcs import fcs16


class FrameType(enum.IntEnum):
    """FCF bits 0-2 (radio.md 2.1); the 2015 types 4-7 are not decoded."""

    BEACON = 0
    DATA = 1
    ACK = 2
    COMMAND = 3


class FrameVersion(enum.IntEnum):
    """FCF bits 12-13: which edition of IEEE 802.15.4 the frame follows."""

    V2003 = 0
    V2006 = 1
    V2015 = 2


class AddrMode(enum.IntEnum):
    """FCF bits 10-11 / 14-15: how long an address is (mode 1 is reserved)."""

    NONE = 0
    SHORT = 2
    EXTENDED = 3


#: Octets of an address per mode.
ADDR_LENGTH = {AddrMode.NONE: 0, AddrMode.SHORT: 2, AddrMode.EXTENDED: 8}

_FRAME_TYPES = tuple(FrameType)
_VERSIONS = tuple(FrameVersion)
_MODES = (AddrMode.NONE, None, AddrMode.SHORT, AddrMode.EXTENDED)


def pan_ids_present(version: int, dst_mode: int, src_mode: int, compression: bool) -> tuple[bool, bool]:
    """(destination PAN present, source PAN present) for this FCF (radio.md 2.2)."""
    dst, src = dst_mode != AddrMode.NONE, src_mode != AddrMode.NONE
    if version != FrameVersion.V2015:
        if dst and src:
            return True, not compression
        return dst, src
    if not dst and not src:
        return compression, False
    if dst != src:  # exactly one address: its PAN ID unless compressed
        return (dst and not compression), (src and not compression)
    if dst_mode == src_mode == AddrMode.EXTENDED:
        return not compression, False
    return True, not compression


class Header(NamedTuple):
    """The MHR of one frame: frame control bits, sequence number and addressing.

    An immutable NamedTuple rather than a frozen dataclass because it is made
    for every frame on the medium's hot path: a frozen dataclass's
    `object.__setattr__` per field costs 1.7 us for these 15 fields, a
    NamedTuple 0.3 us.  Use `header._replace(...)` to derive a variant.

    Addresses and PAN IDs are ints (None when absent); `dst_mode`/`src_mode`
    say whether an address is short or extended (an EUI-64 as an int, e.g.
    0x0011223344556677, is sent LSB first).  `seq` is None when the 2015
    sequence-number suppression bit is set.  `security` is the FCF bit; the
    auxiliary security header itself belongs to the frame.  `reserved` is
    FCF bit 7, kept so that every frame rebuilds as it came.
    """

    frame_type: FrameType
    seq: int | None
    dst_mode: AddrMode = AddrMode.NONE
    dst_pan: int | None = None
    dst_addr: int | None = None
    src_mode: AddrMode = AddrMode.NONE
    src_pan: int | None = None
    src_addr: int | None = None
    pan_id_compression: bool = False
    ack_request: bool = False
    frame_pending: bool = False
    security: bool = False
    version: FrameVersion = FrameVersion.V2003
    ie_present: bool = False
    reserved: bool = False

    @property
    def is_broadcast(self) -> bool:
        """True for frames to the broadcast short address 0xFFFF."""
        return self.dst_mode == AddrMode.SHORT and self.dst_addr == 0xFFFF


def _field(psdu: bytes, pos: int, size: int, name: str) -> int:
    end = pos + size
    if end > len(psdu):
        raise decode_error(len(psdu), name, f"frame ends inside the {size}-octet {name}")
    return int.from_bytes(psdu[pos:end], "little")


def peek(psdu: bytes) -> Header:
    """Read the MHR of `psdu` without checking its FCS or decoding anything after the addresses.

    Raises Ieee802154DecodeError when the frame is too short for the header
    its FCF announces, or the FCF uses a reserved frame type, version or
    addressing mode.
    """
    if len(psdu) < 2:
        raise decode_error(len(psdu), "fcf", "frame shorter than its 2-octet frame control field")
    fcf = psdu[0] | psdu[1] << 8
    kind = fcf & 7
    version = fcf >> 12 & 3
    dst_mode, src_mode = _MODES[fcf >> 10 & 3], _MODES[fcf >> 14]
    if kind > 3:
        raise decode_error(0, "fcf.frame_type", f"frame type {kind} (2015 multipurpose/fragment/extended) unsupported")
    if version == 3 or dst_mode is None or src_mode is None:
        raise decode_error(1, "fcf", "reserved frame version or addressing mode")
    compression = bool(fcf & 0x40)
    pos = 2
    seq = None
    if not fcf & 0x100:
        seq = _field(psdu, 2, 1, "seq")
        pos = 3
    dst_pan_here, src_pan_here = pan_ids_present(version, dst_mode, src_mode, compression)
    dst_pan = dst_addr = src_pan = src_addr = None
    if dst_pan_here:
        dst_pan = _field(psdu, pos, 2, "dst_pan")
        pos += 2
    if dst_mode:
        size = ADDR_LENGTH[dst_mode]
        dst_addr = _field(psdu, pos, size, "dst_addr")
        pos += size
    if src_pan_here:
        src_pan = _field(psdu, pos, 2, "src_pan")
        pos += 2
    if src_mode:
        src_addr = _field(psdu, pos, ADDR_LENGTH[src_mode], "src_addr")
    return Header(
        _FRAME_TYPES[kind], seq, dst_mode, dst_pan, dst_addr, src_mode, src_pan, src_addr,
        compression, bool(fcf & 0x20), bool(fcf & 0x10), bool(fcf & 0x08), _VERSIONS[version],
        bool(fcf & 0x200), bool(fcf & 0x80),
    )


def build_ack(seq: int, *, frame_pending: bool = False) -> bytes:
    """The 5-octet PSDU (FCS included) of an immediate 2003-format ACK of frame `seq` (radio.md 2.3)."""
    mpdu = bytes((0x12 if frame_pending else 0x02, 0x00, seq))
    return mpdu + fcs16(mpdu).to_bytes(2, "little")
