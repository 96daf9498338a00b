"""Two-stage writes and future-dated commands (meters.md 0 item 4, 3.4; gbcs.md 5.2, 5.5).

A command writes *passive* (next) values, then an activation date-time; this table says which
passive values each activation attribute moves into which active ones. The date-time written
decides when:

- all zeros ("now"): at once, no alert;
- all `FF` ("never"): cancels what is pending for that activation attribute (the RTDS
  CANCELLATION scenarios);
- a date-time at or before the meter's time: at once, no alert;
- a later date-time: queued in NVM; when the meter's time reaches it the values move and the
  meter raises alert 0x8F66 (message code 0x00CC) quoting the command's message code and
  counter and the activation attribute (class, OBIS, attribute), time-stamped with the
  activation time; 0x8F67 if the activation failed (the fault API can make it fail). Entries
  due together fire in the order they were written, as RTDS numbers their alerts.

Values are copied into the active attribute's own type (a 9000 `value_passive` written as a
`double-long-unsigned` lands as the Credit object's `double-long`), and a single value goes
into a thresholds array as its only element.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from firmware.devices.esme import metering
from firmware.devices.esme.alerts import AlertCode, future_dated_fields
from firmware.devices.esme.cosem import Writer
from firmware.devices.esme.faults import FaultKind
from protocols.dlms import Array, Data, DateTime, Integer, Obis, OctetString, Structure, enum_
from protocols.dlms.data import integer_range

if TYPE_CHECKING:
    from firmware.devices.esme.meter import Call, Meter

QUEUE = "pending-activations"


@dataclass(frozen=True)
class Move:
    source: str
    source_attribute: int
    target: str
    target_attribute: int


def _own(obis: str) -> tuple[Move, ...]:
    """A class-9000 object's value_passive (a4) into its value_active (a2)."""
    return (Move(obis, 4, obis, 2),)


def _next(obis: str, target: str, attribute: int) -> tuple[Move, ...]:
    return (*_own(obis), Move(obis, 4, target, attribute))


_CALENDAR = tuple((passive, active) for passive, active in ((6, 2), (7, 3), (8, 4), (9, 5)))
_THRESHOLDS = tuple(Move(f"0-0:16.1.{rate}.255", 2, f"0-0:16.0.{rate}.255", 2) for rate in range(11, 19))

#: Activation attribute (class, OBIS, attribute) -> the values it moves (meters.md 2.3-2.5).
ACTIVATIONS: dict[tuple[int, str, int], tuple[Move, ...]] = {
    (20, "0-0:13.0.0.255", 10): tuple(Move("0-0:13.0.0.255", p, "0-0:13.0.0.255", a) for p, a in _CALENDAR),
    (20, "0-0:13.0.1.255", 10): tuple(Move("0-0:13.0.1.255", p, "0-0:13.0.1.255", a) for p, a in _CALENDAR),
    (9000, "0-0:94.44.128.29", 6): (Move("0-1:11.0.0.255", 2, "0-0:11.0.0.255", 2),),
    (9000, "0-0:94.44.128.30", 6): (Move("0-1:11.0.1.255", 2, "0-0:11.0.1.255", 2),),
    (9000, "0-0:94.44.128.31", 6): (Move("0-1:11.0.2.255", 2, "0-0:11.0.2.255", 2),),
    (9000, "0-0:94.44.128.35", 6): (Move("0-1:11.0.3.255", 2, "0-0:11.0.3.255", 2),),
    (9000, "0-0:94.44.128.28", 6): (Move("0-1:12.0.1.255", 2, "0-0:12.0.1.255", 2),),
    (9000, "0-0:94.44.128.26", 6): (Move("0-1:12.0.2.255", 2, "0-0:12.0.2.255", 2),),
    (9000, "0-0:63.1.1.255", 6): _THRESHOLDS,
    (9000, "0-0:94.44.2.0", 6): _own("0-0:94.44.2.0"),
    (9000, "0-0:94.44.2.10", 6): _own("0-0:94.44.2.10"),
    (9000, "0-0:94.44.2.20", 6): _own("0-0:94.44.2.20"),
    (9000, "0-0:94.44.0.3", 6): _own("0-0:94.44.0.3"),
    (9000, "0-0:94.44.128.2", 6): _next("0-0:94.44.128.2", "0-0:19.10.1.255", 9),
    (9000, "0-0:94.44.128.3", 6): _next("0-0:94.44.128.3", "0-0:19.10.1.255", 10),
    (9000, "0-0:94.44.128.9", 6): _next("0-0:94.44.128.9", "0-0:19.0.0.255", 16),
    (9000, "0-0:94.44.128.12", 6): _next("0-0:94.44.128.12", "0-0:19.0.0.255", 18),
    (9000, "0-0:94.44.128.13", 6): _next("0-0:94.44.128.13", "0-0:19.0.0.255", 19),
    (9000, "0-0:94.44.128.22", 6): _next("0-0:94.44.128.22", "0-0:16.0.1.255", 2),
    (9000, "0-0:94.44.128.6", 6): _next("0-0:94.44.128.6", "0-0:17.0.0.255", 6),
    (9000, "0-0:94.44.128.7", 6): _next("0-0:94.44.128.7", "0-0:17.0.0.255", 4),
    (9000, "0-0:94.44.128.8", 6): _next("0-0:94.44.128.8", "0-0:17.0.0.255", 7),
    (111, "0-1:19.0.0.255", 13): (
        Move("0-1:19.0.0.255", 2, "0-0:19.0.0.255", 2),
        Move("0-1:19.0.0.255", 11, "0-0:19.0.0.255", 11),
    ),
    **{
        (113, charge, 7): (Move(charge, 6, charge, 5),)
        for charge in ("0-0:19.20.0.255", "0-0:19.20.4.255", "0-0:19.20.5.255")
    },
}


def convert(value: Data, like: Data) -> Data:
    """`value` in the shape of the current value `like` where an integer needs it (see module docstring)."""
    if isinstance(value, Integer):
        if isinstance(like, Integer) and value.value in integer_range(like.type):
            return Integer(like.type, value.value)
        if isinstance(like, Array) and like.items and isinstance(like.items[0], Integer):
            return Array((convert(value, like.items[0]),))
    return value


#: Activations that change the tariff or the payment mode, which capture the billing data log 0-0:98.1.2.255.
_BILLING_CHANGES = frozenset({(20, "0-0:13.0.0.255", 10), (111, "0-1:19.0.0.255", 13), (113, "0-0:19.20.0.255", 7)})


def apply(meter: Meter, trigger: tuple[int, str, int], time: float) -> None:
    """Move the passive values of `trigger` into the active ones at meter time `time`."""
    if trigger in _BILLING_CHANGES:
        metering.change_of_mode_or_tariff(meter, time)
    for move in ACTIVATIONS[trigger]:
        value = meter.value(move.source, move.source_attribute)
        current = meter.value(move.target, move.target_attribute)
        if (move.target, move.target_attribute) == ("0-0:19.0.0.255", 2) and isinstance(value, Structure):
            value = Structure((value.items[0], enum_(2)))  # the account becomes active (status 2)
        meter.set_value(move.target, move.target_attribute, convert(value, current))


def on_write(trigger: tuple[int, str, int]) -> Writer:
    """The write behaviour of activation attribute `trigger`."""

    def written(call: Call, value: Data) -> None:
        meter = call.meter
        cancel(meter, trigger)
        raw = value.value if isinstance(value, OctetString) else b""
        when = DateTime.parse(raw)
        if when.is_never:
            return
        due = when.to_utc()
        if when.is_now or due is None or due <= call.time:
            apply(meter, trigger, call.time)
            return
        context = call.context
        message, counter = (context.message_code, context.counter) if context is not None else (0, 0)
        meter.store.push(QUEUE, [trigger[0], trigger[1], trigger[2], due, message, counter])

    return written


def cancel(meter: Meter, trigger: tuple[int, str, int]) -> None:
    for seq, entry in meter.store.queue(QUEUE):
        if (entry[0], entry[1], entry[2]) == trigger:
            meter.store.remove(QUEUE, seq)


def pending(meter: Meter) -> list[tuple[float, tuple[int, str, int]]]:
    """(due meter time, activation attribute) of every queued activation, in queue order."""
    return [(float(entry[3]), (entry[0], entry[1], entry[2])) for _, entry in meter.store.queue(QUEUE)]


def next_due(meter: Meter) -> float | None:
    times = [due for due, _ in pending(meter)]
    return min(times) if times else None


def run_due(meter: Meter, time: float) -> None:
    """Fire every queued activation due at or before `time`, raising its outcome alert."""
    entries: list[tuple[int, Any]] = [(seq, entry) for seq, entry in meter.store.queue(QUEUE) if entry[3] <= time]
    for seq, entry in sorted(entries, key=lambda item: (item[1][3], item[0])):
        class_id, obis, attribute, due, message, counter = entry
        meter.store.remove(QUEUE, seq)
        trigger = (class_id, obis, attribute)
        failed = meter.faults.check(FaultKind.ACTIVATION, class_id, Obis.of(obis), attribute) is not None
        if not failed:
            apply(meter, trigger, float(due))
        code = AlertCode.FUTURE_DATED_FAILURE if failed else AlertCode.FUTURE_DATED_SUCCESS
        fields = future_dated_fields(message, counter, class_id, Obis.of(obis).raw, attribute)
        meter.raise_alert(code, float(due), fields)
