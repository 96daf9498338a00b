"""Tariff objects of a SMETS2 ESME (meters.md 2.3), seeded from the device profile's tariff.

A new meter's activity calendar has one season (from 2000-01-01) with one week profile whose
every day runs the profile's daily switch times (TOU), or a single block-priced rate from
midnight (block tariff: selector 101). The price matrix holds the 48 TOU prices then the 32
block prices at 48 + 8*(block-1) + (rate-1) (meters.md 2.3); commodity 1-0:1.8.0.255 in kWh
(scale 3), prices in 1/100000 currency units (scale -5), as RTDS writes them.
"""

from __future__ import annotations

from collections.abc import Callable

from firmware.devices.esme import metering
from firmware.devices.esme.classes_basic import (
    OTHER_UNIT,
    activation_only,
    extended_data,
    register,
    register_monitor,
    script_table,
)
from firmware.devices.esme.classes_payment import charge, unit_charge
from firmware.devices.esme.classes_time import activity_calendar, single_action_schedule, special_days
from firmware.devices.esme.cosem import CosemObject
from firmware.devices.esme.meter import Call
from firmware.devices.esme.profile import DeviceProfile, Tariff, Variant
from firmware.devices.esme.schema import BOOL, U32, ArrayOf
from protocols.dlms import Boolean, Data, Obis, array, octets, structure, u8, u16, u32

TARIFF_SCRIPTS = "0-0:10.0.100.255"
RESET_BLOCK_COUNTERS = 0x63
NO_THRESHOLD = 0xFFFFFFFF
_SEASON_START = bytes.fromhex("07d00101ff000000008000ff")  # 2000-01-01 00:00


def _time(seconds: int) -> bytes:
    return bytes((seconds // 3600, seconds // 60 % 60, seconds % 60, 0))


def calendar_profiles(tariff: Tariff, *, secondary: bool = False) -> tuple[Data, Data, Data]:
    """(season, week, day profile tables) of the profile's tariff."""
    script = octets(Obis.of(TARIFF_SCRIPTS).raw)
    if secondary:
        actions = [(0, 201)]
    elif tariff.kind == "block":
        actions = [(0, 101)]
    else:
        actions = list(tariff.switches)
    day = structure(
        u8(1), array([structure(octets(_time(start)), script, u16(selector)) for start, selector in actions])
    )
    week = structure(octets(b"week"), *(u8(1) for _ in range(7)))
    season = structure(octets(b"all"), octets(_SEASON_START), octets(b"week"))
    return array([season]), array([week]), array([day])


def price_matrix(tariff: Tariff) -> Data:
    prices = [0] * 80
    if tariff.kind == "block":
        for block, price in enumerate(tariff.prices):
            prices[48 + 8 * block] = price
    else:
        prices[: len(tariff.prices)] = tariff.prices
    return unit_charge(
        (3, -5), (3, "1-0:1.8.0.255", 2), [(bytes((index + 1,)), price) for index, price in enumerate(prices)]
    )


def _thresholds(tariff: Tariff, rate: int) -> Data:
    if tariff.kind == "block" and rate == 1:
        return array([u32(value) for value in tariff.block_thresholds] or [u32(NO_THRESHOLD)])
    return array([u32(NO_THRESHOLD)])


def _active_price(call: Call) -> Data:
    meter = call.meter
    selector = metering.calendar(meter, metering.PRIMARY_CALENDAR).selector_at(call.time) or 1
    table, _, _ = metering.prices(meter, metering.PRICE_MATRIX)
    position = selector if selector <= metering.TOU_RATES else metering.TOU_RATES + 1 + selector - 101
    return u32(max(0, table.get(position, 0)))


def _secondary_price(call: Call) -> Data:
    meter = call.meter
    selector = metering.calendar(meter, metering.SECONDARY_CALENDAR).selector_at(call.time) or 201
    table, _, _ = metering.prices(meter, metering.SECONDARY_PRICES)
    return u32(max(0, table.get(min(max(selector - 200, 1), 4), 0)))


def _reset_blocks(call: Call) -> None:
    metering.reset_block_counters(call.meter)


def _tariff_script(call: Call) -> None:
    """Rate scripts change nothing by themselves: the calendar in force decides the rate."""


def tariff_objects(profile: DeviceProfile) -> list[CosemObject]:
    tariff = profile.tariff
    seasons, weeks, days = calendar_profiles(tariff)
    standing = unit_charge((0, -5), (0, "", 0), [(b"", tariff.standing_charge)])
    threshold_schema = ArrayOf(U32, 3, 1)
    scripts: dict[int, Callable[[Call], None]] = {
        selector: _tariff_script for selector in (*range(1, 49), *range(101, 109), *range(201, 205))
    }
    scripts[RESET_BLOCK_COUNTERS] = _reset_blocks
    objects = [
        activity_calendar("0-0:13.0.0.255", "Tariff switching table (primary)", b"tariff", seasons, weeks, days),
        special_days("0-0:11.0.0.255", "Tariff special days (current)", array([]), writable=False),
        special_days("0-1:11.0.0.255", "Tariff special days (next)", array([])),
        activation_only("0-0:94.44.128.29", "Tariff special days activation"),
        charge("0-0:19.20.0.255", "Tariff block price matrix (TOU)", price_matrix(tariff)),
        charge("0-0:19.20.4.255", "Standing charge", standing),
        extended_data("0-0:94.44.2.0", "Currency unit", Boolean(True), BOOL),
        activation_only("0-0:63.1.1.255", "Tariff threshold matrix activation"),
        script_table(TARIFF_SCRIPTS, "Tariff and block counter scripts", scripts),
        single_action_schedule(
            "0-0:15.0.0.255",
            "Billing calendar",
            (TARIFF_SCRIPTS, RESET_BLOCK_COUNTERS),
            array([structure(octets(bytes(4)), octets(b"\xff\xff\xff\x01\xff"))]),
        ),
        single_action_schedule(
            "0-0:15.1.0.255",
            "Tariff block counter matrix daily reset",
            (TARIFF_SCRIPTS, RESET_BLOCK_COUNTERS),
            array([]),
        ),
        register_monitor(
            "0-0:16.0.0.255",
            "Instantaneous power thresholds",
            array([u32(2000), u32(4000)]),
            ArrayOf(U32, 2, 2),
            (3, "1-0:1.7.0.255", 2),
        ),
        register("0-0:94.44.1.7", "Active tariff price (primary)", _active_price, -5, OTHER_UNIT),
    ]
    for rate in range(1, 9):
        objects.append(
            register_monitor(
                f"0-0:16.0.{10 + rate}.255",
                f"Tariff thresholds TOU {rate} (current)",
                _thresholds(tariff, rate),
                None,
                (1, "0-0:94.44.34.2", 2),
            )
        )
        objects.append(
            register_monitor(
                f"0-0:16.1.{10 + rate}.255",
                f"Tariff thresholds TOU {rate} (next)",
                _thresholds(tariff, rate),
                threshold_schema,
                (1, "0-0:94.44.34.2", 2),
            )
        )
    if profile.variant is Variant.TWIN:
        second_seasons, second_weeks, second_days = calendar_profiles(tariff, secondary=True)
        objects += [
            activity_calendar(
                "0-0:13.0.1.255",
                "Tariff switching table (secondary)",
                b"secondary",
                second_seasons,
                second_weeks,
                second_days,
            ),
            special_days("0-0:11.0.1.255", "Secondary special days (current)", array([]), writable=False),
            special_days("0-1:11.0.1.255", "Secondary special days (next)", array([])),
            activation_only("0-0:94.44.128.30", "Secondary special days activation"),
            charge(
                "0-0:19.20.5.255",
                "Secondary element TOU prices",
                unit_charge(
                    (3, -5), (3, "1-0:1.8.0.255", 2), [(bytes((rate,)), tariff.prices[0]) for rate in range(1, 5)]
                ),
            ),
            register("0-0:94.44.1.8", "Active tariff price (secondary)", _secondary_price, -5, OTHER_UNIT),
        ]
    return objects
