"""ZCL command payloads decoded by walking zigpy's own schemas: the reference for `zcl`.

`zcl` decodes from the compact `zcl_table` for speed; a field type the table cannot express
(zigpy's TypeValue records, bit-packed structs, ...) makes it hand the command here, where
zigpy's types do the byte work and this module only walks the schema so that every field gets
its offset. The tests decode every RTDS payload both ways and require the same tree. Importing
this module imports zigpy and, through `protocols.zigbee`, our Smart Energy
definitions (~0.5 s, once).
"""

from __future__ import annotations

import enum
import struct
from typing import Any

import zigpy.types as t
from zigpy.zcl.foundation import GENERAL_COMMANDS, DataType

from protocols.gbcs.payload.reader import Reader, node
from protocols.gbcs.payload.zcl_notes import date_note, zigbee_time_note
from protocols.gbcs.payload.zcl_table import CLIENT_TO_SERVER, record_name
from protocols.gbcs.tree import Field, JsonValue
from protocols.zigbee.zcl_registry import cluster_class

#: What zigpy's deserializers raise on short or invalid input (AttributeError: Configure Reporting records).
_ZIGPY_ERRORS = (ValueError, KeyError, IndexError, TypeError, AttributeError, struct.error, OverflowError)


def command_fields(
    reader: Reader, cluster_id: int, frame_type: int, direction: int, command_id: int
) -> tuple[Field, ...]:
    """The payload of a command zigpy defines (the caller checked it does), field by field."""
    if frame_type == 0:
        schema = GENERAL_COMMANDS[command_id].schema  # type: ignore[index]  # IntEnum keys find plain ints
    else:
        cluster = cluster_class(cluster_id)
        assert cluster is not None  # `zcl` comes here only for commands the table, derived from zigpy, holds
        defs = cluster.server_commands if direction == CLIENT_TO_SERVER else cluster.client_commands
        schema = defs[command_id].schema
    return struct_fields(reader, schema)


def data_type_value(reader: Reader, type_id: int) -> Field:
    """An attribute value of ZCL data type `type_id` (a Read Attributes Response record)."""
    return value(reader, "value", DataType.from_type_id(type_id).value.python_type)  # type: ignore[arg-type]  # an IntEnum


def struct_fields(reader: Reader, schema: type[t.Struct]) -> tuple[Field, ...]:
    """Each field of a zigpy Struct schema, in order; optional trailing fields may be absent."""
    out = []
    for field in schema.fields:
        if field.optional and reader.pos >= reader.end:
            break
        out.append(value(reader, field.name, field.type))
    return tuple(out)


def value(reader: Reader, name: str, ftype: Any) -> Field:
    start = reader.offset
    item = getattr(ftype, "_item_type", None)
    if item is not None and issubclass(ftype, t.List) and isinstance(item, type) and issubclass(item, t.Struct):
        records = []
        while reader.pos < reader.end:
            record_start = reader.offset
            reader.budget.spend(1 + len(item.fields), record_start, name)
            children = struct_fields(reader, item)
            records.append(node(record_name(item.__name__), record_start, reader.offset - record_start, None, children))
        return node(name, start, reader.offset - start, None, tuple(records), f"{len(records)} records")
    data = reader.data[reader.pos : reader.end]
    try:
        parsed, rest = ftype.deserialize(data)
    except _ZIGPY_ERRORS as exc:
        raise reader.fail(name, f"{ftype.__name__}: {exc}") from None
    size = len(data) - len(rest)
    reader.pos += size
    try:
        json_value, note = jsonable(parsed)
    except _NotJson:
        json_value, note = data[:size].hex(), f"{ftype.__name__}, shown as the bytes read"
    return node(name, start, size, json_value, (), note)


class _NotJson(Exception):
    """A zigpy value of a kind `jsonable` does not know; the caller shows its bytes instead."""


def jsonable(parsed: Any) -> tuple[JsonValue, str | None]:
    """A zigpy value as (JSON-ready value, note): enums keep their name, times their date."""
    if isinstance(parsed, t.UTCTime):
        return int(parsed), zigbee_time_note(int(parsed))
    if isinstance(parsed, enum.Enum):
        name = parsed.name  # None for a combination of flags
        return int(parsed.value), name if name and not name.startswith("undefined_") else None
    if isinstance(parsed, bool):
        return parsed, None
    if isinstance(parsed, int):
        return int(parsed), None
    if isinstance(parsed, (bytes, bytearray)):
        return bytes(parsed).hex(), None
    if isinstance(parsed, str):
        return str(parsed), None
    if isinstance(parsed, t.Date):
        parts = [parsed.years_since_1900, parsed.month, parsed.day, parsed.day_of_week]
        return parts, date_note(parts)
    if isinstance(parsed, t.Struct):
        return {key: jsonable(item)[0] for key, item in parsed.as_dict().items()}, None
    if isinstance(parsed, list):
        return [jsonable(item)[0] for item in parsed], None
    if isinstance(parsed, float):
        return parsed, None
    raise _NotJson(type(parsed).__name__)
