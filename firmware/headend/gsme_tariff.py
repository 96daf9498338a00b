"""GSME tariff use cases (meters.md 1.2, 4.2): set tariff and price (GCS01a/b), conversion factor and calorific
value (GCS23), billing calendar (GCS25a), and the tariff reads (GCS21b, GCS21f, GCS21k).

The tariff model (ZSE D.4, D.9): a time-of-use calendar - one season from 1 January 2000, one
week whose every day is one day profile of `switches` (`HH:MM=tier`) - and per tier its block-1
price (Publish Price Matrix, TOU entries), with the standing charge and tier count in Publish
Tariff Information; `kind=block` publishes one day-long tier-0 profile, block prices for blocks
1-4 and the block thresholds instead. Everything starts at `execute_at` (0: now; never:
cancel), the start time of each future-datable command. Prices are in the meter's currency
minor units with `price_digits` decimal places (the trailing-digit nibble), thresholds in the
metering unit.
"""

from __future__ import annotations

import zigpy.types as t

from firmware.gbcs.alerts import zigbee_utc
from firmware.headend.gbz_payload import Commands, ZclCommand, command, gbz_case, issuer_event_id, read, time_field
from firmware.headend.parameters import Choice, Numbers, Parameter, Switches, When, Whole, execute_at
from firmware.headend.usecase import Request, UseCase
from protocols.gbz import zcl
from protocols.zigbee.smart_energy import ScheduleEntry, SeasonEntry

PRICE, CALENDAR = zcl.PRICE, zcl.CALENDAR
CURRENT_TOU, CURRENT_FRIENDLY = 0xFFFFFFFF, 0xFFFFFFFE  #: "the current calendar" of type 0 / 3 (docs/gsme.md)
TIME_OF_USE, FRIENDLY_CREDIT = 0, 3
GBP = 826
_PRICE = Whole(0, (1 << 32) - 1, "currency minor units x 10^-price_digits per kWh")


def _tariff_information(req: Request, tiers: int, thresholds: int) -> ZclCommand:
    return command(
        PRICE,
        "publish_tariff_information",
        provider_id=0,
        issuer_event_id=issuer_event_id(req),
        issuer_tariff_id=issuer_event_id(req),
        start_time=time_field(req["execute_at"]),
        tariff_type_charging_scheme=t.bitmap8(0x00 if tiers else 0x10),
        tariff_label=b"commshub",
        number_of_price_tiers_in_use=tiers,
        number_of_block_thresholds_in_use=thresholds,
        unit_of_measure=t.enum8(0),
        currency=GBP,
        price_trailing_digit=t.bitmap8(req["price_digits"] << 4),
        standing_charge=req["standing_charge"],
        tier_block_mode=t.enum8(0 if tiers else 1),
        block_threshold_multiplier=1,
        block_threshold_divisor=1,
    )


def _sub_payloads(req: Request, name: str, control: int, payload: bytes) -> ZclCommand:
    """A Price command carrying its entries as one sub-payload (ZSE D.4.2.4.5-6): matrix or thresholds."""
    return command(
        PRICE,
        name,
        provider_id=0,
        issuer_event_id=issuer_event_id(req),
        start_time=time_field(req["execute_at"]),
        issuer_tariff_id=issuer_event_id(req),
        command_index=0,
        total_number_of_commands=1,
        sub_payload_control=t.bitmap8(control),
        payload=payload,
    )


def _price_matrix(req: Request) -> ZclCommand:
    """Publish Price Matrix: TOU entries (tier, price) or block entries (tier 0 high nibble, block-1 low)."""
    block = req["kind"] == "block"
    entries = b"".join(
        bytes(((index if block else index + 1),)) + price.to_bytes(4, "little")
        for index, price in enumerate(req["prices"])
    )
    return _sub_payloads(req, "publish_price_matrix", 0 if block else 1, entries)


def calendar(
    req: Request, switches: tuple[tuple[int, int], ...], *, calendar_type: int = TIME_OF_USE, calendar_id: int = 1
) -> list[ZclCommand]:
    """A calendar of one season, one week, one day profile running `switches` (`(seconds after midnight, tier or
    state)`) every day, from `execute_at`: Publish Calendar, Day Profile, Week Profile, Seasons (ZSE D.9)."""
    event = issuer_event_id(req)
    head = {"provider_id": 0, "issuer_event_id": event, "issuer_calendar_id": calendar_id}
    day = [ScheduleEntry(start_time=start // 60, price_tier_or_state=tier) for start, tier in switches]
    season = [
        SeasonEntry(season_start_date=t.Date(years_since_1900=100, month=1, day=1, day_of_week=0xFF), week_id_ref=1)
    ]
    return [
        command(
            CALENDAR,
            "publish_calendar",
            **head,
            start_time=time_field(req["execute_at"]),
            calendar_type=t.enum8(calendar_type),
            calendar_time_reference=t.enum8(0),
            calendar_name=b"commshub",
            number_of_seasons=1,
            number_of_week_profiles=1,
            number_of_day_profiles=1,
        ),
        command(
            CALENDAR,
            "publish_day_profile",
            **head,
            day_id=1,
            total_number_of_schedule_entries=len(day),
            command_index=0,
            total_number_of_commands=1,
            calendar_type=t.enum8(calendar_type),
            day_schedule_entries=day,
        ),
        command(
            CALENDAR,
            "publish_week_profile",
            **head,
            week_id=1,
            **{
                f"day_id_ref_{name}": 1
                for name in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
            },
        ),
        command(
            CALENDAR, "publish_seasons", **head, command_index=0, total_number_of_commands=1, season_entries=season
        ),
    ]


def _block_thresholds(req: Request) -> ZclCommand:
    """Publish Block Thresholds: tier 0, its thresholds as u48."""
    values = req["block_thresholds"]
    payload = bytes((len(values),)) + b"".join(value.to_bytes(6, "little") for value in values)
    return _sub_payloads(req, "publish_block_thresholds", 0, payload)


def _tariff(req: Request) -> list[ZclCommand]:
    """GCS01a: calendar, tariff information, block thresholds (block tariff), price matrix."""
    if req["kind"] == "block":
        thresholds = req["block_thresholds"]
        return [
            *calendar(req, ((0, 0),)),
            _tariff_information(req, 0, len(thresholds)),
            _block_thresholds(req),
            _price_matrix(req),
        ]
    return [*calendar(req, req["switches"]), _tariff_information(req, len(req["prices"]), 0), _price_matrix(req)]


def _price(req: Request) -> list[ZclCommand]:
    """GCS01b: tariff information and price matrix."""
    block = req["kind"] == "block"
    return [_tariff_information(req, 0 if block else len(req["prices"]), 0), _price_matrix(req)]


def _conversion(req: Request) -> list[ZclCommand]:
    """GCS23: conversion factor and calorific value, from `execute_at`."""
    when = time_field(req["execute_at"])
    return [
        command(
            PRICE,
            "publish_conversion_factor",
            issuer_event_id=issuer_event_id(req),
            start_time=when,
            conversion_factor=req["conversion_factor"],
            conversion_factor_trailing_digit=t.bitmap8(req["factor_digits"] << 4),
        ),
        command(
            PRICE,
            "publish_calorific_value",
            issuer_event_id=issuer_event_id(req),
            start_time=when,
            calorific_value=req["calorific_value"],
            calorific_value_unit=t.enum8(1),
            calorific_value_trailing_digit=t.bitmap8(req["value_digits"] << 4),
        ),
    ]


def _billing_calendar(req: Request) -> list[ZclCommand]:
    """GCS25a: billing period and block period from `start`, `duration` units of `unit` each, repeating."""
    start = zigbee_utc(req["start"].utc)
    kind = t.bitmap8(req["unit"])
    return [
        command(
            PRICE,
            "publish_billing_period",
            provider_id=0,
            issuer_event_id=issuer_event_id(req),
            billing_period_start_time=start,
            billing_period_duration=req["duration"],
            billing_period_duration_type=kind,
            tariff_type=t.bitmap8(0),
        ),
        command(
            PRICE,
            "publish_block_period",
            provider_id=0,
            issuer_event_id=issuer_event_id(req),
            block_period_start_time=start,
            block_period_duration=req["duration"],
            block_period_control=t.bitmap8(0),
            block_period_duration_type=kind,
            tariff_type=t.bitmap8(0),
            tariff_resolution_period=t.enum8(0),
        ),
    ]


def _calendar_reads(calendar_id: int, calendar_type: int) -> list[ZclCommand]:
    """Get Day Profiles, Week Profiles, Seasons and Special Days of the current calendar of a type."""
    return [
        command(
            CALENDAR,
            "get_day_profiles",
            provider_id=0,
            issuer_calendar_id=calendar_id,
            start_day_id=1,
            number_of_days=0,
        ),
        command(
            CALENDAR,
            "get_week_profiles",
            provider_id=0,
            issuer_calendar_id=calendar_id,
            start_week_id=1,
            number_of_weeks=0,
        ),
        command(CALENDAR, "get_seasons", provider_id=0, issuer_calendar_id=calendar_id),
        command(
            CALENDAR,
            "get_special_days",
            start_time=0,
            number_of_events=0,
            calendar_type=t.enum8(calendar_type),
            provider_id=0,
            issuer_calendar_id=calendar_id,
        ),
    ]


def _fixed(commands: list[ZclCommand]) -> Commands:
    return lambda req: commands


_PRICE_TAIL = (
    Parameter("standing_charge", Whole(0, (1 << 32) - 1), "2500", "standing charge per day"),
    Parameter("price_digits", Whole(0, 15), "3", "decimal places of prices"),
    execute_at("when the new tariff takes effect"),
)
_KIND = Parameter("kind", Choice({"tou": "tou", "block": "block"}), "tou", "time-of-use or block tariff")
_PRICES = Parameter(
    "prices", Numbers(_PRICE.low, _PRICE.high, 1, 4 + 44), "12345,9876", "tier prices / block 1-4 prices"
)
_PREPAYMENT_ATTRIBUTES = (
    0x0006,
    0x0010,
    0x0011,
    0x0021,
    0x0022,
    0x0031,
    0x0040,
    0x0216,
    0x0217,
    0x0226,
    0x0227,
    0x0239,
)
_TARIFF_ATTRIBUTES = (
    0x0100,
    0x0101,
    0x0102,
    0x0202,
    0x0203,
    0x0301,
    0x0400,
    0x0401,
    0x0402,
    0x0403,
    0x0410,
    0x0420,
    0x0430,
    0x0440,
    0x0615,
    0x0616,
    0x0617,
)

USE_CASES: tuple[UseCase, ...] = (
    gbz_case(
        "GCS01a",
        "Set tariff and price",
        _tariff,
        parameters=(
            _KIND,
            _PRICES,
            Parameter("switches", Switches(1, 48), "00:00=2,07:00=1,23:00=2", "TOU: the day's tier switches"),
            Parameter("block_thresholds", Numbers(0, (1 << 48) - 1, 1, 3), "1000", "block: thresholds between blocks"),
            *_PRICE_TAIL,
        ),
    ),
    gbz_case("GCS01b", "Set price", _price, parameters=(_KIND, _PRICES, *_PRICE_TAIL)),
    gbz_case(
        "GCS21b",
        "Read configuration data (prepayment)",
        _fixed(
            [
                read(zcl.PREPAYMENT, *_PREPAYMENT_ATTRIBUTES),
                read(PRICE, 0x0617),
                *_calendar_reads(CURRENT_FRIENDLY, FRIENDLY_CREDIT),
            ]
        ),
    ),
    gbz_case(
        "GCS21f",
        "Read tariff data",
        _fixed(
            [
                read(PRICE, *_TARIFF_ATTRIBUTES),
                *_calendar_reads(CURRENT_TOU, TIME_OF_USE),
                command(PRICE, "get_current_price", command_options=t.bitmap8(0)),
            ]
        ),
    ),
    gbz_case(
        "GCS21k",
        "Read billing calendar",
        _fixed(
            [
                command(
                    PRICE,
                    "get_billing_period",
                    earliest_start_time=0,
                    min_issuer_event_id=0xFFFFFFFF,
                    number_of_commands=1,
                    tariff_type=t.bitmap8(0),
                )
            ]
        ),
    ),
    gbz_case(
        "GCS23",
        "Set conversion factor and calorific value",
        _conversion,
        parameters=(
            Parameter("conversion_factor", Whole(0, (1 << 32) - 1), "1022640", "volume conversion factor"),
            Parameter("factor_digits", Whole(0, 15), "6", "decimal places of the conversion factor"),
            Parameter("calorific_value", Whole(0, (1 << 32) - 1), "39500", "calorific value (MJ/m3)"),
            Parameter("value_digits", Whole(0, 15), "3", "decimal places of the calorific value"),
            execute_at("when the values take effect"),
        ),
    ),
    gbz_case(
        "GCS25a",
        "Set billing calendar",
        _billing_calendar,
        parameters=(
            Parameter("start", When(markers=False), "now", "start of the first billing period"),
            Parameter("duration", Whole(1, (1 << 24) - 1), "1", "length of each period, in `unit`s"),
            Parameter("unit", Choice({"minutes": 0x00, "days": 0x01, "weeks": 0x02, "months": 0x03}), "months", ""),
        ),
    ),
)
