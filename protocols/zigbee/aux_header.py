"""The ZigBee auxiliary security header, shared by NWK and APS security (radio.md 5.2).

Security control (1 octet): bits 0-2 level, bits 3-4 key identifier, bit 5 extended nonce,
bits 6-7 reserved; then the 32-bit frame counter, the source EUI-64 when the extended-nonce bit
is set, and a key sequence number only when the key identifier is "network key". It lives in its
own module because `nwk` and `aps` both embed it and `security` computes over it.

ZigBee always protects at level 5 (ENC-MIC-32) yet sends the level field as 0; `level` here is
the on-air value, kept so a parsed header rebuilds byte-exact. `security` substitutes 5 when it
forms the nonce and the a-data.

`AUX_STRUCT` is the checked reference. `parse_aux_fast` / `build_aux_fast` are the fast path the
NWK and APS fast paths share: the control octet fixes the rest of the layout, so each of its 256
values gets, once, a `struct.Struct` and the constant fields; they return None (never raise) on
anything they do not handle, and the caller then runs the checked struct.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, fields
from typing import Any

from construct import If, Int8ul, Int32ul, Int64ul, Struct, this

from protocols.fastpath import FieldLayout, field_layout
from protocols.zigbee import construct_support
from protocols.zigbee.errors import ZigbeeEncodeError

#: The security level ZigBee applies, whatever the level field on the air says.
SECURITY_LEVEL = 5
#: Octets of MIC at level 5 (ENC-MIC-32).
MIC_LENGTH = 4


class KeyId(enum.IntEnum):
    """Which key protects the frame (security control bits 3-4)."""

    DATA = 0  # the link key shared with the partner (APS)
    NETWORK = 1  # the active network key (NWK, sometimes APS)
    KEY_TRANSPORT = 2  # hash of the link key with 0x00: APS Transport Key
    KEY_LOAD = 3  # hash of the link key with 0x02: APS Transport Key of a link key


_SECURITY_CONTROL = construct_support.BitFields(
    Int8ul,
    [("level", 3), ("key_id", 2), ("extended_nonce", 1), ("reserved", 2)],  # from bit 0 up
)

AUX_STRUCT = Struct(
    "control" / _SECURITY_CONTROL,
    "frame_counter" / Int32ul,
    "source" / If(this.control.extended_nonce, Int64ul),
    "key_seq" / If(this.control.key_id == 1, Int8ul),
)


@dataclass(frozen=True)
class AuxHeader:
    """One auxiliary security header. `source` is the sender's EUI-64 (an int, as read LSB-first
    off the air) when the extended-nonce bit is set, else None; `key_seq` is present exactly when
    `key_id` is NETWORK."""

    key_id: KeyId
    frame_counter: int
    source: int | None = None
    key_seq: int | None = None
    level: int = 0
    reserved: int = 0

    def __post_init__(self) -> None:
        if (self.key_seq is not None) != (self.key_id == KeyId.NETWORK):
            raise ZigbeeEncodeError("zigbee.aux_header", "key_seq", "present exactly when key_id is NETWORK")

    @property
    def size(self) -> int:
        """Octets this header takes on the air."""
        return 5 + (8 if self.source is not None else 0) + (1 if self.key_seq is not None else 0)


def aux_to_dict(aux: AuxHeader) -> dict[str, Any]:
    """The construct build dict of `aux`."""
    control = {
        "reserved": aux.reserved,
        "extended_nonce": aux.source is not None,
        "key_id": int(aux.key_id),
        "level": aux.level,
    }
    return {"control": control, "frame_counter": aux.frame_counter, "source": aux.source, "key_seq": aux.key_seq}


def aux_from_container(raw: Any) -> AuxHeader:
    """The `AuxHeader` of a parsed `AUX_STRUCT` container."""
    return AuxHeader(
        key_id=KeyId(raw.control.key_id),
        frame_counter=raw.frame_counter,
        source=raw.source,
        key_seq=raw.key_seq,
        level=raw.control.level,
        reserved=raw.control.reserved,
    )


def _aux_layout(control: int) -> FieldLayout:
    """The layout behind security control octet `control` (as `AUX_STRUCT` reads it)."""
    key_id = control >> 3 & 3
    present = [("frame_counter", "I")]
    if control & 0x20:  # extended nonce
        present.append(("source", "Q"))
    if key_id == KeyId.NETWORK:
        present.append(("key_seq", "B"))
    constants = dict(key_id=KeyId(key_id), level=control & 7, reserved=control >> 6)
    return field_layout(present, constants, _FIELD_NAMES)


_FIELD_NAMES = tuple(f.name for f in fields(AuxHeader))


_AUX_LAYOUTS = tuple(_aux_layout(control) for control in range(256))


def parse_aux_fast(data: bytes, pos: int) -> tuple[AuxHeader, int] | None:
    """The auxiliary header at `data[pos:]` and the offset after it, or None if `data` ends inside it."""
    if pos >= len(data):
        return None
    layout = _AUX_LAYOUTS[data[pos]]
    end = pos + 1 + layout.fields.size
    if end > len(data):
        return None
    values = layout.constants.copy()
    values.update(zip(layout.names, layout.fields.unpack_from(data, pos + 1), strict=False))
    return construct_support.frozen(AuxHeader, values), end


def build_aux_fast(aux: AuxHeader) -> bytes | None:
    """The octets of `aux`, or None when a field is out of range or of an unusual type (the
    checked struct then builds it or names the field)."""
    try:
        level, reserved, key_id = aux.level, aux.reserved, aux.key_id
        if level & ~7 or reserved & ~3 or key_id & ~3:
            return None
        control = level | key_id << 3 | reserved << 6 | (0x20 if aux.source is not None else 0)
        layout = _AUX_LAYOUTS[control]
        return bytes((control,)) + layout.fields.pack(*layout.get(aux))
    except (TypeError, struct.error):
        return None
