"""Gas flows through the meter: registers, credit, debt recovery, logs and snapshots over time.

Why half-hour steps: GB meters account in half hours (profile data, tariff switch points are on
half hours), so the model walks the clock from its last accounted boundary to now one slot at
a time, each slot's volume drawn from the seeded load model (`LoadModel`: a morning and an
evening peak, times a random factor from the injected `rng`). Each slot adds to the summation,
the tier register of the calendar's tier at that time (`tariff.tier_at`) and the block counter,
and costs energy x price: taken from credit in prepayment mode, added to BillToDateDelivered in
credit mode (meters.md 4.1). Midnight charges the standing charge and writes the daily read
(snapshot cause 1) and the daily consumption sample; the first of a month ends a billing period
(snapshot cause 2). Credit crossing the warning, emergency-credit and disablement levels raises
the alerts of meters.md 5.3 and closes the valve when nothing is left.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from protocols.gbz import zcl

from . import prepay, tariff
from .model import ZIGBEE_EPOCH, Meter

SLOT = 1800
#: How far back a first start replays history from the profile's commissioning date.
MAX_HISTORY = 90 * 86400
#: Relative usage per hour of day (gas heating: morning and evening peaks), normalised below.
_SHAPE = (1, 1, 1, 1, 1, 2, 6, 8, 6, 3, 2, 2, 2, 2, 2, 2, 3, 6, 8, 8, 6, 4, 2, 1)
_WEIGHTS = tuple(weight / sum(_SHAPE) / 2 for weight in _SHAPE for _half in range(2))
#: Snapshot causes (meters.md 1.2).
DAILY, BILLING = 0x00000001, 0x00000002
DAILY_CONSUMPTION, NETWORK_DATA = 1, 2


def zigbee_datetime(utc: int) -> datetime:
    return datetime.fromtimestamp(utc + ZIGBEE_EPOCH, UTC)


def start(meter: Meter, utc: int) -> None:
    """First start: the clock begins at commissioning (at most `MAX_HISTORY` back), so history replays."""
    begin = utc
    if meter.profile.commissioned:
        commissioned = datetime.fromisoformat(meter.profile.commissioned).replace(tzinfo=UTC)
        begin = min(utc, max(int(commissioned.timestamp()) - ZIGBEE_EPOCH, utc - MAX_HISTORY))
    meter.state.set_value("clock", begin - begin % SLOT)
    log = meter.profile.network_log
    if log:
        meter.state.set_value("sampling", {**log, "start": begin, "taken": 0})


def advance(meter: Meter, until: int) -> None:
    """Account every whole half hour between the last accounted boundary and `until`."""
    clock = meter.state.value("clock")
    clock = max(clock, until - MAX_HISTORY)
    while clock + SLOT <= until:
        clock += SLOT
        meter.utc = clock
        _slot(meter, clock)
    meter.state.set_value("clock", clock)
    meter.utc = until


def _volume(meter: Meter, slot_end: int) -> int:
    load = meter.profile.load
    index = ((slot_end - SLOT) % 86400) // SLOT
    factor = meter.rng.uniform(1 - load.variability, 1 + load.variability)
    return max(0, round(load.litres_per_day * _WEIGHTS[index] * factor))


def _slot(meter: Meter, end: int) -> None:
    volume = _volume(meter, end) if meter.get(zcl.METERING, "supply_status", 2) == 2 else 0
    if volume:
        _register(meter, end - SLOT, volume)
        cost = math.ceil(tariff.energy_kwh(meter, volume) * tariff.unit_price(meter, end - SLOT))
        prepay.charge(meter, cost)
    _consumer_top_up(meter)
    _sample(meter, end, volume)
    if end % 3600 == 0:
        prepay.recover_time_debts(meter, hourly=True)
    if end % 86400 == 0:
        _midnight(meter, end)


def _register(meter: Meter, start_utc: int, volume: int) -> None:
    meter.set(zcl.METERING, "current_summ_delivered", meter.get(zcl.METERING, "current_summ_delivered") + volume)
    tier = tariff.tier_at(meter, start_utc)
    if 1 <= tier <= 4:
        name = f"current_tier{tier}_summ_delivered"
        meter.set(zcl.METERING, name, meter.get(zcl.METERING, name) + volume)
    block = tariff.block_of(meter, meter.state.value("block_period_volume", 0))
    name = f"current_no_tier_block{block}_summ_delivered"
    meter.set(zcl.METERING, name, meter.get(zcl.METERING, name) + volume)
    meter.state.set_value("block_period_volume", meter.state.value("block_period_volume", 0) + volume)
    meter.state.set_value("day_volume", meter.state.value("day_volume", 0) + volume)


def _consumer_top_up(meter: Meter) -> None:
    """The household of the load model tops up locally when credit runs low (its `top_up_*` settings)."""
    load = meter.profile.load
    if not load.top_up_amount or not prepay.prepayment_mode(meter):
        return
    if meter.get(zcl.PREPAYMENT, "credit_remaining") < load.top_up_below:
        prepay.add_credit(meter, load.top_up_amount)
        meter.state.append("top_up", {"code": b"", "amount": load.top_up_amount, "time": meter.utc})
        meter.raise_alert(prepay.CREDIT_ADDED_LOCALLY)


def _sample(meter: Meter, end: int, volume: int) -> None:
    """The network data log (GCS31): samples of the volume per sample interval while sampling runs."""
    sampling = meter.state.value("sampling")
    if not sampling:
        return
    interval = max(60, int(sampling["interval"]))
    per_second = volume / SLOT
    taken = int(sampling["taken"])
    next_at = int(sampling["start"]) + (taken + 1) * interval
    while next_at <= end and taken < int(sampling["max"]):
        meter.state.append(
            f"samples/{NETWORK_DATA}", {"time": next_at - interval, "value": round(per_second * interval)}
        )
        taken += 1
        next_at += interval
    meter.state.set_value("sampling", {**sampling, "taken": taken} if taken < int(sampling["max"]) else None)


def _midnight(meter: Meter, end: int) -> None:
    prepay.charge(meter, int(meter.get(zcl.PRICE, "standing_charge")))
    prepay.recover_time_debts(meter, hourly=False)
    meter.state.append(
        f"samples/{DAILY_CONSUMPTION}", {"time": end - 86400, "value": meter.state.value("day_volume", 0)}
    )
    meter.state.set_value("day_volume", 0)
    take_snapshots(meter, DAILY)
    if billing_period_ends(meter.state.value("billing_period"), end):
        take_snapshots(meter, BILLING)
        meter.state.set_value("block_period_volume", 0)


def billing_period_ends(period: dict | None, utc: int) -> bool:
    """Whether a billing period (PublishBillingPeriod, GCS25a) ends at midnight `utc`: a whole number of
    periods after its start. Duration type low nibble (ZSE D.4.2.4.10): 0 minutes, 1 days, 2 weeks, 3 months."""
    if not period or utc <= period["start"] or period["duration"] <= 0:
        return False
    unit = period["duration_type"] & 0x0F
    if unit == 3:
        start, day = zigbee_datetime(period["start"]), zigbee_datetime(utc)
        months = (day.year - start.year) * 12 + day.month - start.month
        return day.day == start.day and months % period["duration"] == 0 and day.time() == start.time()
    seconds = {0: 60, 1: 86400, 2: 7 * 86400}.get(unit, 86400) * period["duration"]
    return (utc - period["start"]) % seconds == 0


def take_snapshots(meter: Meter, cause: int) -> None:
    """A Metering snapshot (summation, tiers, blocks) and a Prepayment snapshot (debts, balances)."""
    metering = [meter.get(zcl.METERING, "current_summ_delivered")]
    metering += [meter.get(zcl.METERING, f"current_tier{n}_summ_delivered") for n in range(1, 5)]
    metering += [meter.get(zcl.METERING, f"current_no_tier_block{n}_summ_delivered") for n in range(1, 5)]
    snapshot_id = meter.state.value("snapshot_id", 0)
    meter.state.set_value("snapshot_id", snapshot_id + 1)
    meter.state.append("snapshot", {"id": snapshot_id, "time": meter.utc, "cause": cause, "values": metering})
    balances = [meter.get(zcl.PREPAYMENT, name) for name in prepay.SNAPSHOT_FIELDS]
    meter.state.append("prepay_snapshot", {"id": snapshot_id, "time": meter.utc, "cause": cause, "values": balances})
