"""The GB Smart Energy Tunneling 0x0704 (radio.md 5.6) cluster, as zigpy gets it from us (see the package docstring)."""

from __future__ import annotations

from typing import Any

import zigpy.types as t
from zigpy.zcl.clusters import smartenergy
from zigpy.zcl.foundation import (
    BaseAttributeDefs,
)

from protocols.zigbee.smart_energy.defs import (
    GLOBAL_ATTRIBUTES,
    TUNNEL_FIELDS,
    SupportedProtocol,
    TransferDataStatus,
    TunnelProtocol,
    TunnelStatus,
    attribute_defs,
    command_defs,
)

# --- Tunneling 0x0704 (radio.md 5.6) -------------------------------------------------------------

_TUNNEL_COMMON: dict[str, tuple[int, dict[str, Any]]] = {
    "transfer_data": (0x02, {**TUNNEL_FIELDS, "data": t.Bytes}),
    "transfer_data_error": (0x03, {**TUNNEL_FIELDS, "transfer_data_status": TransferDataStatus}),
    "ack_transfer_data": (0x04, {**TUNNEL_FIELDS, "num_bytes_left": t.uint16_t}),
    "ready_data": (0x05, {**TUNNEL_FIELDS, "num_octets_left": t.uint16_t}),
}


class Tunneling(smartenergy.Tunneling):
    """Tunneling: GBCS (protocol GB_HRGP) between the CHF/GPF and the meters."""

    AttributeDefs = attribute_defs(BaseAttributeDefs, GLOBAL_ATTRIBUTES, {"close_tunnel_timeout": (0x0000, t.uint16_t)})
    ServerCommandDefs = command_defs(
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
            "close_tunnel": (0x01, TUNNEL_FIELDS),
            **_TUNNEL_COMMON,
            "get_supported_tunnel_protocols": (0x06, {"protocol_offset": t.uint8_t}),
        }
    )
    ClientCommandDefs = command_defs(
        {
            "request_tunnel_response": (
                0x00,
                {**TUNNEL_FIELDS, "tunnel_status": TunnelStatus, "max_incoming_transfer_size": t.uint16_t},
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
            "tunnel_closure_notification": (0x06, TUNNEL_FIELDS),
        }
    )
