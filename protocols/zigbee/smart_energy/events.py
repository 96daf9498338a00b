"""The GB Smart Energy Events 0x0709 cluster, as zigpy gets it from us (see the package docstring)."""

from __future__ import annotations

import zigpy.types as t
from zigpy.zcl.clusters import smartenergy
from zigpy.zcl.foundation import (
    BaseAttributeDefs,
)

from protocols.zigbee.smart_energy.defs import (
    GLOBAL_ATTRIBUTES,
    PAGED_FIELDS,
    EventLogEntry,
    attribute_defs,
    command_defs,
)

# --- Events 0x0709 -------------------------------------------------------------------------------


class Events(smartenergy.Events):
    """Events: the meters' event logs."""

    AttributeDefs = attribute_defs(BaseAttributeDefs, GLOBAL_ATTRIBUTES)
    ServerCommandDefs = command_defs(
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
    ClientCommandDefs = command_defs(
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
                    **PAGED_FIELDS,
                    "log_payload_control": t.bitmap8,
                    "log_payload": t.List[EventLogEntry],
                },
            ),
            "clear_event_log_response": (0x02, {"cleared_event_logs": t.bitmap8}),
        }
    )
