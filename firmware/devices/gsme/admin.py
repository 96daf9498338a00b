"""Device Management, Events and Messaging commands a GSME handles (meters.md 1.2, 4.2; ZSE D.8, D.10, D.5).

- Device Management, pushed to the meter: change of tenancy (GCS09, on the GPF) and of supplier
  (GCS44), the consumer PIN (GCS11: an empty password disables PIN protection), site id = MPRN
  (GCS41), CIN (GCS36), alert behaviour (GCS20: Set Event Configuration by list of event ids or
  by event group; read back by GCS20r's Get Event Configuration, answered with Report Event
  Configuration).
- Events: Get Event Log (CS10a event log id 3, CS10b security log id 4) answered with Publish
  Event Log or NOT_FOUND; Clear Event Log (CS11) clears the event log only - the security log is
  never cleared remotely (meters.md 1.1).
- Messaging: Display Message (GCS07) keeps the text for the display.
"""

from __future__ import annotations

import zigpy.types as t

from protocols.gbz import zcl
from protocols.zigbee.smart_energy import EventConfigurationEntry, EventLogEntry

from .model import (
    DEFAULT_EVENT_CONFIGURATION,
    INVALID_FIELD,
    MALFORMED_COMMAND,
    NOT_FOUND,
    Answer,
    Meter,
    Request,
    done,
    reply,
)

_DM, _M = zcl.DEVICE_MANAGEMENT, zcl.METERING
EVENT_LOG, SECURITY_LOG, ALL_LOGS = 3, 4, 0
EVENT_LOG_CLEARED = 0x8F52
#: Set Event Configuration's configuration control (ZSE D.8.2.4.4): by list of ids, by event group.
BY_LIST, BY_GROUP = 0, 1
#: The event groups a GSME raises codes in (meters.md 5.1): 0x80xx network operator, 0x81xx supplier.
GSME_EVENT_IDS = tuple(range(0x8100, 0x81C7))


def publish_change_of_tenancy(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    meter.set(_DM, "change_of_tenancy_update_date_time", int(fields.implementation_date_time))
    meter.set(_DM, "proposed_tenancy_change_control", int(fields.proposed_tenancy_change_control))
    return done()


def publish_change_of_supplier(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    meter.set(_DM, "provider_id", int(fields.proposed_provider_id))
    meter.set(_DM, "provider_name", bytes(fields.proposed_provider_name))
    meter.set(_DM, "provider_contact_details", bytes(fields.proposed_provider_contact_details))
    meter.set(_DM, "proposed_provider_change_date_time", int(fields.provider_change_implementation_time))
    meter.set(_DM, "proposed_provider_change_control", int(fields.provider_change_control))
    return done()


def request_new_password_response(meter: Meter, request: Request) -> Answer:
    meter.state.set_value(f"password/{int(request.fields.password_type)}", bytes(request.fields.password))
    return done()


def update_site_id(meter: Meter, request: Request) -> Answer:
    meter.set(_M, "site_id", bytes(request.fields.site_id))
    return done()


def update_cin(meter: Meter, request: Request) -> Answer:
    meter.set(_M, "customer_id_number", bytes(request.fields.customer_id_number))
    return done()


def set_event_configuration(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    payload = bytes(fields.event_configuration_payload)
    control = int(fields.configuration_control)
    if control == BY_LIST:
        if not payload or len(payload) != 1 + 2 * payload[0]:
            return done(MALFORMED_COMMAND)
        ids = [int.from_bytes(payload[1 + 2 * n : 3 + 2 * n], "little") for n in range(payload[0])]
    elif control == BY_GROUP:
        if len(payload) != 2:
            return done(MALFORMED_COMMAND)
        group = int.from_bytes(payload, "little")
        ids = [code for code in GSME_EVENT_IDS if code >> 8 == group >> 8]
    else:
        return done(INVALID_FIELD)
    for event_id in ids:
        meter.state.set_value(f"event_config/{event_id:04X}", int(fields.event_configuration))
    return done()


def get_event_configuration(meter: Meter, request: Request) -> Answer:
    """An event id, or a group id 0xNNFF for every code of the group the meter raises (GCS20r, meters.md 1.2)."""
    event_id = int(request.fields.event_id)
    ids = [code for code in GSME_EVENT_IDS if code >> 8 == event_id >> 8] if event_id & 0xFF == 0xFF else [event_id]
    entries = [
        EventConfigurationEntry(
            event_id=code,
            event_configuration=t.bitmap8(meter.state.value(f"event_config/{code:04X}", DEFAULT_EVENT_CONFIGURATION)),
        )
        for code in ids
    ]
    report = reply(
        _DM,
        "report_event_configuration",
        command_index=0,
        total_number_of_commands=1,
        event_configuration_payload=entries,
    )
    return Answer((report,))


def get_event_log(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    log_id = int(fields.event_control_log_id) & 0x0F
    logs = (EVENT_LOG, SECURITY_LOG) if log_id == ALL_LOGS else (log_id,)
    found = []
    for log in logs:
        for _seq, entry in meter.state.entries(f"event/{log}") if log in (EVENT_LOG, SECURITY_LOG) else []:
            if int(fields.start_time) <= entry["time"] <= int(fields.end_time) and int(fields.event_id) in (
                0,
                entry["id"],
            ):
                found.append((log, entry))
    found.sort(key=lambda item: item[1]["time"], reverse=True)  # most recent first
    offset, count = int(fields.event_offset), int(fields.number_of_events)
    chosen = found[offset : offset + count] if count else found[offset:]
    if not chosen:
        return done(NOT_FOUND)
    entries = [
        EventLogEntry(
            log_id=t.enum8(log), event_id=e["id"], event_time=t.UTCTime(e["time"]), event_data=t.LVBytes(e["data"])
        )
        for log, e in chosen
    ]
    published = reply(
        zcl.EVENTS,
        "publish_event_log",
        total_number_of_events=len(found),
        command_index=0,
        total_number_of_commands=1,
        log_payload_control=t.bitmap8(0),
        log_payload=entries,
    )
    return Answer((published,))


def clear_event_log_request(meter: Meter, request: Request) -> Answer:
    log_id = int(request.fields.log_id)
    cleared = 0
    if log_id in (ALL_LOGS, EVENT_LOG):
        meter.state.clear(f"event/{EVENT_LOG}")
        cleared = 1 << EVENT_LOG
        meter.log_event(SECURITY_LOG, EVENT_LOG_CLEARED)
    return Answer((reply(zcl.EVENTS, "clear_event_log_response", cleared_event_logs=t.bitmap8(cleared)),))


def display_message(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    meter.state.set_value("message", {"id": int(fields.message_id), "text": str(fields.message), "time": request.utc})
    return done()
