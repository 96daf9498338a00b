"""Value-holding interface classes: Data (1), Register (3), Extended/Demand Register (4, 5), Register
Activation (6), Script Table (9), Register Monitor (21) and GBCS Extended Data (9000).

Attribute and method numbers are the Blue Book's (IEC 62056-6-2; meters.md 2.1 for the ones GBCS
uses, and class 9000 as gbcs-parser names it: a2 value_active, a3 scaler_unit_active, a4
value_passive, a5 scaler_unit_passive, a6 activate_passive_value_time).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from firmware.devices.esme import activation
from firmware.devices.esme.cosem import Attribute, CosemObject, Method, Reader, Writer
from firmware.devices.esme.schema import DT12, I8, U8, U16, ArrayOf, Octets, Refused, Schema, Struct
from protocols.dlms import (
    NULL,
    Data,
    DataAccessResult,
    Integer,
    Obis,
    array,
    enum_,
    i8,
    octets,
    structure,
    u8,
    u16,
    u32,
)

if TYPE_CHECKING:
    from firmware.devices.esme.meter import Call

#: Units (IEC 62056-6-2 enumeration; meters.md 2.2): Wh 30, varh 32, W 27, "other" 254, none 255.
WH, VARH, WATT, OTHER_UNIT, NO_UNIT = 30, 32, 27, 254, 255
#: Parameter of a method called without data (GBCS sends `integer 0`, gbcs.md 5.2 / meters.md 2.1).
NO_DATA = I8


def scaler_unit(scaler: int, unit: int) -> Data:
    return structure(i8(scaler), enum_(unit))


def constant(value: Data, label: str = "") -> Attribute:
    """A read-only attribute whose value never changes."""
    return Attribute(read=lambda call: value, label=label)


def stored(schema: Schema | None, default: Data, label: str = "", write: Writer | None = None) -> Attribute:
    """A stored attribute; writable when `schema` is given."""
    return Attribute(schema=schema, default=default, write=write, label=label)


def data(
    obis: str, label: str, default: Data, schema: Schema | None = None, write: Writer | None = None
) -> CosemObject:
    """Class 1: a stored value (writable when `schema` is given)."""
    return CosemObject(1, Obis.of(obis), label, {2: stored(schema, default, "value", write)})


def data_computed(obis: str, label: str, read: Reader) -> CosemObject:
    """Class 1: a value computed from the meter's state (a collection, a state flag)."""
    return CosemObject(1, Obis.of(obis), label, {2: Attribute(read=read, label="value")})


def _reset(reset: Callable[[Call], None]) -> Method:
    def run(call: Call, value: Data) -> Data | None:
        reset(call)
        return None

    return Method(NO_DATA, run, "reset")


def register(
    obis: str,
    label: str,
    read: Reader,
    scaler: int = 0,
    unit: int = WH,
    reset: Callable[[Call], None] | None = None,
) -> CosemObject:
    """Class 3: a computed value with its scaler_unit; `reset` makes method 1 available."""
    methods = {1: _reset(reset)} if reset is not None else {}
    attributes = {2: Attribute(read=read, label="value"), 3: constant(scaler_unit(scaler, unit), "scaler_unit")}
    return CosemObject(3, Obis.of(obis), label, attributes, methods)


def extended_register(
    obis: str, label: str, read: Reader, captured: Reader, scaler: int, unit: int, reset: Callable[[Call], None]
) -> CosemObject:
    """Class 4: a value with its capture time (maximum demand registers, meters.md 2.2)."""
    attributes = {
        2: Attribute(read=read, label="value"),
        3: constant(scaler_unit(scaler, unit), "scaler_unit"),
        4: constant(u8(0), "status"),
        5: Attribute(read=captured, label="capture_time"),
    }
    return CosemObject(4, Obis.of(obis), label, attributes, {1: _reset(reset)})


def demand_register(obis: str, label: str, current: Reader, last: Reader, captured: Reader, period: int) -> CosemObject:
    """Class 5: the average demand of the running and the last completed period."""
    attributes = {
        2: Attribute(read=current, label="current_average_value"),
        3: Attribute(read=last, label="last_average_value"),
        4: constant(scaler_unit(0, WATT), "scaler_unit"),
        5: constant(u8(0), "status"),
        6: Attribute(read=captured, label="capture_time"),
        7: Attribute(read=captured, label="start_time_current"),
        8: constant(u32(period), "period"),
        9: constant(u16(1), "number_of_periods"),
    }
    return CosemObject(5, Obis.of(obis), label, attributes)


def register_activation(obis: str, label: str, registers: list[tuple[int, str]]) -> CosemObject:
    """Class 6: which registers are active under which mask (one mask, all registers)."""
    assignment = array([structure(u16(class_id), octets(Obis.of(name).raw)) for class_id, name in registers])
    mask = array([structure(octets(b"ALL"), array([u8(index + 1) for index in range(len(registers))]))])
    attributes = {
        2: constant(assignment, "register_assignment"),
        3: stored(ArrayOf(Struct(Octets(0, 32), ArrayOf(U8, 64)), 8), mask, "mask_list"),
        4: stored(Octets(0, 32), octets(b"ALL"), "active_mask"),
    }
    return CosemObject(6, Obis.of(obis), label, attributes)


def script_table(
    obis: str, label: str, scripts: dict[int, Callable[[Call], None]], accepts: Callable[[int], bool] | None = None
) -> CosemObject:
    """Class 9: method 1 `execute(script_identifier)` runs the script; an unknown one is `other-reason`.

    `accepts` admits identifiers not listed (the auxiliary-controller table encodes a controller
    and a state in the identifier, meters.md 2.5) and runs them through `scripts[0]`.
    """
    listed = array([structure(u16(identifier), array([])) for identifier in sorted(scripts) if identifier])

    def execute(call: Call, value: Data) -> Data | None:
        assert isinstance(value, Integer)
        script = scripts.get(value.value)
        if script is None and accepts is not None and accepts(value.value):
            script = scripts[0]
        if script is None or value.value == 0:
            raise Refused(DataAccessResult.OTHER_REASON, f"{label} has no script {value.value}")
        call.meter.set_state(f"script/{obis}", value.value)
        script(call)
        return None

    return CosemObject(9, Obis.of(obis), label, {2: constant(listed, "scripts")}, {1: Method(U16, execute, "execute")})


def register_monitor(
    obis: str, label: str, default: Data, schema: Schema | None, monitored: tuple[int, str, int]
) -> CosemObject:
    """Class 21: thresholds (a2, writable when `schema` is given) on a monitored value (meters.md 2.3)."""
    class_id, name, attribute = monitored
    attributes = {
        2: stored(schema, default, "thresholds"),
        3: constant(structure(u16(class_id), octets(Obis.of(name).raw), i8(attribute)), "monitored_value"),
        4: constant(array([]), "actions"),
    }
    return CosemObject(21, Obis.of(obis), label, attributes)


def extended_data(
    obis: str, label: str, default: Data, schema: Schema, scaler: int = 0, unit: int = NO_UNIT
) -> CosemObject:
    """Class 9000: active and passive values and the passive value's activation time (meters.md 2.1)."""
    trigger = (9000, obis, 6)
    activates = trigger in activation.ACTIVATIONS
    attributes = {
        2: stored(schema, default, "value_active"),
        3: constant(scaler_unit(scaler, unit), "scaler_unit_active"),
        4: stored(schema, default, "value_passive"),
        5: constant(scaler_unit(scaler, unit), "scaler_unit_passive"),
        6: stored(
            DT12,
            octets(bytes(9) + b"\x80\x00\xff"),
            "activate_passive_value_time",
            activation.on_write(trigger) if activates else None,
        ),
    }
    return CosemObject(9000, Obis.of(obis), label, attributes)


def activation_only(obis: str, label: str) -> CosemObject:
    """A class-9000 object used only for its activation time (special days, calendars: meters.md 2.3-2.5)."""
    return extended_data(obis, label, NULL, Octets(0, 0))
