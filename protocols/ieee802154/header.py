"""The MAC header (MHR) as plain values, its layout per FCF, and `peek`: a construct-free reader.

`peek` exists because the virtual medium looks at every frame on the air
(who is it for, does it want an ACK) and must not pay for a full decode.  The
full codec (`mac.parse`) returns the same `Header` inside its frames, and
the tests hold the two to agreement.

Both read the header through `mhr_layout(fcf)`: the FCF alone fixes which
of sequence number, PAN IDs and addresses follow and how long each is, so
each FCF value gets, once, a `struct.Struct` for those fields and an
`itemgetter` that lays them out with the FCF's own bits as a `Header`
(`MhrLayout.header`: three C calls per frame).  `peek` falls back to reading
field by field for frames too short for their header (to say which field is
cut) and for FCFs `mac.parse` refuses but `peek` still reads.  Which FCFs
those are is `fcf_problem`, the one statement of the rule (`mac` raises it).

Which PAN IDs are present depends on frame version, addressing modes and the
PAN ID compression bit (radio.md 2.2): versions 2003/2006 carry a PAN ID with
each address but drop the source PAN when both addresses are present and
compression is set; version 2015 follows IEEE 802.15.4-2015 table 7-2.
`pan_ids_present` is that rule, written once and shared with the codec.
"""

from __future__ import annotations

import enum
import struct
from typing import Any, NamedTuple

from protocols.errors import require_bytes
from protocols.fastpath import Picker, struct_picker

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


#: The short address every device accepts (IEEE 802.15.4-2015 6.1; radio.md 2.2).
BROADCAST_ADDRESS = 0xFFFF
#: The PAN ID every PAN accepts, as a beacon request carries it (radio.md 2.4).
BROADCAST_PAN_ID = 0xFFFF

#: Octets of an address per mode.
ADDR_LENGTH = {AddrMode.NONE: 0, AddrMode.SHORT: 2, AddrMode.EXTENDED: 8}

FRAME_TYPES = tuple(FrameType)
FRAME_VERSIONS = tuple(FrameVersion)
ADDR_MODES = (AddrMode.NONE, None, AddrMode.SHORT, AddrMode.EXTENDED)


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
        """True for frames to the broadcast short address (`BROADCAST_ADDRESS`)."""
        return self.dst_mode == AddrMode.SHORT and self.dst_addr == BROADCAST_ADDRESS


_ADDR_FORMAT = {2: "H", 8: "Q"}
_new_tuple = tuple.__new__


class MhrLayout(NamedTuple):
    """What one FCF value says about the MHR, computed once (see `mhr_layout`)."""

    kind: int  #: frame type 0-3
    fields: struct.Struct  #: sequence number and addressing, after the FCF
    end: int  #: octets of MHR (FCF included) before any aux header
    constants: tuple[Any, ...]  #: the header values the FCF fixes, then None
    pick: Picker  #: unpacked + constants -> Header field order
    secured: bool

    def header(self, psdu: bytes) -> Header:
        """The `Header` of `psdu`, which must hold at least `end` octets."""
        return _new_tuple(Header, self.pick(self.fields.unpack_from(psdu, 2) + self.constants))


def fcf_problem(fcf: int) -> tuple[int, str, str] | None:
    """Why `mac.parse` refuses frames with this FCF, as (offset of the FCF octet at fault, field, reason),
    or None when it decodes them."""
    if fcf & 7 > 3:
        return 0, "fcf.frame_type", f"frame type {fcf & 7} (2015 multipurpose/fragment/...) unsupported"
    if fcf >> 12 & 3 == 3 or fcf >> 10 & 3 == 1 or fcf >> 14 == 1:
        return 1, "fcf", "reserved frame version or addressing mode"
    if fcf & 0x200:
        return 1, "fcf.ie_present", "information elements are not supported"
    if fcf & 0x100 and fcf & 0x3000 != 0x2000:
        return 1, "fcf.seq_suppression", "only 2015 frames may suppress the sequence number"
    if fcf & 0x08 and fcf & 0x3000 == 0:
        return 0, "fcf.security", "802.15.4-2003 MAC security is not supported"
    return None


def _make_layout(fcf: int) -> MhrLayout:
    kind, version = fcf & 7, FRAME_VERSIONS[fcf >> 12 & 3]
    dst_mode, src_mode = ADDR_MODES[fcf >> 10 & 3], ADDR_MODES[fcf >> 14]
    assert dst_mode is not None and src_mode is not None  # fcf_problem refused mode 1
    compression = bool(fcf & 0x40)
    dst_pan, src_pan = pan_ids_present(version, dst_mode, src_mode, compression)
    present = [("seq", "B")] if not fcf & 0x100 else []
    if dst_pan:
        present.append(("dst_pan", "H"))
    if dst_mode != AddrMode.NONE:
        present.append(("dst_addr", _ADDR_FORMAT[ADDR_LENGTH[dst_mode]]))
    if src_pan:
        present.append(("src_pan", "H"))
    if src_mode != AddrMode.NONE:
        present.append(("src_addr", _ADDR_FORMAT[ADDR_LENGTH[src_mode]]))
    constants = dict(
        frame_type=FRAME_TYPES[kind],
        dst_mode=dst_mode,
        src_mode=src_mode,
        pan_id_compression=compression,
        ack_request=bool(fcf & 0x20),
        frame_pending=bool(fcf & 0x10),
        security=bool(fcf & 0x08),
        version=version,
        ie_present=False,
        reserved=bool(fcf & 0x80),
    )
    fields, values, pick = struct_picker(present, constants, Header._fields)
    return MhrLayout(kind, fields, 2 + fields.size, values, pick, bool(fcf & 0x08))


_LAYOUTS: dict[int, MhrLayout] = {}


def mhr_layout(fcf: int) -> MhrLayout | None:
    """The layout of the MHR behind `fcf`, or None for an FCF that `mac.parse` refuses."""
    layout = _LAYOUTS.get(fcf)
    if layout is None and fcf_problem(fcf) is None:
        layout = _LAYOUTS.setdefault(fcf, _make_layout(fcf))
    return layout


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
    if type(psdu) is not bytes:
        psdu = require_bytes(psdu, "ieee802154.peek")
    if len(psdu) < 2:
        raise decode_error(len(psdu), "fcf", "frame shorter than its 2-octet frame control field")
    fcf = psdu[0] | psdu[1] << 8
    layout = mhr_layout(fcf)
    if layout is not None and len(psdu) >= layout.end:
        return layout.header(psdu)
    # Short frames (for the exact error) and FCFs that only `mac.parse` refuses: field by field.
    kind = fcf & 7
    version = fcf >> 12 & 3
    dst_mode, src_mode = ADDR_MODES[fcf >> 10 & 3], ADDR_MODES[fcf >> 14]
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
        FRAME_TYPES[kind],
        seq,
        dst_mode,
        dst_pan,
        dst_addr,
        src_mode,
        src_pan,
        src_addr,
        compression,
        bool(fcf & 0x20),
        bool(fcf & 0x10),
        bool(fcf & 0x08),
        FRAME_VERSIONS[version],
        bool(fcf & 0x200),
        bool(fcf & 0x80),
    )


def build_ack(seq: int, *, frame_pending: bool = False) -> bytes:
    """The 5-octet PSDU (FCS included) of an immediate 2003-format ACK of frame `seq` (radio.md 2.3)."""
    mpdu = bytes((0x12 if frame_pending else 0x02, 0x00, seq))
    return mpdu + fcs16(mpdu).to_bytes(2, "little")
