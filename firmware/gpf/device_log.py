"""The GPF device log: the HAN devices that may read the gas mirror, kept in NVM.

GBCS keeps two device logs in a hub (gbcs.md 5.7): the CHF's, and the GPF's - class 104
instance `0-0:30.3.1.255`, read by CCS07 - which lists the devices that talk to the GPF
rather than to the meters: PPMIDs and Type 2 devices such as in-home displays (RTDS GCS59
and GCS62 carry exactly those types). An entry is the device's EUI-64, its device type
and the install code the CHF registered it with (CCS07 reports it beside the EUI).

- When the CHF registers a PPMID or Type 2 device (CCS01) the GPF enters it; when the CHF
  unregisters it, the GPF removes it. Each such change raises GCS62 (0x00B2, alert 0x8071
  "GPF device log changed") with the whole log, to the ACB, so the DCC holds a backup.
- GCS59 (0x008C) restores the log from such a backup: the log becomes the listed devices,
  each answered with a join response code (gbcs.md 5.4: 0 success; here 1 the log is full,
  2 a device type the GPF log does not hold, 3 listed twice [?: GBCS's codes beyond 0]).
  A restore raises no GCS62: the DCC sent what it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from protocols.gbcs.cs.common import PPMID, TYPE_2, JoinedDevice

if TYPE_CHECKING:
    from hal.nvm import Nvm

_ENTRIES = "gpf.device-log"
#: Device types the GPF device log holds.
GPF_DEVICE_TYPES = frozenset((PPMID, TYPE_2))
RESTORED, LOG_FULL, TYPE_NOT_HELD, LISTED_TWICE = 0, 1, 2, 3
_NO_INSTALL_CODE = bytes(16)


@dataclass(frozen=True, slots=True)
class GpfDevice:
    eui: bytes
    device_type: int
    install_code: bytes = _NO_INSTALL_CODE

    def to_nvm(self) -> dict[str, Any]:
        return {"eui": self.eui, "type": self.device_type, "install_code": self.install_code}


class GpfDeviceLog:
    """The GPF device log (see the module docstring)."""

    def __init__(self, nvm: Nvm, capacity: int = 16) -> None:
        self._nvm = nvm
        self.capacity = capacity

    def entries(self) -> list[GpfDevice]:
        return [GpfDevice(item["eui"], item["type"], item["install_code"]) for item in self._nvm.get(_ENTRIES, [])]

    def devices(self) -> tuple[JoinedDevice, ...]:
        return tuple(JoinedDevice(entry.eui, entry.device_type) for entry in self.entries())

    def _save(self, entries: list[GpfDevice]) -> None:
        self._nvm.put(_ENTRIES, [entry.to_nvm() for entry in entries])

    def add(self, device: GpfDevice) -> bool:
        """Enter (or update) a device the CHF registered; False when its type is not held or the log is full."""
        entries = [entry for entry in self.entries() if entry.eui != device.eui]
        if device.device_type not in GPF_DEVICE_TYPES or len(entries) >= self.capacity:
            return False
        self._save([*entries, device])
        return True

    def remove(self, eui: bytes) -> bool:
        entries = self.entries()
        kept = [entry for entry in entries if entry.eui != eui]
        if len(kept) == len(entries):
            return False
        self._save(kept)
        return True

    def restore(self, devices: tuple[JoinedDevice, ...]) -> list[int]:
        """GCS59: the log becomes `devices`; one join response code per device."""
        known = {entry.eui: entry.install_code for entry in self.entries()}
        kept: list[GpfDevice] = []
        codes = []
        for device in devices:
            if device.device_type not in GPF_DEVICE_TYPES:
                codes.append(TYPE_NOT_HELD)
            elif any(entry.eui == device.device_id for entry in kept):
                codes.append(LISTED_TWICE)
            elif len(kept) >= self.capacity:
                codes.append(LOG_FULL)
            else:
                code = known.get(device.device_id, _NO_INSTALL_CODE)
                kept.append(GpfDevice(device.device_id, device.device_type, code))
                codes.append(RESTORED)
        self._save(kept)
        return codes
