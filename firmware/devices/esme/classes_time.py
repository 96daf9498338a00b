"""Time-driven interface classes: Profile Generic (7), Clock (8), Schedule (10), Special Days Table (11),
Activity Calendar (20) and Single Action Schedule (22) (IEC 62056-6-2; meters.md 2.1, 2.3, 2.6).

Clock (ECS70, meters.md 1.1): method 5 stores a preset time and a validity interval, method 4
applies it. GBCS leaves the preset time unspecified (`FF`): the meter then takes the time of
the Communications Hub it is joined to (the host UTC the command arrives with), provided that
time lies within the validity interval - RTDS sends [23:59:10, 00:00:10] at 2015-01-01
00:00:00 and reads the clock back as exactly that. Outside the interval the meter does not
adjust (alert 0x81C6) and answers `other-reason`; an adjustment raises 0x8145.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.devices.esme import activation, dates, logs
from firmware.devices.esme.alerts import AlertCode
from firmware.devices.esme.classes_basic import NO_DATA, constant, stored
from firmware.devices.esme.cosem import Attribute, CosemObject, Method
from firmware.devices.esme.logs import LogSpec
from firmware.devices.esme.schema import (
    BOOL,
    DT12,
    I8,
    I16,
    OBIS6,
    U8,
    U16,
    U32,
    ArrayOf,
    Bits,
    Date5,
    DateTime12,
    Int,
    Octets,
    Refused,
    Struct,
    Time4,
)
from protocols.dlms import (
    NULL,
    Array,
    Boolean,
    Data,
    DataAccessResult,
    DataType,
    DateTime,
    Integer,
    Obis,
    OctetString,
    Structure,
    array,
    enum_,
    i8,
    i16,
    octets,
    structure,
    u8,
    u16,
    u32,
)
from protocols.dlms.selective import SelectiveAccess

if TYPE_CHECKING:
    from firmware.devices.esme.meter import Call

NOT_SPECIFIED_DT = octets(b"\xff\xff" + b"\xff" * 7 + b"\x80\x00\xff")

SPECIAL_DAY = Struct(U16, Date5(), U8)
SCHEDULE_ENTRY = Struct(U16, BOOL, OBIS6, U16, Time4(), U16, Bits(7, 7), Bits(0, 255), Date5(), Date5())
SEASON = Struct(Octets(0, 32), Octets(12, 12), Octets(0, 32))
WEEK = Struct(Octets(0, 32), U8, U8, U8, U8, U8, U8, U8)
DAY = Struct(U8, ArrayOf(Struct(Time4(), OBIS6, U16), 48))
EXECUTION_TIME = Struct(Time4(), Date5())


def profile_generic(
    spec: LogSpec, capture_period: int, *, period_writable: bool = False, clearable: bool = False
) -> CosemObject:
    """Class 7 over the NVM buffer `spec`; method 1 clears it when `clearable` (ECS15a / ECS15c)."""

    def buffer(call: Call, access: SelectiveAccess | None) -> Data:
        return logs.read(call.meter, spec, access)

    def entries_in_use(call: Call) -> Data:
        return u32(len(logs.entries(call.meter, spec)))

    attributes = {
        2: Attribute(buffer=buffer, label="buffer"),
        3: constant(logs.capture_objects(spec), "capture_objects"),
        4: stored(U32 if period_writable else None, u32(capture_period), "capture_period"),
        5: constant(enum_(1), "sort_method"),
        6: constant(structure(u16(0), octets(bytes(6)), i8(0), u16(0)), "sort_object"),
        7: Attribute(read=entries_in_use, label="entries_in_use"),
        8: constant(u32(spec.depth), "profile_entries"),
    }
    methods = {}
    if clearable:

        def reset(call: Call, value: Data) -> Data | None:
            logs.clear(call.meter, spec)
            call.meter.raise_alert(AlertCode.EVENT_LOG_CLEARED, call.time)
            return None

        methods[1] = Method(NO_DATA, reset, "reset")
    return CosemObject(7, Obis.of(spec.obis), spec.label, attributes, methods)


# ---------------------------------------------------------------------------------------------- clock


def _clock_time(call: Call) -> Data:
    return octets(dates.date_time(call.time))


def _set_time(call: Call, value: Data) -> None:
    assert isinstance(value, OctetString)
    target = DateTime.parse(value.value).to_utc()
    if target is None:
        raise Refused(DataAccessResult.OTHER_REASON, "the clock needs a complete date-time")
    _shift(call, target - call.time)


def _shift(call: Call, seconds: float) -> None:
    meter = call.meter
    meter.store.put("m/clock/offset", meter.clock_offset + seconds)
    meter.store.put("m/time", float(meter.store.get("m/time", call.time)) + seconds)
    call.time += seconds


def _preset(call: Call, value: Data) -> Data | None:
    call.meter.store.put_data("m/clock/preset", value)
    return None


def _adjust_to_preset(call: Call, value: Data) -> Data | None:
    preset = call.meter.store.get_data("m/clock/preset", NULL)
    if not isinstance(preset, Structure) or len(preset.items) != 3:
        raise Refused(DataAccessResult.OTHER_REASON, "no preset time: call method 5 first")
    times = [DateTime.parse(item.value).to_utc() if isinstance(item, OctetString) else None for item in preset.items]
    start, end = times[1], times[2]
    if start is None or end is None or end < start:
        raise Refused(DataAccessResult.OTHER_REASON, "the validity interval is not complete")
    reference = call.context.utc if call.context is not None else call.time - call.meter.clock_offset
    target = times[0] if times[0] is not None else reference
    if not start <= target <= end:
        call.meter.raise_alert(AlertCode.CLOCK_NOT_ADJUSTED_OUTSIDE_TOLERANCE, call.time)
        raise Refused(DataAccessResult.OTHER_REASON, "the time to set is outside the validity interval")
    _shift(call, target - call.time)
    call.meter.raise_alert(AlertCode.CLOCK_ADJUSTED, call.time)
    return None


def _round_to(step: int) -> Method:
    def run(call: Call, value: Data) -> Data | None:
        target = round(call.time / step) * step
        _shift(call, target - call.time)
        return None

    return Method(NO_DATA, run, f"adjust to {step} s")


def _shift_time(call: Call, value: Data) -> Data | None:
    assert isinstance(value, Integer)
    _shift(call, value.value)
    return None


def clock(obis: str = "0-0:1.0.0.255") -> CosemObject:
    """Class 8: the meter's clock (UTC; meters.md 2.1); method 5's preset is kept in the meter's state."""
    preset_schema = Struct(DateTime12(), DateTime12(markers=False), DateTime12(markers=False))
    attributes = {
        2: Attribute(schema=DT12, read=_clock_time, write=_set_time, label="time"),
        3: stored(I16, i16(0), "time_zone"),
        4: constant(u8(0), "status"),
        5: stored(Octets(12, 12), NOT_SPECIFIED_DT, "daylight_savings_begin"),
        6: stored(Octets(12, 12), NOT_SPECIFIED_DT, "daylight_savings_end"),
        7: stored(I8, i8(0), "daylight_savings_deviation"),
        8: stored(BOOL, Boolean(False), "daylight_savings_enabled"),
        9: stored(Int(DataType.ENUM, 0, 5), enum_(5), "clock_base"),
    }
    methods = {
        1: _round_to(900),
        2: _round_to(1800),
        3: _round_to(60),
        4: Method(NO_DATA, _adjust_to_preset, "adjust_to_preset_time"),
        5: Method(preset_schema, _preset, "preset_adjusting_time"),
        6: Method(Int(DataType.LONG, -900, 900), _shift_time, "shift_time"),
    }
    return CosemObject(8, Obis.of(obis), "Clock", attributes, methods)


# ---------------------------------------------------------------------------------------------- calendars


def schedule(obis: str, label: str, default: Data, *, writable: bool = True) -> CosemObject:
    """Class 10: schedule entries (meters.md 2.1)."""
    return CosemObject(
        10, Obis.of(obis), label, {2: stored(ArrayOf(SCHEDULE_ENTRY, 64) if writable else None, default, "entries")}
    )


def special_days(obis: str, label: str, default: Data, *, writable: bool = True) -> CosemObject:
    """Class 11: special day entries; methods insert (1) and delete (2) by index."""

    def insert(call: Call, value: Data) -> Data | None:
        entries = [entry for entry in _entries(call, obis) if _index(entry) != _index(value)]
        call.meter.set_value(obis, 2, array(sorted([*entries, value], key=_index)))
        return None

    def delete(call: Call, value: Data) -> Data | None:
        assert isinstance(value, Integer)
        call.meter.set_value(obis, 2, array([entry for entry in _entries(call, obis) if _index(entry) != value.value]))
        return None

    schema = ArrayOf(SPECIAL_DAY, 50) if writable else None
    methods = {1: Method(SPECIAL_DAY, insert, "insert"), 2: Method(U16, delete, "delete")} if writable else {}
    return CosemObject(11, Obis.of(obis), label, {2: stored(schema, default, "entries")}, methods)


def _entries(call: Call, obis: str) -> tuple[Data, ...]:
    value = call.meter.value(obis, 2)
    return value.items if isinstance(value, Array) else ()


def _index(entry: Data) -> int:
    if isinstance(entry, Structure) and entry.items and isinstance(entry.items[0], Integer):
        return entry.items[0].value
    return -1


def activity_calendar(obis: str, label: str, name: bytes, seasons: Data, weeks: Data, days: Data) -> CosemObject:
    """Class 20: active calendar (a2-a5, read-only), passive calendar (a6-a9) and its activation time (a10)."""
    trigger = (20, obis, 10)

    def activate(call: Call, value: Data) -> Data | None:
        activation.apply(call.meter, trigger, call.time)
        return None

    attributes = {
        2: stored(None, octets(name), "calendar_name_active"),
        3: stored(None, seasons, "season_profile_active"),
        4: stored(None, weeks, "week_profile_table_active"),
        5: stored(None, days, "day_profile_table_active"),
        6: stored(Octets(0, 32), octets(name), "calendar_name_passive"),
        7: stored(ArrayOf(SEASON, 16), seasons, "season_profile_passive"),
        8: stored(ArrayOf(WEEK, 16), weeks, "week_profile_table_passive"),
        9: stored(ArrayOf(DAY, 16), days, "day_profile_table_passive"),
        10: stored(DT12, NOT_SPECIFIED_DT, "activate_passive_calendar_time", activation.on_write(trigger)),
    }
    return CosemObject(
        20, Obis.of(obis), label, attributes, {1: Method(NO_DATA, activate, "activate_passive_calendar")}
    )


def single_action_schedule(obis: str, label: str, script: tuple[str, int], default: Data) -> CosemObject:
    """Class 22: when a script runs (billing calendar, block counter reset; meters.md 2.3)."""
    script_obis, selector = script
    attributes = {
        2: constant(structure(octets(Obis.of(script_obis).raw), u16(selector)), "executed_script"),
        3: constant(enum_(1), "type"),
        4: stored(ArrayOf(EXECUTION_TIME, 12), default, "execution_time"),
    }
    return CosemObject(22, Obis.of(obis), label, attributes)
