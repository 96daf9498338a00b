"""The ZCL frames GBCS uses on the HAN, built and read with zigpy's cluster definitions (gbcs.md 6.1, 6.3).

Why one module: both ends of a GB-HRGP tunnel (the CHF, the meters), the gas mirror and the
hub's Time server speak the same few Smart Energy commands; their layouts are zigpy's (extended
by `protocols.zigbee.smart_energy`, our one ZCL table) and the ZCL header is the generic one of
`protocols.gbz.frame`. Here only the GBCS settings are added: the frame controls GBCS uses
(0x11 / 0x19: cluster-specific, default response disabled; gbcs.md 6.1) and the tunnel
parameters GBCS fixes (protocol 6 GB-HRGP, manufacturer 0xFFFF, no flow control, 1 500 octets).

`Frame` is a received ZCL frame with its command decoded (None for a profile-wide command,
whose payload callers read with `protocols.gbz.zcl`'s record readers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import zigpy.types as t
from zigpy.zcl.foundation import DataType, DataTypeId

from protocols.gbz import zcl
from protocols.gbz.errors import GbzDecodeError
from protocols.gbz.frame import (
    CLUSTER_SPECIFIC,
    DISABLE_DEFAULT_RESPONSE,
    PROFILE_WIDE,
    SERVER_TO_CLIENT,
    ZclFrame,
    build_frame,
    parse_frame,
)
from protocols.zigbee.smart_energy import TunnelProtocol

BASIC, TIME, METERING, TUNNELING, SUB_GHZ = 0x0000, 0x000A, 0x0702, 0x0704, 0x070B
#: GB-HRGP tunnel parameters (gbcs.md 6.1, citing GBCS 10.2.2).
GB_HRGP = int(TunnelProtocol.GB_HRGP)
MANUFACTURER_CODE = 0xFFFF
MAX_TRANSFER = 1500
#: Profile-wide command ids (ZCL 2.5).
READ_ATTRIBUTES, READ_ATTRIBUTES_RESPONSE, REPORT_ATTRIBUTES, DEFAULT_RESPONSE = 0x00, 0x01, 0x0A, 0x0B
#: ZCL octet string and character string (ZCL 2.6.2): read as bytes, whatever they hold.
_STRING_TYPE_IDS = (0x41, 0x42)
#: What zigpy's deserializers raise on short or invalid input.
_ZIGPY_ERRORS = (ValueError, KeyError, IndexError, TypeError, AttributeError, OverflowError)


@dataclass(frozen=True, slots=True)
class Frame:
    """A received ZCL frame: its header and payload (`zcl_frame`) and, when cluster-specific, its command."""

    zcl_frame: ZclFrame
    name: str | None  #: zigpy's command name (None: profile-wide)
    fields: Any  #: the zigpy schema instance (None: profile-wide)

    @property
    def sequence(self) -> int:
        return self.zcl_frame.sequence

    @property
    def server_to_client(self) -> bool:
        return self.zcl_frame.server_to_client

    @property
    def command_id(self) -> int:
        return self.zcl_frame.command_id


def read(cluster: int, payload: bytes) -> Frame:
    """Decode a ZCL frame of `cluster`; GbzDecodeError when the header or the command's fields do not decode."""
    frame = parse_frame(payload)
    if not frame.cluster_specific:
        return Frame(frame, None, None)
    definition = zcl.command_def(cluster, frame)
    if definition is None:
        raise GbzDecodeError(2, "command id", f"no command 0x{frame.command_id:02X} in cluster 0x{cluster:04X}")
    return Frame(frame, definition.name, zcl.decode_command(cluster, frame))


def command(cluster: int, name: str, sequence: int, **fields: Any) -> bytes:
    """A cluster-specific command of `cluster`, default response disabled, in the command's own direction."""
    server_to_client = zcl.command_direction(cluster, name)
    command_id, payload = zcl.encode_command(cluster, name, server_to_client=server_to_client, **fields)
    control = CLUSTER_SPECIFIC | DISABLE_DEFAULT_RESPONSE | (SERVER_TO_CLIENT if server_to_client else 0)
    return build_frame(ZclFrame(control, sequence & 0xFF, command_id, payload))


def profile_wide(command_id: int, sequence: int, payload: bytes, *, server_to_client: bool) -> bytes:
    """A profile-wide command (Read Attributes, its response, Report Attributes, Default Response)."""
    control = PROFILE_WIDE | (SERVER_TO_CLIENT | DISABLE_DEFAULT_RESPONSE if server_to_client else 0)
    return build_frame(ZclFrame(control, sequence & 0xFF, command_id, payload))


def read_response(request: ZclFrame, values: dict[int, Any], cluster: int) -> bytes:
    """The Read Attributes Response to `request`: each asked attribute from `values` (typed by zigpy's table),
    UNSUPPORTED_ATTRIBUTE (0x86) for those it lacks or zigpy does not know."""
    records = []
    for attribute in zcl.parse_read_attributes(request.payload):
        kind = zcl.attribute_type(cluster, attribute)
        if attribute not in values or kind is None:
            records.append(zcl.AttributeRecord(attribute, 0x86))
        else:
            records.append(zcl.AttributeRecord(attribute, 0, zcl.data_type_id(kind), values[attribute]))
    payload = zcl.build_read_records(tuple(records))
    return profile_wide(READ_ATTRIBUTES_RESPONSE, request.sequence, payload, server_to_client=True)


def report_records(cluster: int, values: dict[int, Any]) -> bytes:
    """The payload of a Report Attributes of `values` (ZCL 2.5.11: id, data type, value), for the attributes zigpy
    types; a report record is a read record (`protocols.gbz.zcl`) without its status byte."""
    out = bytearray()
    for attribute, value in sorted(values.items()):
        kind = zcl.attribute_type(cluster, attribute)
        if kind is None:
            continue
        record = zcl.build_read_records((zcl.AttributeRecord(attribute, 0, zcl.data_type_id(kind), value),))
        out += record[:2] + record[3:]
    return bytes(out)


def parse_report(payload: bytes) -> dict[int, Any]:
    """The values of a Report Attributes payload; octet and character strings as bytes (as GBZ reads them)."""
    values: dict[int, Any] = {}
    pos = 0
    while pos < len(payload):
        if pos + 3 > len(payload):
            raise GbzDecodeError(pos, "attribute report", "needs an id and a data type")
        attribute, type_id = int.from_bytes(payload[pos : pos + 2], "little"), payload[pos + 2]
        try:
            kind: Any = (
                t.LVBytes if type_id in _STRING_TYPE_IDS else DataType.from_type_id(DataTypeId(type_id)).python_type
            )
            value, rest = kind.deserialize(payload[pos + 3 :])
        except _ZIGPY_ERRORS as exc:
            raise GbzDecodeError(pos + 3, "attribute value", f"type 0x{type_id:02X}: {exc}") from None
        values[attribute] = value
        pos = len(payload) - len(rest)
    return values
