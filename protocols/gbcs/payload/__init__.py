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
from protocols.gbcs.payload import alerts, asn1, dlms
from protocols.gbcs.payload.model import DecodedPayload, Decryption, PayloadContext
from protocols.gbcs.payload.protected import Session
from protocols.gbcs.payload.reader import Reader, node

__all__ = ["DecodedPayload", "Decryption", "PayloadContext", "decode_payload", "family_of"]

_DLMS = {
    dlms.TAG_ACCESS_REQUEST: ("dlms-access-request", dlms.access_request),
    dlms.TAG_ACCESS_RESPONSE: ("dlms-access-response", dlms.access_response),
    dlms.TAG_DATA_NOTIFICATION: ("dlms-data-notification", dlms.data_notification),
}


def family_of(payload: bytes) -> str:
    """The payload family gbcs.md 5.1 predicts from the first bytes."""
    if payload[:2] == b"\x01\x09":
        return "gbz"
    if payload[:1] and payload[0] in _DLMS:
        return _DLMS[payload[0]][0]
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
        root = _DLMS[payload[0]][1](reader, session)
        if family == "dlms-data-notification":  # alerts: name the body's members (gbcs.md 5.5)
            body = alerts.name_dlms_alert(context.message_code, root.children[-1])
            root = node(root.name, root.offset, root.size, root.value, (*root.children[:-1], body), root.note)
    if reader.remaining():
        raise reader.fail(family, f"{reader.remaining()} bytes after the end of the {family} payload")
    return DecodedPayload(family, root, session.unparsed, tuple(session.decryptions))
