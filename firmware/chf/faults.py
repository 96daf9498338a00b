"""Injected hardware faults of the CHF's COSEM objects: how a test makes the hub answer an ERROR scenario.

Why: a real hub answers some accesses `hardware-fault` because of its hardware, and the RTDS
ERROR scenarios for the CHF are exactly that (the command is the SUCCESS scenario's; only
the device's state differs). An emulator must be able to do the same on demand - by the
object addressed, never by recognising a message. A `Fault` matches accesses by kind
(get / set / action), class, logical name and attribute or method (None = any), lets `skip`
matching accesses through, then imposes `result` `times` times (None = always). The COSEM
server checks faults before touching the object, so a faulted SET changes nothing, and
Break On Error then answers the instructions after it `other-reason` (meters.md 3.1).
Faults are test set-up, kept in memory only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protocols.dlms import DataAccessResult, Obis

GET, SET, ACTION = "get", "set", "action"


@dataclass(slots=True)
class Fault:
    kind: str | None = None
    class_id: int | None = None
    obis: Obis | None = None
    member: int | None = None
    result: int = DataAccessResult.HARDWARE_FAULT
    skip: int = 0
    times: int | None = 1

    def matches(self, kind: str, class_id: int, obis: Obis, member: int) -> bool:
        return (
            self.kind in (None, kind)
            and self.class_id in (None, class_id)
            and self.obis in (None, obis)
            and self.member in (None, member)
        )


@dataclass(slots=True)
class Faults:
    """The faults armed on one COSEM server; `check` is called for every access."""

    armed: list[Fault] = field(default_factory=list)

    def add(self, fault: Fault) -> Fault:
        self.armed.append(fault)
        return fault

    def clear(self) -> None:
        self.armed.clear()

    def check(self, kind: str, class_id: int, obis: Obis, member: int) -> int | None:
        """The result a fault imposes on this access, or None."""
        for fault in self.armed:
            if not fault.matches(kind, class_id, obis, member):
                continue
            if fault.skip:
                fault.skip -= 1
                continue
            if fault.times is not None:
                if fault.times <= 0:
                    continue
                fault.times -= 1
            return fault.result
        return None
