"""ESME configuration and control use cases (meters.md 1.1, 2.5, 2.6): supply, load limit, voltage quality,
alert behaviours, identities and messages, clock, maximum demand, auxiliary controllers.

Each builds the instructions the GBCS mapping table names for it, with the values given as
parameters (units as the meter keeps them: W, V, seconds, 1/100000 of the currency unit).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from firmware.headend.dlms_payload import (
    Instruction,
    InstructionsFor,
    action,
    activation,
    date_time,
    dlms_case,
    get,
    set_,
)
from firmware.headend.parameters import (
    Flag,
    Numbers,
    Octets,
    Parameter,
    ParameterError,
    Text,
    TimeOfDay,
    When,
    Whole,
    execute_at,
)
from firmware.headend.usecase import Request, UseCase
from protocols.dlms import (
    Boolean,
    Data,
    Obis,
    VisibleString,
    array,
    bits,
    enum_,
    octets,
    structure,
    u16,
    u32,
)

SUPPLY_SCRIPTS = "0-0:10.0.106.255"
ENABLE, DISABLE, ARM = 0x33, 0x34, 0x36
AUX_STATE_SCRIPTS, APC_LIMIT_SCRIPTS = "0-0:10.0.103.255", "0-0:10.0.107.255"
#: GBCS 4.0 auxiliary controller identifiers: high nibble 1 = output n, 2 = input (APC) n (docs/esme.md).
AUX_OUTPUT, AUX_INPUT = 0x10, 0x20
ALERT_STRING_BITS = 256
_U32 = Whole(0, (1 << 32) - 1)
_VOLTAGE_LIMITS = ((1, "extreme_over", 287), (2, "extreme_under", 180), (3, "sag", 216), (4, "swell", 253))
_PHASES = {1: "32", 2: "52", 3: "72"}
_NEVER = octets(b"\xff\xff" + b"\xff" * 7 + b"\x80\x00\xff")


def _fixed(instructions: list[Instruction]) -> InstructionsFor:
    return lambda req: instructions


def _one(class_id: int, obis: str, attribute: int, parameter: str, wrap: Callable[[Any], Data]) -> InstructionsFor:
    """One SET of `parameter`'s value, made into DLMS data by `wrap`."""
    return lambda req: [set_(class_id, obis, attribute, wrap(req[parameter]))]


def _alert_string(req: Request) -> Data:
    """ECS25: mask || values, 256 bits each: bit n of a string stands for alert 0x81nn (supplier strings) or
    0x80nn (network operator strings); set in the mask = change it, in the values = enable it (meters.md 2.6)."""
    mask = values = 0
    for code in req["enable"]:
        mask |= 1 << (code & 0xFF)
        values |= 1 << (code & 0xFF)
    for code in req["disable"]:
        if (1 << (code & 0xFF)) & values:
            raise ParameterError("disable", f"alert {code:#06x} is also in `enable`")
        mask |= 1 << (code & 0xFF)
    return bits(2 * ALERT_STRING_BITS, (mask << ALERT_STRING_BITS) | values)


def _alert_behaviour(obis: str, prefix: int) -> tuple[InstructionsFor, tuple[Parameter, ...]]:
    codes = Numbers(prefix << 8, (prefix << 8) | 0xFF, 0, 256, f"alert codes {prefix:02X}00-{prefix:02X}FF")
    parameters = (
        Parameter("enable", codes, "", "alert codes to turn on (comma-separated, e.g. 0x810D)"),
        Parameter("disable", codes, "", "alert codes to turn off"),
    )
    return (lambda req: [set_(1, obis, 2, _alert_string(req))]), parameters


def _load_limit(req: Request) -> list[Instruction]:
    """ECS28a: supply behaviour on a breach, threshold, period, restoration period (passive), then activations."""
    when = activation(req["execute_at"])
    passive = (
        (9000, "0-0:94.44.0.3", Boolean(req["disable_supply"])),
        (9000, "0-0:94.44.128.7", u32(req["threshold"])),
        (9000, "0-0:94.44.128.6", u32(req["period"])),
        (9000, "0-0:94.44.128.8", u32(req["restoration_period"])),
    )
    return [
        *(set_(class_id, obis, 4, value) for class_id, obis, value in passive),
        *(set_(class_id, obis, 6, when) for class_id, obis, _ in passive),
    ]


def _voltage(phases: int, reset: bool) -> InstructionsFor:
    """ECS29a-d: per phase the average RMS voltage period and under / over thresholds, the four voltage limiters,
    and (a, b) the RMS counters reset, in the order of the GBCS mapping table: the resetting variants write the
    periods, the limiters, then the thresholds; the others the thresholds first (meters.md 1.1)."""

    def instructions(req: Request) -> list[Instruction]:
        codes = [_PHASES[phase] for phase in range(1, phases + 1)]
        periods = [set_(7, f"1-0:{code}.24.0.255", 4, u32(req["average_period"])) for code in codes]
        limiters = [
            set_(71, f"0-0:17.0.{index}.255", attribute, u32(req[name if attribute == 4 else f"{name}_duration"]))
            for index, name, _ in _VOLTAGE_LIMITS
            for attribute in (4, 6)
        ]
        if reset:
            thresholds = [
                set_(1, f"1-0:{code}.{which}.0.4", 2, u32(req[key]))
                for code in codes
                for which, key in ((35, "rms_over"), (31, "rms_under"))
            ]
            return [*periods, *limiters, *thresholds, *_counter_resets(phases)]
        thresholds = [
            set_(1, f"1-0:{code}.{which}.0.4", 2, u32(req[key]))
            for code in codes
            for which, key in ((31, "rms_under"), (35, "rms_over"))
        ]
        return [*thresholds, *periods, *limiters]

    return instructions


def _counter_resets(phases: int) -> list[Instruction]:
    return [action(3, f"1-0:{_PHASES[phase]}.{which}.0.4", 1) for phase in range(1, phases + 1) for which in (32, 36)]


def _time(seconds: int) -> bytes:
    return bytes((seconds // 3600, seconds // 60 % 60, 0, 0))


def _schedule_entry(index: int, script: str, selector: int, start: int) -> Data:
    """A class 10 schedule entry running `script`/`selector` every day at `start` (meters.md 2.1)."""
    return structure(
        u16(index),
        Boolean(True),
        octets(Obis.of(script).raw),
        u16(selector),
        octets(_time(start)),
        u16(0xFFFF),
        bits(7, 0b1111111),
        bits(0, 0),
        octets(b"\xff" * 5),
        octets(b"\xff" * 5),
    )


def _max_demand_period(req: Request) -> list[Instruction]:
    """ECS37: the configurable maximum demand period starts (selector 1) and ends (selector 2) every day."""
    script = "0-0:10.128.100.255"
    entries = [_schedule_entry(0, script, 1, req["start"]), _schedule_entry(1, script, 2, req["end"])]
    return [set_(10, "0-0:12.0.0.255", 2, array(entries))]


def _aux_identifier(kind: int, req: Request) -> int:
    return ((kind | req["controller"]) << 8) | req["level"]


def _aux_state(req: Request) -> list[Instruction]:
    """ECS47a: the setting period of auxiliary controller n, then its state command (script 0-0:10.0.103.255)."""
    base = f"0-0:94.44.{116 + req['controller']}"
    return [
        set_(1, f"{base}.1", 2, _moment(req["start"])),
        set_(1, f"{base}.2", 2, _moment(req["end"])),
        action(9, AUX_STATE_SCRIPTS, 1, u16(_aux_identifier(AUX_OUTPUT, req))),
    ]


def _apc_limit(req: Request) -> list[Instruction]:
    """ECS47e: the APC limit period of controller n, then the limit command (script 0-0:10.0.107.255)."""
    base = f"0-0:94.44.{116 + req['controller']}"
    return [
        set_(1, f"{base}.3", 2, _moment(req["start"])),
        set_(1, f"{base}.4", 2, _moment(req["end"])),
        action(9, APC_LIMIT_SCRIPTS, 1, u16(_aux_identifier(AUX_INPUT, req))),
    ]


def _moment(moment: Any) -> Data:
    return _NEVER if moment.utc is None else date_time(moment.utc)


def _aux_calendar(req: Request) -> list[Instruction]:
    """ECS46d: auxiliary controller n switches on and off every day at the given times (its calendar and an
    empty special-days table), then both activations."""
    when = activation(req["execute_at"])
    on = (AUX_OUTPUT | req["controller"]) << 8 | 1
    off = (AUX_OUTPUT | req["controller"]) << 8
    entries = [
        _schedule_entry(1, AUX_STATE_SCRIPTS, on, req["on"]),
        _schedule_entry(2, AUX_STATE_SCRIPTS, off, req["off"]),
    ]
    return [
        set_(11, "0-1:11.0.3.255", 2, array([])),
        set_(10, "0-1:12.0.2.255", 2, array(entries)),
        set_(9000, "0-0:94.44.128.26", 6, when),
        set_(9000, "0-0:94.44.128.35", 6, when),
    ]


def _aux_configuration(req: Request) -> list[Instruction]:
    """ECS46c (GBCS 3.1): the five controllers' type-and-identifier values, then the calendar of ECS46d."""
    identifiers = [set_(1, f"0-0:94.44.0.{20 + n}", 2, octets(req[f"identifier_{n}"])) for n in range(1, 6)]
    return [*identifiers, *_aux_calendar(req)]


def _clock(req: Request) -> list[Instruction]:
    """ECS70: clock base, preset (time unspecified: take the hub's, within the validity window), adjust, read
    back time and status (docs/esme.md, Clock)."""
    preset = structure(_NEVER, date_time(req["valid_from"].utc), date_time(req["valid_to"].utc))
    return [
        set_(8, "0-0:1.0.0.255", 9, enum_(5)),
        action(8, "0-0:1.0.0.255", 5, preset),
        action(8, "0-0:1.0.0.255", 4),
        get(8, "0-0:1.0.0.255", 2),
        get(8, "0-0:1.0.0.255", 4),
    ]


def _descriptions(req: Request) -> list[Instruction]:
    return [set_(1, f"0-0:94.44.0.{10 + n}", 2, VisibleString(req[f"description_{n}"])) for n in range(1, 6)]


def _boost(req: Request) -> list[Instruction]:
    chosen = set(req["controllers"])
    return [set_(1, f"0-0:94.44.6.{n}", 2, Boolean(n in chosen)) for n in range(1, 6)]


_ECS25 = {
    name: _alert_behaviour(obis, prefix)
    for name, obis, prefix in (
        ("ECS25a", "0-30:97.98.11.255", 0x81),
        ("ECS25a1", "0-30:97.98.12.255", 0x81),
        ("ECS25a2", "0-30:97.98.13.255", 0x81),
        ("ECS25a3", "0-30:97.98.14.255", 0x81),
        ("ECS25b", "0-33:97.98.11.255", 0x80),
        ("ECS25b3", "0-33:97.98.14.255", 0x80),
    )
}
_ECS25_TITLES = {
    "ECS25a": "Set alert behaviours (supplier WAN alerts)",
    "ECS25a1": "Set alert behaviours (supplier HAN sharing)",
    "ECS25a2": "Set alert behaviours (supplier audible alarm)",
    "ECS25a3": "Set alert behaviours (supplier logging)",
    "ECS25b": "Set alert behaviours (network operator WAN alerts)",
    "ECS25b3": "Set alert behaviours (network operator logging)",
}
_VOLTAGE_PARAMETERS = (
    Parameter("average_period", _U32, "1800", "average RMS voltage measurement period (s)"),
    Parameter("rms_over", _U32, "253", "average RMS over voltage threshold (V)"),
    Parameter("rms_under", _U32, "216", "average RMS under voltage threshold (V)"),
    *(
        parameter
        for _, name, volts in _VOLTAGE_LIMITS
        for parameter in (
            Parameter(name, _U32, str(volts), f"{name.replace('_', ' ')} voltage threshold (V)"),
            Parameter(f"{name}_duration", _U32, "30", f"{name.replace('_', ' ')} minimum duration (s)"),
        )
    ),
)
_AUX = (
    Parameter("controller", Whole(1, 5), "1", "auxiliary controller number"),
    Parameter("level", Whole(0, 255), "100", "commanded state or level"),
    Parameter("start", When(), "never", "start of the period (never: not set)"),
    Parameter("end", When(), "never", "end of the period (never: not set)"),
)
_AUX_CALENDAR = (
    _AUX[0],
    Parameter("on", TimeOfDay(), "06:00", "daily switch-on time"),
    Parameter("off", TimeOfDay(), "08:00", "daily switch-off time"),
    execute_at("when the calendar takes effect"),
)

USE_CASES: tuple[UseCase, ...] = (
    dlms_case(
        "ECS10",
        "Send message to ESME",
        _one(1, "0-2:96.13.1.255", 2, "message", octets),
        parameters=(Parameter("message", Text(116), "Hello from your supplier", "the message shown"),),
    ),
    dlms_case(
        "ECS12",
        "Set change of tenancy date",
        _one(1, "0-0:94.44.3.2", 2, "date", lambda moment: date_time(moment.utc)),
        parameters=(Parameter("date", When(markers=False), "now", "date of the change of tenancy"),),
    ),
    dlms_case("ECS14", "Disable privacy PIN protection", _fixed([set_(1, "0-0:94.44.3.1", 2, octets(b""))])),
    dlms_case("ECS15a", "Clear ESME event log", _fixed([action(7, "0-0:99.98.0.255", 1)])),
    dlms_case("ECS15c", "Clear auxiliary controller event log", _fixed([action(7, "0-17:99.98.2.255", 1)])),
    dlms_case(
        "ECS16",
        "Write supplier contact details",
        lambda req: [
            set_(9000, "0-0:96.13.0.255", 2, octets(req["telephone"])),
            set_(9000, "0-0:96.13.1.255", 2, octets(req["name"])),
        ],
        parameters=(
            Parameter("telephone", Text(18), "0800 000 0000", "supplier telephone number"),
            Parameter("name", Text(15), "Test Supplier", "supplier name"),
        ),
    ),
    *(
        dlms_case(name, _ECS25_TITLES[name], instructions, parameters=parameters)
        for name, (instructions, parameters) in _ECS25.items()
    ),
    dlms_case(
        "ECS28a",
        "Set load limit configuration (general settings)",
        _load_limit,
        parameters=(
            Parameter("disable_supply", Flag(), "true", "disable the supply when the limit is exceeded"),
            Parameter("threshold", _U32, "6900", "load limit power threshold (W)"),
            Parameter("period", _U32, "300", "load limit period (s)"),
            Parameter("restoration_period", _U32, "30", "load limit restoration period (s)"),
            execute_at("when the new settings take effect"),
        ),
    ),
    dlms_case("ECS28b", "Reset load limit counter", _fixed([action(3, "0-0:94.44.42.255", 1)])),
    dlms_case(
        "ECS29a",
        "Set voltage configuration (single phase), reset counters",
        _voltage(1, True),
        parameters=_VOLTAGE_PARAMETERS,
    ),
    dlms_case(
        "ECS29b",
        "Set voltage configuration (polyphase), reset counters",
        _voltage(3, True),
        parameters=_VOLTAGE_PARAMETERS,
    ),
    dlms_case("ECS29c", "Set voltage configuration (single phase)", _voltage(1, False), parameters=_VOLTAGE_PARAMETERS),
    dlms_case("ECS29d", "Set voltage configuration (polyphase)", _voltage(3, False), parameters=_VOLTAGE_PARAMETERS),
    dlms_case("ECS29e", "Reset RMS voltage counters (single phase)", _fixed(_counter_resets(1))),
    dlms_case("ECS29f", "Reset RMS voltage counters (polyphase)", _fixed(_counter_resets(3))),
    dlms_case(
        "ECS34",
        "Set instantaneous power threshold configuration",
        lambda req: [set_(21, "0-0:16.0.0.255", 2, array([u32(req["low_medium"]), u32(req["medium_high"])]))],
        parameters=(
            Parameter("low_medium", _U32, "2000", "low / medium power threshold (W)"),
            Parameter("medium_high", _U32, "4000", "medium / high power threshold (W)"),
        ),
    ),
    dlms_case(
        "ECS37",
        "Set maximum demand configurable time period",
        _max_demand_period,
        parameters=(
            Parameter("start", TimeOfDay(), "16:00", "daily start of the period"),
            Parameter("end", TimeOfDay(), "19:00", "daily end of the period"),
        ),
    ),
    dlms_case(
        "ECS38",
        "Update randomised offset limit",
        _one(1, "0-0:94.44.0.1", 2, "limit", u16),
        parameters=(Parameter("limit", Whole(0, 0xFFFF, "seconds"), "900", "randomised offset limit"),),
    ),
    dlms_case(
        "ECS39a",
        "Set import MPAN",
        _one(1, "0-0:94.44.34.11", 2, "mpan", octets),
        parameters=(Parameter("mpan", Text(26), "1312345678333", "import MPAN(s)"),),
    ),
    dlms_case(
        "ECS39b",
        "Set export MPAN",
        _one(1, "1-0:0.0.2.255", 2, "mpan", octets),
        parameters=(Parameter("mpan", Text(13), "1312345678334", "export MPAN"),),
    ),
    dlms_case(
        "ECS42", "Remotely close the load switch (enable supply)", _fixed([action(9, SUPPLY_SCRIPTS, 1, u16(ENABLE))])
    ),
    dlms_case(
        "ECS43", "Remotely open the load switch (disable supply)", _fixed([action(9, SUPPLY_SCRIPTS, 1, u16(DISABLE))])
    ),
    dlms_case("ECS44", "Arm the load switch", _fixed([action(9, SUPPLY_SCRIPTS, 1, u16(ARM))])),
    dlms_case(
        "ECS46a",
        "Set auxiliary controller descriptions",
        _descriptions,
        parameters=tuple(
            Parameter(f"description_{n}", Text(22), f"Controller {n}", f"description of controller {n}")
            for n in range(1, 6)
        ),
    ),
    dlms_case(
        "ECS46d",
        "Set auxiliary controller calendar",
        _aux_calendar,
        parameters=_AUX_CALENDAR,
    ),
    dlms_case(
        "ECS46c",
        "Set HC ALCS and ALCS configuration (GBCS 3.1)",
        _aux_configuration,
        parameters=(
            *(
                Parameter(f"identifier_{n}", Octets(0, 8), "0000000000000000", f"controller {n} type and id")
                for n in range(1, 6)
            ),
            *_AUX_CALENDAR,
        ),
    ),
    dlms_case("ECS47a", "Set auxiliary controller state", _aux_state, parameters=_AUX),
    dlms_case("ECS47e", "Limit APC level", _apc_limit, parameters=_AUX),
    dlms_case(
        "ECS50",
        "Send CIN to ESME",
        _one(1, "0-3:96.13.1.255", 2, "cin", octets),
        parameters=(Parameter("cin", Text(4), "1234", "customer identification number"),),
    ),
    dlms_case(
        "ECS57",
        "Reset maximum demand registers",
        _fixed([action(4, obis, 1) for obis in ("1-0:1.6.0.255", "1-0:2.6.0.255", "1-0:1.6.1.255")]),
    ),
    dlms_case(
        "ECS62",
        "Set boost function association",
        _boost,
        parameters=(Parameter("controllers", Numbers(1, 5, 0, 5), "1", "controllers the boost button controls"),),
    ),
    dlms_case(
        "ECS70",
        "Set clock",
        _clock,
        parameters=(
            Parameter("valid_from", When(markers=False), "-1m", "start of the window the hub's time must lie in"),
            Parameter("valid_to", When(markers=False), "+1m", "end of that window"),
        ),
    ),
    dlms_case(
        "ECS81",
        "Set supply tamper state",
        _one(1, "0-0:94.44.0.4", 2, "tampered", Boolean),
        parameters=(Parameter("tampered", Flag(), "false", "supply tamper state"),),
    ),
)
