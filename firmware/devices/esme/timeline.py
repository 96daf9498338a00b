"""How the meter moves through time: the events it schedules itself and the metering between them.

Theory of operation. The meter's state carries the meter time it was last brought to
(`m/time`). Bringing it to a later time walks from event to event - half-hour boundaries
(profiles, maximum demand, load-limit checks), midnights (daily logs), voltage captures,
tariff switches, billing-calendar and block-reset executions, future-dated activations,
the end of a load-limit restoration, and the moment prepayment credit would run out - and
meters the interval before each one at the power of its half-hour slot. So the outcome does
not depend on how often the meter is woken: one call at the end or one per event give the
same registers, logs and alerts.

A gap longer than the profile's `max_catch_up` between two observations is time the meter
was off (the emulator was not running): it is skipped, not metered, as a real meter records
nothing while unpowered. A clock set backwards simply restarts from the new time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.devices.esme import activation, dates, logs, metering, prepayment, supply
from firmware.devices.esme.alerts import AlertCode
from firmware.devices.esme.dates import DAY, Date, day_start, time_of_day
from firmware.devices.esme.load import SLOT
from firmware.devices.esme.profile import Variant
from protocols.dlms import Array, OctetString, Structure, octets

if TYPE_CHECKING:
    from firmware.devices.esme.meter import Meter

BILLING_CALENDAR = "0-0:15.0.0.255"
BLOCK_RESET = "0-0:15.1.0.255"
LOAD_LIMITER = "0-0:17.0.0.255"
LOAD_LIMIT_STATE = "0-0:94.44.0.3"
_SCHEDULE_HORIZON = 370  #: days ahead a single-action schedule is searched


def phases(meter: Meter) -> tuple[str, ...]:
    return ("32", "52", "72") if meter.profile.variant is Variant.POLYPHASE else ("32",)


def executions(meter: Meter, obis: str, midnight: float) -> tuple[float, ...]:
    """Instants from `midnight` on (about a year) at which single-action schedule `obis` runs."""

    def build() -> tuple[float, ...]:
        entries = []
        value = meter.value(obis, 4)
        for entry in value.items if isinstance(value, Array) else ():
            if not isinstance(entry, Structure) or len(entry.items) != 2:
                continue
            time_raw, date_raw = entry.items
            if (
                not isinstance(time_raw, OctetString)
                or not isinstance(date_raw, OctetString)
                or len(date_raw.value) != 5
            ):
                continue
            seconds = time_of_day(time_raw.value)
            if seconds is not None:
                entries.append((seconds, Date.parse(date_raw.value)))
        instants: list[float] = []
        for ahead in range(_SCHEDULE_HORIZON):
            day = midnight + ahead * DAY
            when = dates.moment(day)
            instants.extend(day + seconds for seconds, date in entries if date.matches(when))
        return tuple(sorted(instants))

    return meter.cached(("executions", obis, meter.raw_value(obis, 4), midnight), build)


def _next_execution(meter: Meter, obis: str, time: float) -> float | None:
    return next((instant for instant in executions(meter, obis, day_start(time)) if instant > time), None)


def next_event(meter: Meter, time: float) -> float:
    """The first self-driven event strictly after meter time `time`."""
    candidates = [(time // SLOT + 1) * SLOT]
    period = meter.number("1-0:32.24.0.255", 4)
    if period > 0:
        candidates.append((time // period + 1) * period)
    for found in (
        activation.next_due(meter),
        metering.calendar(meter, metering.PRIMARY_CALENDAR).next_change(time),
        _next_execution(meter, BILLING_CALENDAR, time),
        _next_execution(meter, BLOCK_RESET, time),
        float(meter.store.get("m/ll/restore", 0.0)) or None,
        prepayment.non_disablement_calendar(meter).next_change(time),
    ):
        if found is not None:
            candidates.append(found)
    if meter.profile.variant is Variant.TWIN:
        change = metering.calendar(meter, metering.SECONDARY_CALENDAR).next_change(time)
        if change is not None:
            candidates.append(change)
    to_empty = prepayment.seconds_to_disablement(meter, float(meter.store.get("m/p/rate", 0.0)))
    if to_empty is not None:
        candidates.append(time + max(to_empty, 1.0))
    return min(candidate for candidate in candidates if candidate > time)


def advance(meter: Meter, target: float) -> None:
    """Bring the meter from its stored time to meter time `target` (see the module docstring)."""
    last = meter.store.get("m/time")
    if last is None or target <= last:
        meter.store.put("m/time", target)
        return
    last = max(float(last), target - meter.profile.max_catch_up)
    while last < target:
        step = min(next_event(meter, last), target)
        meter.store.put("m/p/rate", metering.integrate(meter, last, step))
        last = step
        _events_at(meter, last)
    meter.store.put("m/time", last)


def _events_at(meter: Meter, time: float) -> None:
    activation.run_due(meter, time)
    if time % SLOT == 0:
        metering.end_of_slot(meter, time)
        _check_load_limit(meter, time)
    if time % DAY == 0:
        metering.end_of_day(meter, time)
    period = meter.number("1-0:32.24.0.255", 4)
    if period > 0 and time % period == 0:
        for phase in phases(meter):
            metering.voltage_capture(meter, time, phase)
    if time in executions(meter, BILLING_CALENDAR, day_start(time)):
        billing_capture(meter, time)
    if time in executions(meter, BLOCK_RESET, day_start(time)):
        metering.reset_block_counters(meter)
    restore = float(meter.store.get("m/ll/restore", 0.0))
    if restore and time >= restore:
        meter.store.put("m/ll/restore", 0.0)
        if supply.reason(meter) is supply.Reason.LOAD_LIMIT and supply.execute(meter, supply.ENABLE, time):
            meter.raise_alert(AlertCode.SUPPLY_ENABLED_AFTER_LOAD_LIMIT, time)
    prepayment.check(meter, time)


#: Shortest interruption reported as a supply outage on restoration (meters.md 5.3: the "3 minutes or more" alerts).
OUTAGE_REPORTED = 180.0


def power_restored(meter: Meter, since: float, time: float) -> None:
    """Power returns at `time` after an interruption from `since`: nothing is metered for the gap."""
    meter.store.put("m/time", max(float(meter.store.get("m/time", since)), time))
    if time - since >= OUTAGE_REPORTED:
        meter.raise_alert(
            AlertCode.SUPPLY_OUTAGE_RESTORED, time, octets(dates.date_time(since)), octets(dates.date_time(time))
        )
    activation.run_due(meter, time)


def billing_capture(meter: Meter, time: float) -> None:
    """The billing calendar's execution: both billing data log parts, then a new block period."""
    logs.append(meter, meter.log_specs["0-0:98.1.0.255"], metering.register_read(meter, time))
    logs.append(meter, meter.log_specs["0-0:98.1.1.255"], metering.prepayment_read(meter, time))
    metering.reset_block_counters(meter)


def _check_load_limit(meter: Meter, time: float) -> None:
    """At a slot start: a load above the limiter's threshold for the whole slot trips the load limit."""
    threshold = meter.number(LOAD_LIMITER, 4)
    demand = meter.load.demand(int(time // SLOT)).import_w
    if threshold <= 0 or not supply.connected(meter) or demand <= threshold:
        return
    if meter.number(LOAD_LIMITER, 6) > SLOT:
        return
    meter.set_state("ll/count", meter.state("ll/count") + 1)
    meter.raise_alert(AlertCode.IMPORT_ABOVE_LOAD_LIMIT, time)
    if meter.flag(LOAD_LIMIT_STATE, 2):
        supply.disable(meter, supply.Reason.LOAD_LIMIT)
        meter.raise_alert(AlertCode.SUPPLY_DISABLED_LOAD_LIMIT, time)
        meter.store.put("m/ll/restore", time + max(meter.number(LOAD_LIMITER, 7), 1))
