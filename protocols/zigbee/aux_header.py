"""The ZigBee auxiliary security header, shared by NWK and APS security (radio.md 5.2).

Security control (1 octet): bits 0-2 level, bits 3-4 key identifier, bit 5 extended nonce,
bits 6-7 reserved; then the 32-bit frame counter, the source EUI-64 when the extended-nonce bit
is set, and a key sequence number only when the key identifier is "network key". It lives in its
own module because `nwk` and `aps` both embed it and `security` computes over it.

ZigBee always protects at level 5 (ENC-MIC-32) yet sends the level field as 0; `level` here is
the on-air value, kept so a parsed header rebuilds byte-exact. `security` substitutes 5 when it
forms the nonce and the a-data.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from construct import If, Int8ul, Int32ul, Int64ul, Struct, this

from protocols.zigbee import _codec
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


_SECURITY_CONTROL = _codec.BitFields(
    Int8ul, [("level", 3), ("key_id", 2), ("extended_nonce", 1), ("reserved", 2)]  # from bit 0 up
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
