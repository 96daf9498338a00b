"""The GB Smart Energy Device Management 0x0708 cluster, as zigpy gets it from us (see the package docstring)."""

from __future__ import annotations

import zigpy.types as t
from zigpy.zcl.clusters import smartenergy
from zigpy.zcl.foundation import (
    BaseAttributeDefs,
)

from protocols.zigbee.smart_energy.defs import (
    EVENT_FIELDS,
    GLOBAL_ATTRIBUTES,
    PAGED_FIELDS,
    EventConfigurationEntry,
    attribute_defs,
    command_defs,
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

    AttributeDefs = attribute_defs(
        BaseAttributeDefs,
        GLOBAL_ATTRIBUTES,
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
    ServerCommandDefs = command_defs(
        {
            "get_change_of_tenancy": (0x00, {}),
            "get_change_of_supplier": (0x01, {}),
            "request_new_password": (0x02, {"password_type": t.enum8}),
            "get_site_id": (0x03, {}),
            "report_event_configuration": (
                0x04,
                {**PAGED_FIELDS, "event_configuration_payload": t.List[EventConfigurationEntry]},
            ),
            "get_cin": (0x05, {}),
        }
    )
    ClientCommandDefs = command_defs(
        {
            "publish_change_of_tenancy": (
                0x00,
                {
                    **EVENT_FIELDS,
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
