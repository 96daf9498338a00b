"""The values `decode_payload` takes and returns (the interface agreed with the envelope decoder)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from protocols.gbcs.tree import Field

if TYPE_CHECKING:
    from protocols.gbcs.payload.zcl_table import ZclTable


@dataclass(frozen=True)
class Decryption:
    """Result of one decrypt attempt of a gbcs.md 4.4 block."""

    status: str  #: "decrypted" | "no-key" | "invalid"
    plaintext: bytes | None


@dataclass(frozen=True)
class PayloadContext:
    """What the payload decoders need from the envelope: which message it is, and a way to decrypt."""

    message_code: int
    cra: int  #: 1 command, 2 response, 3 alert
    decrypt: Callable[[bytes], Decryption] | None = None  #: given the whole block 31||00000000||ct||tag(12)
    #: ZCL names and layouts for GBZ payloads; None: `zcl_table.derived()`, derived from zigpy on first use
    zcl: ZclTable | None = None


@dataclass(frozen=True)
class DecodedPayload:
    """A decoded payload: its family, its field tree and how much of it stayed opaque."""

    family: str  #: "dlms-access-request" | "dlms-access-response" | "dlms-data-notification" | "gbz" | "asn1"
    root: Field  #: offsets absolute within the message (base_offset added)
    unparsed: int  #: payload bytes not decoded into named fields (0 when fully decoded)
    decryptions: tuple[Decryption, ...]  #: one per encrypted block met, in order
