"""Which GSME function handles which ZCL command, and which commands may be future-dated.

The tables are data (style.md): the executor looks a component up by (cluster, direction,
command id); a command not listed is answered UNSUP_CLUSTER_COMMAND (meters.md 4.4). Directions
follow meters.md 4.2: Metering, Prepayment and Events commands and the Price/Calendar reads travel
client to server; Publish... and the Device Management and Messaging writes server to client.

`FUTURE_DATED` lists the commands of the future-dated use cases (meters.md 1.2: GCS01a/b,
GCS02/03, GCS05) with the field holding their activation time (None: only the GBZ
from-date-time); the executor holds such a component until then and raises the 0x00CD outcome
alert when it runs.
"""

from __future__ import annotations

from collections.abc import Callable

from protocols.gbz import zcl

from . import admin, metering, prepayment, tariff
from .model import Answer, Meter, Request

Handler = Callable[[Meter, Request], Answer]
TO_SERVER, TO_CLIENT = False, True

HANDLERS: dict[tuple[int, bool, int], Handler] = {
    (zcl.METERING, TO_SERVER, 0x06): metering.get_snapshot,
    (zcl.METERING, TO_SERVER, 0x07): metering.start_sampling,
    (zcl.METERING, TO_SERVER, 0x08): metering.get_sampled_data,
    (zcl.METERING, TO_SERVER, 0x0B): metering.change_supply,
    (zcl.METERING, TO_SERVER, 0x0C): metering.local_change_supply,
    (zcl.METERING, TO_SERVER, 0x0D): metering.set_supply_status,
    (zcl.METERING, TO_SERVER, 0x0E): metering.set_uncontrolled_flow_threshold,
    (zcl.PREPAYMENT, TO_SERVER, 0x00): prepayment.select_available_emergency_credit,
    (zcl.PREPAYMENT, TO_SERVER, 0x02): prepayment.change_debt,
    (zcl.PREPAYMENT, TO_SERVER, 0x03): prepayment.emergency_credit_setup,
    (zcl.PREPAYMENT, TO_SERVER, 0x05): prepayment.credit_adjustment,
    (zcl.PREPAYMENT, TO_SERVER, 0x06): prepayment.change_payment_mode,
    (zcl.PREPAYMENT, TO_SERVER, 0x07): prepayment.get_prepay_snapshot,
    (zcl.PREPAYMENT, TO_SERVER, 0x08): prepayment.get_top_up_log,
    (zcl.PREPAYMENT, TO_SERVER, 0x09): prepayment.set_low_credit_warning_level,
    (zcl.PREPAYMENT, TO_SERVER, 0x0A): prepayment.get_debt_repayment_log,
    (zcl.PREPAYMENT, TO_SERVER, 0x0B): prepayment.set_maximum_credit_limit,
    (zcl.PREPAYMENT, TO_SERVER, 0x0C): prepayment.set_overall_debt_cap,
    (zcl.PRICE, TO_SERVER, 0x00): tariff.get_current_price,
    (zcl.PRICE, TO_SERVER, 0x0B): tariff.get_billing_period,
    (zcl.PRICE, TO_CLIENT, 0x01): tariff.publish_block_period,
    (zcl.PRICE, TO_CLIENT, 0x02): tariff.publish_conversion_factor,
    (zcl.PRICE, TO_CLIENT, 0x03): tariff.publish_calorific_value,
    (zcl.PRICE, TO_CLIENT, 0x04): tariff.publish_tariff_information,
    (zcl.PRICE, TO_CLIENT, 0x05): tariff.publish_price_matrix,
    (zcl.PRICE, TO_CLIENT, 0x06): tariff.publish_block_thresholds,
    (zcl.PRICE, TO_CLIENT, 0x09): tariff.publish_billing_period,
    (zcl.CALENDAR, TO_SERVER, 0x01): tariff.get_day_profiles,
    (zcl.CALENDAR, TO_SERVER, 0x02): tariff.get_week_profiles,
    (zcl.CALENDAR, TO_SERVER, 0x03): tariff.get_seasons,
    (zcl.CALENDAR, TO_SERVER, 0x04): tariff.get_special_days,
    (zcl.CALENDAR, TO_CLIENT, 0x00): tariff.publish_calendar,
    (zcl.CALENDAR, TO_CLIENT, 0x01): tariff.publish_day_profile,
    (zcl.CALENDAR, TO_CLIENT, 0x02): tariff.publish_week_profile,
    (zcl.CALENDAR, TO_CLIENT, 0x03): tariff.publish_seasons,
    (zcl.CALENDAR, TO_CLIENT, 0x04): tariff.publish_special_days,
    (zcl.DEVICE_MANAGEMENT, TO_CLIENT, 0x00): admin.publish_change_of_tenancy,
    (zcl.DEVICE_MANAGEMENT, TO_CLIENT, 0x01): admin.publish_change_of_supplier,
    (zcl.DEVICE_MANAGEMENT, TO_CLIENT, 0x02): admin.request_new_password_response,
    (zcl.DEVICE_MANAGEMENT, TO_CLIENT, 0x03): admin.update_site_id,
    (zcl.DEVICE_MANAGEMENT, TO_CLIENT, 0x04): admin.set_event_configuration,
    (zcl.DEVICE_MANAGEMENT, TO_CLIENT, 0x05): admin.get_event_configuration,
    (zcl.DEVICE_MANAGEMENT, TO_CLIENT, 0x06): admin.update_cin,
    (zcl.EVENTS, TO_SERVER, 0x00): admin.get_event_log,
    (zcl.EVENTS, TO_SERVER, 0x01): admin.clear_event_log_request,
    (zcl.MESSAGING, TO_CLIENT, 0x00): admin.display_message,
}

#: (cluster, direction, command id) -> the field with the activation time (None: the from-date-time only).
FUTURE_DATED: dict[tuple[int, bool, int], str | None] = {
    (zcl.PREPAYMENT, TO_SERVER, 0x03): "start_time",
    (zcl.PREPAYMENT, TO_SERVER, 0x06): "implementation_date_time",
    (zcl.PREPAYMENT, TO_SERVER, 0x09): None,
    (zcl.PREPAYMENT, TO_SERVER, 0x0B): "implementation_date_time",
    (zcl.PREPAYMENT, TO_SERVER, 0x0C): "implementation_date_time",
    (zcl.CALENDAR, TO_CLIENT, 0x00): "start_time",
    (zcl.CALENDAR, TO_CLIENT, 0x04): "start_time",
    (zcl.PRICE, TO_CLIENT, 0x04): "start_time",
    (zcl.PRICE, TO_CLIENT, 0x05): "start_time",
    (zcl.PRICE, TO_CLIENT, 0x06): "start_time",
}

#: What a held (or cancelled) future-dated command answers at once, where it is not a Default Response.
ACCEPTED_NOW: dict[tuple[int, bool, int], Handler] = {
    (zcl.PREPAYMENT, TO_SERVER, 0x06): prepayment.payment_mode_accepted,
}
