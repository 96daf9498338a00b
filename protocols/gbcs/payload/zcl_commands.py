"""Smart Energy cluster commands that GBZ payloads carry but zigpy does not define.

zigpy (the project's one source of ZCL definitions) declares the Metering
cluster's commands, but declares the Price, Prepayment, Calendar, Device
Management and Events clusters without any commands. This table fills exactly
that gap, in zigpy's own form (`ZCLCommandDef` with a schema of zigpy types,
`name?` for optional trailing fields), so that the decoder treats both sources
alike and the entries could be upstreamed to zigpy unchanged. Layouts are those
of ZigBee Smart Energy 1.4 (ZigBee doc 07-5356); every entry used by RTDS was
checked to consume each corpus payload to its last byte (tests/protocols/gbcs).
`command()` prefers zigpy's definition whenever zigpy has one.
"""

from __future__ import annotations

import zigpy.types as t
from zigpy.zcl import Cluster
from zigpy.zcl.foundation import Direction, ZCLCommandDef

# ZigBee Smart Energy cluster ids used by GBZ whose commands zigpy lacks (gbcs.md 5.3).
PRICE, PREPAYMENT, CALENDAR, DEVICE_MANAGEMENT, EVENTS = 0x0700, 0x0705, 0x0707, 0x0708, 0x0709


class ScheduleEntry(t.Struct):
    """Calendar PublishDayProfile entry (rate switch time)."""

    start_time: t.uint16_t  #: minutes from midnight
    price_tier: t.uint8_t


class SeasonEntry(t.Struct):
    season_start_date: t.Date
    week_id_ref: t.uint8_t


class SpecialDayEntry(t.Struct):
    special_day_date: t.Date
    day_id_ref: t.uint8_t


class DebtLogRecord(t.Struct):
    collection_time: t.UTCTime
    amount_collected: t.uint32_t
    debt_type: t.enum8
    outstanding_debt: t.uint32_t


class EventLogRecord(t.Struct):
    log_id: t.enum8
    event_id: t.uint16_t
    event_time: t.UTCTime
    event_data: t.LVBytes


_C2S, _S2C = Direction.Client_to_Server, Direction.Server_to_Client


def _def(command_id: int, name: str, direction: Direction, schema: dict[str, type]) -> ZCLCommandDef:
    return ZCLCommandDef(id=command_id, name=name, schema=schema, direction=direction).with_compiled_schema()


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PUBLISH_HEADER = {"provider_id": t.uint32_t, "issuer_event_id": t.uint32_t, "issuer_calendar_id": t.uint32_t}

_TABLE: dict[tuple[int, Direction, int], ZCLCommandDef] = {
    (cluster, command.direction, command.id): command
    for cluster, command in (
        # Price (SE 1.4 D.4)
        (PRICE, _def(0x00, "get_current_price", _C2S, {"command_options": t.bitmap8})),
        (
            PRICE,
            _def(
                0x0B,
                "get_billing_period",
                _C2S,
                {
                    "earliest_start_time": t.UTCTime,
                    "min_issuer_event_id": t.uint32_t,
                    "number_of_commands": t.uint8_t,
                    "tariff_type": t.bitmap8,
                },
            ),
        ),
        (
            PRICE,
            _def(
                0x00,
                "publish_price",
                _S2C,
                {
                    "provider_id": t.uint32_t,
                    "rate_label": t.LVBytes,
                    "issuer_event_id": t.uint32_t,
                    "current_time": t.UTCTime,
                    "unit_of_measure": t.enum8,
                    "currency": t.uint16_t,
                    "price_trailing_digit_and_price_tier": t.bitmap8,
                    "number_of_price_tiers_and_register_tier": t.bitmap8,
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
                    "generation_tier?": t.bitmap8,
                    "extended_number_of_price_tiers?": t.uint8_t,
                    "extended_price_tier?": t.uint8_t,
                    "extended_register_tier?": t.uint8_t,
                },
            ),
        ),
        (
            PRICE,
            _def(
                0x01,
                "publish_block_period",
                _S2C,
                {
                    "provider_id": t.uint32_t,
                    "issuer_event_id": t.uint32_t,
                    "block_period_start_time": t.UTCTime,
                    "block_period_duration": t.uint24_t,
                    "block_period_control": t.bitmap8,
                    "block_period_duration_type": t.bitmap8,
                    "tariff_type": t.bitmap8,
                    "tariff_resolution_period": t.enum8,
                },
            ),
        ),
        (
            PRICE,
            _def(
                0x02,
                "publish_conversion_factor",
                _S2C,
                {
                    "issuer_event_id": t.uint32_t,
                    "start_time": t.UTCTime,
                    "conversion_factor": t.uint32_t,
                    "conversion_factor_trailing_digit": t.bitmap8,
                },
            ),
        ),
        (
            PRICE,
            _def(
                0x03,
                "publish_calorific_value",
                _S2C,
                {
                    "issuer_event_id": t.uint32_t,
                    "start_time": t.UTCTime,
                    "calorific_value": t.uint32_t,
                    "calorific_value_unit": t.enum8,
                    "calorific_value_trailing_digit": t.bitmap8,
                },
            ),
        ),
        (
            PRICE,
            _def(
                0x09,
                "publish_billing_period",
                _S2C,
                {
                    "provider_id": t.uint32_t,
                    "issuer_event_id": t.uint32_t,
                    "billing_period_start_time": t.UTCTime,
                    "billing_period_duration": t.uint24_t,
                    "billing_period_duration_type": t.bitmap8,
                    "tariff_type": t.bitmap8,
                },
            ),
        ),
        # Prepayment (SE 1.4 D.7)
        (
            PREPAYMENT,
            _def(
                0x00,
                "select_available_emergency_credit",
                _C2S,
                {"command_issue_date_time": t.UTCTime, "originating_device": t.enum8},
            ),
        ),
        (
            PREPAYMENT,
            _def(
                0x02,
                "change_debt",
                _C2S,
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
                    "debt_recovery_balance_percentage": t.uint16_t,
                },
            ),
        ),
        (
            PREPAYMENT,
            _def(
                0x03,
                "emergency_credit_setup",
                _C2S,
                {
                    "issuer_event_id": t.uint32_t,
                    "start_time": t.UTCTime,
                    "emergency_credit_limit": t.uint32_t,
                    "emergency_credit_threshold": t.uint32_t,
                },
            ),
        ),
        (PREPAYMENT, _def(0x04, "consumer_top_up", _C2S, {"originating_device": t.enum8, "top_up_code": t.LVBytes})),
        (
            PREPAYMENT,
            _def(
                0x05,
                "credit_adjustment",
                _C2S,
                {
                    "issuer_event_id": t.uint32_t,
                    "start_time": t.UTCTime,
                    "credit_adjustment_type": t.enum8,
                    "credit_adjustment_value": t.int32s,
                },
            ),
        ),
        (
            PREPAYMENT,
            _def(
                0x06,
                "change_payment_mode",
                _C2S,
                {
                    "provider_id": t.uint32_t,
                    "issuer_event_id": t.uint32_t,
                    "implementation_date_time": t.UTCTime,
                    "proposed_payment_control_configuration": t.bitmap16,
                    "cut_off_value": t.int32s,
                },
            ),
        ),
        (
            PREPAYMENT,
            _def(
                0x07,
                "get_prepay_snapshot",
                _C2S,
                {
                    "earliest_start_time": t.UTCTime,
                    "latest_end_time": t.UTCTime,
                    "snapshot_offset": t.uint8_t,
                    "snapshot_cause": t.bitmap32,
                },
            ),
        ),
        (PREPAYMENT, _def(0x09, "set_low_credit_warning_level", _C2S, {"low_credit_warning_level": t.uint32_t})),
        (
            PREPAYMENT,
            _def(
                0x0A,
                "get_debt_repayment_log",
                _C2S,
                {"latest_end_time": t.UTCTime, "number_of_debts": t.uint8_t, "debt_type": t.enum8},
            ),
        ),
        (
            PREPAYMENT,
            _def(
                0x0B,
                "set_maximum_credit_limit",
                _C2S,
                {
                    "provider_id": t.uint32_t,
                    "issuer_event_id": t.uint32_t,
                    "implementation_date_time": t.UTCTime,
                    "maximum_credit_level": t.uint32_t,
                    "maximum_credit_per_top_up": t.uint32_t,
                },
            ),
        ),
        (
            PREPAYMENT,
            _def(
                0x0C,
                "set_overall_debt_cap",
                _C2S,
                {
                    "provider_id": t.uint32_t,
                    "issuer_event_id": t.uint32_t,
                    "implementation_date_time": t.UTCTime,
                    "overall_debt_cap": t.int32s,
                },
            ),
        ),
        (
            PREPAYMENT,
            _def(
                0x01,
                "publish_prepay_snapshot",
                _S2C,
                {
                    "snapshot_id": t.uint32_t,
                    "snapshot_time": t.UTCTime,
                    "total_snapshots_found": t.uint8_t,
                    "command_index": t.uint8_t,
                    "total_number_of_commands": t.uint8_t,
                    "snapshot_cause": t.bitmap32,
                    "snapshot_payload_type": t.enum8,
                    "snapshot_payload": t.Bytes,
                },
            ),
        ),
        (
            PREPAYMENT,
            _def(
                0x02,
                "change_payment_mode_response",
                _S2C,
                {
                    "friendly_credit": t.bitmap8,
                    "friendly_credit_calendar_id": t.uint32_t,
                    "emergency_credit_limit": t.uint32_t,
                    "emergency_credit_threshold": t.uint32_t,
                },
            ),
        ),
        (
            PREPAYMENT,
            _def(
                0x03,
                "consumer_top_up_response",
                _S2C,
                {
                    "result_type": t.enum8,
                    "top_up_value": t.int32s,
                    "source_of_top_up": t.enum8,
                    "credit_remaining": t.int32s,
                },
            ),
        ),
        (
            PREPAYMENT,
            _def(
                0x06,
                "publish_debt_log",
                _S2C,
                {
                    "command_index": t.uint8_t,
                    "total_number_of_commands": t.uint8_t,
                    "debt_payload": t.List[DebtLogRecord],
                },
            ),
        ),
        # Calendar (SE 1.4 D.9)
        (
            CALENDAR,
            _def(
                0x01,
                "get_day_profiles",
                _C2S,
                {
                    "provider_id": t.uint32_t,
                    "issuer_calendar_id": t.uint32_t,
                    "start_day_id": t.uint8_t,
                    "number_of_days": t.uint8_t,
                },
            ),
        ),
        (
            CALENDAR,
            _def(
                0x02,
                "get_week_profiles",
                _C2S,
                {
                    "provider_id": t.uint32_t,
                    "issuer_calendar_id": t.uint32_t,
                    "start_week_id": t.uint8_t,
                    "number_of_weeks": t.uint8_t,
                },
            ),
        ),
        (CALENDAR, _def(0x03, "get_seasons", _C2S, {"provider_id": t.uint32_t, "issuer_calendar_id": t.uint32_t})),
        (
            CALENDAR,
            _def(
                0x04,
                "get_special_days",
                _C2S,
                {
                    "start_time": t.UTCTime,
                    "number_of_events": t.uint8_t,
                    "calendar_type": t.enum8,
                    "provider_id": t.uint32_t,
                    "issuer_calendar_id": t.uint32_t,
                },
            ),
        ),
        (
            CALENDAR,
            _def(
                0x00,
                "publish_calendar",
                _S2C,
                {
                    **_PUBLISH_HEADER,
                    "start_time": t.UTCTime,
                    "calendar_type": t.enum8,
                    "calendar_time_reference": t.enum8,
                    "calendar_name": t.LVBytes,
                    "number_of_seasons": t.uint8_t,
                    "number_of_week_profiles": t.uint8_t,
                    "number_of_day_profiles": t.uint8_t,
                },
            ),
        ),
        (
            CALENDAR,
            _def(
                0x01,
                "publish_day_profile",
                _S2C,
                {
                    **_PUBLISH_HEADER,
                    "day_id": t.uint8_t,
                    "total_number_of_schedule_entries": t.uint8_t,
                    "command_index": t.uint8_t,
                    "total_number_of_commands": t.uint8_t,
                    "calendar_type": t.enum8,
                    "day_schedule_entries": t.List[ScheduleEntry],
                },
            ),
        ),
        (
            CALENDAR,
            _def(
                0x02,
                "publish_week_profile",
                _S2C,
                {
                    **_PUBLISH_HEADER,
                    "week_id": t.uint8_t,
                    **{f"day_id_ref_{day}": t.uint8_t for day in _WEEKDAYS},
                },
            ),
        ),
        (
            CALENDAR,
            _def(
                0x03,
                "publish_seasons",
                _S2C,
                {
                    **_PUBLISH_HEADER,
                    "command_index": t.uint8_t,
                    "total_number_of_commands": t.uint8_t,
                    "season_entries": t.List[SeasonEntry],
                },
            ),
        ),
        (
            CALENDAR,
            _def(
                0x04,
                "publish_special_days",
                _S2C,
                {
                    **_PUBLISH_HEADER,
                    "start_time": t.UTCTime,
                    "calendar_type": t.enum8,
                    "total_number_of_special_days": t.uint8_t,
                    "command_index": t.uint8_t,
                    "total_number_of_commands": t.uint8_t,
                    "special_day_entries": t.List[SpecialDayEntry],
                },
            ),
        ),
        # Device Management (SE 1.4 D.10)
        (
            DEVICE_MANAGEMENT,
            _def(
                0x00,
                "publish_change_of_tenancy",
                _S2C,
                {
                    "provider_id": t.uint32_t,
                    "issuer_event_id": t.uint32_t,
                    "tariff_type": t.bitmap8,
                    "implementation_date_time": t.UTCTime,
                    "proposed_tenancy_change_control": t.bitmap32,
                },
            ),
        ),
        (
            DEVICE_MANAGEMENT,
            _def(
                0x01,
                "publish_change_of_supplier",
                _S2C,
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
        ),
        (
            DEVICE_MANAGEMENT,
            _def(
                0x04,
                "set_event_configuration",
                _S2C,
                {
                    "issuer_event_id": t.uint32_t,
                    "start_date_time": t.UTCTime,
                    "event_configuration": t.bitmap8,
                    "configuration_control": t.enum8,  # 0 = apply by list: the count and ids below
                    "number_of_events": t.uint8_t,
                    "event_ids": t.List[t.uint16_t],
                },
            ),
        ),
        # Events (SE 1.4 D.11)
        (
            EVENTS,
            _def(
                0x00,
                "get_event_log",
                _C2S,
                {
                    "event_control_log_id": t.bitmap8,
                    "event_id": t.uint16_t,
                    "start_time": t.UTCTime,
                    "end_time": t.UTCTime,
                    "number_of_events": t.uint8_t,
                    "event_offset": t.uint16_t,
                },
            ),
        ),
        (EVENTS, _def(0x01, "clear_event_log_request", _C2S, {"log_id": t.enum8})),
        (
            EVENTS,
            _def(
                0x01,
                "publish_event_log",
                _S2C,
                {
                    "total_number_of_matching_events": t.uint16_t,
                    "command_index": t.uint8_t,
                    "total_commands": t.uint8_t,
                    "number_of_events_and_log_payload_control": t.bitmap8,
                    "log_payload": t.List[EventLogRecord],
                },
            ),
        ),
        (EVENTS, _def(0x02, "clear_event_log_response", _S2C, {"cleared_event_logs": t.bitmap8})),
    )
}


def command(cluster_id: int, direction: Direction, command_id: int) -> ZCLCommandDef | None:
    """The definition of a cluster-specific command: zigpy's when it has one, else ours, else None."""
    cluster = Cluster._registry.get(cluster_id)
    if cluster is not None:
        defs = cluster.server_commands if direction == _C2S else cluster.client_commands
        found = defs.get(command_id)
        if found is not None:
            return found
    return _TABLE.get((cluster_id, direction, command_id))
