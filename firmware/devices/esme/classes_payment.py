"""Payment and supply interface classes: Account (111), Credit (112), Charge (113), Token Gateway (115),
Disconnect Control (70) and Limiter (71) (IEC 62056-6-2 as GBCS uses them, meters.md 2.1, 2.4, 2.5).

The balances behind the Credit and Charge attributes live in `prepayment`; these objects
expose them with the Blue Book numbering and route the GBCS methods (ECS04a/b balance
adjustments, ECS07 debt management, ECS09 emergency credit, CS01a UTRN entry) to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.devices.esme import activation, dates, prepayment, supply
from firmware.devices.esme.alerts import AlertCode
from firmware.devices.esme.classes_basic import NO_DATA, constant, stored
from firmware.devices.esme.cosem import Attribute, CosemObject, Method
from firmware.devices.esme.schema import (
    DT12,
    ENUM,
    I8,
    I32,
    OBIS6,
    U16,
    U32,
    ArrayOf,
    Bits,
    Int,
    Octets,
    OneOf,
    Refused,
    Struct,
)
from protocols.dlms import (
    Boolean,
    Data,
    DataAccessResult,
    DataType,
    Integer,
    Obis,
    OctetString,
    array,
    bits,
    enum_,
    i8,
    i32,
    octets,
    structure,
    u8,
    u16,
    u32,
)
from protocols.gbcs import utrn

if TYPE_CHECKING:
    from firmware.devices.esme.meter import Call

#: A charge's unit charge: {commodity/price scales, commodity reference, charge table (meters.md 2.3)}.
UNIT_CHARGE = Struct(Struct(I8, I8), Struct(U16, OBIS6, I8), ArrayOf(Struct(Octets(0, 2), Int(DataType.LONG)), 80))
CREDIT_CHARGE_CONFIGURATION = ArrayOf(Struct(OBIS6, OBIS6, Bits(3, 3)), 16)
NEVER = octets(b"\xff\xff" + b"\xff" * 7 + b"\x80\x00\xff")


def unit_charge(scales: tuple[int, int], commodity: tuple[int, str, int], prices: list[tuple[bytes, int]]) -> Data:
    class_id, name, attribute = commodity
    return structure(
        structure(i8(scales[0]), i8(scales[1])),
        structure(u16(class_id), octets(Obis.of(name).raw if name else bytes(6)), i8(attribute)),
        array([structure(octets(index), Integer(DataType.LONG, price)) for index, price in prices]),
    )


def account(obis: str, label: str, mode: int, configuration: Data, *, passive: bool) -> CosemObject:
    """Class 111: the active account (0-0:19.0.0.255, read) or the passive one (0-1:19.0.0.255, written by ECS02/03)."""
    trigger = (111, obis, 13)
    writable = passive

    def available_credit(call: Call) -> Data:
        return i32(_clamp(prepayment.available(call.meter)))

    def debts(call: Call) -> Data:
        owed = sum(prepayment.debt(call.meter, charge) for charge in (*prepayment.TIME_DEBTS, prepayment.PAYMENT_DEBT))
        return i32(_clamp(owed))

    attributes = {
        2: stored(
            Struct(Int(DataType.ENUM, 1, 2), ENUM) if writable else None,
            structure(enum_(mode), enum_(1 if passive else 2)),
            "account_mode_and_status",
        ),
        3: constant(u8(0), "current_credit_in_use"),
        4: constant(bits(8, 0), "current_credit_status"),
        5: Attribute(read=available_credit, label="available_credit"),
        6: Attribute(read=debts, label="amount_to_clear"),
        7: stored(I32 if writable else None, i32(0), "clearance_threshold"),
        8: Attribute(read=debts, label="aggregated_debt"),
        9: constant(
            array([octets(Obis.of(name).raw) for name in ("0-0:19.10.0.255", "0-0:19.10.1.255")]),
            "credit_reference_list",
        ),
        10: constant(
            array(
                [
                    octets(Obis.of(name).raw)
                    for name in (
                        "0-0:19.20.0.255",
                        "0-0:19.20.1.255",
                        "0-0:19.20.2.255",
                        "0-0:19.20.3.255",
                        "0-0:19.20.4.255",
                    )
                ]
            ),
            "charge_reference_list",
        ),
        11: stored(CREDIT_CHARGE_CONFIGURATION if writable else None, configuration, "credit_charge_configuration"),
        12: constant(
            array([structure(octets(Obis.of("0-0:19.10.0.255").raw), u8(100))]), "token_gateway_configuration"
        ),
        13: stored(
            DT12 if writable else None,
            NEVER,
            "account_activation_time",
            activation.on_write(trigger) if passive else None,
        ),
        14: stored(None, NEVER, "account_closure_time"),
        15: constant(structure(octets(b"GBP"), i8(-5), enum_(0)), "currency"),
    }
    if not passive:
        attributes.update(
            {
                16: stored(I32, i32(0), "low_credit_threshold"),
                17: stored(I32, i32(0), "next_credit_available_threshold"),
                18: stored(U16, u16(0), "max_provision"),
                19: stored(OneOf(I32, U32), i32(86_400), "max_provision_period"),
            }
        )
    return CosemObject(111, Obis.of(obis), label, attributes)


def _clamp(value: float) -> int:
    return max(-(1 << 31), min((1 << 31) - 1, int(value)))


def credit(
    obis: str, label: str, balance_key: str, credit_type: int, limit: int = 0, threshold: int = 0
) -> CosemObject:
    """Class 112: a credit register whose amount is `prepayment` money `balance_key` (meters.md 2.4)."""

    def amount(call: Call) -> Data:
        if balance_key == "p/ec" and not prepayment.ec_active(call.meter):
            return i32(0)
        return i32(_clamp(prepayment.money(call.meter, balance_key)))

    def update_amount(call: Call, value: Data) -> Data | None:
        assert isinstance(value, Integer)
        prepayment.set_money(call.meter, balance_key, prepayment.money(call.meter, balance_key) + value.value)
        prepayment.check(call.meter, call.time)
        return None

    def set_amount(call: Call, value: Data) -> Data | None:
        assert isinstance(value, Integer)
        prepayment.set_money(call.meter, balance_key, value.value)
        if balance_key == "p/ec" and value.value == 0:
            call.meter.set_state("p/ec_active", 0)
            prepayment.set_money(call.meter, "p/ec_used", 0.0)
        prepayment.check(call.meter, call.time)
        return None

    def invoke(call: Call, value: Data) -> Data | None:
        if balance_key != "p/ec":
            raise Refused(DataAccessResult.OTHER_REASON, f"{label} cannot be invoked")
        prepayment.invoke_emergency_credit(call.meter, call.time)
        return None

    def status(call: Call) -> Data:
        if balance_key == "p/ec":
            return enum_(3 if prepayment.ec_active(call.meter) else 1)
        return enum_(3)

    attributes = {
        2: Attribute(read=amount, label="current_credit_amount"),
        3: constant(enum_(credit_type), "credit_type"),
        4: constant(u8(1), "priority"),
        5: stored(I32, i32(0), "warning_threshold"),
        6: stored(I32, i32(0), "limit"),
        7: constant(bits(5, 0), "credit_configuration"),
        8: Attribute(read=status, label="credit_status"),
        9: stored(I32, i32(limit), "preset_credit_amount"),
        10: stored(I32, i32(threshold), "credit_available_threshold"),
        11: constant(u32(0), "period"),
    }
    methods = {
        1: Method(I32, update_amount, "update_amount"),
        2: Method(I32, set_amount, "set_amount_to_value"),
        3: Method(NO_DATA, invoke, "invoke_credit"),
    }
    return CosemObject(112, Obis.of(obis), label, attributes, methods)


def charge(
    obis: str, label: str, default: Data, *, period: int = 0, proportion: int = 0, debt: bool = False
) -> CosemObject:
    """Class 113: price matrix, standing charge or debt (meters.md 2.3-2.4); debts keep their total in `prepayment`."""
    trigger = (113, obis, 7)

    def remaining(call: Call) -> Data:
        return i32(_clamp(prepayment.debt(call.meter, obis))) if debt else i32(0)

    def activate(call: Call, value: Data) -> Data | None:
        call.meter.set_value(obis, 5, call.meter.value(obis, 6))
        return None

    def update_remaining(call: Call, value: Data) -> Data | None:
        assert isinstance(value, Integer)
        if not debt:
            raise Refused(DataAccessResult.OTHER_REASON, f"{label} carries no amount remaining")
        prepayment.adjust_debt(call.meter, obis, value.value, call.time)
        return None

    def set_remaining(call: Call, value: Data) -> Data | None:
        assert isinstance(value, Integer)
        if not debt:
            raise Refused(DataAccessResult.OTHER_REASON, f"{label} carries no amount remaining")
        prepayment.adjust_debt(call.meter, obis, value.value - int(prepayment.debt(call.meter, obis)), call.time)
        return None

    attributes = {
        2: constant(i32(0), "total_amount_paid"),
        3: constant(enum_(0 if debt else 1), "charge_type"),
        4: constant(u8(1), "priority"),
        5: stored(None, default, "unit_charge_active"),
        6: stored(UNIT_CHARGE, default, "unit_charge_passive"),
        7: stored(
            DT12,
            NEVER,
            "unit_charge_activation_time",
            activation.on_write(trigger) if trigger in activation.ACTIVATIONS else None,
        ),
        8: stored(U32, u32(period), "period"),
        9: constant(bits(2, 0), "charge_configuration"),
        10: constant(NEVER, "last_collection_time"),
        11: constant(i32(0), "last_collection_amount"),
        12: Attribute(read=remaining, label="total_amount_remaining"),
        13: stored(U16, u16(proportion), "proportion"),
    }
    methods = {
        2: Method(NO_DATA, activate, "activate_passive_unit_charge"),
        4: Method(I32, update_remaining, "update_total_amount_remaining"),
        5: Method(I32, set_remaining, "set_total_amount_remaining"),
    }
    return CosemObject(113, Obis.of(obis), label, attributes, methods)


def token_gateway(obis: str = "0-0:19.40.0.255") -> CosemObject:
    """Class 115: UTRN entry (CS01a, gbcs.md 4.8): verified through the meter's security, then credited."""

    def enter(call: Call, value: Data) -> Data | None:
        assert isinstance(value, OctetString)
        meter, context = call.meter, call.context
        token = value.value.decode("ascii", errors="replace")
        meter.store.put("m/token/last", value.value)
        meter.store.put("m/token/time", call.time)
        try:
            fields = utrn.decode(token)
        except ValueError:
            meter.raise_alert(AlertCode.UTRN_NOT_AUTHENTIC, call.time)
            raise Refused(DataAccessResult.OTHER_REASON, "not a well-formed UTRN") from None
        if context is None or meter.security is None:
            raise Refused(DataAccessResult.TEMPORARY_FAILURE, "no key material to verify the UTRN")
        if context.counter <= meter.state("p/utrn_counter", -1):
            meter.raise_alert(AlertCode.DUPLICATE_UTRN, call.time)
            raise Refused(DataAccessResult.OTHER_REASON, "UTRN already used")
        if not meter.security.utrn_valid(token, supplier=context.originator, counter=context.counter):
            meter.raise_alert(AlertCode.UTRN_NOT_AUTHENTIC, call.time)
            raise Refused(DataAccessResult.OTHER_REASON, "UTRN not authentic for this meter")
        prepayment.top_up(meter, fields.value * prepayment.UTRN_UNITS.get(fields.value_class, 0), call.time)
        meter.set_state("p/utrn_counter", context.counter)
        return None

    def token(call: Call) -> Data:
        return octets(call.meter.store.get("m/token/last", b""))

    def token_time(call: Call) -> Data:
        stamp = call.meter.store.get("m/token/time")
        return NEVER if stamp is None else octets(dates.date_time(float(stamp)))

    attributes = {
        2: Attribute(read=token, label="token"),
        3: Attribute(read=token_time, label="token_time"),
        4: constant(array([]), "token_description"),
        5: constant(enum_(0), "token_delivery_method"),
        6: constant(structure(enum_(0), bits(8, 0)), "token_status"),
    }
    return CosemObject(115, Obis.of(obis), "Token gateway", attributes, {1: Method(Octets(20, 20), enter, "enter")})


def disconnect_control(obis: str = "0-0:96.3.10.255") -> CosemObject:
    """Class 70: the load switch state; methods 1/2 remote disconnect / reconnect (reconnect arms)."""

    def output(call: Call) -> Data:
        return Boolean(supply.connected(call.meter))

    def control(call: Call) -> Data:
        return enum_(supply.state(call.meter))

    def disconnect(call: Call, value: Data) -> Data | None:
        supply.execute(call.meter, supply.DISABLE, call.time)
        return None

    def reconnect(call: Call, value: Data) -> Data | None:
        supply.execute(call.meter, supply.ARM, call.time)
        return None

    attributes = {
        2: Attribute(read=output, label="output_state"),
        3: Attribute(read=control, label="control_state"),
        4: stored(Int(DataType.ENUM, 0, 6), enum_(4), "control_mode"),
    }
    methods = {1: Method(NO_DATA, disconnect, "remote_disconnect"), 2: Method(NO_DATA, reconnect, "remote_reconnect")}
    return CosemObject(70, Obis.of(obis), "Supply state (disconnect control)", attributes, methods)


def aux_switch(obis: str, label: str) -> CosemObject:
    """Class 70 for an auxiliary load control switch (GBCS 3.1 ALCS n): its output state only."""

    def output(call: Call) -> Data:
        return Boolean(bool(call.meter.state(f"aux/{obis}", 1)))

    return CosemObject(
        70,
        Obis.of(obis),
        label,
        {2: Attribute(read=output, label="output_state"), 3: constant(enum_(1), "control_state")},
    )


def limiter(
    obis: str, label: str, threshold: int, over: int, under: int, monitored: tuple[int, str, int]
) -> CosemObject:
    """Class 71: a threshold with minimum over/under durations (load limit; voltage thresholds, meters.md 2.5)."""
    class_id, name, attribute = monitored

    def active(call: Call) -> Data:
        return call.meter.value(obis, 4)

    attributes = {
        2: constant(structure(u16(class_id), octets(Obis.of(name).raw), i8(attribute)), "monitored_value"),
        3: Attribute(read=active, label="threshold_active"),
        4: stored(U32, u32(threshold), "threshold_normal"),
        5: stored(U32, u32(threshold), "threshold_emergency"),
        6: stored(U32, u32(over), "min_over_threshold_duration"),
        7: stored(U32, u32(under), "min_under_threshold_duration"),
        8: constant(structure(u16(0), octets(NEVER.value), u32(0)), "emergency_profile"),
        9: constant(array([]), "emergency_profile_group_id_list"),
        10: constant(Boolean(False), "emergency_profile_active"),
        11: constant(structure(structure(octets(bytes(6)), u16(0)), structure(octets(bytes(6)), u16(0))), "actions"),
    }
    return CosemObject(71, Obis.of(obis), label, attributes)
