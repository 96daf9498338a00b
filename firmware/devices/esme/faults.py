"""Faults for tests: make the meter answer an access with a given result, or fail its firmware image check.

Why: a real meter answers some instructions with `hardware-fault` or `temporary-failure`
because of its hardware (RTDS has such ERROR scenarios), and a future-dated activation can
fail when its time comes. An emulator must be able to do the same on demand - by the object
addressed, never by recognising a particular message.

A `Fault` matches accesses by kind (GET, SET, ACTION, or the execution of a future-dated
ACTIVATION), class, logical name and attribute/method number (None = any); it lets `skip`
matching accesses through, then answers `result` `times` times (None = every time). The
meter checks faults before touching the object, so a faulted SET changes nothing; with
break-on-error the instructions after it are then not attempted (`other-reason`).

Config form (`Faults.from_config`), e.g. from a test or a home file:
`[{"kind": "get", "class": 1, "obis": "0-0:0.2.1.255", "member": 2, "result": "hardware-fault"}]`
and `firmware_image_check_fails = true`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from protocols.dlms import DataAccessResult, Obis


class FaultKind(str, enum.Enum):
    GET = "get"
    SET = "set"
    ACTION = "action"
    ACTIVATION = "activation"  #: a future-dated activation failing when due (alert 0x8F67)


class FaultConfigError(ValueError):
    """A fault description that cannot be used (which entry and why)."""


@dataclass
class Fault:
    kind: FaultKind | None = None
    class_id: int | None = None
    obis: Obis | None = None
    member: int | None = None
    result: int = DataAccessResult.HARDWARE_FAULT
    skip: int = 0
    times: int | None = None

    def matches(self, kind: FaultKind, class_id: int, obis: Obis, member: int) -> bool:
        return (
            (self.kind is None or self.kind is kind)
            and (self.class_id is None or self.class_id == class_id)
            and (self.obis is None or self.obis == obis)
            and (self.member is None or self.member == member)
        )


@dataclass
class Faults:
    """The faults armed on one meter; `check` is what the meter calls for every access."""

    armed: list[Fault] = field(default_factory=list)
    firmware_image_check_fails: bool = False

    def add(self, fault: Fault) -> Fault:
        self.armed.append(fault)
        return fault

    def clear(self) -> None:
        self.armed.clear()
        self.firmware_image_check_fails = False

    def check(self, kind: FaultKind, class_id: int, obis: Obis, member: int) -> int | None:
        """The result a fault imposes on this access, or None."""
        for fault in self.armed:
            if not fault.matches(kind, class_id, obis, member):
                continue
            if fault.skip > 0:
                fault.skip -= 1
                continue
            if fault.times is not None:
                if fault.times <= 0:
                    continue
                fault.times -= 1
            return fault.result
        return None

    @classmethod
    def from_config(cls, entries: list[dict[str, Any]], *, firmware_image_check_fails: bool = False) -> Faults:
        faults = cls(firmware_image_check_fails=firmware_image_check_fails)
        results = {result.label: int(result) for result in DataAccessResult}
        for index, entry in enumerate(entries):
            unknown = set(entry) - {"kind", "class", "obis", "member", "result", "skip", "times"}
            if unknown:
                raise FaultConfigError(f"fault {index}: unknown keys {sorted(unknown)}")
            try:
                result = entry.get("result", "hardware-fault")
                faults.add(
                    Fault(
                        kind=FaultKind(entry["kind"]) if "kind" in entry else None,
                        class_id=entry.get("class"),
                        obis=Obis.of(entry["obis"]) if "obis" in entry else None,
                        member=entry.get("member"),
                        result=results[result] if isinstance(result, str) else int(result),
                        skip=int(entry.get("skip", 0)),
                        times=entry.get("times"),
                    )
                )
            except (KeyError, ValueError) as error:
                raise FaultConfigError(f"fault {index}: {error}") from None
        return faults
