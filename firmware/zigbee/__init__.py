"""Our ZigBee Smart Energy stack on `hal.radio` radios, and its hub side as a zigpy radio library.

Layers (radio.md 2 and 5; architecture.md "firmware.zigbee"):
`mac.MacInterface` (soft MAC: CSMA-CA, ACKs, retries, indirect queue, scans,
association) -> `nwk.NwkLayer` (security, frame counters, broadcast, one
level of relaying) -> `aps.ApsLayer` (APS ACKs, retries, duplicates,
fragmentation) -> `stack.ZigbeeStack` (forming, joining, trust centre,
polling, rejoin). `application.ControllerApplication` is the zigpy radio
library on top. A hub on a 2.4 GHz and an 868 MHz radio is one stack with two
MAC interfaces; `dual_band` keeps the sub-GHz duty-cycle budget.
The sans-I/O machines and tables (`csma`, `indirect`, `fragments`,
`counters`, `dual_band`, `join`) hold the rules; the layers are their asyncio
adapters. See docs/zigbee-stack.md.
"""

from .joiner import JoinError, NetworkSnapshot
from .nwk import NetworkParams, Role
from .stack import ZigbeeStack
from .status import DeliveryFailed, Status
from .trust_centre import JoinEvent

__all__ = [
    "DeliveryFailed",
    "JoinError",
    "JoinEvent",
    "NetworkParams",
    "NetworkSnapshot",
    "Role",
    "Status",
    "ZigbeeStack",
]
