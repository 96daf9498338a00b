"""ZigBee NWK frames: header fields, optional IEEE addresses, multicast control, source route and
the auxiliary security header (radio.md 5.1).

The codec stops at the NWK payload: for a secured frame `payload` is the ciphertext followed by the
MIC (see `security.unsecure_nwk`), for an open data frame it is the APS frame, for an open command
frame it is the NWK command (`nwk_commands`). Keeping decryption out of `parse_nwk` lets a relay
read addresses, radius and sequence without the key, as a router forwarding a frame must.

Inter-PAN (frame type 3) and the reserved type 2 are refused: our HAN never sends them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

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

from protocols.zigbee import _codec
from protocols.zigbee.aux_header import AUX_STRUCT, AuxHeader, aux_from_container, aux_to_dict
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


_FCF = _codec.BitFields(  # radio.md 5.1, from bit 0 up
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

_NWK = Struct(
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
_NWK_COMPILED = _NWK.compile()


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


def parse_nwk(data: bytes, *, base: int = 0) -> NwkFrame:
    """Decode a NWK frame (the MAC payload). Raises `ZigbeeDecodeError` with the offset (plus `base`)
    where decoding stopped."""
    raw = _codec.parse(_NWK, data, PROTOCOL, compiled=_NWK_COMPILED, base=base)
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


def build_nwk(frame: NwkFrame) -> bytes:
    """Encode `frame`; raises `ZigbeeEncodeError` when a field does not fit."""
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
    return _codec.build(_NWK, obj, PROTOCOL)
