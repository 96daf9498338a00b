"""The CHF's DLMS server: access-requests in, access-responses out, over a table of COSEM objects.

Why a small engine of its own: the CHF's objects are few (gbcs.md 5.7: the two device logs,
the identity, the event and security logs, the four sub-GHz objects) and their behaviour is
hub state, not meter data; the engine only does what every DLMS access needs:

- Each request specification is looked up by (class, logical name) in the object table,
  then by attribute or method: an unknown object or member is `object-undefined`, a
  member that cannot be read or written that way `read-write-denied`, a value of the
  wrong shape `type-unmatched`, bad selective-access parameters `scope-of-access-violated`
  (meters.md 3.1; IEC 62056-5-3).
- Injected faults (`faults`: the ESME model's `Faults`, matched by kind, class, logical name and
  member) are checked first, so a faulted access changes nothing.
- Break On Error (every GBCS request carries it, gbcs.md 5.2): after the first failure the
  remaining instructions are not attempted and answer `other-reason`, a failed GET with
  null data (meters.md 3.1).
- The response repeats the request's long invoke id and has no date-time.

An object member is a function of a `Call` (the command's context, and where the member
puts the alerts it raises and the HAN orders it gives) returning an `Outcome`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from firmware.chf.actions import Action
from firmware.devices.esme.faults import FaultKind, Faults
from firmware.gbcs.contract import CommandContext, RaisedAlert
from protocols import dlms
from protocols.dlms import (
    NULL,
    AccessRequest,
    AccessResponse,
    AccessResult,
    ActionSpec,
    Data,
    DataAccessResult,
    GetSpec,
    GetWithSelectionSpec,
    Obis,
    SetSpec,
    SpecKind,
)
from protocols.dlms.selective import SelectiveAccess, SelectiveAccessError, parse_access

SUCCESS = DataAccessResult.SUCCESS
HARDWARE_FAULT = DataAccessResult.HARDWARE_FAULT
TEMPORARY_FAILURE = DataAccessResult.TEMPORARY_FAILURE
READ_WRITE_DENIED = DataAccessResult.READ_WRITE_DENIED
OBJECT_UNDEFINED = DataAccessResult.OBJECT_UNDEFINED
TYPE_UNMATCHED = DataAccessResult.TYPE_UNMATCHED
SCOPE_OF_ACCESS_VIOLATED = DataAccessResult.SCOPE_OF_ACCESS_VIOLATED
OTHER_REASON = DataAccessResult.OTHER_REASON


@dataclass(slots=True)
class Call:
    """One command being answered: its context, and what its instructions raise and order."""

    context: CommandContext
    alerts: list[RaisedAlert] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    @property
    def utc(self) -> float:
        return self.context.utc


@dataclass(frozen=True, slots=True)
class Outcome:
    """An instruction's result code and its data (null for SETs and for methods that return nothing)."""

    result: int
    data: Data = NULL


OK = Outcome(SUCCESS)
Reader = Callable[[Call], Outcome]
Writer = Callable[[Call, Data], Outcome]
Method = Callable[[Call, Data], Outcome]
SelectiveReader = Callable[[Call, SelectiveAccess], Outcome]


@dataclass(frozen=True, slots=True)
class CosemObject:
    """One COSEM object: its readable, writable and selectively readable attributes and its methods."""

    class_id: int
    obis: Obis
    get: Mapping[int, Reader] = field(default_factory=dict)
    set: Mapping[int, Writer] = field(default_factory=dict)
    action: Mapping[int, Method] = field(default_factory=dict)
    selective: Mapping[int, SelectiveReader] = field(default_factory=dict)


class CosemServer:
    """Answers DLMS access-requests over `objects` (see the module docstring)."""

    def __init__(self, objects: list[CosemObject], faults: Faults) -> None:
        self._objects = {(obj.class_id, obj.obis): obj for obj in objects}
        self.faults = faults

    def answer(self, request: AccessRequest, call: Call) -> bytes:
        data: list[Data] = []
        results: list[AccessResult] = []
        broken = False
        for spec, value in zip(request.specs, _padded(request), strict=True):
            kind = SpecKind.GET if isinstance(spec, GetWithSelectionSpec) else _kind(spec)
            if broken:
                outcome = Outcome(OTHER_REASON)
            else:
                outcome = self._one(spec, value, call)
                broken = outcome.result != SUCCESS
            data.append(outcome.data if kind is SpecKind.GET or outcome.result == SUCCESS else NULL)
            results.append(AccessResult(kind, outcome.result))
        return dlms.build(AccessResponse(request.invoke, tuple(data), tuple(results)))

    def _one(self, spec: GetSpec | SetSpec | ActionSpec | GetWithSelectionSpec, value: Data, call: Call) -> Outcome:
        if isinstance(spec, ActionSpec):
            class_id, obis, member = spec.descriptor.class_id, spec.descriptor.instance, spec.descriptor.method
            fault_kind = FaultKind.ACTION
        else:
            class_id, obis, member = spec.descriptor.class_id, spec.descriptor.instance, spec.descriptor.attribute
            fault_kind = FaultKind.SET if isinstance(spec, SetSpec) else FaultKind.GET
        forced = self.faults.check(fault_kind, class_id, obis, member)
        if forced is not None:
            return Outcome(forced)
        obj = self._objects.get((class_id, obis))
        if obj is None:
            return Outcome(OBJECT_UNDEFINED)
        if isinstance(spec, ActionSpec):
            method = obj.action.get(member)
            return Outcome(OBJECT_UNDEFINED) if method is None else method(call, value)
        if isinstance(spec, SetSpec):
            writer = obj.set.get(member)
            return Outcome(_denied_or_undefined(obj, member)) if writer is None else writer(call, value)
        if isinstance(spec, GetWithSelectionSpec):
            selective = obj.selective.get(member)
            if selective is None:
                return Outcome(_denied_or_undefined(obj, member))
            try:
                access = parse_access(spec.selector, spec.parameters)
            except SelectiveAccessError:
                return Outcome(SCOPE_OF_ACCESS_VIOLATED)
            return selective(call, access)
        reader = obj.get.get(member)
        return Outcome(_denied_or_undefined(obj, member)) if reader is None else reader(call)


def _denied_or_undefined(obj: CosemObject, attribute: int) -> int:
    known = attribute in obj.get or attribute in obj.set or attribute in obj.selective
    return READ_WRITE_DENIED if known else OBJECT_UNDEFINED


def _kind(spec: GetSpec | SetSpec | ActionSpec) -> SpecKind:
    if isinstance(spec, SetSpec):
        return SpecKind.SET
    return SpecKind.ACTION if isinstance(spec, ActionSpec) else SpecKind.GET


def _padded(request: AccessRequest) -> tuple[Data, ...]:
    """One data item per specification (GBCS sends null for GETs; a short list is padded with null)."""
    missing = len(request.specs) - len(request.data)
    return request.data[: len(request.specs)] + (NULL,) * max(0, missing)
