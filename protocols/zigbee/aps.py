"""ZigBee APS frames: data, command and acknowledgement, with the extended header that carries
fragmentation (block number, ack bitfield) and the auxiliary security header (radio.md 5.3).

Which addressing fields are present depends on the frame type, the delivery mode and, for an
acknowledgement, the ack-format bit (an ack of a command carries no endpoints or IDs). The rules
follow Wireshark's `packet-zbee-aps.c`. `ApsFrame` validates itself in its constructor, so a frame
with the wrong fields for its kind cannot exist (h11's habit); parse and build round-trip exactly.

For a secured frame `payload` is ciphertext || MIC (see `security.unsecure_aps`); for an open data
frame it is the ZCL/ZDO frame, for an open command frame the APS command (`aps_commands`).

As in `nwk`, `_APS` (construct) is the checked reference (`parse_aps_checked`, `build_aps_checked`:
exact errors with field and offset) and `parse_aps` / `build_aps` first try a fast path: the
frame control octet fixes which addressing fields follow (`_presence`, the one statement of the
rule), so each of its 256 values gets, at import, a `struct.Struct` up to the APS counter and the
values its bits fix; the extended header and the auxiliary header (`aux_header`) are read after
it. The fast path returns None on anything it does not handle and the checked path decides; the
tests hold both to the same result on every frame control value and on mutated frames.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

from construct import (
    GreedyBytes,
    If,
    Int8ul,
    Int16ul,
    Struct,
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

PROTOCOL = "zigbee.aps"

PROFILE_ZDO = 0x0000
PROFILE_HOME_AUTOMATION = 0x0104
PROFILE_SMART_ENERGY = 0x0109


class ApsFrameType(enum.IntEnum):
    """APS frame control bits 0-1."""

    DATA = 0
    COMMAND = 1
    ACK = 2
    INTER_PAN = 3


class DeliveryMode(enum.IntEnum):
    """APS frame control bits 2-3."""

    UNICAST = 0
    INDIRECT = 1
    BROADCAST = 2
    GROUP = 3


class Fragmentation(enum.IntEnum):
    """Extended frame control bits 0-1."""

    NONE = 0
    FIRST = 1
    SUBSEQUENT = 2
    RESERVED = 3


_FCF = construct_support.BitFields(  # radio.md 5.3, from bit 0 up
    Int8ul,
    [
        ("frame_type", 2),
        ("delivery_mode", 2),
        ("ack_format", 1),
        ("security", 1),
        ("ack_request", 1),
        ("extended_header", 1),
    ],
)

_EXT_FCF = construct_support.BitFields(Int8ul, [("fragmentation", 2), ("reserved", 6)])

_EXTENDED = Struct(
    "fcf" / _EXT_FCF,
    "block_number" / If(this.fcf.fragmentation != 0, Int8ul),
    "ack_bitfield" / If((this._.fcf.frame_type == 2) & (this.fcf.fragmentation != 0), Int8ul),
)

#: construct's `this` builds an expression from `==`; `not` would evaluate it at import.
_NO_ACK_FORMAT = this.fcf.ack_format == False  # noqa: E712 - construct expression

APS_STRUCT = Struct(
    "fcf" / _FCF,
    "dst_endpoint"
    / If(
        ((this.fcf.frame_type == 0) & ((this.fcf.delivery_mode == 0) | (this.fcf.delivery_mode == 2)))
        | ((this.fcf.frame_type == 2) & _NO_ACK_FORMAT),
        Int8ul,
    ),
    "group" / If((this.fcf.frame_type == 0) & (this.fcf.delivery_mode == 3), Int16ul),
    "cluster" / If((this.fcf.frame_type == 0) | ((this.fcf.frame_type == 2) & _NO_ACK_FORMAT), Int16ul),
    "profile" / If((this.fcf.frame_type == 0) | ((this.fcf.frame_type == 2) & _NO_ACK_FORMAT), Int16ul),
    "src_endpoint" / If((this.fcf.frame_type == 0) | ((this.fcf.frame_type == 2) & _NO_ACK_FORMAT), Int8ul),
    "counter" / Int8ul,
    "extended" / If(this.fcf.extended_header, _EXTENDED),
    "aux" / If(this.fcf.security, AUX_STRUCT),
    "payload" / GreedyBytes,
)
APS_COMPILED = APS_STRUCT.compile()


@dataclass(frozen=True)
class ExtendedHeader:
    """The APS extended header. `block_number` is present when fragmented: on the first block it
    is the total number of blocks, on later ones the block's index. `ack_bitfield` (acks only)
    marks which blocks of the current window arrived."""

    fragmentation: Fragmentation = Fragmentation.NONE
    block_number: int | None = None
    ack_bitfield: int | None = None
    reserved: int = 0


def _presence(frame_type: ApsFrameType, delivery: DeliveryMode, ack_format: bool) -> dict[str, bool]:
    """Which optional addressing fields a frame of this kind carries (the `_APS` conditions)."""
    data = frame_type == ApsFrameType.DATA
    data_ack = frame_type == ApsFrameType.ACK and not ack_format
    return {
        "dst_endpoint": (data and delivery in (DeliveryMode.UNICAST, DeliveryMode.BROADCAST)) or data_ack,
        "group": data and delivery == DeliveryMode.GROUP,
        "cluster": data or data_ack,
        "profile": data or data_ack,
        "src_endpoint": data or data_ack,
    }


@dataclass(frozen=True)
class ApsFrame:
    """One APS frame. Optional addressing fields must be present exactly when the frame kind
    carries them (unicast/broadcast data: dst endpoint; group data: group; data and data-acks:
    cluster, profile, src endpoint); the constructor refuses anything else."""

    frame_type: ApsFrameType
    counter: int
    delivery_mode: DeliveryMode = DeliveryMode.UNICAST
    dst_endpoint: int | None = None
    group: int | None = None
    cluster: int | None = None
    profile: int | None = None
    src_endpoint: int | None = None
    ack_request: bool = False
    ack_format: bool = False
    extended: ExtendedHeader | None = None
    aux: AuxHeader | None = None
    payload: bytes = b""

    def __post_init__(self) -> None:
        if not isinstance(self.frame_type, ApsFrameType) or not isinstance(self.delivery_mode, DeliveryMode):
            raise ZigbeeEncodeError(PROTOCOL, "frame_type", "frame_type/delivery_mode must be the enums")
        for name, wanted in _presence(self.frame_type, self.delivery_mode, self.ack_format).items():
            if (getattr(self, name) is not None) != wanted:
                state = "required" if wanted else "not carried"
                raise ZigbeeEncodeError(
                    PROTOCOL, name, f"{state} for {self.frame_type.name} {self.delivery_mode.name} frames"
                )
        ext = self.extended
        if ext is not None:
            fragmented = ext.fragmentation != Fragmentation.NONE
            if (ext.block_number is not None) != fragmented:
                raise ZigbeeEncodeError(PROTOCOL, "extended.block_number", "present exactly when fragmented")
            if (ext.ack_bitfield is not None) != (fragmented and self.frame_type == ApsFrameType.ACK):
                raise ZigbeeEncodeError(PROTOCOL, "extended.ack_bitfield", "present exactly on fragmented acks")

    @property
    def secured(self) -> bool:
        """True when the security bit is set (an auxiliary header follows the APS header)."""
        return self.aux is not None


class ApsLayout(NamedTuple):
    """What one frame control octet fixes about an APS frame (see `_make_layout`)."""

    header: FieldLayout  #: the addressing fields present, then the counter
    end: int  #: octets up to the end of `header.fields`, frame control included
    extended: bool
    secured: bool
    ack: bool  #: an ACK frame: a fragmented extended header carries an ack bitfield


#: Wire format of each optional addressing field, in wire order (the keys of `_presence`).
_ADDRESSING = {"dst_endpoint": "B", "group": "H", "cluster": "H", "profile": "H", "src_endpoint": "B"}
_FIELD_NAMES = tuple(f.name for f in fields(ApsFrame))


def _make_layout(fcf: int) -> ApsLayout:
    frame_type, delivery, ack_format = ApsFrameType(fcf & 3), DeliveryMode(fcf >> 2 & 3), bool(fcf & 0x10)
    present = [(name, _ADDRESSING[name]) for name, on in _presence(frame_type, delivery, ack_format).items() if on]
    present.append(("counter", "B"))
    constants = dict(
        frame_type=frame_type, delivery_mode=delivery, ack_format=ack_format, ack_request=bool(fcf & 0x40), payload=b""
    )
    header = field_layout(present, constants, _FIELD_NAMES)
    return ApsLayout(header, 1 + header.fields.size, bool(fcf & 0x80), bool(fcf & 0x20), frame_type == ApsFrameType.ACK)


#: What each frame control octet fixes about an APS frame, by octet.
LAYOUTS = tuple(_make_layout(fcf) for fcf in range(256))
_FRAGMENTATION = tuple(Fragmentation)


def parse_aps_fast(data: bytes) -> ApsFrame | None:
    """The frame in `data`, or None to leave it to the checked path."""
    end = len(data)
    if not end:
        return None
    layout = LAYOUTS[data[0]]
    pos = layout.end
    if pos > end:
        return None
    header = layout.header
    values = header.constants.copy()
    values.update(zip(header.names, header.fields.unpack_from(data, 1), strict=False))
    if layout.extended:
        if pos >= end:
            return None
        control = data[pos]
        fragmentation = control & 3
        block = bitfield = None
        if fragmentation:
            stop = pos + 2 + layout.ack
            if stop > end:
                return None
            block = data[pos + 1]
            bitfield = data[pos + 2] if layout.ack else None
            pos = stop
        else:
            pos += 1
        values["extended"] = ExtendedHeader(_FRAGMENTATION[fragmentation], block, bitfield, control >> 2)
    if layout.secured:
        aux = parse_aux_fast(data, pos)
        if aux is None:
            return None
        values["aux"], pos = aux
    values["payload"] = data[pos:]
    return construct_support.frozen(ApsFrame, values)


def build_aps_fast(frame: ApsFrame) -> bytes | None:
    """The octets of `frame`, or None to leave it to the checked path."""
    payload, ext, aux = frame.payload, frame.extended, frame.aux
    if (
        type(payload) is not bytes
        or type(frame.frame_type) is not ApsFrameType
        or type(frame.delivery_mode) is not DeliveryMode
    ):
        return None
    try:
        ack_request, ack_format = frame.ack_request, frame.ack_format
        if ack_request & ~1 or ack_format & ~1:
            return None
        fcf = (
            frame.frame_type
            | frame.delivery_mode << 2
            | ack_format << 4
            | ack_request << 6
            | (0x20 if aux is not None else 0)
            | (0x80 if ext is not None else 0)
        )
        layout = LAYOUTS[fcf]
        parts = [bytes((fcf,)), layout.header.fields.pack(*layout.header.get(frame))]
        if ext is not None:
            fragmentation, reserved = ext.fragmentation, ext.reserved
            if fragmentation & ~3 or reserved & ~63:
                return None
            extended: list[Any] = [fragmentation | reserved << 2]  # a None in it fails bytes(): checked path
            if fragmentation:
                extended.append(ext.block_number)
                if layout.ack:
                    extended.append(ext.ack_bitfield)
            parts.append(bytes(extended))
    except (TypeError, ValueError, struct.error):
        return None
    if aux is not None:
        octets = build_aux_fast(aux)
        if octets is None:
            return None
        parts.append(octets)
    parts.append(payload)
    return b"".join(parts)


def parse_aps(data: bytes, *, base: int = 0) -> ApsFrame:
    """Decode an APS frame (an open NWK payload). Raises `ZigbeeDecodeError` with the offset (plus
    `base`) where decoding stopped."""
    frame = parse_aps_fast(data) if type(data) is bytes else None
    return frame if frame is not None else parse_aps_checked(require_bytes(data, "parse_aps"), base=base)


def build_aps(frame: ApsFrame) -> bytes:
    """Encode `frame`; raises `ZigbeeEncodeError` when a field does not fit."""
    data = build_aps_fast(frame)
    return data if data is not None else build_aps_checked(frame)


def parse_aps_checked(data: bytes, *, base: int = 0) -> ApsFrame:
    """`parse_aps` through the construct struct alone: the reference the fast path is held to, and
    what names the field and offset of a decoding error."""
    raw = construct_support.parse(APS_STRUCT, data, PROTOCOL, compiled=APS_COMPILED, base=base)
    fcf, ext = raw.fcf, raw.extended
    return ApsFrame(
        frame_type=ApsFrameType(fcf.frame_type),
        counter=raw.counter,
        delivery_mode=DeliveryMode(fcf.delivery_mode),
        dst_endpoint=raw.dst_endpoint,
        group=raw.group,
        cluster=raw.cluster,
        profile=raw.profile,
        src_endpoint=raw.src_endpoint,
        ack_request=fcf.ack_request,
        ack_format=fcf.ack_format,
        extended=None
        if ext is None
        else ExtendedHeader(Fragmentation(ext.fcf.fragmentation), ext.block_number, ext.ack_bitfield, ext.fcf.reserved),
        aux=None if raw.aux is None else aux_from_container(raw.aux),
        payload=bytes(raw.payload),
    )


def build_aps_checked(frame: ApsFrame) -> bytes:
    """`build_aps` through the construct struct alone (the reference; names the field that does not fit)."""
    ext = frame.extended
    obj: dict[str, Any] = {
        "fcf": {
            "extended_header": ext is not None,
            "ack_request": frame.ack_request,
            "security": frame.aux is not None,
            "ack_format": frame.ack_format,
            "delivery_mode": int(frame.delivery_mode),
            "frame_type": int(frame.frame_type),
        },
        "dst_endpoint": frame.dst_endpoint,
        "group": frame.group,
        "cluster": frame.cluster,
        "profile": frame.profile,
        "src_endpoint": frame.src_endpoint,
        "counter": frame.counter,
        "extended": None
        if ext is None
        else {
            "fcf": {"reserved": ext.reserved, "fragmentation": int(ext.fragmentation)},
            "block_number": ext.block_number,
            "ack_bitfield": ext.ack_bitfield,
        },
        "aux": None if frame.aux is None else aux_to_dict(frame.aux),
        "payload": frame.payload,
    }
    return construct_support.build(APS_STRUCT, obj, PROTOCOL)


def ack_for(frame: ApsFrame, *, block_number: int | None = None, ack_bitfield: int | None = None) -> ApsFrame:
    """The (unsecured) APS acknowledgement of a unicast `frame`, as its receiver sends it.

    A data frame's ack echoes cluster and profile with the endpoints swapped; a command's ack sets
    the ack-format bit and carries neither. A fragment's ack also carries the first block of the
    window it acknowledges and the bitfield of the blocks received; those are the reassembly
    state of the stack, so the caller must give them (and may not give them otherwise).
    """
    fragmented = frame.extended is not None and frame.extended.fragmentation != Fragmentation.NONE
    if fragmented != (block_number is not None and ack_bitfield is not None):
        raise ZigbeeEncodeError(PROTOCOL, "extended", "block_number and ack_bitfield are given exactly for fragments")
    if frame.frame_type == ApsFrameType.COMMAND:
        return ApsFrame(ApsFrameType.ACK, frame.counter, ack_format=True)
    if frame.frame_type != ApsFrameType.DATA or frame.delivery_mode != DeliveryMode.UNICAST:
        raise ZigbeeEncodeError(PROTOCOL, "frame_type", "only unicast data and command frames are acknowledged")
    extended = None
    if fragmented:
        assert frame.extended is not None  # for the type checker: fragmented implies it
        extended = ExtendedHeader(frame.extended.fragmentation, block_number, ack_bitfield)
    return ApsFrame(
        ApsFrameType.ACK,
        frame.counter,
        dst_endpoint=frame.src_endpoint,
        cluster=frame.cluster,
        profile=frame.profile,
        src_endpoint=frame.dst_endpoint,
        extended=extended,
    )
