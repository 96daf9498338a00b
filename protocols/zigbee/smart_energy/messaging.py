"""The GB Smart Energy Messaging 0x0703 cluster, as zigpy gets it from us (see the package docstring)."""

from __future__ import annotations

import zigpy.types as t
from zigpy.zcl.clusters import smartenergy
from zigpy.zcl.foundation import (
    BaseAttributeDefs,
)

from protocols.zigbee.smart_energy.defs import GLOBAL_ATTRIBUTES, attribute_defs, command_defs

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

    AttributeDefs = attribute_defs(BaseAttributeDefs, GLOBAL_ATTRIBUTES)
    ServerCommandDefs = command_defs(
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
    ClientCommandDefs = command_defs(
        {
            "display_message": (0x00, _DISPLAY_MESSAGE),
            "cancel_message": (0x01, {"message_id": t.uint32_t, "message_control": t.bitmap8}),
            "display_protected_message": (0x02, _DISPLAY_MESSAGE),
            "cancel_all_messages": (0x03, {"implementation_date_time": t.UTCTime}),
        }
    )
