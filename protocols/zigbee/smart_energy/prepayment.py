"""The GB Smart Energy Prepayment 0x0705 cluster, as zigpy gets it from us (see the package docstring)."""

from __future__ import annotations

from typing import Any

import zigpy.types as t
from zigpy.zcl.clusters import smartenergy
from zigpy.zcl.foundation import (
    BaseAttributeDefs,
)

from protocols.zigbee.smart_energy.defs import (
    EVENT_FIELDS,
    GLOBAL_ATTRIBUTES,
    PAGED_FIELDS,
    DebtEntry,
    TopUpEntry,
    attribute_defs,
    command_defs,
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

_IMPLEMENTED_AT = {**EVENT_FIELDS, "implementation_date_time": t.UTCTime}


class Prepayment(smartenergy.Prepayment):
    """Prepayment: credit, debt and top-ups on a pay-as-you-go meter."""

    AttributeDefs = attribute_defs(BaseAttributeDefs, GLOBAL_ATTRIBUTES, _PREPAYMENT_ATTRIBUTES)
    ServerCommandDefs = command_defs(
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
    ClientCommandDefs = command_defs(
        {
            "publish_prepay_snapshot": (
                0x01,
                {
                    "snapshot_id": t.uint32_t,
                    "snapshot_time": t.UTCTime,
                    "total_snapshots_found": t.uint8_t,
                    **PAGED_FIELDS,
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
            "publish_top_up_log": (0x05, {**PAGED_FIELDS, "top_up_payload": t.List[TopUpEntry]}),
            "publish_debt_log": (0x06, {**PAGED_FIELDS, "debt_payload": t.List[DebtEntry]}),
        }
    )
