"""What a ZigBee node keeps across a power cut, in its `hal.nvm` partition (radio.md 5.2; architecture.md hal.nvm).

Why: an emulated meter that is killed and restarted must come back on the same network with
frame counters that never go back (a receiver drops a frame whose counter is not greater than
the last it accepted, radio.md 5.2), and so must the hub. The stack keeps its outgoing counters
in a `CounterStore` (a mapping it writes a block end to before using the block,
`firmware.zigbee.counters`); `NvmCounters` is that mapping on an NVM partition. A device's
`NetworkSnapshot` (the network it joined, its address and parent) is kept the same way so that it
rejoins after a restart instead of joining afresh.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from firmware.zigbee.joiner import NetworkSnapshot
from firmware.zigbee.nwk import NetworkParams
from hal.radio import Channel

if TYPE_CHECKING:
    from hal.nvm import Nvm

_COUNTER = "zigbee.counter.{name}"
_NETWORK = "zigbee.network"


class NvmCounters:
    """A `firmware.zigbee.counters.CounterStore` on an NVM partition: each write is one committed transaction."""

    def __init__(self, nvm: Nvm) -> None:
        self._nvm = nvm

    def get(self, key: str, /) -> int | None:
        value: int | None = self._nvm.get(_COUNTER.format(name=key))
        return value

    def __setitem__(self, key: str, value: int, /) -> None:
        self._nvm.put(_COUNTER.format(name=key), int(value))


def save_network(nvm: Nvm, snapshot: NetworkSnapshot | None) -> None:
    """Keep (or, with None, forget) the network a device belongs to."""
    if snapshot is None:
        nvm.delete(_NETWORK)
        return
    params = snapshot.params
    value: dict[str, Any] = {
        "pan_id": params.pan_id,
        "extended_pan_id": params.extended_pan_id,
        "network_key": params.network_key,
        "key_seq": params.key_seq,
        "update_id": params.update_id,
        "nwk": snapshot.nwk,
        "parent": snapshot.parent,
        "band_index": snapshot.band_index,
        "channel": [snapshot.channel.page, snapshot.channel.number],
    }
    nvm.put(_NETWORK, value)


def load_network(nvm: Nvm) -> NetworkSnapshot | None:
    """The network kept by `save_network`, or None."""
    value = nvm.get(_NETWORK)
    if value is None:
        return None
    params = NetworkParams(
        value["pan_id"], value["extended_pan_id"], value["network_key"], value["key_seq"], value["update_id"]
    )
    page, number = value["channel"]
    return NetworkSnapshot(params, value["nwk"], value["parent"], value["band_index"], Channel(page, number))
