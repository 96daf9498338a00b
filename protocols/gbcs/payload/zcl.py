"""ZCL frames inside GBZ components (gbcs.md 5.3): the frame header and the command payload.

Field layouts and names come from zigpy: profile-wide commands from
`zigpy.zcl.foundation`, attribute names and types from `zigpy.zcl.clusters`,
cluster commands from the cluster definitions (or, where zigpy has none, from
`zcl_commands`, written in zigpy's own form). zigpy types do the byte work
(`deserialize`), this module only walks schemas so that every field gets its
offset. A command whose layout nobody defines stays one opaque field and is
counted in `Session.unparsed`.
"""

from __future__ import annotations

import datetime as _dt
import enum
import struct

import zigpy.types as t
from zigpy.zcl import Cluster
from zigpy.zcl.foundation import GENERAL_COMMANDS, DataType, Direction, GeneralCommand, Status

from protocols.gbcs.payload import zcl_commands
from protocols.gbcs.payload.protected import Session
from protocols.gbcs.payload.reader import Reader, node
from protocols.gbcs.tree import Field, JsonValue

_ZIGBEE_EPOCH = _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc)
#: What zigpy's deserializers raise on short or invalid input (AttributeError: Configure Reporting records).
_ZIGPY_ERRORS = (ValueError, KeyError, IndexError, TypeError, AttributeError, struct.error, OverflowError)


def zigbee_time_note(seconds: int) -> str:
    """ZigBee UTC seconds as text; 0 and FFFFFFFF are the GBZ "now" and "never" markers (gbcs.md 5.3)."""
    if seconds == 0:
        return "now / not set"
    if seconds == 0xFFFFFFFF:
        return "never / undefined"
    return (_ZIGBEE_EPOCH + _dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def header(r: Reader) -> tuple[tuple[Field, ...], int, Direction, int]:
    """Frame control, [manufacturer code], sequence number, command id -> (fields, frame type, direction, command)."""
    start = r.offset
    fc = r.u8("zcl frame control")
    frame_type = fc & 0x03
    direction = Direction.Server_to_Client if fc & 0x08 else Direction.Client_to_Server
    note = (
        f"{'cluster-specific' if frame_type == 1 else 'profile-wide' if frame_type == 0 else 'reserved type'}, "
        f"{'server to client' if fc & 0x08 else 'client to server'}"
        f"{', default response disabled' if fc & 0x10 else ''}{', manufacturer-specific' if fc & 0x04 else ''}"
    )
    fields = [node("zcl-frame-control", start, 1, fc, (), note)]
    if fc & 0x04:
        fields.append(node("manufacturer-code", r.offset, 2, r.uint(2, "manufacturer code", little=True)))
    fields.append(node("sequence-number", r.offset, 1, r.u8("zcl sequence number")))
    command_id = r.u8("zcl command id")
    fields.append(node("command-id", r.offset - 1, 1, command_id))
    return tuple(fields), frame_type, direction, command_id


def command_name(cluster_id: int, frame_type: int, direction: Direction, command_id: int) -> str | None:
    """zigpy's (or `zcl_commands`') name of the command, for the component's note."""
    if frame_type == 0:
        try:
            return GeneralCommand(command_id).name
        except ValueError:
            return None
    if frame_type != 1:
        return None
    definition = zcl_commands.command(cluster_id, direction, command_id)
    return definition.name if definition is not None else None


def payload(
    r: Reader, s: Session, cluster_id: int, frame_type: int, direction: Direction, command_id: int
) -> tuple[Field, ...]:
    """The command payload up to the end of `r`, named field by field where the layout is known."""
    if frame_type == 0:
        if command_id == GeneralCommand.Read_Attributes:
            return (_list(r, "attribute-ids", lambda: _attribute_id(r, cluster_id)),)
        if command_id == GeneralCommand.Read_Attributes_rsp:
            return (_list(r, "read-attribute-records", lambda: _read_record(r, cluster_id)),)
        if command_id == GeneralCommand.Default_Response:
            return _default_response(r)
        general = GENERAL_COMMANDS.get(command_id)
        schema = general.schema if general is not None else None
    elif frame_type == 1:
        definition = zcl_commands.command(cluster_id, direction, command_id)
        schema = definition.schema if definition is not None else None
    else:  # reserved frame types have no defined payload
        schema = None
    if schema is None:
        return _opaque(r, s)
    return _struct_fields(r, schema)


def _opaque(r: Reader, s: Session) -> tuple[Field, ...]:
    if r.remaining() == 0:
        return ()
    s.unparsed += r.remaining()
    start = r.offset
    raw = r.take(r.remaining(), "command payload")
    return (node("command-payload", start, len(raw), raw.hex(), (), "layout unknown"),)


def _struct_fields(r: Reader, schema: type[t.Struct]) -> tuple[Field, ...]:
    """Each field of a zigpy Struct schema, in order; optional trailing fields may be absent."""
    out = []
    for field in schema.fields:
        if field.optional and r.pos >= r.end:
            break
        out.append(_value(r, field.name, field.type))
    return tuple(out)


def _value(r: Reader, name: str, ftype: type) -> Field:
    start = r.offset
    item = getattr(ftype, "_item_type", None)
    if item is not None and issubclass(ftype, t.List) and isinstance(item, type) and issubclass(item, t.Struct):
        records = []
        while r.pos < r.end:
            record_start = r.offset
            children = _struct_fields(r, item)
            records.append(node(_snake(item.__name__), record_start, r.offset - record_start, None, children))
        return node(name, start, r.offset - start, None, tuple(records), f"{len(records)} records")
    data = r.data[r.pos : r.end]
    try:
        value, rest = ftype.deserialize(data)
    except _ZIGPY_ERRORS as exc:
        raise r.fail(name, f"{ftype.__name__}: {exc}") from None
    size = len(data) - len(rest)
    r.pos += size
    try:
        json_value, note = _jsonable(value)
    except _NotJson:
        json_value, note = data[:size].hex(), f"{ftype.__name__}, shown as the bytes read"
    return node(name, start, size, json_value, (), note)


class _NotJson(Exception):
    """A zigpy value of a kind `jsonable` does not know; the caller shows its bytes instead."""


def _snake(name: str) -> str:
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")


def _jsonable(value: object) -> tuple[JsonValue, str | None]:
    """A zigpy value as (JSON-ready value, note): enums keep their name, times their date."""
    if isinstance(value, t.UTCTime):
        return int(value), zigbee_time_note(int(value))
    if isinstance(value, enum.Enum):
        name = value.name  # None for a combination of flags
        return int(value.value), name if name and not name.startswith("undefined_") else None
    if isinstance(value, bool):
        return value, None
    if isinstance(value, int):
        return int(value), None
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex(), None
    if isinstance(value, str):
        return str(value), None
    if isinstance(value, t.Date):
        text = f"{value.years_since_1900 + 1900 if value.years_since_1900 != 0xFF else '****'}-"
        text += f"{value.month if value.month != 0xFF else '**'}-{value.day if value.day != 0xFF else '**'}"
        return [value.years_since_1900, value.month, value.day, value.day_of_week], text
    if isinstance(value, t.Struct):
        return {key: _jsonable(item)[0] for key, item in value.as_dict().items()}, None
    if isinstance(value, list):
        return [_jsonable(item)[0] for item in value], None
    if isinstance(value, float):
        return value, None
    raise _NotJson(type(value).__name__)


def _list(r: Reader, name: str, item: object) -> Field:
    start = r.offset
    children = []
    while r.pos < r.end:
        children.append(item())  # type: ignore[operator]
    return node(name, start, r.offset - start, None, tuple(children))


def _attribute_name(cluster_id: int, attribute_id: int) -> str | None:
    cluster = Cluster._registry.get(cluster_id)
    if cluster is None:
        return None
    definition = cluster.attributes.get(attribute_id)
    return definition.name if definition is not None else None


def _attribute_id(r: Reader, cluster_id: int) -> Field:
    start = r.offset
    attribute_id = r.uint(2, "attribute id", little=True)
    return node("attribute-id", start, 2, attribute_id, (), _attribute_name(cluster_id, attribute_id))


def _read_record(r: Reader, cluster_id: int) -> Field:
    """Read Attributes Response record: id, status, then (when status is SUCCESS) type and value."""
    start = r.offset
    id_field = _attribute_id(r, cluster_id)
    status = r.u8("status")
    children = [id_field, node("status", r.offset - 1, 1, status, (), _status_name(status))]
    if status == 0:
        type_id = r.u8("data type")
        try:
            data_type = DataType.from_type_id(type_id)
        except (KeyError, ValueError):
            raise r.fail("data type", f"unknown ZCL data type 0x{type_id:02X}", r.pos - 1) from None
        children.append(node("data-type", r.offset - 1, 1, type_id, (), data_type.name))
        children.append(_value(r, "value", data_type.value.python_type))
    return node("attribute", start, r.offset - start, None, tuple(children), id_field.note)


def _default_response(r: Reader) -> tuple[Field, ...]:
    start = r.offset
    command_id = r.u8("command id")
    status = r.u8("status")
    return (
        node("responded-command-id", start, 1, command_id),
        node("status", start + 1, 1, status, (), _status_name(status)),
    )


def _status_name(status: int) -> str | None:
    try:
        return Status(status).name
    except ValueError:
        return None
