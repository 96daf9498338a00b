"""ESME tariff use cases (meters.md 1.1, 2.3): tariff and price (ECS01a-d), block counters (ECS05, ECS48),
billing calendar (ECS30, ECS30a).

A tariff is written two-stage: the passive calendar, special days, block thresholds, currency,
standing charge and price matrix, then one activation time for each (the same for all, GBCS
requires equal future dates in one command, meters.md 3.4): `execute_at=now` applies it at
once, a date-time schedules it, `never` cancels what is pending.

Model of the tariff (meters.md 2.3):
- `kind=tou`: up to 48 TOU rates; `switches` gives the day's rate changes (`HH:MM=rate`), the
  same every day of a single season; `prices` the price of rate 1, 2, ...;
- `kind=block`: one block-priced rate all day (script selector 101); `prices` the prices of
  blocks 1-4 of that rate, `block_thresholds` the 1-3 consumption thresholds between them (Wh).
The price matrix holds 48 TOU prices then 32 block prices, block b of rate t at 48 + 8(b-1) +
(t-1); prices are `long` in 1/100000 of the currency unit per kWh (commodity scale 3, price
scale -5), the standing charge likewise per day.
"""

from __future__ import annotations

from firmware.headend.dlms_payload import Instruction, InstructionsFor, action, activation, dlms_case, set_
from firmware.headend.parameters import (
    Choice,
    Flag,
    Numbers,
    Parameter,
    ParameterError,
    Switches,
    TimeOfDay,
    Whole,
    execute_at,
)
from firmware.headend.usecase import Request, UseCase
from protocols.dlms import Boolean, Data, DataType, Integer, Obis, array, i8, octets, structure, u8, u16, u32

TARIFF_SCRIPTS = "0-0:10.0.100.255"
RESET_BLOCK_COUNTERS = 0x63
FIRST_BLOCK_RATE = 101
SECONDARY_RATE = 201
NO_THRESHOLD = 0xFFFFFFFF
TOU_PRICES = 48
MATRIX_SIZE = 80
_SEASON_START = bytes.fromhex("07d00101ff000000008000ff")  #: 2000-01-01 00:00: one season for all dates
_PRICE = Whole(-(1 << 15), (1 << 15) - 1, "1/100000 currency unit per kWh")
_SHARED = (
    Parameter("standing_charge", Whole(-(1 << 15), (1 << 15) - 1, "1/100000 currency unit per day"), "20000", ""),
    execute_at("when the new tariff takes effect"),
)
_TARIFF_PARAMETERS = (
    Parameter("kind", Choice({"tou": "tou", "block": "block"}), "tou", "time-of-use or block tariff"),
    Parameter("prices", Numbers(_PRICE.low, _PRICE.high, 1, TOU_PRICES), "2121,1500", "TOU rate prices / block prices"),
    Parameter("switches", Switches(1, TOU_PRICES), "00:00=2,07:00=1,23:00=2", "TOU: the day's rate switches"),
    Parameter("block_thresholds", Numbers(0, NO_THRESHOLD - 1, 1, 3), "10000", "block: thresholds between blocks (Wh)"),
    *_SHARED,
)
_PRICE_PARAMETERS = (
    Parameter("kind", Choice({"tou": "tou", "block": "block"}), "tou", "time-of-use or block prices"),
    Parameter("prices", Numbers(_PRICE.low, _PRICE.high, 1, TOU_PRICES), "2121,1500", "TOU rate prices / block prices"),
    *_SHARED,
)


def _time(seconds: int) -> bytes:
    return bytes((seconds // 3600, seconds // 60 % 60, 0, 0))


def _calendar(obis: str, switches: tuple[tuple[int, int], ...]) -> list[Instruction]:
    """The passive season, week and day profiles of a calendar whose every day runs `switches`."""
    script = octets(Obis.of(TARIFF_SCRIPTS).raw)
    day = structure(u8(1), array([structure(octets(_time(start)), script, u16(rate)) for start, rate in switches]))
    week = structure(octets(b"week"), *(u8(1) for _ in range(7)))
    season = structure(octets(b"all"), octets(_SEASON_START), octets(b"week"))
    return [
        set_(20, obis, 7, array([season])),
        set_(20, obis, 8, array([week])),
        set_(20, obis, 9, array([day])),
    ]


def _charge(commodity: tuple[int, str, int], scales: tuple[int, int], table: list[tuple[bytes, int]]) -> Data:
    """A Charge's unit_charge (class 113 a6): scales, commodity reference, charge table (meters.md 2.3)."""
    class_id, name, attribute = commodity
    return structure(
        structure(i8(scales[0]), i8(scales[1])),
        structure(u16(class_id), octets(Obis.of(name).raw if name else bytes(6)), i8(attribute)),
        array([structure(octets(index), Integer(DataType.LONG, price)) for index, price in table]),
    )


def _matrix(kind: str, prices: tuple[int, ...]) -> Data:
    table = [0] * MATRIX_SIZE
    if kind == "block":
        if len(prices) > 4:
            raise ParameterError("prices", "a block tariff has at most 4 block prices")
        for block, price in enumerate(prices):
            table[TOU_PRICES + 8 * block] = price
    else:
        table[: len(prices)] = prices
    return _charge(
        (3, "1-0:1.8.0.255", 2), (3, -5), [(bytes((index + 1,)), price) for index, price in enumerate(table)]
    )


def _standing(req: Request) -> Data:
    return _charge((0, "", 0), (0, -5), [(b"", req["standing_charge"])])


def _prices(req: Request) -> list[Instruction]:
    return [
        set_(113, "0-0:19.20.4.255", 6, _standing(req)),
        set_(113, "0-0:19.20.0.255", 6, _matrix(req["kind"], req["prices"])),
    ]


def _tariff(req: Request) -> list[Instruction]:
    """ECS01a: calendar, special days, thresholds, currency, standing charge, prices, then their activations."""
    block = req["kind"] == "block"
    switches = ((0, FIRST_BLOCK_RATE),) if block else req["switches"]
    used = {rate for _, rate in switches}
    if not block and max(used) > len(req["prices"]):
        raise ParameterError("prices", f"the switches use rate {max(used)}, but {len(req['prices'])} prices are given")
    thresholds = [
        array([u32(value) for value in req["block_thresholds"]] if block and rate == 1 else [u32(NO_THRESHOLD)])
        for rate in range(1, 9)
    ]
    when = activation(req["execute_at"])
    return [
        *_calendar("0-0:13.0.0.255", switches),
        set_(11, "0-1:11.0.0.255", 2, array([])),
        *(set_(21, f"0-0:16.1.{10 + rate}.255", 2, value) for rate, value in enumerate(thresholds, 1)),
        set_(9000, "0-0:94.44.2.0", 4, Boolean(True)),
        *_prices(req),
        set_(20, "0-0:13.0.0.255", 10, when),
        set_(9000, "0-0:94.44.128.29", 6, when),
        set_(9000, "0-0:94.44.2.0", 6, when),
        set_(113, "0-0:19.20.4.255", 7, when),
        set_(113, "0-0:19.20.0.255", 7, when),
        set_(9000, "0-0:63.1.1.255", 6, when),
    ]


def _price_only(req: Request) -> list[Instruction]:
    """ECS01b: standing charge and price matrix, then their activations."""
    when = activation(req["execute_at"])
    return [*_prices(req), set_(113, "0-0:19.20.4.255", 7, when), set_(113, "0-0:19.20.0.255", 7, when)]


def _secondary_prices(req: Request) -> Data:
    return _charge(
        (3, "1-0:1.8.0.255", 2), (3, -5), [(bytes((rate,)), price) for rate, price in enumerate(req["prices"], 1)]
    )


def _secondary_tariff(req: Request) -> list[Instruction]:
    """ECS01c: the second element's prices, calendar and special days (twin meters), then their activations."""
    when = activation(req["execute_at"])
    switches = tuple((start, SECONDARY_RATE - 1 + rate) for start, rate in req["switches"])
    return [
        set_(113, "0-0:19.20.5.255", 6, _secondary_prices(req)),
        *_calendar("0-0:13.0.1.255", switches),
        set_(11, "0-1:11.0.1.255", 2, array([])),
        set_(113, "0-0:19.20.5.255", 7, when),
        set_(20, "0-0:13.0.1.255", 10, when),
        set_(9000, "0-0:94.44.128.30", 6, when),
    ]


def _secondary_price_only(req: Request) -> list[Instruction]:
    when = activation(req["execute_at"])
    return [set_(113, "0-0:19.20.5.255", 6, _secondary_prices(req)), set_(113, "0-0:19.20.5.255", 7, when)]


def _billing_calendar(req: Request) -> list[Instruction]:
    """ECS30 / ECS30a: the billing calendar executes on day `day` of every month at `time` (meters.md 2.3)."""
    date = b"\xff\xff\xff" + bytes((req["day"], 0xFF))
    return [set_(22, "0-0:15.0.0.255", 4, array([structure(octets(_time(req["time"])), octets(date))]))]


def _daily_block_reset(req: Request) -> list[Instruction]:
    """ECS48: the block counter matrix resets every day at `time`, or never (`enabled=false`)."""
    entries: list[Data] = [structure(octets(_time(req["time"])), octets(b"\xff" * 5))] if req["enabled"] else []
    return [set_(22, "0-0:15.1.0.255", 4, array(entries))]


def _fixed(instructions: list[Instruction]) -> InstructionsFor:
    return lambda req: instructions


_SECONDARY = (
    Parameter("prices", Numbers(_PRICE.low, _PRICE.high, 1, 4), "2121", "prices of secondary rates 1-4"),
    execute_at("when the new prices take effect"),
)
_BILLING = (
    Parameter("day", Whole(1, 31), "1", "day of the month the billing period ends"),
    Parameter("time", TimeOfDay(), "00:00", "time of day it ends"),
)

USE_CASES: tuple[UseCase, ...] = (
    dlms_case("ECS01a", "Set tariff and price", _tariff, parameters=_TARIFF_PARAMETERS),
    dlms_case("ECS01b", "Set price", _price_only, parameters=_PRICE_PARAMETERS),
    dlms_case(
        "ECS01c",
        "Set tariff and price (secondary element)",
        _secondary_tariff,
        parameters=(
            _SECONDARY[0],
            Parameter("switches", Switches(1, 4), "00:00=1", "the second element's daily rate switches"),
            _SECONDARY[1],
        ),
    ),
    dlms_case("ECS01d", "Set price (secondary element)", _secondary_price_only, parameters=_SECONDARY),
    dlms_case(
        "ECS05",
        "Reset tariff block counter matrix",
        _fixed([action(9, TARIFF_SCRIPTS, 1, u16(RESET_BLOCK_COUNTERS))]),
    ),
    *(
        dlms_case(name, title, _billing_calendar, parameters=_BILLING)
        for name, title in (
            ("ECS30", "Set billing calendar (GBCS 3.1)"),
            ("ECS30a", "Set billing calendar (all periodicities)"),
        )
    ),
    dlms_case(
        "ECS48",
        "Configure daily resetting of the tariff block counter matrix",
        _daily_block_reset,
        parameters=(
            Parameter("enabled", Flag(), "true", "reset the block counters every day"),
            Parameter("time", TimeOfDay(), "00:00", "time of the daily reset"),
        ),
    ),
)
