"""Energy registers, tariffs and what is captured at the end of each half hour and each day (meters.md 2.2, 2.3, 2.6).

Between two events the power is constant (the load model gives one value per half-hour
slot), so integrating is a multiplication. The rate in force comes from the activity
calendar: selector t (1-48) adds to TOU register t at price t; selector 100+t (101-108)
adds to the block registers of TOU rate t, the block chosen by that rate's consumption in
the current block period against its thresholds (21 0-0:16.0.{10+t}.255), priced at the
price matrix position 48 + 8*(block-1) + (t-1). The standing charge accrues per second.

Block registers (0-0:94.44.34.2, 64 values) are laid out like the price matrix's block part:
block b of TOU rate t at 8*(b-1) + (t-1); the unused second half stays 0 (the split of the
64 values is not given by the sources, meters.md 2.2).

Energy is kept in Wh as floats (registers show whole Wh), money in 1/100000 currency units.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.devices.esme import dates, logs, prepayment, supply
from firmware.devices.esme.calendars import ActivityCalendar, Schedule
from firmware.devices.esme.load import SLOT
from firmware.devices.esme.profile import Variant
from protocols.dlms import Array, Integer, OctetString, Structure

if TYPE_CHECKING:
    from firmware.devices.esme.meter import Meter

PRIMARY_CALENDAR = ("0-0:13.0.0.255", "0-0:11.0.0.255")
SECONDARY_CALENDAR = ("0-0:13.0.1.255", "0-0:11.0.1.255")
PRICE_MATRIX = "0-0:19.20.0.255"
STANDING_CHARGE = "0-0:19.20.4.255"
SECONDARY_PRICES = "0-0:19.20.5.255"
MAX_DEMAND_SCHEDULE = "0-0:12.0.0.255"
BLOCKS = 4
TOU_RATES = 48


def energy(meter: Meter, key: str) -> float:
    return float(meter.store.get(f"m/e/{key}", 0.0))


def add_energy(meter: Meter, key: str, amount: float) -> None:
    meter.store.put(f"m/e/{key}", energy(meter, key) + amount)


def energies(meter: Meter, key: str, size: int) -> list[float]:
    stored = meter.store.get(f"m/e/{key}")
    return [float(value) for value in stored] if isinstance(stored, list) and len(stored) == size else [0.0] * size


def calendar(meter: Meter, objects: tuple[str, str]) -> ActivityCalendar:
    calendar_obis, special_obis = objects
    raws = (*(meter.raw_value(calendar_obis, attribute) for attribute in (3, 4, 5)), meter.raw_value(special_obis, 2))
    return meter.cached(
        ("calendar", calendar_obis, raws),
        lambda: ActivityCalendar.from_data(
            meter.value(calendar_obis, 3),
            meter.value(calendar_obis, 4),
            meter.value(calendar_obis, 5),
            meter.value(special_obis, 2),
        ),
    )


def prices(meter: Meter, obis: str) -> tuple[dict[int, int], int, int]:
    """(price by charge-table index, commodity scale, price scale) of a charge object's active unit charge."""

    def parse() -> tuple[dict[int, int], int, int]:
        value = meter.value(obis, 5)
        table: dict[int, int] = {}
        scales = (3, -5)
        if isinstance(value, Structure) and len(value.items) == 3:
            head, _, entries = value.items
            if isinstance(head, Structure) and len(head.items) == 2:
                commodity, price = head.items
                if isinstance(commodity, Integer) and isinstance(price, Integer):
                    scales = (commodity.value, price.value)
            for position, entry in enumerate(entries.items if isinstance(entries, Array) else ()):
                if isinstance(entry, Structure) and len(entry.items) == 2 and isinstance(entry.items[1], Integer):
                    index = entry.items[0]
                    key = index.value[0] if isinstance(index, OctetString) and len(index.value) == 1 else position + 1
                    table[key] = entry.items[1].value
        return table, scales[0], scales[1]

    return meter.cached(("prices", obis, meter.raw_value(obis, 5)), parse)


def _cost(meter: Meter, obis: str, index: int, wh: float) -> float:
    table, commodity_scale, price_scale = prices(meter, obis)
    return wh * table.get(index, 0) * 10.0 ** (price_scale + 5) / 10.0**commodity_scale


def block_thresholds(meter: Meter, rate: int) -> list[int]:
    value = meter.value(f"0-0:16.0.{10 + rate}.255", 2)
    return [item.value for item in (value.items if isinstance(value, Array) else ()) if isinstance(item, Integer)]


def _block(meter: Meter, rate: int) -> int:
    counters = energies(meter, "counters", BLOCKS * 8)
    used = sum(counters[8 * block + rate - 1] for block in range(BLOCKS))
    block = 1
    for threshold in block_thresholds(meter, rate):
        if threshold != 0xFFFFFFFF and used >= threshold and block < BLOCKS:
            block += 1
    return block


def integrate(meter: Meter, start: float, end: float) -> float:
    """Meter the interval [start, end) (within one slot, no event inside); returns the cost per second."""
    seconds = end - start
    demand = meter.load.demand(int(start // SLOT))
    on = supply.connected(meter)
    import_wh = (demand.import_w if on else 0.0) * seconds / 3600
    secondary_wh = import_wh * demand.secondary_share if meter.profile.variant is Variant.TWIN else 0.0
    primary_wh = import_wh - secondary_wh
    export_wh = demand.export_w * seconds / 3600
    reactive_wh = (demand.reactive_var if on else 0.0) * seconds / 3600
    for key, amount in (
        ("import", import_wh),
        ("secondary", secondary_wh),
        ("export", export_wh),
        ("reactive", reactive_wh),
    ):
        add_energy(meter, key, amount)
    slot = energies(meter, "slot", 5)
    for index, amount in enumerate((primary_wh, secondary_wh, export_wh, reactive_wh, 0.0)):
        slot[index] += amount
    meter.store.put("m/e/slot", slot)
    cost = 0.0
    selector = calendar(meter, PRIMARY_CALENDAR).selector_at(start) or 1
    if 1 <= selector <= TOU_RATES:
        tou = energies(meter, "tou", TOU_RATES)
        tou[selector - 1] += primary_wh
        meter.store.put("m/e/tou", tou)
        cost += _cost(meter, PRICE_MATRIX, selector, primary_wh)
    elif 101 <= selector <= 108:
        rate = selector - 100
        block = _block(meter, rate)
        position = 8 * (block - 1) + rate - 1
        for key, size in (("blocks", 64), ("counters", BLOCKS * 8)):
            values = energies(meter, key, size)
            values[position] += primary_wh
            meter.store.put(f"m/e/{key}", values)
        cost += _cost(meter, PRICE_MATRIX, TOU_RATES + position + 1, primary_wh)
    if meter.profile.variant is Variant.TWIN and secondary_wh:
        second = calendar(meter, SECONDARY_CALENDAR).selector_at(start) or 201
        rate = min(max(second - 200, 1), 4)
        tou2 = energies(meter, "tou2", 4)
        tou2[rate - 1] += secondary_wh
        meter.store.put("m/e/tou2", tou2)
        cost += _cost(meter, SECONDARY_PRICES, rate, secondary_wh)
    cost += prepayment.unit_charge(meter, STANDING_CHARGE) * seconds / dates.DAY
    prepayment.charge(meter, cost, seconds)
    return cost / seconds if seconds > 0 else 0.0


def reset_block_counters(meter: Meter) -> None:
    meter.store.put("m/e/counters", [0.0] * (BLOCKS * 8))


def register_read(meter: Meter, time: float) -> list[object]:
    """A registerRead row (meters.md 2.6) at `time`: the columns of `logs._register_read`."""
    row: list[object] = [dates.stamp(time), int(energy(meter, "import"))]
    if meter.profile.variant is Variant.TWIN:
        row.append(int(energy(meter, "secondary")))
    row.append([int(value) for value in energies(meter, "tou", TOU_RATES)])
    if meter.profile.variant is Variant.TWIN:
        row.append([int(value) for value in energies(meter, "tou2", 4)])
    blocks = energies(meter, "blocks", 64)
    row.extend([int(value) for value in blocks[8 * block : 8 * block + 8]] for block in range(BLOCKS))
    return row


def prepayment_read(meter: Meter, time: float) -> list[object]:
    """A prepaymentRead row (meters.md 2.6) at `time`."""
    balances = (
        prepayment.money(meter, "p/ec") if prepayment.ec_active(meter) else 0.0,
        prepayment.money(meter, "p/balance"),
        prepayment.money(meter, "p/debt3"),
        prepayment.money(meter, "p/debt1"),
        prepayment.money(meter, "p/debt2"),
        prepayment.money(meter, "p/accumulated"),
    )
    return [dates.stamp(time), *(int(value) for value in balances)]


def change_of_mode_or_tariff(meter: Meter, time: float) -> None:
    """The billing data log entry a change of payment mode or tariff captures (0-0:98.1.2.255)."""
    row = register_read(meter, time) + prepayment_read(meter, time)[1:]
    logs.append(meter, meter.log_specs["0-0:98.1.2.255"], row)


def end_of_slot(meter: Meter, time: float) -> None:
    """At a half-hour boundary: half-hour profiles and maximum demand, then a new slot."""
    primary, secondary, export, reactive, _ = energies(meter, "slot", 5)
    stamp = dates.stamp(time)
    specs = meter.log_specs
    row: list[object] = [stamp, int(primary + secondary)]
    if meter.profile.variant is Variant.TWIN:
        row = [stamp, int(primary), int(secondary)]
    logs.append(meter, specs["0-0:99.1.0.255"], row)
    logs.append(meter, specs["0-0:99.1.1.255"], [stamp, int(export), 0])
    logs.append(meter, specs["0-0:99.1.2.255"], [stamp, int(reactive)])
    demand = (primary + secondary) * 3600 / SLOT
    _update_max_demand(meter, "fixed", demand, stamp)
    schedule = meter.cached(
        ("schedule", meter.raw_value(MAX_DEMAND_SCHEDULE, 2)),
        lambda: Schedule.from_data(meter.value(MAX_DEMAND_SCHEDULE, 2), Array(())),
    )
    if schedule.selector_at(time - 1) == 1:  # the configurable period was open during this slot
        _update_max_demand(meter, "configurable", demand, stamp)
    _update_max_demand(meter, "export", export * 3600 / SLOT, stamp)
    meter.store.put("m/e/slot", [0.0] * 5)


def _update_max_demand(meter: Meter, which: str, demand: float, stamp: int) -> None:
    current = meter.store.get(f"m/md/{which}", [0, 0])
    if demand > current[0]:
        meter.store.put(f"m/md/{which}", [int(demand), stamp])


def max_demand(meter: Meter, which: str) -> tuple[int, int]:
    """(W, buffer time stamp of its capture) of a maximum demand register."""
    value, stamp = meter.store.get(f"m/md/{which}", [0, 0])
    return int(value), int(stamp)


def reset_max_demand(meter: Meter, which: str, time: float) -> None:
    meter.store.put(f"m/md/{which}", [0, 0])
    meter.store.put(f"m/md/{which}/reset", dates.stamp(time))


def end_of_day(meter: Meter, time: float) -> None:
    """At midnight: the daily read logs and the daily consumption log."""
    specs = meter.log_specs
    logs.append(meter, specs["0-0:98.1.9.255"], register_read(meter, time))
    logs.append(meter, specs["0-0:98.1.8.255"], prepayment_read(meter, time))
    logs.append(meter, specs["0-0:98.1.10.255"], [dates.stamp(time), int(energy(meter, "export"))])
    total = energy(meter, "import")
    logs.append(meter, specs["0-0:99.1.3.255"], [dates.stamp(time), int(total - energy(meter, "day_start"))])
    meter.store.put("m/e/day_start", total)


def voltage_capture(meter: Meter, time: float, phase: str) -> None:
    """One average RMS voltage entry for `phase` ("32", "52" or "72"), and its threshold counters."""
    volts = meter.load.demand(int((time - 1) // SLOT)).voltage
    value = round(volts + (int(phase) - 32) / 20)
    logs.append(meter, meter.log_specs[f"1-0:{phase}.24.0.255"], [dates.stamp(time), value])
    if value < meter.number(f"1-0:{phase}.31.0.4", 2):
        meter.set_state(f"v/under/{phase}", meter.state(f"v/under/{phase}") + 1)
    if value > meter.number(f"1-0:{phase}.35.0.4", 2):
        meter.set_state(f"v/over/{phase}", meter.state(f"v/over/{phase}") + 1)
