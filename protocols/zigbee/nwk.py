"""ZigBee NWK frames: header fields, optional IEEE addresses, multicast control, source route and
the auxiliary security header (radio.md 5.1).

The codec stops at the NWK payload: for a secured frame `payload` is the ciphertext followed by the
MIC (see `security.unsecure_nwk`), for an open data frame it is the APS frame, for an open command
frame it is the NWK command (`nwk_commands`). Keeping decryption out of `parse_nwk` lets a relay
read addresses, radius and sequence without the key, as a router forwarding a frame must.

Inter-PAN (frame type 3) and the reserved type 2 are refused: our HAN never sends them.

Two paths, one result. `_NWK` (construct) is the checked reference: `parse_nwk_checked` /
`build_nwk_checked` give exact errors with field and offset. Every frame the stack sends or hears
goes through here, and construct's per-frame overhead made these codecs a quarter of the home
simulation's wall time (profiled with cProfile), so `parse_nwk` / `build_nwk` first try a fast
path. The FCF's layout bits (`_SHAPE`) fix the header layout, so each of the 64 shapes gets, at
import, a `struct.Struct` for the fixed fields (`_LAYOUTS`, by `protocols.fastpath.field_layout`)
and the other FCF bits map to their field values through a table (`_BIT_VALUES`); only the
source route (counted) and the auxiliary header (keyed by its own control octet, `aux_header`)
are read after that. The fast path never
raises: it returns None on anything unusual (reserved frame type, a frame that ends early, an
out-of-range or oddly typed field) and the checked path then decides. The tests hold the two to
the same result on every FCF value and on random, truncated and bit-flipped frames.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, fields, replace
from typing import Any, NamedTuple

from construct import (
    Array,
    Check,
    GreedyBytes,
    If,
    Int8ul,
    Int16ul,
    Int64ul,
    Rebuild,
    Struct,
    len_,
    this,
)

from protocols.errors import require_bytes
from protocols.fastpath import FieldLayout, field_layout
from protocols.zigbee import construct_support
from protocols.zigbee.aux_header import (
    AUX_STRUCT,
    AuxHeader,
    aux_from_container,
    aux_to_dict,
    build_aux_fast,
    parse_aux_fast,
)
from protocols.zigbee.errors import ZigbeeEncodeError

PROTOCOL = "zigbee.nwk"

#: Broadcast destinations (radio.md 5.1).
BROADCAST_ALL = 0xFFFF
BROADCAST_RX_ON_WHEN_IDLE = 0xFFFD
BROADCAST_ROUTERS = 0xFFFC
BROADCAST_LOW_POWER_ROUTERS = 0xFFFB


class NwkFrameType(enum.IntEnum):
    """NWK frame control bits 0-1 (the two we carry; 2 is reserved, 3 inter-PAN is refused)."""

    DATA = 0
    COMMAND = 1


_FCF = construct_support.BitFields(  # radio.md 5.1, from bit 0 up
    Int16ul,
    [
        ("frame_type", 2),
        ("protocol_version", 4),
        ("discover_route", 2),
        ("multicast", 1),
        ("security", 1),
        ("source_route", 1),
        ("dst_ieee", 1),
        ("src_ieee", 1),
        ("end_device_initiator", 1),
        ("reserved", 2),
    ],
)

_SOURCE_ROUTE = Struct(
    "relay_count" / Rebuild(Int8ul, len_(this.relays)),
    "relay_index" / Int8ul,
    "relays" / Array(this.relay_count, Int16ul),
)

NWK_STRUCT = Struct(
    "fcf" / _FCF,
    Check(this.fcf.frame_type < 2),
    "dst" / Int16ul,
    "src" / Int16ul,
    "radius" / Int8ul,
    "seq" / Int8ul,
    "dst_ieee" / If(this.fcf.dst_ieee, Int64ul),
    "src_ieee" / If(this.fcf.src_ieee, Int64ul),
    "multicast_control" / If(this.fcf.multicast, Int8ul),
    "source_route" / If(this.fcf.source_route, _SOURCE_ROUTE),
    "aux" / If(this.fcf.security, AUX_STRUCT),
    "payload" / GreedyBytes,
)
NWK_COMPILED = NWK_STRUCT.compile()


@dataclass(frozen=True)
class SourceRoute:
    """The source-route subframe: the relays in order from the destination end, and which one is next."""

    relay_index: int
    relays: tuple[int, ...]


@dataclass(frozen=True)
class NwkFrame:
    """One NWK frame. EUI-64s are ints (as read LSB-first from the air: `0x0011223344556677` is sent
    `77 66 .. 00`). `aux` is present exactly when the frame is secured; then `payload` is
    ciphertext || MIC. `multicast_control` is the raw octet (mode, non-member radius, max radius)."""

    frame_type: NwkFrameType
    dst: int
    src: int
    seq: int
    radius: int = 30
    discover_route: int = 1
    protocol_version: int = 2
    dst_ieee: int | None = None
    src_ieee: int | None = None
    multicast_control: int | None = None
    source_route: SourceRoute | None = None
    end_device_initiator: bool = False
    reserved: int = 0
    aux: AuxHeader | None = None
    payload: bytes = b""

    @property
    def secured(self) -> bool:
        """True when the security bit is set (an auxiliary header follows the NWK header)."""
        return self.aux is not None

    @property
    def header_size(self) -> int:
        """Octets before the payload (NWK header plus auxiliary header)."""
        size = 8 + (8 if self.dst_ieee is not None else 0) + (8 if self.src_ieee is not None else 0)
        size += 1 if self.multicast_control is not None else 0
        size += 2 + 2 * len(self.source_route.relays) if self.source_route is not None else 0
        return size + (self.aux.size if self.aux is not None else 0)


class _Layout(NamedTuple):
    """What the layout bits of a frame control value fix about a NWK frame (see `_make_layout`)."""

    header: FieldLayout  #: dst, src, radius, seq, then the optional fixed-size fields present
    end: int  #: octets up to the end of `header.fields`, FCF included
    source_route: bool
    secured: bool


#: FCF bits that decide the layout: frame type, multicast, security, source route, dst/src IEEE.
_SHAPE = 0x1F03
#: Optional fixed-size fields after the sequence number, in wire order: (FCF bit, field, format).
_OPTIONAL = ((0x0800, "dst_ieee", "Q"), (0x1000, "src_ieee", "Q"), (0x0100, "multicast_control", "B"))
_FIELD_NAMES = tuple(f.name for f in fields(NwkFrame))


def _make_layout(shape: int) -> _Layout:
    present = [("dst", "H"), ("src", "H"), ("radius", "B"), ("seq", "B")]
    present += [(name, code) for bit, name, code in _OPTIONAL if shape & bit]
    header = field_layout(present, dict(frame_type=NwkFrameType(shape & 3), payload=b""), _FIELD_NAMES)
    return _Layout(header, 2 + header.fields.size, bool(shape & 0x400), bool(shape & 0x200))


#: The layout of every shape we decode (frame types 0 and 1: 64 of them), keyed by `fcf & _SHAPE`.
_LAYOUTS = {shape: _make_layout(shape) for shape in range(_SHAPE + 1) if shape & _SHAPE == shape and shape & 3 < 2}


def _bit_values(index: int) -> dict[str, Any]:
    """The fields of the other FCF bits, 2-7 and 13-15, packed as `index` by `_bits_index`."""
    return dict(
        protocol_version=index & 15,
        discover_route=index >> 4 & 3,
        end_device_initiator=bool(index >> 6 & 1),
        reserved=index >> 7,
    )


def _bits_index(fcf: int) -> int:
    return fcf >> 2 & 0x3F | fcf >> 7 & 0x1C0


_BIT_VALUES = tuple(_bit_values(index) for index in range(512))


def parse_nwk_fast(data: bytes) -> NwkFrame | None:
    """The frame in `data`, or None to leave it to the checked path."""
    end = len(data)
    if end < 2:
        return None
    fcf = data[0] | data[1] << 8
    layout = _LAYOUTS.get(fcf & _SHAPE)
    if layout is None or layout.end > end:
        return None
    header = layout.header
    values = header.constants.copy()
    values.update(_BIT_VALUES[_bits_index(fcf)])
    values.update(zip(header.names, header.fields.unpack_from(data, 2), strict=False))
    pos = layout.end
    if layout.source_route:
        if pos + 2 > end:
            return None
        count, index = data[pos], data[pos + 1]
        pos += 2
        if pos + 2 * count > end:
            return None
        values["source_route"] = SourceRoute(index, struct.unpack_from(f"<{count}H", data, pos))
        pos += 2 * count
    if layout.secured:
        aux = parse_aux_fast(data, pos)
        if aux is None:
            return None
        values["aux"], pos = aux
    values["payload"] = data[pos:]
    return construct_support.frozen(NwkFrame, values)


def build_nwk_fast(frame: NwkFrame, aux: AuxHeader | None, payload: bytes) -> bytes | None:
    """`frame` with `aux` and `payload` as octets, or None to leave it to the checked path."""
    if type(payload) is not bytes or type(frame.frame_type) is not NwkFrameType:
        return None
    route = frame.source_route
    try:
        version, discover, initiator, reserved = (
            frame.protocol_version,
            frame.discover_route,
            frame.end_device_initiator,
            frame.reserved,
        )
        if version & ~15 or discover & ~3 or initiator & ~1 or reserved & ~3:
            return None
        fcf = (
            frame.frame_type
            | version << 2
            | discover << 6
            | initiator << 13
            | reserved << 14
            | (0x100 if frame.multicast_control is not None else 0)
            | (0x200 if aux is not None else 0)
            | (0x400 if route is not None else 0)
            | (0x800 if frame.dst_ieee is not None else 0)
            | (0x1000 if frame.src_ieee is not None else 0)
        )
        header = _LAYOUTS[fcf & _SHAPE].header  # NwkFrameType: frame types 0 and 1 only
        parts = [fcf.to_bytes(2, "little"), header.fields.pack(*header.get(frame))]
        if route is not None:
            relays = route.relays
            parts.append(struct.pack(f"<BB{len(relays)}H", len(relays), route.relay_index, *relays))
    except (TypeError, struct.error):
        return None
    if aux is not None:
        octets = build_aux_fast(aux)
        if octets is None:
            return None
        parts.append(octets)
    parts.append(payload)
    return b"".join(parts)


def parse_nwk(data: bytes, *, base: int = 0) -> NwkFrame:
    """Decode a NWK frame (the MAC payload). Raises `ZigbeeDecodeError` with the offset (plus `base`)
    where decoding stopped."""
    frame = parse_nwk_fast(data) if type(data) is bytes else None
    return frame if frame is not None else parse_nwk_checked(require_bytes(data, "parse_nwk"), base=base)


def build_nwk(frame: NwkFrame) -> bytes:
    """Encode `frame`; raises `ZigbeeEncodeError` when a field does not fit."""
    data = build_nwk_fast(frame, frame.aux, frame.payload)
    return data if data is not None else build_nwk_checked(frame)


def build_nwk_with(frame: NwkFrame, *, aux: AuxHeader | None, payload: bytes) -> bytes:
    """`build_nwk(replace(frame, aux=aux, payload=payload))` without making that frame (the
    security layer's header: the frame's own fields, its auxiliary header, no payload)."""
    data = build_nwk_fast(frame, aux, payload)
    return data if data is not None else build_nwk_checked(replace(frame, aux=aux, payload=payload))


def parse_nwk_checked(data: bytes, *, base: int = 0) -> NwkFrame:
    """`parse_nwk` through construct alone (compiled, then the checked struct for the error): the
    reference the fast path is held to, and what names the field and offset of a decoding error."""
    raw = construct_support.parse(NWK_STRUCT, data, PROTOCOL, compiled=NWK_COMPILED, base=base)
    fcf = raw.fcf
    route = raw.source_route
    return NwkFrame(
        frame_type=NwkFrameType(fcf.frame_type),
        dst=raw.dst,
        src=raw.src,
        seq=raw.seq,
        radius=raw.radius,
        discover_route=fcf.discover_route,
        protocol_version=fcf.protocol_version,
        dst_ieee=raw.dst_ieee,
        src_ieee=raw.src_ieee,
        multicast_control=raw.multicast_control,
        source_route=None if route is None else SourceRoute(route.relay_index, tuple(route.relays)),
        end_device_initiator=fcf.end_device_initiator,
        reserved=fcf.reserved,
        aux=None if raw.aux is None else aux_from_container(raw.aux),
        payload=bytes(raw.payload),
    )


def build_nwk_checked(frame: NwkFrame) -> bytes:
    """`build_nwk` through the construct struct alone (the reference; names the field that does not fit)."""
    if not isinstance(frame.frame_type, NwkFrameType):
        raise ZigbeeEncodeError(PROTOCOL, "frame_type", f"{frame.frame_type!r} is not a NwkFrameType")
    fcf = {
        "reserved": frame.reserved,
        "end_device_initiator": frame.end_device_initiator,
        "src_ieee": frame.src_ieee is not None,
        "dst_ieee": frame.dst_ieee is not None,
        "source_route": frame.source_route is not None,
        "security": frame.aux is not None,
        "multicast": frame.multicast_control is not None,
        "discover_route": frame.discover_route,
        "protocol_version": frame.protocol_version,
        "frame_type": int(frame.frame_type),
    }
    route = frame.source_route
    obj: dict[str, Any] = {
        "fcf": fcf,
        "dst": frame.dst,
        "src": frame.src,
        "radius": frame.radius,
        "seq": frame.seq,
        "dst_ieee": frame.dst_ieee,
        "src_ieee": frame.src_ieee,
        "multicast_control": frame.multicast_control,
        "source_route": None if route is None else {"relay_index": route.relay_index, "relays": list(route.relays)},
        "aux": None if frame.aux is None else aux_to_dict(frame.aux),
        "payload": frame.payload,
    }
    return construct_support.build(NWK_STRUCT, obj, PROTOCOL)
