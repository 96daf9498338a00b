"""The ESME's payload side: a DLMS/COSEM server answering GBCS payloads (interfaces.md, the GBCS endpoint contract).

`Esme` implements `firmware.gbcs.contract.PayloadHandler`: `handle(payload, context)` answers one
DLMS access-request with one access-response, `deadline()` / `timer_fired(now, utc)` run the
meter's own events, and every call returns the alerts the meter raised meanwhile.

An access-request is served in order (meters.md 0 item 3): each GET / SET / ACTION /
GET-with-selection gets one result and one data item; after a failure, when the request asks
for break-on-error (GBCS always does, gbcs.md 5.2), the remaining instructions are not
attempted and answer `other-reason` (250) with null data (meters.md 3.1). A payload that is
not a well-formed access-request gets a DLMS exception-response, never an exception.

Before serving a command the meter catches up with the time the command arrives at, so a
future-dated change due earlier is in force; state changes commit in one NVM transaction.
"""

from __future__ import annotations

import random

from firmware.devices.esme import access, activation, objects, prepayment, supply, timeline
from firmware.devices.esme.faults import FaultKind, Faults
from firmware.devices.esme.load import Load
from firmware.devices.esme.logs import log_specs
from firmware.devices.esme.meter import Call, Meter
from firmware.devices.esme.profile import DeviceProfile
from firmware.devices.esme.schema import Refused
from firmware.devices.esme.security import PayloadSecurity
from firmware.devices.esme.store import Nvm, Store
from firmware.gbcs.contract import CommandContext, HandlerResult, RaisedAlert
from protocols.dlms import (
    NULL,
    AccessRequest,
    AccessResponse,
    AccessResult,
    ActionSpec,
    Data,
    DataAccessResult,
    DlmsDecodeError,
    ExceptionResponse,
    GetSpec,
    GetWithSelectionSpec,
    Obis,
    RequestSpec,
    SetSpec,
    SpecKind,
    build,
    parse,
)
from protocols.dlms.selective import SelectiveAccessError, parse_access

#: Exception-response for bytes that are not a DLMS APDU: service-unknown / other-reason.
_UNDECODABLE = ExceptionResponse(state_error=2, service_error=3)
#: Exception-response for an APDU a server does not accept (a response or notification sent to it).
_NOT_A_REQUEST = ExceptionResponse(state_error=1, service_error=2)
#: Tolerance when comparing loop times (float arithmetic on deadlines).
_EPSILON = 1e-6


class Esme:
    """A SMETS2 electricity meter's DLMS/COSEM model (`PayloadHandler`).

    `nvm`: the meter's `hal.nvm` partition (all its state); `profile`: what meter to be;
    `rng`: draws the load model's seed once when the profile gives none; `security`: UTRN
    checks and protected data (without it those answer `temporary-failure`); `faults`: the
    test fault API (`faults.Fault`).
    """

    def __init__(
        self,
        nvm: Nvm,
        profile: DeviceProfile,
        rng: random.Random,
        *,
        security: PayloadSecurity | None = None,
        faults: Faults | None = None,
    ) -> None:
        store = Store(nvm)
        seed = store.get("m/load/seed")
        if seed is None:
            seed = profile.load.seed if profile.load.seed is not None else rng.getrandbits(63)
            store.put("m/load/seed", seed)
        self._meter = Meter(
            store=store,
            profile=profile,
            objects=objects.build(profile),
            load=Load(profile.load, int(seed)),
            security=security,
            faults=faults if faults is not None else Faults(),
            log_specs=log_specs(profile.variant),
        )
        self._anchor: tuple[float, float] | None = None  #: (loop time, UTC) of the last call
        self._deadline: float | None = 0.0  #: until the first call, due at once: learn the time, catch up

    # ---- PayloadHandler

    def handle(self, payload: bytes, context: CommandContext) -> HandlerResult:
        meter = self._meter
        if self.powered_off:
            return HandlerResult(None)  # a meter without power does not answer
        with meter.store.transaction():
            time = self._catch_up(context.now, context.utc)
            meter.store.put("m/eui", bytes(context.recipient))
            meter.store.put("m/last_originator", bytes(context.originator))
            response = self._respond(payload, Call(meter, context, time))
            alerts = meter.take_alerts()
            self._schedule()
        return HandlerResult(response, alerts)

    def deadline(self) -> float | None:
        return self._deadline

    def timer_fired(self, now: float, utc: float) -> tuple[RaisedAlert, ...]:
        if self._deadline is None or now + _EPSILON < self._deadline or self.powered_off:
            return ()
        meter = self._meter
        with meter.store.transaction():
            self._catch_up(now, utc)
            alerts = meter.take_alerts()
            self._schedule()
        return alerts

    # ---- test and operations API

    @property
    def faults(self) -> Faults:
        """The fault API: `esme.faults.add(Fault(...))`."""
        return self._meter.faults

    @property
    def meter(self) -> Meter:
        """The model (objects, state, behaviour modules) for tests and tools."""
        return self._meter

    def meter_time(self, utc: float) -> float:
        return self._meter.meter_time(utc)

    def pending_activations(self) -> list[tuple[float, tuple[int, str, int]]]:
        """(meter time due, activation attribute) of every queued future-dated activation."""
        return activation.pending(self._meter)

    @property
    def powered_off(self) -> bool:
        return self._meter.store.get("m/power/off") is not None

    def lose_power(self, now: float, utc: float) -> None:
        """Fault API: the meter loses power: it meters, answers and schedules nothing until power is restored."""
        meter = self._meter
        with meter.store.transaction():
            self._catch_up(now, utc)
            meter.store.put("m/power/off", meter.meter_time(utc))
        self._deadline = None

    def restore_power(self, now: float, utc: float) -> tuple[RaisedAlert, ...]:
        """Fault API: power is back. Nothing was metered meanwhile; an outage of 3 minutes or more raises
        0x8F36 with the interruption and restoration times (ECS80, gbcs.md 5.5); future-dated changes that
        fell due run now."""
        meter = self._meter
        with meter.store.transaction():
            since = meter.store.get("m/power/off")
            if since is None:
                return ()
            meter.store.delete("m/power/off")
            time = meter.meter_time(utc)
            timeline.power_restored(meter, float(since), time)
            self._catch_up(now, utc)
            alerts = meter.take_alerts()
            self._schedule()
        return alerts

    def press_button(self, now: float, utc: float) -> bool:
        """The consumer restores an armed supply (meter button or PPMID); False when it was not armed."""
        meter = self._meter
        with meter.store.transaction():
            self._catch_up(now, utc)
            done = supply.press_button(meter)
            self._schedule()
        return done

    # ---- internals

    def _catch_up(self, now: float, utc: float) -> float:
        meter = self._meter
        self._anchor = (now, utc)
        time = meter.meter_time(utc)
        if meter.store.get("m/time") is None:
            prepayment.commission(meter)
        timeline.advance(meter, time)
        return time

    def _schedule(self) -> None:
        if self._anchor is None:
            return
        now, utc = self._anchor
        meter = self._meter
        current = float(meter.store.get("m/time", meter.meter_time(utc)))
        self._deadline = now + (timeline.next_event(meter, current) - meter.meter_time(utc))

    def _respond(self, payload: bytes, call: Call) -> bytes:
        try:
            request = parse(payload)
        except DlmsDecodeError:
            return build(_UNDECODABLE)
        if not isinstance(request, AccessRequest) or len(request.specs) != len(request.data):
            return build(_NOT_A_REQUEST)
        results: list[AccessResult] = []
        data: list[Data] = []
        failed = False
        for spec, item in zip(request.specs, request.data, strict=True):
            kind = SpecKind.GET if isinstance(spec, GetWithSelectionSpec) else SpecKind(_kind(spec))
            if failed:
                results.append(AccessResult(kind, DataAccessResult.OTHER_REASON))
                data.append(NULL)
                continue
            try:
                value = self._serve(call, spec, item)
            except Refused as refusal:
                results.append(AccessResult(kind, refusal.code))
                data.append(NULL)
                failed = request.invoke.break_on_error
            else:
                results.append(AccessResult(kind, DataAccessResult.SUCCESS))
                data.append(value)
        return build(AccessResponse(request.invoke, tuple(data), tuple(results)))

    def _serve(self, call: Call, spec: RequestSpec, item: Data) -> Data:
        meter = self._meter
        match spec:
            case GetSpec(descriptor) | GetWithSelectionSpec(descriptor):
                _fault(meter, FaultKind.GET, descriptor.class_id, descriptor.instance, descriptor.attribute)
                selection = None
                if isinstance(spec, GetWithSelectionSpec):
                    try:
                        selection = parse_access(spec.selector, spec.parameters)
                    except SelectiveAccessError as error:
                        raise Refused(DataAccessResult.TYPE_UNMATCHED, str(error)) from None
                return access.read_attribute(
                    call, descriptor.class_id, descriptor.instance, descriptor.attribute, selection
                )
            case SetSpec(descriptor):
                _fault(meter, FaultKind.SET, descriptor.class_id, descriptor.instance, descriptor.attribute)
                access.write_attribute(call, descriptor.class_id, descriptor.instance, descriptor.attribute, item)
                return NULL
            case ActionSpec(method):
                _fault(meter, FaultKind.ACTION, method.class_id, method.instance, method.method)
                returned = access.invoke_method(call, method.class_id, method.instance, method.method, item)
                return NULL if returned is None else returned
        raise Refused(DataAccessResult.OTHER_REASON, "unknown request")  # unreachable: RequestSpec is a closed union


def _kind(spec: RequestSpec) -> int:
    return (
        SpecKind.SET
        if isinstance(spec, SetSpec)
        else (SpecKind.ACTION if isinstance(spec, ActionSpec) else SpecKind.GET)
    )


def _fault(meter: Meter, kind: FaultKind, class_id: int, instance: Obis, member: int) -> None:
    result = meter.faults.check(kind, class_id, instance, member)
    if result is not None:
        raise Refused(result, f"fault injected on {kind.value} {class_id} {instance} {member}")
