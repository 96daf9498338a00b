"""What the GB Smart Energy cluster modules share: enumerations, record structs, field groups, and
the two builders that make zigpy `AttributeDefs` / `CommandDefs` classes from tables.

See the package docstring for why these extend zigpy's classes in place.
"""

from __future__ import annotations

import types
from typing import Any, Final

import zigpy.types as t
from zigpy.zcl import foundation
from zigpy.zcl.foundation import (
    BaseAttributeDefs,
    BaseCommandDefs,
    ZCLAttributeAccess,
    ZCLAttributeDef,
    ZCLCommandDef,
)

SUB_GHZ_CLUSTER_ID: Final = 0x070B


class TunnelProtocol(t.enum8):
    """Tunneling protocol IDs (radio.md 5.6); GBCS travels as GB_HRGP."""

    DLMS_COSEM = 0
    IEC_61107 = 1
    ANSI_C12 = 2
    M_BUS = 3
    SML = 4
    CLIMATE_TALK = 5
    GB_HRGP = 6
    IPV6 = 7
    IPV4 = 8
    NULL = 9
    TEST = 199
    MANUFACTURER = 200


class TunnelStatus(t.enum8):
    """RequestTunnelResponse status."""

    SUCCESS = 0
    BUSY = 1
    NO_MORE_TUNNEL_IDS = 2
    PROTOCOL_NOT_SUPPORTED = 3
    FLOW_CONTROL_NOT_SUPPORTED = 4


class TransferDataStatus(t.enum8):
    """TransferDataError status."""

    NO_SUCH_TUNNEL = 0
    WRONG_DEVICE = 1
    DATA_OVERFLOW = 2


class SupportedProtocol(t.Struct):
    """One entry of SupportedTunnelProtocolsResponse."""

    manufacturer_code: t.uint16_t
    protocol_id: TunnelProtocol


class TierLabel(t.Struct):
    tier_id: t.uint8_t
    tier_label: t.LVBytes


class ScheduleEntry(t.Struct):
    """PublishDayProfile entry: minutes from midnight, then the tier (TOU calendars), the friendly-credit
    enable flag or the auxiliary switch states, by calendar type - one octet in every case."""

    start_time: t.uint16_t
    price_tier_or_state: t.uint8_t


class SeasonEntry(t.Struct):
    season_start_date: t.Date
    week_id_ref: t.uint8_t


class SpecialDayEntry(t.Struct):
    special_day_date: t.Date
    day_id_ref: t.uint8_t


class EventConfigurationEntry(t.Struct):
    event_id: t.uint16_t
    event_configuration: t.bitmap8


class TopUpEntry(t.Struct):
    top_up_code: t.LVBytes
    top_up_amount: t.int32s
    top_up_time: t.UTCTime


class EventLogEntry(t.Struct):
    """PublishEventLog entry (the number of entries is the high nibble of log_payload_control)."""

    log_id: t.enum8
    event_id: t.uint16_t
    event_time: t.UTCTime
    event_data: t.LVBytes


class DebtEntry(t.Struct):
    collection_time: t.UTCTime
    amount_collected: t.uint32_t
    debt_type: t.enum8
    outstanding_debt: t.uint32_t


def attribute_defs(base: type[BaseAttributeDefs], *groups: dict[str, tuple[int, Any]]) -> Any:
    """An `AttributeDefs` class from name -> (id, type) tables, keeping `base`'s attributes.

    Tables rather than one class attribute per line because several SE attribute sets are long
    regular series (48 tier labels, 256 block prices) best generated from their pattern. Typed
    `Any`: zigpy types each cluster's `AttributeDefs` as that cluster's own class, which a class
    made here cannot name.
    """
    namespace = {
        name: ZCLAttributeDef(id=t.uint16_t(attr_id), type=attr_type, access=ZCLAttributeAccess.Read)
        for group in groups
        for name, (attr_id, attr_type) in group.items()
    }
    return types.new_class("AttributeDefs", (base,), exec_body=lambda ns: ns.update(namespace))


def command_defs(table: dict[str, tuple[int, dict[str, Any]]]) -> Any:
    """A `*CommandDefs` class from a name -> (command id, schema) table (typed `Any` as `_attributes`)."""
    namespace = {
        name: ZCLCommandDef(id=t.uint8_t(command_id), schema=schema)  # type: ignore[arg-type]  # zigpy makes a dict schema its CommandSchema
        for name, (command_id, schema) in table.items()
    }
    return types.new_class("CommandDefs", (BaseCommandDefs,), exec_body=lambda ns: ns.update(namespace))


GLOBAL_ATTRIBUTES: dict[str, tuple[int, Any]] = {
    "cluster_revision": (foundation.ZCL_CLUSTER_REVISION_ATTR.id, foundation.ZCL_CLUSTER_REVISION_ATTR.type),
    "reporting_status": (foundation.ZCL_REPORTING_STATUS_ATTR.id, foundation.ZCL_REPORTING_STATUS_ATTR.type),
}

# Field groups that recur across SE commands.
EVENT_FIELDS = {"provider_id": t.uint32_t, "issuer_event_id": t.uint32_t}
GET_SINCE_FIELDS = {
    "earliest_start_time": t.UTCTime,
    "min_issuer_event_id": t.uint32_t,
    "number_of_commands": t.uint8_t,
}
PAGED_FIELDS = {"command_index": t.uint8_t, "total_number_of_commands": t.uint8_t}
TUNNEL_FIELDS = {"tunnel_id": t.uint16_t}
