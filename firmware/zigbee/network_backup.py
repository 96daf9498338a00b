"""The trust centre's device tables to and from zigpy's `NetworkInfo` (what a zigpy backup keeps).

Why: an NCP keeps its child table, address map and link keys in its own NVRAM;
our stack keeps them in memory, so zigpy's backup (`load_network_info` /
`write_network_info`) is where they survive a restart. Without them a restored
hub knows a device in zigpy's database but has no route to it (nwk-no-route),
and refuses the device's secured rejoin (no link key for it).

Mapping onto zigpy's fields: `children` are our own children, `nwk_addresses`
every device we route for, `route_table` maps a device behind one of our
routers to that router, `key_table` holds each device's install-code link key.
What zigpy has no field for (which of our radios a device is on, whether it
is a sleepy end device or a router, the last NWK frame counter accepted from
it, so replays stay refused across a restart) goes in `stack_specific["commshub"]`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import zigpy.state
import zigpy.types as zt

from .nwk import Neighbour
from .stack import ZigbeeStack

#: Our key in `NetworkInfo.stack_specific`.
STACK_KEY = "commshub"


def _eui64(value: int) -> zt.EUI64:
    return zt.EUI64(value.to_bytes(8, "little"))


def _int(value: zt.EUI64) -> int:
    return int.from_bytes(bytes(value), "little")


def export_devices(stack: ZigbeeStack) -> dict[str, Any]:
    """The `NetworkInfo` fields (for `NetworkInfo.replace`) describing the stack's devices and keys."""
    neighbours = list(stack.nwk.state.neighbours.values())
    aps_counter = stack.aps_frame_counter
    return {
        "children": [_eui64(n.ieee) for n in neighbours if n.via is None],
        "nwk_addresses": {_eui64(n.ieee): zt.NWK(n.nwk) for n in neighbours},
        "route_table": {zt.NWK(n.nwk): zt.NWK(n.via) for n in neighbours if n.via is not None},
        "key_table": [
            zigpy.state.Key(
                key=zt.KeyData(key),
                tx_counter=zt.uint32_t(aps_counter),
                rx_counter=zt.uint32_t(0),
                seq=zt.uint8_t(0),
                partner_ieee=_eui64(ieee),
            )
            for ieee, key in sorted(stack.link_keys.items())
        ],
        "stack_specific": {
            STACK_KEY: {
                "devices": {
                    str(_eui64(n.ieee)): {
                        "band": stack.macs.index(n.iface),
                        "rx_on_when_idle": n.rx_on_when_idle,
                        "router": n.router,
                        "nwk_rx_counter": stack.nwk.incoming_frame_counter(n.ieee),
                    }
                    for n in neighbours
                }
            }
        },
    }


def restore_devices(stack: ZigbeeStack, info: zigpy.state.NetworkInfo) -> int:
    """Load `info`'s link keys and devices into a started coordinator stack; returns the device count.

    A device is restored when it is one of our `children` or reached through `route_table`;
    restored devices count as authorized (they proved they hold the key before the restart)."""
    for entry in info.key_table:
        stack.link_keys[_int(entry.partner_ieee)] = bytes(entry.key)
    extras = info.stack_specific.get(STACK_KEY, {}).get("devices", {})
    children = set(info.children)
    now = asyncio.get_running_loop().time()
    restored = 0
    for ieee, nwk in info.nwk_addresses.items():
        via = info.route_table.get(nwk)
        if ieee not in children and via is None:
            continue  # zigpy knows it, but it is not ours to route for
        extra = extras.get(str(ieee), {})
        band = int(extra.get("band", 0))
        stack.nwk.add_neighbour(
            Neighbour(
                ieee=_int(ieee),
                nwk=int(nwk),
                rx_on_when_idle=bool(extra.get("rx_on_when_idle", True)),
                router=bool(extra.get("router", False)),
                iface=stack.macs[band if 0 <= band < len(stack.macs) else 0],
                via=int(via) if via is not None and via != nwk else None,
                authorized=True,
                joined_at=now,
            )
        )
        rx_counter = extra.get("nwk_rx_counter")
        if rx_counter is not None:  # a frame recorded before the restart stays a replay after it
            stack.nwk.resume_incoming_frame_counter(_int(ieee), int(rx_counter))
        restored += 1
    return restored
