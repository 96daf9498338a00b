"""The GB Smart Energy Sub-GHz cluster 0x070B, absent from zigpy (see the package docstring)."""

from __future__ import annotations

import zigpy.types as t
from zigpy.zcl import Cluster
from zigpy.zcl.foundation import (
    BaseAttributeDefs,
)

from protocols.zigbee.smart_energy.defs import GLOBAL_ATTRIBUTES, SUB_GHZ_CLUSTER_ID, attribute_defs, command_defs

# --- Sub-GHz 0x070B (absent from zigpy) ----------------------------------------------------------


class SubGhz(Cluster):
    """Sub-GHz: the hub tells 868 MHz devices to hold ZCL traffic when the duty cycle runs out."""

    cluster_id = t.uint16_t(SUB_GHZ_CLUSTER_ID)
    ep_attribute = "smartenergy_sub_ghz"

    AttributeDefs = attribute_defs(
        BaseAttributeDefs,
        GLOBAL_ATTRIBUTES,
        {"channel_change": (0x0000, t.bitmap32)},
        {f"page_{page}_channel_mask": (0x0001 + page - 28, t.bitmap32) for page in range(28, 32)},
    )
    ServerCommandDefs = command_defs({"get_suspend_zcl_messages_status": (0x00, {})})
    ClientCommandDefs = command_defs({"suspend_zcl_messages": (0x00, {"period": t.uint8_t})})
