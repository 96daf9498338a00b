"""Price and Calendar clusters: the tariff the GSME charges by, and the commands that set and read it.

What the meter does with them (meters.md 1.2, 4.2; ZSE D.4, D.9): the Calendar's seasons, week
and day profiles say which price tier applies at any half hour (special days override the week);
Price attributes give the tier or block price, the standing charge, and the conversion factor and
calorific value that turn m3 into kWh. Publish commands pushed to the meter (GCS01a/b, GCS05,
GCS23, GCS25a) write them; PublishCalendar, PublishSpecialDays, PublishTariffInformation,
PublishPriceMatrix and PublishBlockThresholds may be future-dated by their start time (the
engine schedules them). Day, week and season profiles are staged under their issuer calendar
id and take effect with that calendar's PublishCalendar. Get commands answer with Publish
commands, or NOT_FOUND when there is nothing to publish.
"""

from __future__ import annotations

from typing import Any

import zigpy.types as t

from protocols.gbz import zcl
from protocols.zigbee.smart_energy import ScheduleEntry, SeasonEntry, SpecialDayEntry

from . import consumption
from .model import NOT_FOUND, SUCCESS, Answer, Meter, Request, done, reply

_C, _PR = zcl.CALENDAR, zcl.PRICE
#: Calendar types (ZSE D.9.2.3.1.1) the GSME keeps: time of use (delivered) and friendly credit.
TIME_OF_USE, FRIENDLY_CREDIT = 0, 3
#: Issuer calendar ids that mean "the current calendar" of a type: 0xFFFFFFFF the time-of-use one, 0xFFFFFFFE
#: the friendly-credit one (GCS21f reads the first, GCS21b the second) [?: inferred from the use cases].
CURRENT_CALENDAR = {0xFFFFFFFF: 0, 0xFFFFFFFE: 3}
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _scaled(value: int, trailing: int) -> float:
    """A value with its trailing-digit bitmap (high nibble = decimal places, ZSE D.4.2.2.1)."""
    return value / 10 ** ((trailing >> 4) & 0x0F)


def energy_kwh(meter: Meter, litres: int) -> float:
    """kWh of `litres` of gas: m3 x calorific value (MJ/m3) x conversion factor / 3.6."""
    cv = _scaled(meter.get(_PR, "calorific_value", 395), meter.get(_PR, "calorific_value_trailing_digit", 0x10))
    factor = _scaled(
        meter.get(_PR, "conversion_factor", 10000), meter.get(_PR, "conversion_factor_trailing_digit", 0x40)
    )
    return litres / 1000 * cv * factor / 3.6


def unit_price(meter: Meter, utc: int) -> int:
    """Price per kWh at `utc`: the tier's block-1 price under a TOU calendar, else the block price."""
    tier = tier_at(meter, utc)
    if tier:
        price = meter.get(_PR, f"tier_{tier}_block_1_price", None)
        if price is not None:
            return int(price)
    block = block_of(meter, meter.state.value("block_period_volume", 0))
    return int(meter.get(_PR, f"no_tier_block_{block}_price"))


def block_of(meter: Meter, volume: int) -> int:
    """The block (1-4) that `volume` used in this block period falls in, by the block thresholds."""
    scale = meter.get(_PR, "threshold_multiplier", 1) / max(1, meter.get(_PR, "threshold_divisor", 1))
    for block in (1, 2, 3):
        threshold = meter.get(_PR, f"block_{block}_threshold", None)
        if threshold is None or volume / 1000 < threshold * scale:
            return block
    return 4


def tier_at(meter: Meter, utc: int) -> int:
    """The price tier the active time-of-use calendar gives at `utc`; 0 without a calendar."""
    return calendar_value(meter, TIME_OF_USE, utc)


def friendly_credit_at(meter: Meter, utc: int) -> bool:
    """Whether a friendly-credit period runs at `utc` (calendar type 3: the day profiles' value 1)."""
    return calendar_value(meter, FRIENDLY_CREDIT, utc) == 1


def calendar_value(meter: Meter, calendar_type: int, utc: int) -> int:
    """The day-profile value the active calendar of `calendar_type` gives at `utc`; 0 without one."""
    calendar = meter.state.value(f"calendar/{calendar_type}")
    if not calendar:
        return 0
    when = consumption.zigbee_datetime(utc)
    today = (when.year - 1900, when.month, when.day)
    day_id = next((day for date, day in calendar["special"] if _matches(date, today)), None)
    if day_id is None:
        week_id = None
        for date, week in sorted(calendar["seasons"], key=lambda item: tuple(item[0][:3])):
            if tuple(date[:3]) <= today:
                week_id = week
        if week_id is None and calendar["seasons"]:
            week_id = max(calendar["seasons"], key=lambda item: tuple(item[0][:3]))[1]
        day_id = calendar["weeks"].get(str(week_id), [None] * 7)[when.weekday()]
    minutes = when.hour * 60 + when.minute
    tier = 0
    for start, entry_tier in calendar["days"].get(str(day_id), []):
        if start <= minutes:
            tier = entry_tier
    return int(tier)


def _matches(date: list[int], today: tuple[int, int, int]) -> bool:
    year, month, day = date[0], date[1], date[2]
    return (year in (0xFF, today[0])) and (month in (0xFF, today[1])) and (day in (0xFF, today[2]))


def install_calendar(meter: Meter, calendar: dict[str, Any], calendar_type: int = 0) -> None:
    meter.state.set_value(f"calendar/{calendar_type}", calendar)


def _staged(meter: Meter, calendar_id: int) -> dict[str, Any]:
    for calendar_type in (0, 3):
        active = meter.state.value(f"calendar/{calendar_type}")
        if active and active["id"] == calendar_id:
            return dict(active)
    staged = meter.state.value(f"staged/{calendar_id}")
    return staged or {"id": calendar_id, "days": {}, "weeks": {}, "seasons": [], "special": [], "type": 0}


def _store_staged(meter: Meter, calendar: dict[str, Any]) -> None:
    for calendar_type in (0, 3):
        active = meter.state.value(f"calendar/{calendar_type}")
        if active and active["id"] == calendar["id"]:
            meter.state.set_value(f"calendar/{calendar_type}", calendar)
            return
    meter.state.set_value(f"staged/{calendar['id']}", calendar)


# --- Calendar commands pushed to the meter ---------------------------------------------------------


def publish_calendar(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    calendar = _staged(meter, fields.issuer_calendar_id)
    calendar.update(type=int(fields.calendar_type), start=int(fields.start_time), name=bytes(fields.calendar_name))
    install_calendar(meter, calendar, int(fields.calendar_type))
    meter.state.set_value(f"staged/{fields.issuer_calendar_id}", None)
    return done()


def publish_day_profile(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    calendar = _staged(meter, fields.issuer_calendar_id)
    entries = [[int(entry.start_time), int(entry.price_tier_or_state)] for entry in fields.day_schedule_entries]
    calendar["days"][str(fields.day_id)] = entries
    _store_staged(meter, calendar)
    return done()


def publish_week_profile(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    calendar = _staged(meter, fields.issuer_calendar_id)
    calendar["weeks"][str(fields.week_id)] = [int(getattr(fields, f"day_id_ref_{day}")) for day in _DAYS]
    _store_staged(meter, calendar)
    return done()


def _date(date: t.Date) -> list[int]:
    return [int(date.years_since_1900), int(date.month), int(date.day), int(date.day_of_week)]


def publish_seasons(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    calendar = _staged(meter, fields.issuer_calendar_id)
    calendar["seasons"] = [[_date(entry.season_start_date), int(entry.week_id_ref)] for entry in fields.season_entries]
    _store_staged(meter, calendar)
    return done()


def publish_special_days(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    calendar = _staged(meter, fields.issuer_calendar_id)
    calendar["special"] = [
        [_date(entry.special_day_date), int(entry.day_id_ref)] for entry in fields.special_day_entries
    ]
    _store_staged(meter, calendar)
    return done()


# --- Calendar reads ----------------------------------------------------------------------------------


def _readable(meter: Meter, calendar_id: int) -> dict[str, Any] | None:
    for calendar_type in (0, 3):
        active = meter.state.value(f"calendar/{calendar_type}")
        if active and (CURRENT_CALENDAR.get(calendar_id) == calendar_type or active["id"] == calendar_id):
            return dict(active)
    return None


def _calendar_fields(calendar: dict[str, Any]) -> dict[str, Any]:
    return {"provider_id": 0, "issuer_event_id": calendar.get("event", 0), "issuer_calendar_id": calendar["id"]}


def get_day_profiles(meter: Meter, request: Request) -> Answer:
    calendar = _readable(meter, request.fields.issuer_calendar_id)
    if calendar is None or not calendar["days"]:
        return done(NOT_FOUND)
    first, count = int(request.fields.start_day_id), int(request.fields.number_of_days)
    days = sorted((int(day), entries) for day, entries in calendar["days"].items() if int(day) >= first)
    days = days[:count] if count else days
    if not days:
        return done(NOT_FOUND)
    replies = tuple(
        reply(
            _C,
            "publish_day_profile",
            **_calendar_fields(calendar),
            day_id=day,
            total_number_of_schedule_entries=len(entries),
            command_index=0,
            total_number_of_commands=1,
            calendar_type=t.enum8(calendar.get("type", 0)),
            day_schedule_entries=[ScheduleEntry(start_time=m, price_tier_or_state=tier) for m, tier in entries],
        )
        for day, entries in days
    )
    return Answer(replies)


def get_week_profiles(meter: Meter, request: Request) -> Answer:
    calendar = _readable(meter, request.fields.issuer_calendar_id)
    first, count = int(request.fields.start_week_id), int(request.fields.number_of_weeks)
    weeks = [] if calendar is None else sorted((int(w), d) for w, d in calendar["weeks"].items() if int(w) >= first)
    weeks = weeks[:count] if count else weeks
    if calendar is None or not weeks:
        return done(NOT_FOUND)
    replies = tuple(
        reply(
            _C,
            "publish_week_profile",
            **_calendar_fields(calendar),
            week_id=week,
            **{f"day_id_ref_{name}": day for name, day in zip(_DAYS, days, strict=True)},
        )
        for week, days in weeks
    )
    return Answer(replies)


def get_seasons(meter: Meter, request: Request) -> Answer:
    calendar = _readable(meter, request.fields.issuer_calendar_id)
    if calendar is None or not calendar["seasons"]:
        return done(NOT_FOUND)
    entries = [SeasonEntry(season_start_date=t.Date(*date), week_id_ref=week) for date, week in calendar["seasons"]]
    fields = {**_calendar_fields(calendar), "command_index": 0, "total_number_of_commands": 1}
    return Answer((reply(_C, "publish_seasons", **fields, season_entries=entries),))


def get_special_days(meter: Meter, request: Request) -> Answer:
    calendar = _readable(meter, request.fields.issuer_calendar_id)
    if calendar is None or not calendar["special"]:
        return done(NOT_FOUND)
    entries = [SpecialDayEntry(special_day_date=t.Date(*date), day_id_ref=day) for date, day in calendar["special"]]
    published = reply(
        _C,
        "publish_special_days",
        **_calendar_fields(calendar),
        start_time=t.UTCTime(0),
        calendar_type=t.enum8(calendar.get("type", 0)),
        total_number_of_special_days=len(entries),
        command_index=0,
        total_number_of_commands=1,
        special_day_entries=entries,
    )
    return Answer((published,))


# --- Price commands ------------------------------------------------------------------------------------


def publish_tariff_information(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    for name in ("number_of_price_tiers_in_use", "number_of_block_thresholds_in_use", "currency", "standing_charge"):
        meter.set(_PR, name, int(getattr(fields, name)))
    meter.set(_PR, "tariff_label", bytes(fields.tariff_label))
    meter.set(_PR, "unit_of_measure", int(fields.unit_of_measure))
    meter.set(_PR, "price_trailing_digit", int(fields.price_trailing_digit))
    meter.set(_PR, "tier_block_mode", int(fields.tier_block_mode))
    meter.set(_PR, "threshold_multiplier", int(fields.block_threshold_multiplier))
    meter.set(_PR, "threshold_divisor", int(fields.block_threshold_divisor))
    meter.state.set_value("tariff", {"id": int(fields.issuer_tariff_id), "event": int(fields.issuer_event_id)})
    consumption.take_snapshots(meter, 0x6008)  # change of tariff (meters.md 1.2)
    return done()


def publish_price_matrix(meter: Meter, request: Request) -> Answer:
    """Sub-payload (ZSE D.4.2.4.5): bit 0 of the control set = TOU entries (tier id, price), else
    block entries (tier in the high nibble, block in the low nibble, price)."""
    payload = bytes(request.fields.payload)
    if len(payload) % 5:
        return done(0x80)
    tou = bool(request.fields.sub_payload_control & 0x01)
    for at in range(0, len(payload), 5):
        ident, price = payload[at], int.from_bytes(payload[at + 1 : at + 5], "little")
        tier, block = (ident, 1) if tou else (ident >> 4, (ident & 0x0F) + 1)
        name = f"tier_{tier}_block_{block}_price" if tier else f"no_tier_block_{block}_price"
        meter.set(_PR, name, price)
    return done()


def publish_block_thresholds(meter: Meter, request: Request) -> Answer:
    """Sub-payload: per tier, a byte (tier high nibble, count low nibble) then that many u48 thresholds."""
    payload = bytes(request.fields.payload)
    at = 0
    while at < len(payload):
        count = payload[at] & 0x0F
        values = payload[at + 1 : at + 1 + 6 * count]
        if len(values) != 6 * count:
            return done(0x80)
        for index in range(count):
            meter.set(_PR, f"block_{index + 1}_threshold", int.from_bytes(values[6 * index : 6 * index + 6], "little"))
        at += 1 + 6 * count
    return done()


def publish_conversion_factor(meter: Meter, request: Request) -> Answer:
    meter.set(_PR, "conversion_factor", int(request.fields.conversion_factor))
    meter.set(_PR, "conversion_factor_trailing_digit", int(request.fields.conversion_factor_trailing_digit))
    return done()


def publish_calorific_value(meter: Meter, request: Request) -> Answer:
    meter.set(_PR, "calorific_value", int(request.fields.calorific_value))
    meter.set(_PR, "calorific_value_unit", int(request.fields.calorific_value_unit))
    meter.set(_PR, "calorific_value_trailing_digit", int(request.fields.calorific_value_trailing_digit))
    return done()


def _period(fields: Any, start: str, duration: str, duration_type: str) -> dict[str, int]:
    return {
        "event": int(fields.issuer_event_id),
        "start": int(getattr(fields, start)),
        "duration": int(getattr(fields, duration)),
        "duration_type": int(getattr(fields, duration_type)),
        "tariff_type": int(fields.tariff_type),
    }


def publish_billing_period(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    meter.state.set_value(
        "billing_period",
        _period(fields, "billing_period_start_time", "billing_period_duration", "billing_period_duration_type"),
    )
    return done()


def publish_block_period(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    meter.state.set_value(
        "block_period",
        _period(fields, "block_period_start_time", "block_period_duration", "block_period_duration_type"),
    )
    return done()


def get_billing_period(meter: Meter, request: Request) -> Answer:
    period = meter.state.value("billing_period")
    if not period:
        return done(NOT_FOUND)
    published = reply(
        _PR,
        "publish_billing_period",
        provider_id=0,
        issuer_event_id=period["event"],
        billing_period_start_time=t.UTCTime(period["start"]),
        billing_period_duration=t.uint24_t(period["duration"]),
        billing_period_duration_type=t.bitmap8(period["duration_type"]),
        tariff_type=t.bitmap8(period["tariff_type"]),
    )
    return Answer((published,))


def get_current_price(meter: Meter, request: Request) -> Answer:
    tier = tier_at(meter, meter.utc)
    trailing = meter.get(_PR, "price_trailing_digit") & 0xF0
    tiers = meter.get(_PR, "number_of_price_tiers_in_use", 4 if meter.state.value("calendar/0") else 0)
    tariff = meter.state.value("tariff") or {}
    published = reply(
        _PR,
        "publish_price",
        provider_id=0,
        rate_label=t.LVBytes(b""),
        issuer_event_id=tariff.get("event", 0),
        current_time=t.UTCTime(meter.utc),
        unit_of_measure=t.enum8(meter.get(_PR, "unit_of_measure")),
        currency=meter.get(_PR, "currency"),
        price_trailing_digit_and_price_tier=trailing | (tier & 0x0F),
        number_of_price_tiers_and_register_tier=((tiers & 0x0F) << 4) | (tier & 0x0F),
        start_time=t.UTCTime(0),
        duration_in_minutes=0xFFFF,
        price=unit_price(meter, meter.utc),
    )
    return Answer((published,), SUCCESS)
