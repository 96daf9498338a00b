"""Typed ZCL command payloads for GBZ components, from zigpy's cluster definitions (architecture.md).

The one ZCL table is zigpy's, extended by `protocols.zigbee.smart_energy`: a cluster-specific
command's payload is read and written with the zigpy `Struct` schema registered for its cluster,
direction and id. Three profile-wide commands GBZ uses (ZCL 2.5.1-2.5.2, 2.5.12) get small
frozen values of their own, because zigpy's record classes are mutable and its Read Attributes
Response record needs the data type as a separate field anyway: Read Attributes (ids),
Read Attributes Response (`AttributeRecord`s) and Default Response (command id + status).

Metering attributes GB uses but zigpy 2.4 lacks (meters.md 4.1: supply tamper / depletion
state, block counters 0x0700-0x0703, the uncontrolled-flow group 0x0B10-0x0B15) are part of
that table too (`protocols.zigbee.smart_energy.metering`). Cluster classes are looked up
through `protocols.zigbee.zcl_registry`, which registers those definitions first.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass
from typing import Any

import zigpy.types as t
from zigpy.zcl.foundation import DataType, DataTypeId, ZCLCommandDef

from protocols.gbz.errors import GbzDecodeError, GbzEncodeError
from protocols.gbz.frame import ZclFrame
from protocols.zigbee.zcl_registry import cluster_class

BASIC, TIME, PRICE, METERING, MESSAGING, PREPAYMENT, CALENDAR, DEVICE_MANAGEMENT, EVENTS = (
    0x0000, 0x000A, 0x0700, 0x0702, 0x0703, 0x0705, 0x0707, 0x0708, 0x0709,
)  # fmt: skip
#: Profile-wide command ids (ZCL 2.5).
READ_ATTRIBUTES, READ_ATTRIBUTES_RESPONSE, DEFAULT_RESPONSE = 0x00, 0x01, 0x0B
#: What zigpy's deserializers raise on short or invalid input.
_ZIGPY_ERRORS = (ValueError, KeyError, IndexError, TypeError, AttributeError, struct.error, OverflowError)

#: Octet and character strings are read as their bytes: zigpy's CharacterString stops at the first NUL,
#: and a GSME's model identifier holds binary bytes after its text (RTDS GCS21e), so text would not rebuild.
_STRING_TYPES: dict[int, type] = {0x41: t.LVBytes, 0x42: t.LVBytes}


@dataclass(frozen=True, slots=True)
class AttributeRecord:
    """One Read Attributes Response record: id and status; type and value only when the status is SUCCESS."""

    attribute_id: int
    status: int = 0
    data_type: int | None = None  #: ZCL data type id (ZCL 2.6.2)
    value: Any = None  #: the zigpy value of that type


@dataclass(frozen=True, slots=True)
class DefaultResponse:
    """ZCL Default Response (ZCL 2.5.12): the command it answers and a status."""

    command_id: int
    status: int


@functools.cache
def attribute_type(cluster_id: int, attribute_id: int) -> type | None:
    """The zigpy type of an attribute, from the ZCL table; None if unknown."""
    cluster = cluster_class(cluster_id)
    definition = None if cluster is None else cluster.attributes.get(attribute_id)
    return None if definition is None else definition.type


@functools.cache
def attribute_id(cluster_id: int, name: str) -> int:
    """The id of an attribute named `name` in the ZCL table."""
    cluster = cluster_class(cluster_id)
    if cluster is None or name not in cluster.attributes_by_name:
        raise KeyError(f"cluster 0x{cluster_id:04X} has no attribute {name!r}")
    return int(cluster.attributes_by_name[name].id)


def data_type_id(kind: type) -> int:
    """The ZCL data type id of a zigpy type (`DataType.from_python_type`)."""
    return int(DataType.from_python_type(kind).type_id)


def command_def(cluster_id: int, frame: ZclFrame) -> ZCLCommandDef | None:
    """zigpy's definition of a cluster-specific command in `frame`; None when none is registered."""
    if not frame.cluster_specific:
        return None
    cluster = cluster_class(cluster_id)
    if cluster is None:
        return None
    defs = cluster.client_commands if frame.server_to_client else cluster.server_commands
    return defs.get(frame.command_id)


def decode_command(cluster_id: int, frame: ZclFrame) -> Any:
    """The payload of a cluster-specific command as an instance of its zigpy schema.

    GbzDecodeError (offset into the payload) when no schema is registered, the payload is short
    or invalid, or bytes remain after the last field.
    """
    definition = command_def(cluster_id, frame)
    if definition is None:
        raise GbzDecodeError(0, "command id", f"no command 0x{frame.command_id:02X} in cluster 0x{cluster_id:04X}")
    try:
        value, rest = definition.schema.deserialize(frame.payload)
    except _ZIGPY_ERRORS as exc:
        raise GbzDecodeError(0, definition.name, f"{type(exc).__name__}: {exc}") from None
    if rest:
        raise GbzDecodeError(len(frame.payload) - len(rest), definition.name, f"{len(rest)} byte(s) after the fields")
    return value


def encode_command(cluster_id: int, name: str, *, server_to_client: bool, **fields: Any) -> tuple[int, bytes]:
    """(command id, payload) of the command `name` of a cluster, built from its zigpy schema."""
    cluster = cluster_class(cluster_id)
    if cluster is None:
        raise GbzEncodeError("cluster_id", f"0x{cluster_id:04X} is not a ZCL cluster zigpy knows")
    defs = cluster.client_commands if server_to_client else cluster.server_commands
    definition = next((d for d in defs.values() if d.name == name), None)
    if definition is None:
        raise GbzEncodeError("command", f"cluster 0x{cluster_id:04X} has no command {name!r} in that direction")
    try:
        return int(definition.id), definition.schema(**fields).serialize()
    except _ZIGPY_ERRORS as exc:
        raise GbzEncodeError(name, f"{type(exc).__name__}: {exc}") from None


def command_direction(cluster_id: int, name: str) -> bool:
    """True when `name` is a server-to-client command of the cluster, False when client-to-server."""
    cluster = cluster_class(cluster_id)
    if cluster is not None and any(d.name == name for d in cluster.client_commands.values()):
        return True
    if cluster is not None and any(d.name == name for d in cluster.server_commands.values()):
        return False
    raise GbzEncodeError("command", f"cluster 0x{cluster_id:04X} has no command {name!r}")


def parse_read_attributes(payload: bytes) -> tuple[int, ...]:
    """The attribute ids of a Read Attributes payload (little-endian u16 each)."""
    if len(payload) % 2:
        raise GbzDecodeError(len(payload) - 1, "attribute ids", "odd length: not a list of 16-bit ids")
    return tuple(int.from_bytes(payload[i : i + 2], "little") for i in range(0, len(payload), 2))


def build_read_attributes(attribute_ids: tuple[int, ...]) -> bytes:
    try:
        return b"".join(attr_id.to_bytes(2, "little") for attr_id in attribute_ids)
    except OverflowError:
        raise GbzEncodeError("attribute ids", "each id is 16 bits") from None


def parse_read_records(payload: bytes) -> tuple[AttributeRecord, ...]:
    """The records of a Read Attributes Response payload."""
    records = []
    pos = 0
    while pos < len(payload):
        if pos + 3 > len(payload):
            raise GbzDecodeError(pos, "attribute record", "needs an id and a status")
        attr_id = int.from_bytes(payload[pos : pos + 2], "little")
        status = payload[pos + 2]
        pos += 3
        if status != 0:
            records.append(AttributeRecord(attr_id, status))
            continue
        if pos >= len(payload):
            raise GbzDecodeError(pos, "data type", "a SUCCESS record needs a data type")
        type_id = payload[pos]
        try:
            kind: Any = _STRING_TYPES.get(type_id) or DataType.from_type_id(DataTypeId(type_id)).python_type
            value, rest = kind.deserialize(payload[pos + 1 :])
        except _ZIGPY_ERRORS as exc:
            raise GbzDecodeError(pos, "value", f"type 0x{type_id:02X}: {exc}") from None
        pos = len(payload) - len(rest)
        records.append(AttributeRecord(attr_id, 0, type_id, value))
    return tuple(records)


def build_read_records(records: tuple[AttributeRecord, ...]) -> bytes:
    out = bytearray()
    for record in records:
        out += record.attribute_id.to_bytes(2, "little") + bytes((record.status,))
        if record.status == 0:
            if record.data_type is None:
                raise GbzEncodeError("data_type", f"SUCCESS record 0x{record.attribute_id:04X} has no data type")
            try:
                kind: Any = _STRING_TYPES.get(record.data_type)
                kind = kind or DataType.from_type_id(DataTypeId(record.data_type)).python_type
                out += bytes((record.data_type,)) + kind(record.value).serialize()
            except _ZIGPY_ERRORS as exc:
                raise GbzEncodeError("value", f"attribute 0x{record.attribute_id:04X}: {exc}") from None
    return bytes(out)


def parse_default_response(payload: bytes) -> DefaultResponse:
    if len(payload) != 2:
        raise GbzDecodeError(min(len(payload), 2), "default response", f"{len(payload)} bytes, expected 2")
    return DefaultResponse(payload[0], payload[1])


def build_default_response(response: DefaultResponse) -> bytes:
    if not (0 <= response.command_id <= 0xFF and 0 <= response.status <= 0xFF):
        raise GbzEncodeError("default response", "command id and status are one byte each")
    return bytes((response.command_id, response.status))
