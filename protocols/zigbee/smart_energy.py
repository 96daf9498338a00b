"""The GB Smart Energy cluster definitions zigpy leaves empty, added to zigpy's own cluster classes.

zigpy 2.4 declares Price, Messaging, Tunneling, Prepayment, Calendar, Device Management and Events
as placeholders (cluster ID only) and has no Sub-GHz cluster (radio.md 5.8). GB traffic needs
them: GBCS rides in Tunneling (radio.md 5.6), the IHD reads Price and Prepayment, the CHF sends
Messaging, Calendar and Device Management, the DBCH drives Sub-GHz. So that there is still ONE
table, we subclass zigpy's classes in place: zigpy's `Cluster.__init_subclass__` registers each
subclass under its cluster ID, so `Cluster.from_id`, endpoints, `ZigbeePacket` decoding and the
`cluster.<command>(...)` API all see these definitions once this module is imported (the package
`protocols.zigbee` imports it). Nothing else is registered or patched.

Command IDs and names and attribute IDs and names follow Wireshark 4.0.17's SE tables
(`tshark -G values`: `zbee_zcl_se.*.cmd.srv_rx.id` / `srv_tx.id` / `attr_id`), which our tests
compare against; payload layouts are those of ZigBee SE 1.4 as Wireshark's packet-zbee-zcl-se.c
dissects them, which the tests check by running tshark on frames zigpy builds from these schemas.
Where the RTDS corpus (DCC's GBCS test messages) disagrees with Wireshark, the corpus decides:
ChangeDebt's balance percentage is 2 octets (SE 1.4 says so too; Wireshark 4.0.17 reads 1).
This is also the table the GBCS decoder names GBZ payloads from (`protocols.gbcs.payload.zcl_table`).
In zigpy's terms `ServerCommandDefs` are client->server commands and `ClientCommandDefs`
server->client. Where SE uses one name in both directions (Tunneling's TransferData and friends)
the server->client one gets a `_to_client` suffix, because zigpy looks commands up by name.

Enumerated fields are `t.enum8` (unknown values survive a round trip) unless GB relies on the
values, as for the tunnel protocol and statuses below.
"""

from __future__ import annotations

import types
from typing import Any, Final

import zigpy.types as t
from zigpy.zcl import Cluster, foundation
from zigpy.zcl.clusters import smartenergy
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


def _attributes(base: type[BaseAttributeDefs], *groups: dict[str, tuple[int, Any]]) -> Any:
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


def _commands(table: dict[str, tuple[int, dict[str, Any]]]) -> Any:
    """A `*CommandDefs` class from a name -> (command id, schema) table (typed `Any` as `_attributes`)."""
    namespace = {
        name: ZCLCommandDef(id=t.uint8_t(command_id), schema=schema)  # type: ignore[arg-type]  # zigpy makes a dict schema its CommandSchema
        for name, (command_id, schema) in table.items()
    }
    return types.new_class("CommandDefs", (BaseCommandDefs,), exec_body=lambda ns: ns.update(namespace))


_GLOBALS: dict[str, tuple[int, Any]] = {
    "cluster_revision": (foundation.ZCL_CLUSTER_REVISION_ATTR.id, foundation.ZCL_CLUSTER_REVISION_ATTR.type),
    "reporting_status": (foundation.ZCL_REPORTING_STATUS_ATTR.id, foundation.ZCL_REPORTING_STATUS_ATTR.type),
}

# Field groups that recur across SE commands.
_EVENT = {"provider_id": t.uint32_t, "issuer_event_id": t.uint32_t}
_GET_SINCE = {"earliest_start_time": t.UTCTime, "min_issuer_event_id": t.uint32_t, "number_of_commands": t.uint8_t}
_PAGED = {"command_index": t.uint8_t, "total_number_of_commands": t.uint8_t}
_TUNNEL = {"tunnel_id": t.uint16_t}


# --- Tunneling 0x0704 (radio.md 5.6) -------------------------------------------------------------

_TUNNEL_COMMON: dict[str, tuple[int, dict[str, Any]]] = {
    "transfer_data": (0x02, {**_TUNNEL, "data": t.Bytes}),
    "transfer_data_error": (0x03, {**_TUNNEL, "transfer_data_status": TransferDataStatus}),
    "ack_transfer_data": (0x04, {**_TUNNEL, "num_bytes_left": t.uint16_t}),
    "ready_data": (0x05, {**_TUNNEL, "num_octets_left": t.uint16_t}),
}


class Tunneling(smartenergy.Tunneling):
    """Tunneling: GBCS (protocol GB_HRGP) between the CHF/GPF and the meters."""

    AttributeDefs = _attributes(BaseAttributeDefs, _GLOBALS, {"close_tunnel_timeout": (0x0000, t.uint16_t)})
    ServerCommandDefs = _commands(
        {
            "request_tunnel": (
                0x00,
                {
                    "protocol_id": TunnelProtocol,
                    "manufacturer_code": t.uint16_t,
                    "flow_control_support": t.Bool,
                    "max_incoming_transfer_size": t.uint16_t,
                },
            ),
            "close_tunnel": (0x01, _TUNNEL),
            **_TUNNEL_COMMON,
            "get_supported_tunnel_protocols": (0x06, {"protocol_offset": t.uint8_t}),
        }
    )
    ClientCommandDefs = _commands(
        {
            "request_tunnel_response": (
                0x00,
                {**_TUNNEL, "tunnel_status": TunnelStatus, "max_incoming_transfer_size": t.uint16_t},
            ),
            **{f"{name}_to_client": (command_id - 1, schema) for name, (command_id, schema) in _TUNNEL_COMMON.items()},
            "supported_tunnel_protocols_response": (
                0x05,
                {
                    "protocol_list_complete": t.Bool,
                    "protocol_count": t.uint8_t,
                    "protocol_list": t.List[SupportedProtocol],
                },
            ),
            "tunnel_closure_notification": (0x06, _TUNNEL),
        }
    )


# --- Price 0x0700 --------------------------------------------------------------------------------

_PRICE_ATTRIBUTES: dict[str, tuple[int, Any]] = {
    **{f"tier_{n}_price_label": (n - 1, t.LVBytes) for n in range(1, 49)},
    **{f"block_{n}_threshold": (0x0100 + n - 1, t.uint48_t) for n in range(1, 16)},
    "block_threshold_count": (0x010F, t.uint8_t),
    "start_of_block_period": (0x0200, t.UTCTime),
    "block_period_duration": (0x0201, t.uint24_t),
    "threshold_multiplier": (0x0202, t.uint24_t),
    "threshold_divisor": (0x0203, t.uint24_t),
    "block_period_duration_type": (0x0204, t.bitmap8),
    "commodity_type": (0x0300, t.enum8),
    "standing_charge": (0x0301, t.uint32_t),
    "conversion_factor": (0x0302, t.uint32_t),
    "conversion_factor_trailing_digit": (0x0303, t.bitmap8),
    "calorific_value": (0x0304, t.uint32_t),
    "calorific_value_unit": (0x0305, t.enum8),
    "calorific_value_trailing_digit": (0x0306, t.bitmap8),
    **{f"no_tier_block_{b}_price": (0x0400 + b - 1, t.uint32_t) for b in range(1, 17)},
    **{f"tier_{n}_block_{b}_price": (0x0400 + 16 * n + b - 1, t.uint32_t) for n in range(1, 16) for b in range(1, 17)},
    "tariff_label": (0x0610, t.LVBytes),
    "number_of_price_tiers_in_use": (0x0611, t.uint8_t),
    "number_of_block_thresholds_in_use": (0x0612, t.uint8_t),
    "tier_block_mode": (0x0613, t.enum8),
    "unit_of_measure": (0x0615, t.enum8),
    "currency": (0x0616, t.uint16_t),
    "price_trailing_digit": (0x0617, t.bitmap8),
    "tariff_resolution_period": (0x0619, t.enum8),
    "co2": (0x0620, t.uint32_t),
    "co2_unit": (0x0621, t.enum8),
    "co2_trailing_digit": (0x0622, t.bitmap8),
}

_GET_TARIFF_SINCE = {**_GET_SINCE, "tariff_type": t.bitmap8}
_BILLING_PERIOD = {
    **_EVENT,
    "billing_period_start_time": t.UTCTime,
    "billing_period_duration": t.uint24_t,
    "billing_period_duration_type": t.bitmap8,
    "tariff_type": t.bitmap8,
}
_TARIFF_PAGE = {
    **_EVENT,
    "start_time": t.UTCTime,
    "issuer_tariff_id": t.uint32_t,
    **_PAGED,
    "sub_payload_control": t.bitmap8,
}


class Price(smartenergy.Price):
    """Price: tariffs, block thresholds, conversion factor and calorific value (GB gas), CO2."""

    AttributeDefs = _attributes(BaseAttributeDefs, _GLOBALS, _PRICE_ATTRIBUTES)
    ServerCommandDefs = _commands(
        {
            "get_current_price": (0x00, {"command_options": t.bitmap8}),
            "get_scheduled_prices": (0x01, {"start_time": t.UTCTime, "number_of_events": t.uint8_t}),
            "price_acknowledgement": (0x02, {**_EVENT, "price_ack_time": t.UTCTime, "control": t.bitmap8}),
            "get_block_periods": (
                0x03,
                {"start_time": t.UTCTime, "number_of_events": t.uint8_t, "tariff_type?": t.bitmap8},
            ),
            "get_conversion_factor": (0x04, _GET_SINCE),
            "get_calorific_value": (0x05, _GET_SINCE),
            "get_tariff_information": (0x06, _GET_TARIFF_SINCE),
            "get_price_matrix": (0x07, {"issuer_tariff_id": t.uint32_t}),
            "get_block_thresholds": (0x08, {"issuer_tariff_id": t.uint32_t}),
            "get_co2_value": (0x09, _GET_TARIFF_SINCE),
            "get_tier_labels": (0x0A, {"issuer_tariff_id": t.uint32_t}),
            "get_billing_period": (0x0B, _GET_TARIFF_SINCE),
            "get_consolidated_bill": (0x0C, _GET_TARIFF_SINCE),
            "cpp_event_response": (0x0D, {"issuer_event_id": t.uint32_t, "cpp_auth": t.enum8}),
            "get_credit_payment": (0x0E, {"latest_end_time": t.UTCTime, "number_of_records": t.uint8_t}),
            "get_currency_conversion": (0x0F, {}),
            "get_tariff_cancellation": (0x10, {}),
        }
    )
    ClientCommandDefs = _commands(
        {
            "publish_price": (
                0x00,
                {
                    "provider_id": t.uint32_t,
                    "rate_label": t.LVBytes,
                    "issuer_event_id": t.uint32_t,
                    "current_time": t.UTCTime,
                    "unit_of_measure": t.enum8,
                    "currency": t.uint16_t,
                    "price_trailing_digit_and_price_tier": t.uint8_t,
                    "number_of_price_tiers_and_register_tier": t.uint8_t,
                    "start_time": t.UTCTime,
                    "duration_in_minutes": t.uint16_t,
                    "price": t.uint32_t,
                    "price_ratio?": t.uint8_t,
                    "generation_price?": t.uint32_t,
                    "generation_price_ratio?": t.uint8_t,
                    "alternate_cost_delivered?": t.uint32_t,
                    "alternate_cost_unit?": t.enum8,
                    "alternate_cost_trailing_digit?": t.bitmap8,
                    "number_of_block_thresholds?": t.uint8_t,
                    "price_control?": t.bitmap8,
                    "number_of_generation_tiers?": t.uint8_t,
                    "generation_tier?": t.uint8_t,
                    "extended_number_of_price_tiers?": t.uint8_t,
                    "extended_price_tier?": t.uint8_t,
                    "extended_register_tier?": t.uint8_t,
                },
            ),
            "publish_block_period": (
                0x01,
                {
                    **_EVENT,
                    "block_period_start_time": t.UTCTime,
                    "block_period_duration": t.uint24_t,
                    "block_period_control": t.bitmap8,
                    "block_period_duration_type": t.bitmap8,
                    "tariff_type": t.bitmap8,
                    "tariff_resolution_period": t.enum8,
                },
            ),
            "publish_conversion_factor": (
                0x02,
                {
                    "issuer_event_id": t.uint32_t,
                    "start_time": t.UTCTime,
                    "conversion_factor": t.uint32_t,
                    "conversion_factor_trailing_digit": t.bitmap8,
                },
            ),
            "publish_calorific_value": (
                0x03,
                {
                    "issuer_event_id": t.uint32_t,
                    "start_time": t.UTCTime,
                    "calorific_value": t.uint32_t,
                    "calorific_value_unit": t.enum8,
                    "calorific_value_trailing_digit": t.bitmap8,
                },
            ),
            "publish_tariff_information": (
                0x04,
                {
                    **_EVENT,
                    "issuer_tariff_id": t.uint32_t,
                    "start_time": t.UTCTime,
                    "tariff_type_charging_scheme": t.bitmap8,
                    "tariff_label": t.LVBytes,
                    "number_of_price_tiers_in_use": t.uint8_t,
                    "number_of_block_thresholds_in_use": t.uint8_t,
                    "unit_of_measure": t.enum8,
                    "currency": t.uint16_t,
                    "price_trailing_digit": t.bitmap8,
                    "standing_charge": t.uint32_t,
                    "tier_block_mode": t.enum8,
                    "block_threshold_multiplier": t.uint24_t,
                    "block_threshold_divisor": t.uint24_t,
                },
            ),
            # Price matrix / block thresholds sub-payloads depend on sub_payload_control: opaque.
            "publish_price_matrix": (0x05, {**_TARIFF_PAGE, "payload": t.Bytes}),
            "publish_block_thresholds": (0x06, {**_TARIFF_PAGE, "payload": t.Bytes}),
            "publish_co2_value": (
                0x07,
                {
                    **_EVENT,
                    "start_time": t.UTCTime,
                    "tariff_type": t.enum8,
                    "co2_value": t.uint32_t,
                    "co2_value_unit": t.enum8,
                    "co2_value_trailing_digit": t.bitmap8,
                },
            ),
            "publish_tier_labels": (
                0x08,
                {
                    **_EVENT,
                    "issuer_tariff_id": t.uint32_t,
                    **_PAGED,
                    "number_of_labels": t.uint8_t,
                    "tier_labels": t.List[TierLabel],
                },
            ),
            "publish_billing_period": (0x09, _BILLING_PERIOD),
            "publish_consolidated_bill": (
                0x0A,
                {
                    **_BILLING_PERIOD,
                    "consolidated_bill": t.uint32_t,
                    "currency": t.uint16_t,
                    "bill_trailing_digit": t.bitmap8,
                },
            ),
            "publish_cpp_event": (
                0x0B,
                {
                    **_EVENT,
                    "start_time": t.UTCTime,
                    "duration_in_minutes": t.uint16_t,
                    "tariff_type": t.bitmap8,
                    "cpp_price_tier": t.uint8_t,
                    "cpp_auth": t.enum8,
                },
            ),
            "publish_credit_payment": (
                0x0C,
                {
                    **_EVENT,
                    "credit_payment_due_date": t.UTCTime,
                    "credit_payment_overdue_amount": t.uint32_t,
                    "credit_payment_status": t.enum8,
                    "credit_payment": t.uint32_t,
                    "credit_payment_date": t.UTCTime,
                    "credit_payment_ref": t.LVBytes,
                },
            ),
            "publish_currency_conversion": (
                0x0D,
                {
                    **_EVENT,
                    "start_time": t.UTCTime,
                    "old_currency": t.uint16_t,
                    "new_currency": t.uint16_t,
                    "conversion_factor": t.uint32_t,
                    "conversion_factor_trailing_digit": t.bitmap8,
                    "currency_change_control_flags": t.bitmap32,
                },
            ),
            "cancel_tariff": (
                0x0E,
                {"provider_id": t.uint32_t, "issuer_tariff_id": t.uint32_t, "tariff_type": t.bitmap8},
            ),
        }
    )


# --- Messaging 0x0703 ----------------------------------------------------------------------------

_DISPLAY_MESSAGE = {
    "message_id": t.uint32_t,
    "message_control": t.bitmap8,
    "start_time": t.UTCTime,
    "duration_in_minutes": t.uint16_t,
    "message": t.CharacterString,
    "extended_message_control?": t.bitmap8,
}


class Messaging(smartenergy.Messaging):
    """Messaging: text for the IHD (GB uses it for supplier messages)."""

    AttributeDefs = _attributes(BaseAttributeDefs, _GLOBALS)
    ServerCommandDefs = _commands(
        {
            "get_last_message": (0x00, {}),
            "message_confirmation": (
                0x01,
                {
                    "message_id": t.uint32_t,
                    "confirmation_time": t.UTCTime,
                    "message_confirmation_control?": t.bitmap8,
                    "message_response?": t.LVBytes,
                },
            ),
            "get_message_cancellation": (0x02, {"earliest_implementation_time": t.UTCTime}),
        }
    )
    ClientCommandDefs = _commands(
        {
            "display_message": (0x00, _DISPLAY_MESSAGE),
            "cancel_message": (0x01, {"message_id": t.uint32_t, "message_control": t.bitmap8}),
            "display_protected_message": (0x02, _DISPLAY_MESSAGE),
            "cancel_all_messages": (0x03, {"implementation_date_time": t.UTCTime}),
        }
    )


# --- Prepayment 0x0705 ---------------------------------------------------------------------------

_HISTORY = [
    ("current_day", 0x051C),
    *((f"previous_day{'' if n == 1 else f'_{n}'}", 0x051C + 2 * n) for n in range(1, 9)),
]
_HISTORY += [
    ("current_week", 0x0530),
    *((f"previous_week{'' if n == 1 else f'_{n}'}", 0x0530 + 2 * n) for n in range(1, 6)),
]
_HISTORY += [
    ("current_month", 0x0540),
    *((f"previous_month{'' if n == 1 else f'_{n}'}", 0x0540 + 2 * n) for n in range(1, 14)),
]

_PREPAYMENT_ATTRIBUTES: dict[str, tuple[int, Any]] = {
    "payment_control_configuration": (0x0000, t.bitmap16),
    "credit_remaining": (0x0001, t.int32s),
    "emergency_credit_remaining": (0x0002, t.int32s),
    "credit_status": (0x0003, t.bitmap8),
    "credit_remaining_timestamp": (0x0004, t.UTCTime),
    "accumulated_debt": (0x0005, t.int32s),
    "overall_debt_cap": (0x0006, t.int32s),
    "emergency_credit_limit_allowance": (0x0010, t.uint32_t),
    "emergency_credit_threshold": (0x0011, t.uint32_t),
    "total_credit_added": (0x0020, t.uint48_t),
    "max_credit_limit": (0x0021, t.uint32_t),
    "max_credit_per_top_up": (0x0022, t.uint32_t),
    "friendly_credit_warning": (0x0030, t.uint8_t),
    "low_credit_warning": (0x0031, t.uint32_t),
    "ihd_low_credit_warning": (0x0032, t.uint32_t),
    "interrupt_suspend_time": (0x0033, t.uint8_t),
    "remaining_friendly_credit_time": (0x0034, t.uint16_t),
    "next_friendly_credit_period": (0x0035, t.UTCTime),
    "cut_off_value": (0x0040, t.int32s),
    "token_carrier_id": (0x0080, t.LVBytes),
    **{
        name: (0x0100 + 0x10 * (n - 1) + offset, kind)
        for n in range(1, 6)
        for name, offset, kind in (
            (f"top_up_date_time_{n}", 0, t.UTCTime),
            (f"top_up_amount_{n}", 1, t.int32s),
            (f"originating_device_{n}", 2, t.enum8),
            (f"top_up_code_{n}", 3, t.LVBytes),
        )
    },
    **{
        name: (0x0210 + 0x10 * (n - 1) + offset, kind)
        for n in range(1, 4)
        for name, offset, kind in (
            (f"debt_label_{n}", 0, t.LVBytes),
            (f"debt_amount_{n}", 1, t.uint32_t),
            (f"debt_recovery_method_{n}", 2, t.enum8),
            (f"debt_recovery_start_time_{n}", 3, t.UTCTime),
            (f"debt_recovery_collection_time_{n}", 4, t.uint16_t),
            (f"debt_recovery_frequency_{n}", 6, t.enum8),
            (f"debt_recovery_amount_{n}", 7, t.uint32_t),
            (f"debt_recovery_top_up_percentage_{n}", 9, t.uint16_t),
        )
    },
    "prepayment_alarm_status": (0x0400, t.bitmap16),
    "prepay_generic_alarm_mask": (0x0401, t.bitmap16),
    "prepay_switch_alarm_mask": (0x0402, t.bitmap16),
    "prepay_event_alarm_mask": (0x0403, t.bitmap16),
    "historical_cost_consumption_formatting": (0x0500, t.bitmap8),
    "consumption_unit_of_measurement": (0x0501, t.enum8),
    "currency_scaling_factor": (0x0502, t.enum8),
    "currency": (0x0503, t.uint16_t),
    **{
        f"{period}_cost_consumption_{way}": (attr_id + index, t.uint48_t)
        for period, attr_id in _HISTORY
        for index, way in enumerate(("delivered", "received"))
    },
    "historical_freeze_time": (0x055C, t.uint16_t),
}

_IMPLEMENTED_AT = {**_EVENT, "implementation_date_time": t.UTCTime}


class Prepayment(smartenergy.Prepayment):
    """Prepayment: credit, debt and top-ups on a pay-as-you-go meter."""

    AttributeDefs = _attributes(BaseAttributeDefs, _GLOBALS, _PREPAYMENT_ATTRIBUTES)
    ServerCommandDefs = _commands(
        {
            "select_available_emergency_credit": (
                0x00,
                {"command_issue_date_time": t.UTCTime, "originating_device": t.enum8},
            ),
            "change_debt": (
                0x02,
                {
                    "issuer_event_id": t.uint32_t,
                    "debt_label": t.LVBytes,
                    "debt_amount": t.uint32_t,
                    "debt_recovery_method": t.enum8,
                    "debt_amount_type": t.enum8,
                    "debt_recovery_start_time": t.UTCTime,
                    "debt_recovery_collection_time": t.uint16_t,
                    "debt_recovery_frequency": t.enum8,
                    "debt_recovery_amount": t.uint32_t,
                    # SE 1.4 D.7.2.3.3 and every RTDS ChangeDebt (GCS04): 2 octets; Wireshark 4.0.17 reads 1
                    "debt_recovery_balance_percentage": t.uint16_t,
                },
            ),
            "emergency_credit_setup": (
                0x03,
                {
                    "issuer_event_id": t.uint32_t,
                    "start_time": t.UTCTime,
                    "emergency_credit_limit": t.uint32_t,
                    "emergency_credit_threshold": t.uint32_t,
                },
            ),
            "consumer_top_up": (0x04, {"originating_device": t.enum8, "top_up_code": t.LVBytes}),
            "credit_adjustment": (
                0x05,
                {
                    "issuer_event_id": t.uint32_t,
                    "start_time": t.UTCTime,
                    "credit_adjustment_type": t.enum8,
                    "credit_adjustment_value": t.int32s,
                },
            ),
            "change_payment_mode": (
                0x06,
                {**_IMPLEMENTED_AT, "proposed_payment_control_configuration": t.bitmap16, "cut_off_value": t.int32s},
            ),
            "get_prepay_snapshot": (
                0x07,
                {
                    "earliest_start_time": t.UTCTime,
                    "latest_end_time": t.UTCTime,
                    "snapshot_offset": t.uint8_t,
                    "snapshot_cause": t.bitmap32,
                },
            ),
            "get_top_up_log": (0x08, {"latest_end_time": t.UTCTime, "number_of_records": t.uint8_t}),
            "set_low_credit_warning_level": (0x09, {"low_credit_warning_level": t.uint32_t}),
            "get_debt_repayment_log": (
                0x0A,
                {"latest_end_time": t.UTCTime, "number_of_debts": t.uint8_t, "debt_type": t.enum8},
            ),
            "set_maximum_credit_limit": (
                0x0B,
                {**_IMPLEMENTED_AT, "maximum_credit_level": t.uint32_t, "maximum_credit_per_top_up": t.uint32_t},
            ),
            "set_overall_debt_cap": (0x0C, {**_IMPLEMENTED_AT, "overall_debt_cap": t.int32s}),
        }
    )
    ClientCommandDefs = _commands(
        {
            "publish_prepay_snapshot": (
                0x01,
                {
                    "snapshot_id": t.uint32_t,
                    "snapshot_time": t.UTCTime,
                    "total_snapshots_found": t.uint8_t,
                    **_PAGED,
                    "snapshot_cause": t.bitmap32,
                    "snapshot_payload_type": t.enum8,
                    "snapshot_payload": t.Bytes,  # layout depends on snapshot_payload_type
                },
            ),
            "change_payment_mode_response": (
                0x02,
                {
                    "friendly_credit": t.bitmap8,
                    "friendly_credit_calendar_id": t.uint32_t,
                    "emergency_credit_limit": t.uint32_t,
                    "emergency_credit_threshold": t.uint32_t,
                },
            ),
            "consumer_top_up_response": (
                0x03,
                {
                    "result_type": t.enum8,
                    "top_up_value": t.int32s,
                    "source_of_top_up": t.enum8,
                    "credit_remaining": t.int32s,
                },
            ),
            "publish_top_up_log": (0x05, {**_PAGED, "top_up_payload": t.List[TopUpEntry]}),
            "publish_debt_log": (0x06, {**_PAGED, "debt_payload": t.List[DebtEntry]}),
        }
    )


# --- Calendar 0x0707 -----------------------------------------------------------------------------

_CALENDAR = {**_EVENT, "issuer_calendar_id": t.uint32_t}


class Calendar(smartenergy.Calendar):
    """Calendar: time-of-use seasons, week and day profiles, special days."""

    AttributeDefs = _attributes(
        BaseAttributeDefs, _GLOBALS, {f"aux_switch_{n}_label": (n - 1, t.LVBytes) for n in range(1, 9)}
    )
    ServerCommandDefs = _commands(
        {
            "get_calendar": (
                0x00,
                {
                    "earliest_start_time": t.UTCTime,
                    "min_issuer_event_id": t.uint32_t,
                    "number_of_calendars": t.uint8_t,
                    "calendar_type": t.enum8,
                    "provider_id": t.uint32_t,
                },
            ),
            "get_day_profiles": (
                0x01,
                {
                    "provider_id": t.uint32_t,
                    "issuer_calendar_id": t.uint32_t,
                    "start_day_id": t.uint8_t,
                    "number_of_days": t.uint8_t,
                },
            ),
            "get_week_profiles": (
                0x02,
                {
                    "provider_id": t.uint32_t,
                    "issuer_calendar_id": t.uint32_t,
                    "start_week_id": t.uint8_t,
                    "number_of_weeks": t.uint8_t,
                },
            ),
            "get_seasons": (0x03, {"provider_id": t.uint32_t, "issuer_calendar_id": t.uint32_t}),
            "get_special_days": (
                0x04,
                {
                    "start_time": t.UTCTime,
                    "number_of_events": t.uint8_t,
                    "calendar_type": t.enum8,
                    "provider_id": t.uint32_t,
                    "issuer_calendar_id": t.uint32_t,
                },
            ),
            "get_calendar_cancellation": (0x05, {}),
        }
    )
    ClientCommandDefs = _commands(
        {
            "publish_calendar": (
                0x00,
                {
                    **_CALENDAR,
                    "start_time": t.UTCTime,
                    "calendar_type": t.enum8,
                    "calendar_time_reference": t.enum8,
                    "calendar_name": t.LVBytes,
                    "number_of_seasons": t.uint8_t,
                    "number_of_week_profiles": t.uint8_t,
                    "number_of_day_profiles": t.uint8_t,
                },
            ),
            "publish_day_profile": (
                0x01,
                {
                    **_CALENDAR,
                    "day_id": t.uint8_t,
                    "total_number_of_schedule_entries": t.uint8_t,
                    **_PAGED,
                    "calendar_type": t.enum8,
                    "day_schedule_entries": t.List[ScheduleEntry],
                },
            ),
            "publish_week_profile": (
                0x02,
                {
                    **_CALENDAR,
                    "week_id": t.uint8_t,
                    **{
                        f"day_id_ref_{day}": t.uint8_t
                        for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
                    },
                },
            ),
            "publish_seasons": (0x03, {**_CALENDAR, **_PAGED, "season_entries": t.List[SeasonEntry]}),
            "publish_special_days": (
                0x04,
                {
                    **_CALENDAR,
                    "start_time": t.UTCTime,
                    "calendar_type": t.enum8,
                    "total_number_of_special_days": t.uint8_t,
                    **_PAGED,
                    "special_day_entries": t.List[SpecialDayEntry],
                },
            ),
            "cancel_calendar": (
                0x05,
                {"provider_id": t.uint32_t, "issuer_calendar_id": t.uint32_t, "calendar_type": t.enum8},
            ),
        }
    )


# --- Device Management 0x0708 --------------------------------------------------------------------

_PROVIDER = {
    "provider_id": (0, t.uint32_t),
    "provider_name": (1, t.LVBytes),
    "provider_contact_details": (2, t.LVBytes),
}
_PROPOSED = {
    "proposed_provider_id": (0, t.uint32_t),
    "proposed_provider_name": (1, t.LVBytes),
    "proposed_provider_change_date_time": (2, t.UTCTime),
    "proposed_provider_change_control": (3, t.bitmap32),
    "proposed_provider_contact_details": (4, t.LVBytes),
}


class DeviceManagement(smartenergy.DeviceManagement):
    """Device Management: change of tenancy/supplier, site ID, CIN, event configuration."""

    AttributeDefs = _attributes(
        BaseAttributeDefs,
        _GLOBALS,
        {name: (0x0100 + offset, kind) for name, (offset, kind) in _PROVIDER.items()},
        {name: (0x0110 + offset, kind) for name, (offset, kind) in _PROPOSED.items()},
        {f"received_{name}": (0x0120 + offset, kind) for name, (offset, kind) in _PROVIDER.items()},
        {f"received_{name}": (0x0130 + offset, kind) for name, (offset, kind) in _PROPOSED.items()},
        {
            "change_of_tenancy_update_date_time": (0x0200, t.UTCTime),
            "proposed_tenancy_change_control": (0x0201, t.bitmap32),
            "wan_status": (0x0300, t.enum8),
            "low_medium_threshold": (0x0400, t.enum8),
            "medium_high_threshold": (0x0401, t.enum8),
        },
    )
    ServerCommandDefs = _commands(
        {
            "get_change_of_tenancy": (0x00, {}),
            "get_change_of_supplier": (0x01, {}),
            "request_new_password": (0x02, {"password_type": t.enum8}),
            "get_site_id": (0x03, {}),
            "report_event_configuration": (
                0x04,
                {**_PAGED, "event_configuration_payload": t.List[EventConfigurationEntry]},
            ),
            "get_cin": (0x05, {}),
        }
    )
    ClientCommandDefs = _commands(
        {
            "publish_change_of_tenancy": (
                0x00,
                {
                    **_EVENT,
                    "tariff_type": t.bitmap8,
                    "implementation_date_time": t.UTCTime,
                    "proposed_tenancy_change_control": t.bitmap32,
                },
            ),
            "publish_change_of_supplier": (
                0x01,
                {
                    "current_provider_id": t.uint32_t,
                    "issuer_event_id": t.uint32_t,
                    "tariff_type": t.bitmap8,
                    "proposed_provider_id": t.uint32_t,
                    "provider_change_implementation_time": t.UTCTime,
                    "provider_change_control": t.bitmap32,
                    "proposed_provider_name": t.LVBytes,
                    "proposed_provider_contact_details": t.LVBytes,
                },
            ),
            "request_new_password_response": (
                0x02,
                {
                    "issuer_event_id": t.uint32_t,
                    "implementation_date_time": t.UTCTime,
                    "duration_in_minutes": t.uint16_t,
                    "password_type": t.enum8,
                    "password": t.LVBytes,
                },
            ),
            "update_site_id": (
                0x03,
                {
                    "issuer_event_id": t.uint32_t,
                    "site_id_time": t.UTCTime,
                    "provider_id": t.uint32_t,
                    "site_id": t.LVBytes,
                },
            ),
            "set_event_configuration": (
                0x04,
                {
                    "issuer_event_id": t.uint32_t,
                    "start_date_time": t.UTCTime,
                    "event_configuration": t.bitmap8,
                    "configuration_control": t.enum8,
                    "event_configuration_payload": t.Bytes,  # layout depends on configuration_control
                },
            ),
            "get_event_configuration": (0x05, {"event_id": t.uint16_t}),
            "update_cin": (
                0x06,
                {
                    "issuer_event_id": t.uint32_t,
                    "cin_implementation_time": t.UTCTime,
                    "provider_id": t.uint32_t,
                    "customer_id_number": t.LVBytes,
                },
            ),
        }
    )


# --- Events 0x0709 -------------------------------------------------------------------------------


class Events(smartenergy.Events):
    """Events: the meters' event logs."""

    AttributeDefs = _attributes(BaseAttributeDefs, _GLOBALS)
    ServerCommandDefs = _commands(
        {
            "get_event_log": (
                0x00,
                {
                    "event_control_log_id": t.bitmap8,  # event control (high nibble) | log ID (low nibble)
                    "event_id": t.uint16_t,
                    "start_time": t.UTCTime,
                    "end_time": t.UTCTime,
                    "number_of_events": t.uint8_t,
                    "event_offset": t.uint16_t,
                },
            ),
            "clear_event_log_request": (0x01, {"log_id": t.enum8}),
        }
    )
    ClientCommandDefs = _commands(
        {
            "publish_event": (
                0x00,
                {
                    "log_id": t.enum8,
                    "event_id": t.uint16_t,
                    "event_time": t.UTCTime,
                    "event_control": t.bitmap8,
                    "event_data": t.LVBytes,
                },
            ),
            "publish_event_log": (
                0x01,
                {
                    "total_number_of_events": t.uint16_t,
                    **_PAGED,
                    "log_payload_control": t.bitmap8,
                    "log_payload": t.List[EventLogEntry],
                },
            ),
            "clear_event_log_response": (0x02, {"cleared_event_logs": t.bitmap8}),
        }
    )


# --- Sub-GHz 0x070B (absent from zigpy) ----------------------------------------------------------


class SubGhz(Cluster):
    """Sub-GHz: the hub tells 868 MHz devices to hold ZCL traffic when the duty cycle runs out."""

    cluster_id = t.uint16_t(SUB_GHZ_CLUSTER_ID)
    ep_attribute = "smartenergy_sub_ghz"

    AttributeDefs = _attributes(
        BaseAttributeDefs,
        _GLOBALS,
        {"channel_change": (0x0000, t.bitmap32)},
        {f"page_{page}_channel_mask": (0x0001 + page - 28, t.bitmap32) for page in range(28, 32)},
    )
    ServerCommandDefs = _commands({"get_suspend_zcl_messages_status": (0x00, {})})
    ClientCommandDefs = _commands({"suspend_zcl_messages": (0x00, {"period": t.uint8_t})})


#: The clusters this module defines, by cluster ID.
CLUSTERS: Final[dict[int, type[Cluster]]] = {
    cls.cluster_id: cls for cls in (Price, Messaging, Tunneling, Prepayment, Calendar, DeviceManagement, Events, SubGhz)
}
