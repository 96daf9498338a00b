"""DLMS/COSEM payloads of ESME, CHF and DBCH messages (gbcs.md 5.2): three APDUs and their data.

Why a hand-written recursive reader: DLMS `Data` is a recursive tagged choice
(structures of arrays of structures, compact arrays with a separate type
description), each node needs its absolute offset, and the decoder must bound
its depth. Plain indexing is clearer for that than a construct `Struct` per
choice, and faster: a compiled construct Struct reads a COSEM descriptor 11x
slower than slicing does (bench/gbcs_payload.py), and RTDS has 28 000 DLMS
nodes. The hot path (`_item`) indexes the bytes directly. Encrypted *protected data* (an octet string right
after an array of protection-parameter structures, gbcs.md 4.4) goes through
`Session.block`, whose plaintext is again one DLMS data item.

Tree shape: an item's node spans its tag, length and contents; its name is the
DLMS type name (`structure`, `octet-string`, ...) unless a caller (alerts.py)
renames it; values are JSON-ready (ints, bools, text, hex strings).
"""

from __future__ import annotations

from collections.abc import Callable

from protocols.gbcs.errors import GbcsDecodeError
from protocols.gbcs.lengths import PAYLOAD, read_length
from protocols.gbcs.payload import cosem
from protocols.gbcs.payload.protected import Session
from protocols.gbcs.payload.reader import MAX_DEPTH, Reader, node, renamed
from protocols.gbcs.tree import Field

TAG_ACCESS_REQUEST = 0xD9
TAG_ACCESS_RESPONSE = 0xDA
TAG_DATA_NOTIFICATION = 0x0F

#: Fixed-size numeric data types: tag -> (name, size, signed).
_NUMERIC: dict[int, tuple[str, int, bool]] = {
    5: ("double-long", 4, True),
    6: ("double-long-unsigned", 4, False),
    15: ("integer", 1, True),
    16: ("long", 2, True),
    17: ("unsigned", 1, False),
    18: ("long-unsigned", 2, False),
    20: ("long64", 8, True),
    21: ("long64-unsigned", 8, False),
    22: ("enum", 1, False),
}
#: Fixed-size data types kept as bytes: tag -> (name, size).
_FIXED_BYTES: dict[int, tuple[str, int]] = {
    23: ("float32", 4),
    24: ("float64", 8),
    25: ("date-time", 12),
    26: ("date", 5),
    27: ("time", 4),
}
#: Length-prefixed data types: tag -> name (the length counts bits for bit-string, bytes otherwise).
_STRINGS: dict[int, str] = {4: "bit-string", 9: "octet-string", 10: "visible-string", 12: "utf8-string"}
_NULL, _ARRAY, _STRUCTURE, _BOOLEAN, _COMPACT_ARRAY = 0, 1, 2, 3, 19

_SPEC_CHOICES = {1: "get", 2: "set", 3: "action", 4: "get-with-selection"}
_RESULT_CHOICES = {1: "get", 2: "set", 3: "action"}


def type_name(tag: int) -> str:
    """The DLMS name of data type `tag` (gbcs.md 5.2)."""
    if tag in _NUMERIC:
        return _NUMERIC[tag][0]
    if tag in _FIXED_BYTES:
        return _FIXED_BYTES[tag][0]
    if tag in _STRINGS:
        return _STRINGS[tag]
    return {0: "null", 1: "array", 2: "structure", 3: "boolean", 19: "compact-array"}.get(tag, f"type-{tag}")


# ---------------------------------------------------------------------------------------------
# Data items


def data_item(reader: Reader, session: Session, depth: int = 0) -> Field:
    """One tagged DLMS data item at `r` (advancing `r` past it)."""
    item, reader.pos = _item(reader.data, reader.pos, reader.end, reader.base, session, depth)
    return item


def _item(data: bytes, pos: int, end: int, base: int, session: Session, depth: int) -> tuple[Field, int]:
    """The hot path of every DLMS payload: plain indexing, each length checked against `end`."""
    if depth > MAX_DEPTH:
        raise GbcsDecodeError(base + pos, "data", f"nesting deeper than {MAX_DEPTH}")
    if pos >= end:
        raise GbcsDecodeError(base + pos, "data type", "needs 1 byte, none left")
    start = pos
    tag = data[pos]
    pos += 1
    numeric = _NUMERIC.get(tag)
    if numeric is not None:
        name, size, signed = numeric
        if pos + size > end:
            raise GbcsDecodeError(base + pos, name, f"needs {size} byte(s), only {end - pos} left")
        value = int.from_bytes(data[pos : pos + size], "big", signed=signed)
        return node(name, base + start, 1 + size, value), pos + size
    if tag in (_STRUCTURE, _ARRAY):
        name = "structure" if tag == _STRUCTURE else "array"
        if pos < end and data[pos] < 0x80:  # the short form, inline: this loop is the hot path
            count, pos = data[pos], pos + 1
        else:
            count, pos = read_length(data, pos, name + " count", rule=PAYLOAD, end=end, base=base)
        if count > end - pos:
            raise GbcsDecodeError(base + pos, name, f"{count} elements cannot fit in {end - pos} bytes")
        session.budget.spend(count, base + pos, name)
        children = []
        protected_next = False
        for _ in range(count):
            if protected_next and pos < end and data[pos] == 9:
                reader = Reader(data, base, pos, end, session.budget)
                item = _protected_data(reader, session)
                pos = reader.pos
            else:
                item, pos = _item(data, pos, end, base, session, depth + 1)
            protected_next = item.name == "array" and _is_protection_parameters(item)
            children.append(item)
        return node(name, base + start, pos - start, None, tuple(children)), pos
    if tag == 9:  # octet-string, the commonest leaf: inlined
        if pos < end and data[pos] < 0x80:  # the short form, inline (as above)
            length, pos = data[pos], pos + 1
        else:
            length, pos = read_length(data, pos, "octet-string length", rule=PAYLOAD, end=end, base=base)
        if pos + length > end:
            raise GbcsDecodeError(base + pos, "octet-string", f"needs {length} byte(s), only {end - pos} left")
        raw = data[pos : pos + length]
        note = cosem.date_time_note(raw) if length == 12 else None
        return node("octet-string", base + start, pos + length - start, raw.hex(), (), note), pos + length
    if tag in _STRINGS:
        reader = Reader(data, base, pos, end, session.budget)
        return _string(reader, tag, base + start), reader.pos
    if tag == _NULL:
        return node("null", base + start, 1), pos
    if tag == _BOOLEAN:
        if pos >= end:
            raise GbcsDecodeError(base + pos, "boolean", "needs 1 byte, none left")
        return node("boolean", base + start, 2, data[pos] != 0), pos + 1
    fixed = _FIXED_BYTES.get(tag)
    if fixed is not None:
        name, size = fixed
        if pos + size > end:
            raise GbcsDecodeError(base + pos, name, f"needs {size} byte(s), only {end - pos} left")
        raw = data[pos : pos + size]
        note = cosem.date_time_note(raw) if tag == 25 else None
        return node(name, base + start, 1 + size, raw.hex(), (), note), pos + size
    if tag == _COMPACT_ARRAY:
        reader = Reader(data, base, pos, end, session.budget)
        return _compact_array(reader, base + start, depth), reader.pos
    raise GbcsDecodeError(base + start, "data type", f"unknown DLMS data type {tag}")


def _is_protection_parameters(item: Field) -> bool:
    """An array of `structure{ enum, structure }`: the protection parameters of protected data."""
    return (
        item.name == "array"
        and bool(item.children)
        and all(
            len(child.children) == 2 and child.children[0].name == "enum" and child.children[1].name == "structure"
            for child in item.children
        )
    )


def _protected_data(reader: Reader, session: Session) -> Field:
    start = reader.offset
    reader.pos += 1  # the octet-string tag, checked by the caller
    size = reader.ber_length("protected data length")
    return session.block(reader, size, "protected-data", _plaintext_item, start)


def _plaintext_item(reader: Reader, session: Session) -> tuple[Field, ...]:
    """A decrypted DLMS block holds one data item (the protected attribute's value)."""
    item = data_item(reader, session)
    if reader.remaining():
        raise reader.fail("plaintext", f"{reader.remaining()} bytes after the data item")
    return (item,)


def _string(reader: Reader, tag: int, start: int) -> Field:
    name = _STRINGS[tag]
    length = reader.ber_length(name + " length")
    raw = reader.take((length + 7) // 8 if tag == 4 else length, name)
    size = reader.offset - start
    if tag == 9:
        return node(name, start, size, raw.hex(), (), cosem.date_time_note(raw) if length == 12 else None)
    if tag == 4:
        return node(name, start, size, raw.hex(), (), f"{length} bits")
    try:
        return node(name, start, size, raw.decode("ascii" if tag == 10 else "utf-8"))
    except UnicodeDecodeError:
        return node(name, start, size, raw.hex(), (), "not valid text; shown as hex")


# Compact array (tag 19): a type description, then packed values without tags.
# A description is an int (a simple type tag), ("array", count, element) or ("structure", members).
_TypeDesc = int | tuple


def _compact_array(reader: Reader, start: int, depth: int) -> Field:
    desc_start = reader.offset
    desc, min_size = _type_description(reader, depth)  # min_size >= 1: each packed value consumes bytes
    description = node("type-description", desc_start, reader.offset - desc_start, _describe(desc))
    length_start = reader.offset
    length = reader.ber_length("compact-array contents length")
    contents = reader.sub(length, "compact-array contents")
    if length and min_size > length:
        raise contents.fail("compact-array contents", f"{length} bytes cannot hold one {min_size}-byte element")
    elements = []
    fields_each = _field_count(desc)
    while contents.pos < contents.end:
        contents.budget.spend(fields_each, contents.offset, "compact-array contents")
        elements.append(_packed(contents, desc, depth + 1))
    body = node(
        "contents", length_start, reader.offset - length_start, None, tuple(elements), f"{len(elements)} elements"
    )
    return node("compact-array", start, reader.offset - start, None, (description, body))


def _type_description(reader: Reader, depth: int) -> tuple[_TypeDesc, int]:
    """(description, the fewest bytes one packed value of it takes); bounded by what is left."""
    if depth > MAX_DEPTH:
        raise reader.fail("type-description", f"nesting deeper than {MAX_DEPTH}")
    tag = reader.u8("type-description")
    if tag == _ARRAY:
        count = reader.uint(2, "type-description array count")
        if count == 0:  # every described value must take bytes, or packed values cost nothing to repeat
            raise reader.fail("type-description", "array of zero elements", reader.pos - 2)
        element, size = _type_description(reader, depth + 1)
        return ("array", count, element), count * size
    if tag == _STRUCTURE:
        count = reader.ber_length("type-description structure count")
        if count == 0:
            raise reader.fail("type-description", "structure of zero members", reader.pos - 1)
        if count > reader.remaining():
            raise reader.fail("type-description", f"{count} members cannot fit in {reader.remaining()} bytes")
        members = [_type_description(reader, depth + 1) for _ in range(count)]
        return ("structure", tuple(member for member, _ in members)), sum(size for _, size in members)
    if tag in _NUMERIC:
        return tag, _NUMERIC[tag][1]
    if tag in _FIXED_BYTES:
        return tag, _FIXED_BYTES[tag][1]
    if tag in _STRINGS or tag == _BOOLEAN:
        return tag, 1
    raise reader.fail("type-description", f"type {tag} cannot be packed in a compact array", reader.pos - 1)


def _field_count(desc: _TypeDesc) -> int:
    """How many fields one packed value laid out by `desc` becomes."""
    if isinstance(desc, int):
        return 1
    if desc[0] == "array":
        return 1 + desc[1] * _field_count(desc[2])
    return 1 + sum(_field_count(member) for member in desc[1])


def _describe(desc: _TypeDesc) -> str:
    if isinstance(desc, int):
        return type_name(desc)
    if desc[0] == "array":
        return f"array[{desc[1]}] of {_describe(desc[2])}"
    return "structure{" + ", ".join(_describe(member) for member in desc[1]) + "}"


def _packed(reader: Reader, desc: _TypeDesc, depth: int) -> Field:
    """One value laid out by `desc`, without a tag (lengths of strings are still present)."""
    start = reader.offset
    if isinstance(desc, int):
        numeric = _NUMERIC.get(desc)
        if numeric is not None:
            name, size, signed = numeric
            return node(name, start, size, reader.uint(size, name, signed=signed))
        if desc in _STRINGS:
            return _string(reader, desc, start)
        if desc == _BOOLEAN:
            return node("boolean", start, 1, reader.u8("boolean") != 0)
        name, size = _FIXED_BYTES[desc]
        raw = reader.take(size, name)
        return node(name, start, size, raw.hex(), (), cosem.date_time_note(raw) if desc == 25 else None)
    if desc[0] == "array":
        children = tuple(_packed(reader, desc[2], depth + 1) for _ in range(desc[1]))
        return node("array", start, reader.offset - start, None, children)
    children = tuple(_packed(reader, member, depth + 1) for member in desc[1])
    return node("structure", start, reader.offset - start, None, children)


# ---------------------------------------------------------------------------------------------
# APDUs


def _header(reader: Reader, tag_name: str) -> list[Field]:
    """APDU tag, long-invoke-id-and-priority and the (empty in RTDS) date-time octet string."""
    start = reader.offset
    reader.u8("apdu tag")
    fields = [node("apdu-tag", start, 1, reader.data[reader.pos - 1], (), tag_name)]
    invoke_start = reader.offset
    invoke = reader.uint(4, "long-invoke-id-and-priority")
    fields.append(
        node(
            "long-invoke-id-and-priority",
            invoke_start,
            4,
            invoke,
            (
                node("priority-flags", invoke_start, 1, invoke >> 24),
                node("invoke-id", invoke_start + 1, 3, invoke & 0xFFFFFF),
            ),
        )
    )
    dt_start = reader.offset
    dt_len = reader.ber_length("date-time length")
    raw = reader.take(dt_len, "date-time")
    fields.append(
        node(
            "date-time",
            dt_start,
            reader.offset - dt_start,
            raw.hex() if dt_len else None,
            (),
            cosem.date_time_note(raw) if dt_len else "absent",
        )
    )
    return fields


def _counted(reader: Reader, name: str, item: Callable[[Reader, Session], Field], session: Session) -> Field:
    """A BER count then that many entries decoded by `item(r, s)`."""
    start = reader.offset
    count = reader.ber_length(name + " count")
    if count > reader.remaining():
        raise reader.fail(name, f"{count} entries cannot fit in {reader.remaining()} bytes")
    reader.budget.spend(count, reader.offset, name)
    children = [node("count", start, reader.offset - start, count)]
    children.extend(item(reader, session) for _ in range(count))
    return node(name, start, reader.offset - start, None, tuple(children))


def _descriptor(reader: Reader, choice: int) -> tuple[Field, ...]:
    """class-id(2) instance-id(6 OBIS) attribute-or-method-id(1)."""
    start = reader.offset
    class_id = reader.uint(2, "class-id")
    obis = reader.take(6, "instance-id")
    member_name = "method-id" if choice == 3 else "attribute-id"
    member = reader.u8(member_name)
    return (
        node("class-id", start, 2, class_id, (), cosem.class_name(class_id)),
        node("instance-id", start + 2, 6, cosem.obis_text(obis), (), cosem.obis_name(obis)),
        node(member_name, start + 8, 1, member, (), cosem.member_name(class_id, member, method=choice == 3)),
    )


def _request_spec(reader: Reader, session: Session) -> Field:
    start = reader.offset
    choice = reader.u8("request specification choice")
    name = _SPEC_CHOICES.get(choice)
    if name is None:
        raise reader.fail("request specification", f"unknown choice {choice}", reader.pos - 1)
    fields = _descriptor(reader, choice)
    if choice == 4:
        sel_start = reader.offset
        selector = reader.u8("access-selector")
        fields += (
            node("access-selector", sel_start, 1, selector, (), cosem.selector_name(selector)),
            renamed(data_item(reader, session), "access-parameters"),
        )
    return node(name, start, reader.offset - start, None, fields)


def _result_spec(reader: Reader, session: Session) -> Field:
    start = reader.offset
    choice = reader.u8("response specification choice")
    name = _RESULT_CHOICES.get(choice)
    if name is None:
        raise reader.fail("response specification", f"unknown choice {choice}", reader.pos - 1)
    result = reader.u8("result")
    return node(name, start, 2, result, (), cosem.result_name(result, action=choice == 3))


def _data_entry(reader: Reader, session: Session) -> Field:
    return data_item(reader, session, 1)


def access_request(reader: Reader, session: Session) -> Field:
    """`D9` access-request: header, request specifications, then one data item per specification."""
    start = reader.offset
    fields = _header(reader, "access-request")
    fields.append(_counted(reader, "request-specifications", _request_spec, session))
    fields.append(_counted(reader, "request-data", _data_entry, session))
    return node("dlms-access-request", start, reader.offset - start, None, tuple(fields))


def access_response(reader: Reader, session: Session) -> Field:
    """`DA` access-response: header, no echoed specifications (`00`), data items, then results."""
    start = reader.offset
    fields = _header(reader, "access-response")
    echo = reader.u8("request specifications present")
    if echo != 0:
        raise reader.fail(
            "request specifications present", "echoed request specifications are not supported", reader.pos - 1
        )
    fields.append(node("request-specifications", reader.offset - 1, 1, None, (), "absent"))
    fields.append(_counted(reader, "response-data", _data_entry, session))
    fields.append(_counted(reader, "response-specifications", _result_spec, session))
    return node("dlms-access-response", start, reader.offset - start, None, tuple(fields))


def data_notification(reader: Reader, session: Session) -> Field:
    """`0F` data-notification (alerts): header then one data item, the notification body."""
    start = reader.offset
    fields = _header(reader, "data-notification")
    fields.append(renamed(data_item(reader, session, 1), "notification-body"))
    return node("dlms-data-notification", start, reader.offset - start, None, tuple(fields))
