"""The GB Smart Energy cluster definitions zigpy leaves empty, added to zigpy's own cluster classes.

zigpy 2.4 declares Price, Messaging, Tunneling, Prepayment, Calendar, Device Management and Events
as placeholders (cluster ID only), has no Sub-GHz cluster (radio.md 5.8), and lacks a few
Metering attributes GB's gas meter uses (meters.md 4.1). GB traffic needs
them: GBCS rides in Tunneling (radio.md 5.6), the IHD reads Price and Prepayment, the CHF sends
Messaging, Calendar and Device Management, the DBCH drives Sub-GHz. So that there is still ONE
table, we subclass zigpy's classes in place: zigpy's `Cluster.__init_subclass__` registers each
subclass under its cluster ID, so `Cluster.from_id`, endpoints, `ZigbeePacket` decoding and the
`cluster.<command>(...)` API all see these definitions once this module is imported (the package
`protocols.zigbee` imports it). Nothing else is registered or patched.

Command IDs and names and attribute IDs and names follow Wireshark 4.0.17's SE tables
(`tshark -G values`: `zbee_zcl_se.*.cmd.srv_rx.id` / `srv_tx.id` / `attr_id`), which our tests
compare against; payload layouts are those of ZigBee SE 1.4 as Wireshark's packet-zbee-zcl-se.c
dissects them, which the tests check by running tshark on frames zigpy builds from these schemas.
Where the RTDS corpus (DCC's GBCS test messages) disagrees with Wireshark, the corpus decides:
ChangeDebt's balance percentage is 2 octets (SE 1.4 says so too; Wireshark 4.0.17 reads 1).
This is also the table the GBCS decoder names GBZ payloads from (`protocols.gbcs.payload.zcl_table`).
In zigpy's terms `ServerCommandDefs` are client->server commands and `ClientCommandDefs`
server->client. Where SE uses one name in both directions (Tunneling's TransferData and friends)
the server->client one gets a `_to_client` suffix, because zigpy looks commands up by name.

Enumerated fields are `t.enum8` (unknown values survive a round trip) unless GB relies on the
values, as for the tunnel protocol and statuses (`defs`).

One module per cluster (`price`, `messaging`, `tunneling`, `prepayment`, `calendar`,
`device_management`, `events`, `sub_ghz`, and `metering` for the attributes it adds to zigpy's
complete Metering cluster); what they share is in `defs`. `CLUSTERS` lists the clusters this
package defines whole; `Metering` is zigpy's, extended.
"""

from __future__ import annotations

from typing import Final

from zigpy.zcl import Cluster

from protocols.zigbee.smart_energy.calendar import Calendar
from protocols.zigbee.smart_energy.defs import (
    SUB_GHZ_CLUSTER_ID,
    DebtEntry,
    EventConfigurationEntry,
    EventLogEntry,
    ScheduleEntry,
    SeasonEntry,
    SpecialDayEntry,
    SupportedProtocol,
    TierLabel,
    TopUpEntry,
    TransferDataStatus,
    TunnelProtocol,
    TunnelStatus,
)
from protocols.zigbee.smart_energy.device_management import DeviceManagement
from protocols.zigbee.smart_energy.events import Events
from protocols.zigbee.smart_energy.messaging import Messaging
from protocols.zigbee.smart_energy.metering import SUPPLEMENTARY_ATTRIBUTES, Metering
from protocols.zigbee.smart_energy.prepayment import Prepayment
from protocols.zigbee.smart_energy.price import Price
from protocols.zigbee.smart_energy.sub_ghz import SubGhz
from protocols.zigbee.smart_energy.tunneling import Tunneling

#: The clusters this package defines, by cluster ID.
CLUSTERS: Final[dict[int, type[Cluster]]] = {
    cls.cluster_id: cls for cls in (Price, Messaging, Tunneling, Prepayment, Calendar, DeviceManagement, Events, SubGhz)
}

__all__ = [
    "CLUSTERS",
    "SUB_GHZ_CLUSTER_ID",
    "SUPPLEMENTARY_ATTRIBUTES",
    "Calendar",
    "DebtEntry",
    "DeviceManagement",
    "EventConfigurationEntry",
    "EventLogEntry",
    "Events",
    "Messaging",
    "Metering",
    "Prepayment",
    "Price",
    "ScheduleEntry",
    "SeasonEntry",
    "SpecialDayEntry",
    "SubGhz",
    "SupportedProtocol",
    "TierLabel",
    "TopUpEntry",
    "TransferDataStatus",
    "TunnelProtocol",
    "TunnelStatus",
    "Tunneling",
]
