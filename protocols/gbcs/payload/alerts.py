"""Alert payloads with use-case layouts (gbcs.md 5.5).

Why a separate module: alerts are decoded by their family's generic decoder
(DLMS data, GBZ header) and then need use-case knowledge keyed by message code
- which structure member is the alert code, which octet string packs a
future-dated command's identity - and that table belongs in one place.

- GBZ: after the 9-byte alert header, 0x00CD, 0x00CF and 0x1000/0x1001 have
  their own bodies instead of components (`gbz_alert_body`).
- DLMS: the data-notification body is `structure{ alert code, date-time, ... }`;
  `name_dlms_alert` renames its members and splits packed octet strings
  (0x00CC's 19 bytes, DBCH10's 25 bytes) into named fields.
"""

from __future__ import annotations

from collections.abc import Callable

import construct as c

from protocols.gbcs.payload import cosem
from protocols.gbcs.payload.reader import Reader, node, renamed
from protocols.gbcs.tree import Field

# Fixed records packed in octet strings: declared once with construct (the fixed-layout case it
# fits), parsed by it, and split into fields at the offsets its sub-constructs' sizes give.
_FUTURE_DATED_DLMS = c.Struct(
    "message-code" / c.Int16ub,
    "originator-counter" / c.Int64ub,
    "class-id" / c.Int16ub,
    "instance-id" / c.Bytes(6),  # OBIS
    "attribute-id" / c.Int8ub,
)
_FUTURE_DATED_GBZ = c.Struct(
    "message-code" / c.Int16ub,
    "originator-counter" / c.Int64ub,
    "cluster-id" / c.Int16ub,
    "zcl-frame-control" / c.Int8ub,
    "command-id" / c.Int8ub,
)
_UNDELIVERED_MESSAGE = c.Struct(
    "originator" / c.Bytes(8),
    "target" / c.Bytes(8),
    "cra-flag" / c.Int8ub,
    "originator-counter" / c.Int64ub,
)


def _record(raw: bytes, at: int, layout: c.Struct) -> tuple[Field, ...]:
    """Split `raw` (exactly `layout.sizeof()` bytes, absolute offset `at`) into named fields."""
    values = layout.parse(raw)
    out = []
    for sub in layout.subcons:
        size = sub.sizeof()
        value = values[sub.name]
        if sub.name == "instance-id":
            out.append(node(sub.name, at, size, cosem.obis_text(value), (), cosem.obis_name(value)))
        else:
            out.append(node(sub.name, at, size, value.hex() if isinstance(value, bytes) else value))
        at += size
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# GBZ alert bodies


def _gbz_future_dated(reader: Reader) -> list[Field]:
    """0x00CD: a length byte (0x0E) then the reported command's identity."""
    start = reader.offset
    length = reader.u8("future-dated details length")
    if length != _FUTURE_DATED_GBZ.sizeof():
        raise reader.fail(
            "future-dated details length", f"{length} is not {_FUTURE_DATED_GBZ.sizeof()}", reader.pos - 1
        )
    raw = reader.take(length, "future-dated details")
    children = (node("length", start, 1, length), *_record(raw, start + 1, _FUTURE_DATED_GBZ))
    return [node("future-dated-details", start, 1 + length, None, children)]


def _gbz_image_hash(reader: Reader) -> list[Field]:
    """0x00CF: the calculated firmware image hash as `09 20` + 32 bytes (a DLMS-style octet string)."""
    start = reader.offset
    tag = reader.u8("image hash tag")
    length = reader.u8("image hash length")
    if tag != 0x09 or length != 0x20:
        raise reader.fail("image hash", f"expected 09 20, found {tag:02X} {length:02X}", reader.pos - 2)
    digest = reader.take(length, "image hash")
    return [node("calculated-image-hash", start, 34, digest.hex(), (), "octet-string(32)")]


def _gbz_no_body(reader: Reader) -> list[Field]:
    """0x1000 / 0x1001: alert code and time only."""
    return []


_GBZ_BODIES: dict[int, Callable[[Reader], list[Field]]] = {
    0x00CD: _gbz_future_dated,
    0x00CF: _gbz_image_hash,
    0x1000: _gbz_no_body,
    0x1001: _gbz_no_body,
}


def gbz_alert_body(message_code: int) -> Callable[[Reader], list[Field]] | None:
    """The decoder of a GBZ alert's use-case body, or None when components follow the header."""
    return _GBZ_BODIES.get(message_code)


# ---------------------------------------------------------------------------------------------
# DLMS alert bodies: names for the members of the notification structure after code and time

_DLMS_MEMBERS: dict[int, tuple[str, ...]] = {
    0x0018: ("device-log-change",),  # CS14: the device-log structure (gbcs.md 5.7)
    0x0061: ("protection-parameters", "protected-data"),  # ECS68 billing data log (gbcs.md 4.4)
    0x00CC: ("future-dated-details",),
    0x00CE: ("calculated-image-hash",),
    0x0110: ("device-id",),  # DBCH06 limited duty cycle action taken
    0x0111: ("channel-change",),  # DBCH07
    0x0112: ("scan-assessment",),  # DBCH08
    0x0113: ("sub-ghz-configuration",),  # DBCH09
    0x0114: ("discarded-message",),  # DBCH10
    0x0115: ("device-id",),  # DBCH11 no more sub-GHz device capacity
    0x0123: ("text",),  # ECS200: utf8 (JSON text in RTDS)
}
_DLMS_RECORDS: dict[tuple[int, str], c.Struct] = {
    (0x00CC, "future-dated-details"): _FUTURE_DATED_DLMS,
    (0x0114, "discarded-message"): _UNDELIVERED_MESSAGE,
}


def name_dlms_alert(message_code: int, body: Field) -> Field:
    """`body` (the notification's data item) with alert code, time and known members named."""
    members = body.children
    if body.value is not None or len(members) < 2 or members[0].name != "long-unsigned":
        return body  # not the usual structure{ alert code, date-time, ... }: keep generic names
    named = [
        renamed(members[0], "alert-code", f"0x{members[0].value:04X}"),
        renamed(members[1], "alert-time"),
    ]
    for member, name in zip(members[2:], _DLMS_MEMBERS.get(message_code, ()), strict=False):
        layout = _DLMS_RECORDS.get((message_code, name))
        if layout is not None and member.name == "octet-string" and _content_size(member) == layout.sizeof():
            at = member.offset + member.size - layout.sizeof()
            fields = _record(bytes.fromhex(str(member.value)), at, layout)  # an octet-string's value is hex
            member = node(name, member.offset, member.size, member.value, fields)
        named.append(member if member.name == name else renamed(member, name))
    named.extend(members[len(named) :])
    return node(body.name, body.offset, body.size, body.value, tuple(named), body.note)


def _content_size(member: Field) -> int:
    return len(member.value) // 2 if isinstance(member.value, str) else -1
