"""GSME and GPF device-management use cases (meters.md 1.2, 4.2): messages (GCS07), change of tenancy on the GPF
(GCS09), privacy PIN (GCS11), alert behaviours (GCS20, GCS20r), CIN (GCS36), MPRN (GCS41), supplier contact
details (GCS44), and clearing the event log (CS11).
"""

from __future__ import annotations

import zigpy.types as t

from firmware.headend.gbz_payload import ZclCommand, command, gbz_case, issuer_event_id, time_field
from firmware.headend.parameters import Numbers, Parameter, Text, When, Whole
from firmware.headend.usecase import Request, UseCase
from protocols.gbz import zcl

DEVICE_MANAGEMENT, EVENTS, MESSAGING = zcl.DEVICE_MANAGEMENT, zcl.EVENTS, zcl.MESSAGING


def _display_message(req: Request) -> list[ZclCommand]:
    """GCS07: Display Message, at once, until replaced."""
    return [
        command(
            MESSAGING,
            "display_message",
            message_id=issuer_event_id(req),
            message_control=t.bitmap8(0),
            start_time=0,
            duration_in_minutes=0xFFFF,
            message=req["message"].decode("ascii"),
            extended_message_control=t.bitmap8(0),
        )
    ]


def _change_of_tenancy(req: Request) -> list[ZclCommand]:
    """GCS09 (to the GPF): Publish Change of Tenancy at `date`."""
    return [
        command(
            DEVICE_MANAGEMENT,
            "publish_change_of_tenancy",
            provider_id=0,
            issuer_event_id=issuer_event_id(req),
            tariff_type=t.bitmap8(0),
            implementation_date_time=time_field(req["date"]),
            proposed_tenancy_change_control=t.bitmap32(0),
        )
    ]


def _disable_pin(req: Request) -> list[ZclCommand]:
    """GCS11: Request New Password Response with password type 2 (consumer menu) and an empty password."""
    return [
        command(
            DEVICE_MANAGEMENT,
            "request_new_password_response",
            issuer_event_id=issuer_event_id(req),
            implementation_date_time=0,
            duration_in_minutes=0,
            password_type=t.enum8(2),
            password=b"",
        )
    ]


def _alert_behaviours(req: Request) -> list[ZclCommand]:
    """GCS20: Set Event Configuration by list (control 0): the events given get `configuration`'s bits."""
    ids = req["events"]
    payload = bytes((len(ids),)) + b"".join(code.to_bytes(2, "little") for code in ids)
    return [
        command(
            DEVICE_MANAGEMENT,
            "set_event_configuration",
            issuer_event_id=issuer_event_id(req),
            start_date_time=0,
            event_configuration=t.bitmap8(req["configuration"]),
            configuration_control=t.enum8(0),
            event_configuration_payload=payload,
        )
    ]


def _site_id(req: Request) -> list[ZclCommand]:
    """GCS41: Update Site ID (the MPRN)."""
    return [
        command(
            DEVICE_MANAGEMENT,
            "update_site_id",
            issuer_event_id=issuer_event_id(req),
            site_id_time=0,
            provider_id=0,
            site_id=req["mprn"],
        )
    ]


def _cin(req: Request) -> list[ZclCommand]:
    """GCS36: Update CIN."""
    return [
        command(
            DEVICE_MANAGEMENT,
            "update_cin",
            issuer_event_id=issuer_event_id(req),
            cin_implementation_time=0,
            provider_id=0,
            customer_id_number=req["cin"],
        )
    ]


def _contact_details(req: Request) -> list[ZclCommand]:
    """GCS44: Publish Change of Supplier naming the supplier and its contact details, effective at once."""
    return [
        command(
            DEVICE_MANAGEMENT,
            "publish_change_of_supplier",
            current_provider_id=0,
            issuer_event_id=issuer_event_id(req),
            tariff_type=t.bitmap8(0),
            proposed_provider_id=0,
            provider_change_implementation_time=0,
            provider_change_control=t.bitmap32(0),
            proposed_provider_name=req["name"],
            proposed_provider_contact_details=req["contact"],
        )
    ]


USE_CASES: tuple[UseCase, ...] = (
    gbz_case(
        "CS11",
        "Clear ZigBee device event log",
        lambda req: [command(EVENTS, "clear_event_log_request", log_id=t.enum8(0x03))],
    ),
    gbz_case(
        "GCS07",
        "Send message to GSME",
        _display_message,
        parameters=(Parameter("message", Text(116), "Hello from your supplier", "the message shown"),),
    ),
    gbz_case(
        "GCS09",
        "Set change of tenancy date on the GPF",
        _change_of_tenancy,
        parameters=(Parameter("date", When(), "now", "date of the change of tenancy"),),
        target="gpf",
    ),
    gbz_case("GCS11", "Disable privacy PIN protection", _disable_pin),
    gbz_case(
        "GCS20",
        "Set alert behaviours (GSME)",
        _alert_behaviours,
        parameters=(
            Parameter("events", Numbers(0x8000, 0x81FF, 1, 32), "0x81AA,0x81AB", "event ids configured"),
            Parameter("configuration", Whole(0, 0xFF), "0x5B", "event configuration bits to set for them"),
        ),
    ),
    gbz_case(
        "GCS20r",
        "Read non-critical event and alert behaviours (GSME)",
        lambda req: [command(DEVICE_MANAGEMENT, "get_event_configuration", event_id=0x81FF)],
    ),
    gbz_case(
        "GCS36",
        "Send CIN to GSME",
        _cin,
        parameters=(Parameter("cin", Text(4), "1234", "customer identification number"),),
    ),
    gbz_case(
        "GCS41",
        "Set MPRN value",
        _site_id,
        parameters=(Parameter("mprn", Text(10), "1234567890", "the meter point reference number"),),
    ),
    gbz_case(
        "GCS44",
        "Write contact details",
        _contact_details,
        parameters=(
            Parameter("name", Text(16), "Test Supplier", "supplier name"),
            Parameter("contact", Text(19), "0800 000 0000", "supplier contact details"),
        ),
    ),
)
