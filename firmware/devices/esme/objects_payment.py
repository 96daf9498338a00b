"""Prepayment, supply, load-limit and auxiliary-control objects of a SMETS2 ESME (meters.md 2.4, 2.5).

The `next` values GBCS writes (class 9000 0-0:94.44.128.n) move into the Credit, Account,
Register Monitor and Limiter attributes when activated (see `activation.ACTIVATIONS`).
"""

from __future__ import annotations

from collections.abc import Callable

from firmware.devices.esme import dates, logs, supply
from firmware.devices.esme.alerts import AlertCode
from firmware.devices.esme.classes_basic import (
    activation_only,
    data,
    data_computed,
    extended_data,
    register,
    register_monitor,
    script_table,
)
from firmware.devices.esme.classes_payment import (
    account,
    aux_switch,
    charge,
    credit,
    disconnect_control,
    limiter,
    token_gateway,
    unit_charge,
)
from firmware.devices.esme.classes_time import schedule, special_days
from firmware.devices.esme.cosem import CosemObject, Reader
from firmware.devices.esme.meter import Call
from firmware.devices.esme.profile import DeviceProfile
from firmware.devices.esme.schema import BOOL, DT12, I32, U16, U32, Octets, OneOf, Text
from protocols.dlms import (
    Boolean,
    Data,
    DataType,
    Obis,
    OctetString,
    Utf8String,
    VisibleString,
    array,
    bits,
    i32,
    octets,
    structure,
    u8,
    u16,
    u32,
)

SUPPLY_SCRIPTS = "0-0:10.0.106.255"
AUX_STATE_SCRIPTS = "0-0:10.0.103.255"
APC_LIMIT_SCRIPTS = "0-0:10.0.107.255"
#: Selectors of the non-disablement (friendly credit) schedule: the period starts / ends (meters.md 2.4).
FRIENDLY_START, FRIENDLY_END = 0x20, 0x21
NEVER = octets(b"\xff\xff" + b"\xff" * 7 + b"\x80\x00\xff")
EITHER_32 = OneOf(U32, I32)


def _credit_charge_configuration() -> Data:
    balance = octets(Obis.of("0-0:19.10.0.255").raw)
    emergency = octets(Obis.of("0-0:19.10.1.255").raw)
    return array(
        [
            structure(credit, octets(Obis.of(charge_name).raw), bits(3, 0b111))
            for credit in (balance, emergency)
            for charge_name in (
                "0-0:19.20.0.255",
                "0-0:19.20.4.255",
                "0-0:19.20.1.255",
                "0-0:19.20.2.255",
                "0-0:19.20.3.255",
            )
        ]
    )


def _debt_rate() -> Data:
    return unit_charge((0, -5), (0, "", 0), [(b"", 0)])


def _supply_script(selector: int) -> Callable[[Call], None]:
    def run(call: Call) -> None:
        supply.execute(call.meter, selector, call.time)

    return run


def _aux_accepts(identifier: int) -> bool:
    """Controller number in the high byte: 1-5 (GBCS 3.1), or 0x1n / 0x2n output / input n (4.0; meters.md 5.2)."""
    high = identifier >> 8
    return 1 <= high <= 5 or (high >> 4 in (1, 2) and 1 <= high & 0x0F <= 5)


def _aux_command(scripts: str) -> Callable[[Call], None]:
    """An auxiliary controller command from script table `scripts`: the new state, an auxiliary controller
    event log entry (0-17:99.98.2.255), and for an APC limit the "limit processed" alert (ECS101, gbcs.md 5.5:
    APC direction and number, limit period start and end, resulting level)."""

    def run(call: Call) -> None:
        meter = call.meter
        identifier = meter.state(f"script/{scripts}")
        controller, level = (identifier >> 8) & 0x0F, identifier & 0xFF
        meter.set_state(f"aux/{controller}", level)
        command = (call.context.counter if call.context is not None else 0) & 0xFFFFFFFF
        logs.append(meter, meter.log_specs["0-17:99.98.2.255"], [dates.stamp(call.time), identifier, 0, command])
        if scripts == APC_LIMIT_SCRIPTS:
            start, end = (_setting(call, controller, setting) for setting in (3, 4))
            meter.raise_alert(AlertCode.APC_LIMIT_PROCESSED, call.time, u8(identifier >> 8), start, end, u8(level))

    return run


def _setting(call: Call, controller: int, setting: int) -> Data:
    """An APC limit period bound (0-0:94.44.{116+n}.{3,4}), or the time now when it holds no date-time."""
    value = call.meter.value(f"0-0:94.44.{116 + controller}.{setting}", 2)
    if isinstance(value, OctetString) and len(value.value) == 12 and value != NEVER:
        return value
    return octets(dates.date_time(call.time))


def _aux_state(number: int) -> Reader:
    def read(call: Call) -> Data:
        level = call.meter.state(f"aux/{number}")
        return Utf8String(f'{{"outputState": {level}, "inputState": 0}}'.encode())

    return read


def payment_objects(profile: DeviceProfile) -> list[CosemObject]:
    prepay = profile.prepayment
    mode = int(profile.payment_mode)
    configuration = _credit_charge_configuration()
    empty_schedule, empty_days = array([]), array([])
    objects = [
        account("0-0:19.0.0.255", "Account (active)", mode, configuration, passive=False),
        account("0-1:19.0.0.255", "Account (passive)", mode, configuration, passive=True),
        credit("0-0:19.10.0.255", "Meter balance", "p/balance", 0),
        credit(
            "0-0:19.10.1.255",
            "Emergency credit",
            "p/ec",
            2,
            prepay.emergency_credit_limit,
            prepay.emergency_credit_threshold,
        ),
        credit("0-0:19.10.2.255", "Accumulated debt register", "p/accumulated", 0),
        charge("0-0:19.20.1.255", "Time debt register 1", _debt_rate(), period=86_400, debt=True),
        charge("0-0:19.20.2.255", "Time debt register 2", _debt_rate(), period=86_400, debt=True),
        charge("0-0:19.20.3.255", "Payment debt register", _debt_rate(), debt=True),
        token_gateway(),
        extended_data("0-0:94.44.2.10", "Maximum credit threshold", i32(prepay.max_credit_threshold), EITHER_32),
        extended_data("0-0:94.44.2.20", "Maximum meter balance", i32(prepay.max_meter_balance), EITHER_32),
        extended_data(
            "0-0:94.44.128.2", "Emergency credit limit (next)", i32(prepay.emergency_credit_limit), EITHER_32
        ),
        extended_data(
            "0-0:94.44.128.3", "Emergency credit threshold (next)", i32(prepay.emergency_credit_threshold), EITHER_32
        ),
        extended_data("0-0:94.44.128.9", "Low credit threshold (next)", i32(prepay.low_credit_threshold), EITHER_32),
        extended_data(
            "0-0:94.44.128.12", "Debt recovery rate cap amount (next)", u16(min(prepay.debt_recovery_cap, 0xFFFF)), U16
        ),
        extended_data(
            "0-0:94.44.128.13", "Debt recovery rate cap period (next)", u32(prepay.debt_recovery_period), EITHER_32
        ),
        extended_data("0-0:94.44.128.22", "Disablement threshold (next)", i32(prepay.disablement_threshold), EITHER_32),
        register_monitor(
            "0-0:16.0.1.255",
            "Disablement threshold (current)",
            array([i32(prepay.disablement_threshold)]),
            None,
            (112, "0-0:19.10.0.255", 2),
        ),
        schedule("0-0:12.0.1.255", "Non-disablement calendar (current)", empty_schedule, writable=False),
        schedule("0-1:12.0.1.255", "Non-disablement calendar (next)", empty_schedule),
        special_days("0-0:11.0.2.255", "Non-disablement special days (current)", empty_days, writable=False),
        special_days("0-1:11.0.2.255", "Non-disablement special days (next)", empty_days),
        activation_only("0-0:94.44.128.28", "Non-disablement calendar activation"),
        activation_only("0-0:94.44.128.31", "Non-disablement special days activation"),
    ]
    return objects


def supply_objects(profile: DeviceProfile) -> list[CosemObject]:
    load_limit_count = lambda call: u32(call.meter.state("ll/count"))  # noqa: E731  (a one-line reader)

    def reset_load_limit(call: Call) -> None:
        call.meter.set_state("ll/count", 0)

    supply_scripts = {selector: _supply_script(selector) for selector in (supply.ENABLE, supply.DISABLE, supply.ARM)}
    supply_scripts.update({FRIENDLY_START: lambda call: None, FRIENDLY_END: lambda call: None})
    objects = [
        disconnect_control(),
        script_table(SUPPLY_SCRIPTS, "Supply control scripts", supply_scripts),
        data("0-0:94.44.0.4", "Supply tamper state", Boolean(False), BOOL),
        extended_data("0-0:94.44.0.3", "Load limit supply state", Boolean(False), BOOL),
        limiter("0-0:17.0.0.255", "Load limiter", 0, 0, 0, (3, "1-0:1.7.0.255", 2)),
        extended_data("0-0:94.44.128.6", "Load limit period (next)", u32(0), EITHER_32),
        extended_data("0-0:94.44.128.7", "Load limit power threshold (next)", u32(0), EITHER_32),
        extended_data("0-0:94.44.128.8", "Load limit restoration period (next)", u32(0), EITHER_32),
        register("0-0:94.44.42.255", "Load limit counter", load_limit_count, 0, 255, reset_load_limit),
        # auxiliary controllers (GBCS 4.0, and the 3.1 ALCS / HC ALCS objects)
        script_table(
            AUX_STATE_SCRIPTS, "Auxiliary controller state scripts", {0: _aux_command(AUX_STATE_SCRIPTS)}, _aux_accepts
        ),
        script_table(APC_LIMIT_SCRIPTS, "APC limit scripts", {0: _aux_command(APC_LIMIT_SCRIPTS)}, _aux_accepts),
        schedule("0-0:12.0.2.255", "Auxiliary controller calendar (current)", array([]), writable=False),
        schedule("0-1:12.0.2.255", "Auxiliary controller calendar (next)", array([])),
        special_days("0-0:11.0.3.255", "Auxiliary controller special days (current)", array([]), writable=False),
        special_days("0-1:11.0.3.255", "Auxiliary controller special days (next)", array([])),
        activation_only("0-0:94.44.128.26", "Auxiliary controller calendar activation"),
        activation_only("0-0:94.44.128.35", "Auxiliary controller special days activation"),
        data("0-0:94.44.7.255", "Boost function available", Boolean(True), BOOL),
    ]
    for number in range(1, 6):
        objects += [
            data(
                f"0-0:94.44.0.{10 + number}",
                f"Auxiliary controller {number} description",
                VisibleString(b""),
                Text(DataType.VISIBLE_STRING, 22),
            ),
            data(
                f"0-0:94.44.0.{20 + number}",
                f"Auxiliary controller {number} type and identifier",
                octets(bytes(8)),
                Octets(0, 8),
            ),
            data_computed(f"0-0:94.44.0.{30 + number}", f"Auxiliary controller {number} state", _aux_state(number)),
            data(f"0-0:94.44.6.{number}", f"Boost controls auxiliary controller {number}", Boolean(True), BOOL),
            aux_switch(f"0-{number}:96.3.10.255", f"ALCS {number} output state"),
        ]
        for setting in range(1, 5):
            objects.append(
                data(
                    f"0-0:94.44.{116 + number}.{setting}",
                    f"Auxiliary controller {number} setting {setting}",
                    NEVER,
                    OneOf(DT12, U16),
                )
            )
    return objects
