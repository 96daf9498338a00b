"""The MAC's values: addresses, what it hands up, what it counts, and its association constants.

Why apart from `mac.MacInterface`: the NWK layer, the joiner and the trust
centre all speak in these values (an `Address`, a `DataIndication`, a
`BeaconNotice`, an association status or capability bit) without needing the
machine that produces them (radio.md 2.2, 2.3).
"""

from __future__ import annotations

from dataclasses import dataclass

from hal.radio import BROADCAST_ADDRESS, NO_SHORT_ADDRESS, Channel
from protocols.ieee802154.commands import Capability

#: The broadcast short address and PAN ID (radio.md 2.2).
BROADCAST = BROADCAST_ADDRESS
#: The short address of a device that has none (uses its extended address) (radio.md 2.2).
NO_SHORT = NO_SHORT_ADDRESS
#: Association status codes (radio.md 2.3).
ASSOC_SUCCESS, ASSOC_PAN_AT_CAPACITY, ASSOC_ACCESS_DENIED = 0, 1, 2
#: Association request capability bits (radio.md 2.3), as the MAC command codec names them.
CAP_FFD, CAP_MAINS, CAP_RX_ON_WHEN_IDLE, CAP_SECURITY, CAP_ALLOCATE = (
    Capability.FFD,
    Capability.MAINS_POWERED,
    Capability.RX_ON_WHEN_IDLE,
    Capability.SECURITY,
    Capability.ALLOCATE_ADDRESS,
)


@dataclass(frozen=True, slots=True)
class Address:
    """A MAC address: short (16-bit) or extended (EUI-64 as an int)."""

    value: int
    extended: bool = False

    def __str__(self) -> str:
        return f"{self.value:016x}" if self.extended else f"0x{self.value:04x}"


@dataclass(frozen=True, slots=True)
class DataIndication:
    """A MAC data frame for us, as the NWK layer wants it."""

    src: Address
    dst: Address
    payload: bytes
    lqi: int
    rssi: float


@dataclass(frozen=True, slots=True)
class BeaconNotice:
    """One beacon heard during an active scan."""

    channel: Channel
    pan_id: int
    source: Address
    association_permit: bool
    pan_coordinator: bool
    payload: bytes
    lqi: int


@dataclass(slots=True)
class MacCounters:
    """What the MAC saw and did, for tests and benchmarks."""

    sent: int = 0
    received: int = 0
    malformed: int = 0
    duplicates: int = 0
    acks_sent: int = 0
    failures: int = 0
