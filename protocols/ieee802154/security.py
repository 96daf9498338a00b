"""The MAC auxiliary security header (IEEE 802.15.4-2006 7.6.2, -2015 9.4; radio.md 2.1 bit 3).

ZigBee keeps MAC security off (its security lives in NWK/APS), but frames from
other stacks and 2006/2015 devices carry it, and a sniffer-grade codec must
walk past it to find the payload.  We decode the header only: the payload
stays raw (ciphertext and MIC), since keys are not the MAC codec's business.

Security control octet: bits 0-2 security level, 3-4 key identifier mode,
5 frame counter suppression (2015), 6 ASN in nonce (2015), 7 reserved.
Then the frame counter (4, unless suppressed), then by key identifier mode:
nothing / key index (1) / key source (4) + index / key source (8) + index.
"""

from __future__ import annotations

from dataclasses import dataclass

from construct import If, Int8ul, Int32ul, Int64ul, Struct, Switch, this

#: Octets of MIC appended to the payload, per security level (0-7).
MIC_LENGTH = (0, 4, 8, 16, 0, 4, 8, 16)
_KEY_SOURCE_LENGTH = (0, 0, 4, 8)

AUX_STRUCT = Struct(
    "control" / Int8ul,
    "frame_counter" / If((this.control & 0x20) == 0, Int32ul),
    "key_source" / Switch(this.control >> 3 & 3, {2: Int32ul, 3: Int64ul}),
    "key_index" / If((this.control & 0x18) != 0, Int8ul),
)


@dataclass(frozen=True, slots=True)
class SecurityHeader:
    """An auxiliary security header; `frame_counter` None means suppressed (2015)."""

    level: int
    key_id_mode: int = 0
    frame_counter: int | None = 0
    key_source: int | None = None  #: 4- or 8-octet key source (modes 2 and 3), as a little-endian int
    key_index: int | None = None  #: modes 1-3
    asn_in_nonce: bool = False
    reserved: bool = False

    @property
    def mic_length(self) -> int:
        """Octets of MIC at the end of the payload for this security level."""
        return MIC_LENGTH[self.level & 7]

    @property
    def encrypted(self) -> bool:
        """Levels 4-7 encrypt the payload."""
        return self.level >= 4

    def consistent(self) -> str | None:
        """Why this header cannot be encoded, or None when it can."""
        if not 0 <= self.level <= 7 or not 0 <= self.key_id_mode <= 3:
            return "security level must be 0-7 and key identifier mode 0-3"
        if (self.key_index is None) != (self.key_id_mode == 0):
            return "a key index is present exactly when the key identifier mode is 1-3"
        if (self.key_source is None) != (_KEY_SOURCE_LENGTH[self.key_id_mode] == 0):
            return "a key source is present exactly in key identifier modes 2 and 3"
        return None


def security_from_raw(raw: dict) -> SecurityHeader:
    """The dataclass from `AUX_STRUCT`'s parse result."""
    control = raw["control"]
    return SecurityHeader(
        control & 7,
        control >> 3 & 3,
        raw["frame_counter"],
        raw["key_source"],
        raw["key_index"],
        bool(control & 0x40),
        bool(control & 0x80),
    )


def security_to_raw(sec: SecurityHeader) -> dict[str, int | None]:
    """`AUX_STRUCT`'s build input from the dataclass (consistency checked by the caller)."""
    control = (
        sec.level
        | sec.key_id_mode << 3
        | (0x20 if sec.frame_counter is None else 0)
        | (0x40 if sec.asn_in_nonce else 0)
        | (0x80 if sec.reserved else 0)
    )
    return dict(control=control, frame_counter=sec.frame_counter, key_source=sec.key_source, key_index=sec.key_index)
