"""A device's join list: the HAN devices it may talk to directly (gbcs.md 5.4 CS03/CS04/CS07, 5.7).

Which device may join which, by join method (GBCS 13.7 as RTDS exercises it): method A
joins an ESME (initiator, CS03A1) with a PPMID, HCALCS or Type 2 device (responders,
CS03A2); method B joins a GSME with its GPF (or a Type 2 device); method C joins a GSME
with a PPMID and carries the other device's KA certificate. Response codes beyond 0
(success) are not in the primer; these follow the RTDS error scenarios [?]:

| code | meaning (here) | RTDS scenario |
|---|---|---|
| 1 | join list full | - |
| 2 | join method not allowed with this device type | CS03B with a PPMID |
| 3 | the device is already in the join list | CS03A1 repeating an EUI |
| 11 | method C without a KA certificate of the other device | CS03C without certificate |

The certificate's own EUI is not compared with the other device's: RTDS 8.7.2 has a device
accept a CS03C whose certificate names another EUI [?]. Its key is learnt for the joined
device's EUI, the peer HAN-originated commands are exchanged with.

CS04 unjoin answers 0, 1 "not in the join list", 2 "other" (gbcs.md 5.4). The list is
kept in NVM (`gbcs.join-list`), each entry with its method and, for method C, the
other device's certificate (whose KA key MACs HAN-originated commands such as PCS02).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware.gbcs import certificates
from protocols.gbcs.cs.common import CHF, ESME, GPF, GSME, HCALCS, PPMID, TYPE_2, JoinedDevice
from protocols.gbcs.cs.devices import METHOD_A_INITIATOR, METHOD_A_RESPONDER, METHOD_B, METHOD_C
from protocols.gbcs.keystore import KeyUsage

if TYPE_CHECKING:
    from hal.nvm import Nvm

_KEY = "gbcs.join-list"
JOINED, LIST_FULL, METHOD_NOT_ALLOWED, ALREADY_JOINED, CERTIFICATE_INVALID = 0, 1, 2, 3, 11
UNJOINED, NOT_JOINED, UNJOIN_OTHER = 0, 1, 2
#: (this device's type, join method) -> the types of device it may join that way.
_ALLOWED: dict[tuple[int, int], frozenset[int]] = {
    (ESME, METHOD_A_INITIATOR): frozenset((HCALCS, PPMID, TYPE_2)),
    (PPMID, METHOD_A_RESPONDER): frozenset((ESME,)),
    (HCALCS, METHOD_A_RESPONDER): frozenset((ESME,)),
    (TYPE_2, METHOD_A_RESPONDER): frozenset((ESME,)),
    (GSME, METHOD_B): frozenset((GPF, CHF, TYPE_2)),
    (GPF, METHOD_B): frozenset((GSME, TYPE_2)),
    (GSME, METHOD_C): frozenset((PPMID,)),
    (PPMID, METHOD_C): frozenset((GSME,)),
}
#: Unjoin use cases: CS04AC removes method A or C entries, CS04B method B entries.
UNJOIN_METHODS = {0x000F: frozenset((METHOD_A_INITIATOR, METHOD_A_RESPONDER, METHOD_C)), 0x0010: frozenset((METHOD_B,))}


@dataclass(frozen=True, slots=True)
class JoinEntry:
    device: JoinedDevice
    method: int
    certificate: bytes | None = None


class JoinList:
    """The persisted join list of one device of `device_type`."""

    def __init__(self, nvm: Nvm, device_type: int, capacity: int = 16) -> None:
        self._nvm = nvm
        self.device_type = device_type
        self.capacity = capacity

    def entries(self) -> list[JoinEntry]:
        return [
            JoinEntry(JoinedDevice(item["eui"], item["type"]), item["method"], item["certificate"])
            for item in self._nvm.get(_KEY, [])
        ]

    def _save(self, entries: list[JoinEntry]) -> None:
        self._nvm.put(
            _KEY,
            [
                {
                    "eui": e.device.device_id,
                    "type": e.device.device_type,
                    "method": e.method,
                    "certificate": e.certificate,
                }
                for e in entries
            ],
        )

    def contains(self, eui: bytes) -> bool:
        return any(entry.device.device_id == eui for entry in self.entries())

    def join(self, method: int, device: JoinedDevice, certificate: bytes | None) -> int:
        """Add an entry; the CS03 response code."""
        if device.device_type not in _ALLOWED.get((self.device_type, method), frozenset()):
            return METHOD_NOT_ALLOWED
        entries = self.entries()
        if any(entry.device.device_id == device.device_id for entry in entries):
            return ALREADY_JOINED
        if method == METHOD_C:
            if certificate is None:
                return CERTIFICATE_INVALID
            try:
                named = certificates.identity(certificate)
            except ValueError:
                return CERTIFICATE_INVALID
            if named.usage is not KeyUsage.KA:
                return CERTIFICATE_INVALID
        if len(entries) >= self.capacity:
            return LIST_FULL
        self._save([*entries, JoinEntry(device, method, certificate)])
        return JOINED

    def unjoin(self, message_code: int, eui: bytes) -> int:
        """Remove an entry; the CS04 response code."""
        entries = self.entries()
        found = [entry for entry in entries if entry.device.device_id == eui]
        if not found:
            return NOT_JOINED
        if found[0].method not in UNJOIN_METHODS.get(message_code, frozenset()):
            return UNJOIN_OTHER
        self._save([entry for entry in entries if entry.device.device_id != eui])
        return UNJOINED
