"""The CHF device log: the HAN devices the hub admits and talks to, with their install codes and link statistics.

GBCS models it as DLMS class 104 *ZigBee Network Control*, instance `0-0:30.3.0.255`
(gbcs.md 5.7): attribute 2 enable joining, 3 join timeout, 4 active devices; methods 1
register device, 2 unregister device, 3 unregister all, 4 back up the log, 5 restore it.
This module is the state behind that object, in NVM; `cosem` maps the DLMS accesses onto it.

- An entry holds the EUI-64, the device type (CCS01; unknown after a CCS03 restore), the
  install code, and what the HAN side reported: joined or not, sleepy (the GSME), on the
  sub-GHz band, its application and stack versions.
- Joining (radio.md 5.7): while joining is enabled, an entry that has not joined is given a
  join window of the join timeout, and the HAN side is told to admit it with the link key
  derived from its install code (ZigBee SE install-code rule, `protocols.zigbee`). The join
  timeout is taken in minutes [?: the primer shows the value 90, not its unit].
- Link statistics feed the 14-field active-device element of the Blue Book class 104:
  EUI, status bit-string(8), RSSI max/average/min (i8, dBm), LQI max/average/min (u8),
  last communication (date-time), hops, transmission failures and successes, application
  and stack version [?: the field names are the Blue Book's, gbcs.md 5.7 only shows types].
  The failure and success figures are percentages of the transmissions reported (they
  are u8 and RTDS shows 0 and 100) [?]. Status bits (first bit first): in the log,
  joined, and - fifth - heard from since it joined [?].
- The backup (method 4, CCS07, CS14) is `structure{ date-time, octet-string(8), array of
  { EUI, install code } }`; the 8-byte field is kept as the network identifier the last
  restore (method 5, CCS03) gave, else the hub's extended PAN ID [?].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from firmware.gbcs.alerts import dlms_date_time
from protocols.dlms import Data, array, bits, i8, octets, structure, u8
from protocols.zigbee.install_code import CODE_LENGTHS, install_code_crc, install_code_to_link_key

if TYPE_CHECKING:
    from hal.nvm import Nvm

_ENTRIES = "chf.device-log"
_JOINING = "chf.joining"
_NETWORK_ID = "chf.network-id"
_LINK = "chf.link."
_STATUS_IN_LOG, _STATUS_JOINED, _STATUS_HEARD = 0x80, 0x40, 0x08
_NEVER = bytes(9) + b"\x80\x00\xff"  #: a date-time with nothing specified: no communication yet


@dataclass(frozen=True, slots=True)
class DeviceEntry:
    """One device-log entry."""

    eui: bytes
    install_code: bytes
    device_type: int | None = None
    joined: bool = False
    sleepy: bool = False
    sub_ghz: bool = False
    join_until: float | None = None  #: UTC end of the join window, while one is open

    def link_key(self) -> bytes:
        """The preconfigured TC link key of the install code (radio.md 5.7)."""
        return install_code_to_link_key(self.install_code + install_code_crc(self.install_code))

    def to_nvm(self) -> dict[str, Any]:
        return {
            "eui": self.eui,
            "install_code": self.install_code,
            "type": self.device_type,
            "joined": self.joined,
            "sleepy": self.sleepy,
            "sub_ghz": self.sub_ghz,
            "join_until": self.join_until,
        }

    @classmethod
    def from_nvm(cls, value: dict[str, Any]) -> DeviceEntry:
        return cls(
            value["eui"],
            value["install_code"],
            value["type"],
            value["joined"],
            value["sleepy"],
            value["sub_ghz"],
            value["join_until"],
        )


@dataclass(frozen=True, slots=True)
class LinkStatistics:
    """What the HAN side has reported about one device's link (the active-device element's figures)."""

    rssi: tuple[int, int, int] = (0, 0, 0)  #: max, sum, min
    lqi: tuple[int, int, int] = (0, 0, 0)  #: max, sum, min
    readings: int = 0
    last_utc: float | None = None
    hops: int = 0
    failures: int = 0
    successes: int = 0
    application_version: int = 0
    stack_version: int = 0

    def add(self, rssi: int, lqi: int, utc: float, hops: int, delivered: bool) -> LinkStatistics:
        first = self.readings == 0
        return replace(
            self,
            rssi=(
                rssi if first else max(self.rssi[0], rssi),
                self.rssi[1] + rssi,
                rssi if first else min(self.rssi[2], rssi),
            ),
            lqi=(lqi if first else max(self.lqi[0], lqi), self.lqi[1] + lqi, lqi if first else min(self.lqi[2], lqi)),
            readings=self.readings + 1,
            last_utc=utc,
            hops=hops,
            failures=self.failures + (not delivered),
            successes=self.successes + delivered,
        )

    def element(self, entry: DeviceEntry) -> Data:
        """The 14-field active-device element (see the module docstring)."""
        count = max(self.readings, 1)
        sent = self.failures + self.successes
        status = _STATUS_IN_LOG | (_STATUS_JOINED if entry.joined else 0) | (_STATUS_HEARD if self.readings else 0)
        return structure(
            octets(entry.eui),
            bits(8, status),
            i8(_clamp(self.rssi[0], -128, 127)),
            i8(_clamp(round(self.rssi[1] / count), -128, 127)),
            i8(_clamp(self.rssi[2], -128, 127)),
            u8(_clamp(self.lqi[0], 0, 255)),
            u8(_clamp(round(self.lqi[1] / count), 0, 255)),
            u8(_clamp(self.lqi[2], 0, 255)),
            octets(_NEVER if self.last_utc is None else dlms_date_time(self.last_utc)),
            u8(_clamp(self.hops, 0, 255)),
            u8(round(100 * self.failures / sent) if sent else 0),
            u8(round(100 * self.successes / sent) if sent else 0),
            u8(_clamp(self.application_version, 0, 255)),
            u8(_clamp(self.stack_version, 0, 255)),
        )

    def to_nvm(self) -> dict[str, Any]:
        return {
            "rssi": list(self.rssi),
            "lqi": list(self.lqi),
            "readings": self.readings,
            "last_utc": self.last_utc,
            "hops": self.hops,
            "failures": self.failures,
            "successes": self.successes,
            "versions": [self.application_version, self.stack_version],
        }

    @classmethod
    def from_nvm(cls, value: dict[str, Any]) -> LinkStatistics:
        rssi, lqi = value["rssi"], value["lqi"]
        return cls(
            (rssi[0], rssi[1], rssi[2]),
            (lqi[0], lqi[1], lqi[2]),
            value["readings"],
            value["last_utc"],
            value["hops"],
            value["failures"],
            value["successes"],
            *value["versions"],
        )


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def valid_install_code(code: bytes) -> bool:
    return len(code) in CODE_LENGTHS


class DeviceLog:
    """The CHF device log in NVM (see the module docstring)."""

    def __init__(self, nvm: Nvm, *, capacity: int, network_id: bytes) -> None:
        self._nvm = nvm
        self.capacity = capacity
        if nvm.get(_NETWORK_ID) is None:
            nvm.put(_NETWORK_ID, network_id)

    # -- entries ------------------------------------------------------------------------------

    def entries(self) -> list[DeviceEntry]:
        return [DeviceEntry.from_nvm(value) for value in self._nvm.get(_ENTRIES, [])]

    def entry(self, eui: bytes) -> DeviceEntry | None:
        return next((entry for entry in self.entries() if entry.eui == eui), None)

    def _save(self, entries: list[DeviceEntry]) -> None:
        self._nvm.put(_ENTRIES, [entry.to_nvm() for entry in entries])

    def put(self, entry: DeviceEntry) -> bool:
        """Add `entry`, or replace the entry of its EUI; False when the log is full."""
        entries = self.entries()
        index = next((i for i, known in enumerate(entries) if known.eui == entry.eui), None)
        if index is None:
            if len(entries) >= self.capacity:
                return False
            entries.append(entry)
        else:
            entries[index] = entry
        self._save(entries)
        return True

    def remove(self, eui: bytes) -> bool:
        entries = self.entries()
        kept = [entry for entry in entries if entry.eui != eui]
        if len(kept) == len(entries):
            return False
        self._save(kept)
        self._nvm.delete(_LINK + eui.hex())
        return True

    def replace_all(self, entries: list[DeviceEntry]) -> None:
        for entry in self.entries():
            self._nvm.delete(_LINK + entry.eui.hex())
        self._save(entries[: self.capacity])

    def update(self, eui: bytes, **changes: Any) -> DeviceEntry | None:
        entry = self.entry(eui)
        if entry is None:
            return None
        changed = replace(entry, **changes)
        self.put(changed)
        return changed

    # -- joining ----------------------------------------------------------------------------

    @property
    def joining_enabled(self) -> bool:
        return bool(self._nvm.get(_JOINING, {}).get("enabled", False))

    @property
    def join_timeout(self) -> int:
        """Minutes a join window stays open (attribute 3)."""
        return int(self._nvm.get(_JOINING, {}).get("timeout", 0))

    def set_joining(self, *, enabled: bool | None = None, timeout: int | None = None) -> None:
        joining = dict(self._nvm.get(_JOINING, {"enabled": False, "timeout": 0}))
        if enabled is not None:
            joining["enabled"] = enabled
        if timeout is not None:
            joining["timeout"] = timeout
        self._nvm.put(_JOINING, joining)

    # -- link statistics ----------------------------------------------------------------------

    def statistics(self, eui: bytes) -> LinkStatistics:
        stored = self._nvm.get(_LINK + eui.hex())
        return LinkStatistics() if stored is None else LinkStatistics.from_nvm(stored)

    def put_statistics(self, eui: bytes, statistics: LinkStatistics) -> None:
        self._nvm.put(_LINK + eui.hex(), statistics.to_nvm())

    def active_devices(self) -> Data:
        """Attribute 4: the active-device element of every entry."""
        return array([self.statistics(entry.eui).element(entry) for entry in self.entries()])

    # -- backup and restore ---------------------------------------------------------------------

    @property
    def network_id(self) -> bytes:
        network_id: bytes = self._nvm.get(_NETWORK_ID)
        return network_id

    def set_network_id(self, network_id: bytes) -> None:
        self._nvm.put(_NETWORK_ID, network_id)

    def backup(self, utc: float) -> Data:
        """Method 4: `structure{ date-time, network id, array of { EUI, install code } }`."""
        pairs = [structure(octets(entry.eui), octets(entry.install_code)) for entry in self.entries()]
        return backup_structure(utc, self.network_id, pairs)


def backup_structure(utc: float, network_id: bytes, pairs: Sequence[Data]) -> Data:
    """The backup form both device logs share (gbcs.md 5.7, CCS07 and CS14)."""
    return structure(octets(dlms_date_time(utc)), octets(network_id), array(list(pairs)))
