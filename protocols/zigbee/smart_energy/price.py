"""The GB Smart Energy Price 0x0700 cluster, as zigpy gets it from us (see the package docstring)."""

from __future__ import annotations

from typing import Any

import zigpy.types as t
from zigpy.zcl.clusters import smartenergy
from zigpy.zcl.foundation import (
    BaseAttributeDefs,
)

from protocols.zigbee.smart_energy.defs import (
    EVENT_FIELDS,
    GET_SINCE_FIELDS,
    GLOBAL_ATTRIBUTES,
    PAGED_FIELDS,
    TierLabel,
    attribute_defs,
    command_defs,
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

_GET_TARIFF_SINCE = {**GET_SINCE_FIELDS, "tariff_type": t.bitmap8}
_BILLING_PERIOD = {
    **EVENT_FIELDS,
    "billing_period_start_time": t.UTCTime,
    "billing_period_duration": t.uint24_t,
    "billing_period_duration_type": t.bitmap8,
    "tariff_type": t.bitmap8,
}
_TARIFF_PAGE = {
    **EVENT_FIELDS,
    "start_time": t.UTCTime,
    "issuer_tariff_id": t.uint32_t,
    **PAGED_FIELDS,
    "sub_payload_control": t.bitmap8,
}


class Price(smartenergy.Price):
    """Price: tariffs, block thresholds, conversion factor and calorific value (GB gas), CO2."""

    AttributeDefs = attribute_defs(BaseAttributeDefs, GLOBAL_ATTRIBUTES, _PRICE_ATTRIBUTES)
    ServerCommandDefs = command_defs(
        {
            "get_current_price": (0x00, {"command_options": t.bitmap8}),
            "get_scheduled_prices": (0x01, {"start_time": t.UTCTime, "number_of_events": t.uint8_t}),
            "price_acknowledgement": (0x02, {**EVENT_FIELDS, "price_ack_time": t.UTCTime, "control": t.bitmap8}),
            "get_block_periods": (
                0x03,
                {"start_time": t.UTCTime, "number_of_events": t.uint8_t, "tariff_type?": t.bitmap8},
            ),
            "get_conversion_factor": (0x04, GET_SINCE_FIELDS),
            "get_calorific_value": (0x05, GET_SINCE_FIELDS),
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
    ClientCommandDefs = command_defs(
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
                    **EVENT_FIELDS,
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
                    **EVENT_FIELDS,
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
                    **EVENT_FIELDS,
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
                    **EVENT_FIELDS,
                    "issuer_tariff_id": t.uint32_t,
                    **PAGED_FIELDS,
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
                    **EVENT_FIELDS,
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
                    **EVENT_FIELDS,
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
                    **EVENT_FIELDS,
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
