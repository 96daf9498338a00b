"""GBCS payload decoders: everything inside the Grouping Header's content (gbcs.md 5).

`decode_payload` chooses the family the way gbcs.md 5.1 does - `01 09` GBZ,
`D9`/`DA`/`0F` DLMS access-request/-response/data-notification, anything else
ASN.1 DER - and returns the payload as a tree of named `Field`s with absolute
message offsets, the number of bytes it could not name, and one `Decryption`
per encrypted block (gbcs.md 4.4), decrypted through the caller's callable
because keys live above the codec. Malformed input raises `GbcsDecodeError`
(offset = `base_offset` + position in the payload), never anything else.
"""

from __future__ import annotations

from protocols.gbcs.errors import GbcsDecodeError
from protocols.gbcs.payload import asn1, dlms
from protocols.gbcs.payload.model import DecodedPayload, Decryption, PayloadContext
from protocols.gbcs.payload.protected import Session
from protocols.gbcs.payload.reader import Reader

__all__ = ["DecodedPayload", "Decryption", "PayloadContext", "decode_payload", "family_of"]


def family_of(payload: bytes) -> str:
    """The payload family gbcs.md 5.1 predicts from the first bytes."""
    if payload[:2] == b"\x01\x09":
        return "gbz"
    if payload[:1] and payload[0] in dlms.FAMILIES:
        return dlms.FAMILIES[payload[0]]
    return "asn1"


def decode_payload(payload: bytes, *, base_offset: int, context: PayloadContext) -> DecodedPayload:
    """Decode one payload into named fields (see the module docstring)."""
    if not payload:
        raise GbcsDecodeError(base_offset, "payload", "empty payload")
    payload = bytes(payload)  # a bytearray or memoryview would leak into the values
    reader = Reader(payload, base_offset)
    session = Session(context.decrypt, reader.budget)
    family = family_of(payload)
    if family == "gbz":
        from protocols.gbcs.payload import gbz, zcl_table  # ZCL parts: loaded on the first GBZ payload

        table = context.zcl if context.zcl is not None else zcl_table.derived()
        root = gbz.decode(payload, base_offset, session, context.message_code, context.cra, table)
        reader.pos = reader.end
    elif family == "asn1":
        root = asn1.decode(reader, context.message_code, context.cra)
    else:
        root = dlms.describe(payload, base_offset, session, context.message_code)
        reader.pos = reader.end
    if reader.remaining():
        raise reader.fail(family, f"{reader.remaining()} bytes after the end of the {family} payload")
    return DecodedPayload(family, root, session.unparsed, tuple(session.decryptions))
