"""ZCL frames inside GBZ components (gbcs.md 5.3): the frame header and the command payload.

Names and layouts come from zigpy as extended by `protocols.zigbee.smart_energy` (the one
ZCL table), through `zcl_table`: a compact copy derived from it, so that decoding does not
import zigpy. Each field kind there is read here with the same result zigpy's deserializer
gives (same value, same note; the tests compare both over the RTDS corpus and random bytes).
A command whose fields the table cannot express is decoded by zigpy itself (`zcl_zigpy`, imported
only then: it imports zigpy); one nobody defines stays one opaque field, counted in
`Session.unparsed`. The notes both decoders give times and dates are in `zcl_notes`.
"""

from __future__ import annotations

from typing import Any

from protocols.gbcs.payload.protected import Session
from protocols.gbcs.payload.reader import Reader, node
from protocols.gbcs.payload.zcl_notes import date_note, zigbee_time_note
from protocols.gbcs.payload.zcl_table import CLIENT_TO_SERVER, SERVER_TO_CLIENT, CommandSpec, FieldSpec, ZclTable
from protocols.gbcs.tree import Field, JsonValue
from protocols.gbz.frame import ZclFrame

#: Profile-wide commands with a decoder of their own (ZCL 2.5.2, 2.5.3, 2.5.12).
_READ_ATTRIBUTES, _READ_ATTRIBUTES_RSP, _DEFAULT_RESPONSE = 0x00, 0x01, 0x0B


def frame_kind(frame: ZclFrame) -> tuple[int, int, int]:
    """(frame type, direction, command id) of a ZCL frame: what chooses its payload's layout."""
    direction = SERVER_TO_CLIENT if frame.frame_control & 0x08 else CLIENT_TO_SERVER
    return frame.frame_control & 0x03, direction, frame.command_id


def header_fields(frame: ZclFrame, start: int) -> tuple[Field, ...]:
    """Frame control, [manufacturer code], sequence number, command id of `frame`, the first at `start`."""
    fc = frame.frame_control
    frame_type = fc & 0x03
    note = (
        f"{'cluster-specific' if frame_type == 1 else 'profile-wide' if frame_type == 0 else 'reserved type'}, "
        f"{'server to client' if fc & 0x08 else 'client to server'}"
        f"{', default response disabled' if fc & 0x10 else ''}{', manufacturer-specific' if fc & 0x04 else ''}"
    )
    fields = [node("zcl-frame-control", start, 1, fc, (), note)]
    pos = start + 1
    if frame.manufacturer_code is not None:
        fields.append(node("manufacturer-code", pos, 2, frame.manufacturer_code))
        pos += 2
    fields.append(node("sequence-number", pos, 1, frame.sequence))
    fields.append(node("command-id", pos + 1, 1, frame.command_id))
    return tuple(fields)


def _spec(table: ZclTable, cluster_id: int, frame_type: int, direction: int, command_id: int) -> CommandSpec | None:
    if frame_type == 0:
        return table.general.get(command_id)
    if frame_type == 1:
        return table.commands.get((cluster_id, direction, command_id))
    return None  # reserved frame types have no defined payload


def command_name(table: ZclTable, cluster_id: int, frame_type: int, direction: int, command_id: int) -> str | None:
    """The command's name in the table, for the component's note."""
    spec = _spec(table, cluster_id, frame_type, direction, command_id)
    return None if spec is None else spec.name


def payload(
    reader: Reader, session: Session, table: ZclTable, cluster_id: int, frame_type: int, direction: int, command_id: int
) -> tuple[Field, ...]:
    """The command payload up to the end of `r`, named field by field where the layout is known."""
    if frame_type == 0:
        if command_id == _READ_ATTRIBUTES:
            return (_list(reader, "attribute-ids", lambda: _attribute_id(reader, table, cluster_id)),)
        if command_id == _READ_ATTRIBUTES_RSP:
            return (_list(reader, "read-attribute-records", lambda: _read_record(reader, table, cluster_id)),)
        if command_id == _DEFAULT_RESPONSE:
            return _default_response(reader, table)
    spec = _spec(table, cluster_id, frame_type, direction, command_id)
    if spec is None:
        return _opaque(reader, session)
    if spec.fields is None:
        from protocols.gbcs.payload import zcl_zigpy  # a layout only zigpy's types can read

        return zcl_zigpy.command_fields(reader, cluster_id, frame_type, direction, command_id)
    return read_fields(reader, spec.fields)


def _opaque(reader: Reader, session: Session) -> tuple[Field, ...]:
    if reader.remaining() == 0:
        return ()
    session.unparsed += reader.remaining()
    start = reader.offset
    raw = reader.take(reader.remaining(), "command payload")
    return (node("command-payload", start, len(raw), raw.hex(), (), "layout unknown"),)


def read_fields(reader: Reader, fields: tuple[FieldSpec, ...]) -> tuple[Field, ...]:
    """Each field in order; optional trailing fields may be absent (zigpy's `name?`)."""
    out = []
    for name, kind, optional in fields:
        if optional and reader.pos >= reader.end:
            break
        out.append(read_value(reader, name, kind))
    return tuple(out)


def read_value(reader: Reader, name: str, kind: Any) -> Field:
    """One field of `kind` (see `zcl_table`), as zigpy would deserialize and show it."""
    start = reader.offset
    tag = kind[0]
    if tag == "records":
        records = []
        while reader.pos < reader.end:
            record_start = reader.offset
            reader.budget.spend(1 + len(kind[2]), record_start, name)
            children = read_fields(reader, kind[2])
            records.append(node(kind[1], record_start, reader.offset - record_start, None, children))
        return node(name, start, reader.offset - start, None, tuple(records), f"{len(records)} records")
    if tag == "list":  # of fixed-size integers; zigpy refuses a partial last item before reading any
        item = kind[1]
        item_size = 4 if item[0] == "utc" else item[1]
        if (reader.end - reader.pos) % item_size:
            left = reader.end - reader.pos
            raise reader.fail(name, f"{left} byte(s) are not a whole number of {item_size}-byte items")
        items = []
        while reader.pos < reader.end:
            items.append(read_value(reader, name, item).value)
        return node(name, start, reader.offset - start, items)
    if tag == "rest":
        raw = reader.data[reader.pos : reader.end]
        reader.pos = reader.end
        return node(name, start, len(raw), raw.hex())
    if tag == "date":
        parts = list(_take(reader, name, 4))
        return node(name, start, 4, parts, (), date_note(parts))
    if tag in ("octets", "string"):
        prefix = kind[1]
        length = int.from_bytes(_take(reader, name, prefix), "little")
        if tag == "string" and length == (1 << (8 * prefix)) - 1:  # the "invalid string" marker
            return node(name, start, prefix, "")
        if length > reader.end - reader.pos:
            raise reader.fail(
                name,
                f"{length}-byte {tag} needs {length} byte(s), only {reader.end - reader.pos} left",
                reader.pos - prefix,
            )
        raw = _take(reader, name, length)
        value: JsonValue = raw.hex() if tag == "octets" else raw.split(b"\x00")[0].decode("utf8", errors="replace")
        return node(name, start, prefix + length, value)
    size = 4 if tag == "utc" else kind[1]
    number = int.from_bytes(_take(reader, name, size), "little", signed=tag == "int")
    if tag == "utc":
        return node(name, start, 4, number, (), zigbee_time_note(number))
    if tag == "enum":
        return node(name, start, size, number, (), kind[2].get(number))
    if tag == "bitmap":
        return node(name, start, size, number, (), _flag_name(number, kind[2]))
    return node(name, start, size, number)


def _take(reader: Reader, name: str, count: int) -> bytes:
    if count > reader.end - reader.pos:
        raise reader.fail(name, f"needs {count} byte(s), only {reader.end - reader.pos} left")
    reader.pos += count
    return reader.data[reader.pos - count : reader.pos]


def _flag_name(value: int, members: list[list[Any]]) -> str | None:
    """The name Python 3.11's `enum.Flag` gives `value`: a member's; else the set single-bit members
    as `A|B`, then any bits no member has in decimal (`A|16`); None when no member bit is set."""
    names, mask = [], 0
    for member, name in sorted(members):
        if member == value:
            return str(name)
        mask |= member
        if member & (member - 1) == 0 and value & member:
            names.append(name)
    if not value & mask:
        return None
    unknown = value & ~mask
    text = "|".join(names) + (f"|{unknown}" if unknown else "")
    return text or None


def _list(reader: Reader, name: str, item: Any) -> Field:
    start = reader.offset
    children = []
    while reader.pos < reader.end:
        reader.budget.spend(1, reader.offset, name)
        children.append(item())
    return node(name, start, reader.offset - start, None, tuple(children))


def _attribute_id(reader: Reader, table: ZclTable, cluster_id: int) -> Field:
    start = reader.offset
    attribute_id = reader.uint(2, "attribute id", little=True)
    return node("attribute-id", start, 2, attribute_id, (), table.attributes.get(cluster_id, {}).get(attribute_id))


def _read_record(reader: Reader, table: ZclTable, cluster_id: int) -> Field:
    """Read Attributes Response record: id, status, then (when status is SUCCESS) type and value."""
    start = reader.offset
    id_field = _attribute_id(reader, table, cluster_id)
    status = reader.u8("status")
    children = [id_field, node("status", reader.offset - 1, 1, status, (), table.statuses.get(status))]
    if status == 0:
        type_id = reader.u8("data type")
        data_type = table.data_types.get(type_id)
        if data_type is None:
            raise reader.fail("data type", f"unknown ZCL data type 0x{type_id:02X}", reader.pos - 1)
        type_name, kind = data_type
        children.append(node("data-type", reader.offset - 1, 1, type_id, (), type_name))
        if kind is None:
            from protocols.gbcs.payload import zcl_zigpy  # a type only zigpy's classes can read

            children.append(zcl_zigpy.data_type_value(reader, type_id))
        else:
            children.append(read_value(reader, "value", kind))
    return node("attribute", start, reader.offset - start, None, tuple(children), id_field.note)


def _default_response(reader: Reader, table: ZclTable) -> tuple[Field, ...]:
    start = reader.offset
    command_id = reader.u8("command id")
    status = reader.u8("status")
    return (
        node("responded-command-id", start, 1, command_id),
        node("status", start + 1, 1, status, (), table.statuses.get(status)),
    )
