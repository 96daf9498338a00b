"""The Metering 0x0702 cluster with the attributes GB reads that zigpy 2.4 lacks (see the package docstring).

zigpy defines Metering fully except for attributes GBCS names for the gas meter (meters.md 4.1):
the supply tamper and depletion states (0x0607, 0x0608), the four no-tier block summations
(0x0700-0x0703) and the uncontrolled-flow group (0x0B10-0x0B15). They are added to zigpy's own
class here, so every reader of the one ZCL table (GBZ components, the GSME model, the GBCS
describer) finds them by ID and name as it finds zigpy's.
"""

from __future__ import annotations

from typing import Any

import zigpy.types as t
from zigpy.zcl.clusters import smartenergy

from protocols.zigbee.smart_energy.defs import attribute_defs

# --- Metering 0x0702 -----------------------------------------------------------------------------

#: name -> (attribute ID, zigpy type) of the Metering attributes GB adds (meters.md 4.1).
SUPPLEMENTARY_ATTRIBUTES: dict[str, tuple[int, Any]] = {
    "supply_tamper_state": (0x0607, t.enum8),
    "supply_depletion_state": (0x0608, t.enum8),
    **{f"current_no_tier_block{block + 1}_summ_delivered": (0x0700 + block, t.uint48_t) for block in range(4)},
    "uncontrolled_flow_threshold": (0x0B10, t.uint16_t),
    "uncontrolled_flow_threshold_unit_of_measure": (0x0B11, t.enum8),
    "uncontrolled_flow_multiplier": (0x0B12, t.uint16_t),
    "uncontrolled_flow_divisor": (0x0B13, t.uint16_t),
    "flow_stabilisation_period": (0x0B14, t.uint8_t),
    "flow_measurement_period": (0x0B15, t.uint16_t),
}


class Metering(smartenergy.Metering):
    """Metering: zigpy's definition and GB's supplementary attributes."""

    AttributeDefs = attribute_defs(smartenergy.Metering.AttributeDefs, SUPPLEMENTARY_ATTRIBUTES)
