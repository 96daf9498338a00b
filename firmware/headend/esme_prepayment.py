"""ESME payment use cases (meters.md 1.1, 2.4): payment mode (ECS02/ECS03), balances (ECS04a/b), debt
(ECS07), prepayment configuration (ECS08/ECS08a), emergency credit (ECS09) and top-up (CS01a).

Money is in 1/100000 of the currency unit (the meter's scale, docs/esme.md). A top-up carries a
UTRN made for this meter from the supplier's prepayment key with the command's own counter
(gbcs.md 4.8, `protocols.gbcs.utrn.make`), so the meter can check it was meant for it, from
that supplier, once.
"""

from __future__ import annotations

from collections.abc import Callable

from firmware.headend.dlms_payload import Instruction, action, activation, dlms_case, set_
from firmware.headend.parameters import Parameter, Whole, execute_at, friendly_credit_parameters, top_up_parameters
from firmware.headend.usecase import Request, UseCase
from protocols.dlms import (
    Boolean,
    Data,
    DataType,
    Integer,
    Obis,
    array,
    bits,
    enum_,
    i8,
    i32,
    octets,
    structure,
    u16,
    u32,
)

ACCOUNT_PASSIVE = "0-1:19.0.0.255"
METER_BALANCE, EMERGENCY_CREDIT, ACCUMULATED_DEBT = "0-0:19.10.0.255", "0-0:19.10.1.255", "0-0:19.10.2.255"
TIME_DEBT_1, TIME_DEBT_2, PAYMENT_DEBT = "0-0:19.20.1.255", "0-0:19.20.2.255", "0-0:19.20.3.255"
PRICE_MATRIX, STANDING_CHARGE = "0-0:19.20.0.255", "0-0:19.20.4.255"
SUPPLY_SCRIPTS = "0-0:10.0.106.255"
#: Non-disablement calendar script selectors: a friendly-credit period starts / ends (docs/esme.md).
FRIENDLY_START, FRIENDLY_END = 0x20, 0x21
CREDIT_MODE, PREPAYMENT_MODE = 1, 2
_MONEY = Whole(-(1 << 31), (1 << 31) - 1, "1/100000 currency unit")
_AMOUNT = Whole(0, (1 << 31) - 1, "1/100000 currency unit")
_ANY_DATE = b"\xff" * 5


def _charge_configuration(mode: int) -> Data:
    """Account a11: which credits pay which charges (meters.md 2.4). Credit mode: the meter balance pays the
    energy, the standing charge and the payment debt; prepayment: the balance and emergency credit pay every
    charge and debt."""
    credits = (METER_BALANCE,) if mode == CREDIT_MODE else (METER_BALANCE, EMERGENCY_CREDIT)
    charges = (
        (PRICE_MATRIX, STANDING_CHARGE, PAYMENT_DEBT)
        if mode == CREDIT_MODE
        else (PRICE_MATRIX, STANDING_CHARGE, TIME_DEBT_1, TIME_DEBT_2, PAYMENT_DEBT)
    )
    return array(
        [
            structure(octets(Obis.of(credit).raw), octets(Obis.of(charge).raw), bits(3, 0b111))
            for credit in credits
            for charge in charges
        ]
    )


def _credit_mode(req: Request) -> list[Instruction]:
    """ECS02: the passive account in credit mode, its charge configuration, its activation."""
    return [
        set_(111, ACCOUNT_PASSIVE, 2, structure(enum_(CREDIT_MODE), enum_(1))),
        set_(111, ACCOUNT_PASSIVE, 11, _charge_configuration(CREDIT_MODE)),
        set_(111, ACCOUNT_PASSIVE, 13, activation(req["execute_at"])),
    ]


def _prepayment_mode(req: Request) -> list[Instruction]:
    """ECS03: the passive account in prepayment mode with its disablement threshold, then both activations."""
    when = activation(req["execute_at"])
    return [
        set_(111, ACCOUNT_PASSIVE, 2, structure(enum_(PREPAYMENT_MODE), enum_(1))),
        set_(9000, "0-0:94.44.128.22", 4, i32(req["disablement_threshold"])),
        set_(111, ACCOUNT_PASSIVE, 11, _charge_configuration(PREPAYMENT_MODE)),
        set_(9000, "0-0:94.44.128.22", 6, when),
        set_(111, ACCOUNT_PASSIVE, 13, when),
    ]


def _adjust_balance(req: Request) -> list[Instruction]:
    """ECS04a: add (or, negative, take) an amount to the meter balance."""
    return [action(112, METER_BALANCE, 1, i32(req["amount"]))]


def _reset_balances(req: Request) -> list[Instruction]:
    """ECS04b: set the meter balance, emergency credit and accumulated debt to these values."""
    return [
        action(112, METER_BALANCE, 2, i32(req["meter_balance"])),
        action(112, EMERGENCY_CREDIT, 2, i32(req["emergency_credit"])),
        action(112, ACCUMULATED_DEBT, 2, i32(req["accumulated_debt"])),
    ]


def _rate(amount: int) -> Data:
    """A debt's recovery rate as a Charge unit_charge: one table entry, money scale -5."""
    return structure(
        structure(i8(0), i8(-5)),
        structure(u16(0), octets(bytes(6)), i8(0)),
        array([structure(octets(b""), Integer(DataType.LONG, amount))]),
    )


def _manage_debt(req: Request) -> list[Instruction]:
    """ECS07: recovery rates of the time debts and share of the payment debt, the period, the rates' activation,
    then the adjustments of the three debts (meters.md 1.1)."""
    return [
        set_(113, TIME_DEBT_1, 6, _rate(req["time_debt_1_rate"])),
        set_(113, TIME_DEBT_2, 6, _rate(req["time_debt_2_rate"])),
        set_(113, PAYMENT_DEBT, 13, u16(req["payment_debt_share"])),
        set_(113, TIME_DEBT_1, 8, u32(req["period"])),
        set_(113, TIME_DEBT_2, 8, u32(req["period"])),
        action(113, TIME_DEBT_1, 2),
        action(113, TIME_DEBT_2, 2),
        action(113, PAYMENT_DEBT, 4, i32(req["payment_debt"])),
        action(113, TIME_DEBT_1, 4, i32(req["time_debt_1"])),
        action(113, TIME_DEBT_2, 4, i32(req["time_debt_2"])),
    ]


def _time_of_day(seconds: int) -> bytes:
    return bytes((seconds // 3600, seconds // 60 % 60, 0, 0))


def _friendly_calendar(req: Request) -> Data:
    """The non-disablement calendar: every day a friendly-credit period from `friendly_from` to `friendly_to`
    (schedule entries running the supply scripts 0x20 / 0x21), or none."""
    if not req["friendly_credit"]:
        return array([])
    script = octets(Obis.of(SUPPLY_SCRIPTS).raw)
    return array(
        [
            structure(
                u16(index),
                Boolean(True),
                script,
                u16(selector),
                octets(_time_of_day(start)),
                u16(0xFFFF),
                bits(7, 0b1111111),
                bits(0, 0),
                octets(_ANY_DATE),
                octets(_ANY_DATE),
            )
            for index, (selector, start) in enumerate(
                ((FRIENDLY_START, req["friendly_from"]), (FRIENDLY_END, req["friendly_to"])), 1
            )
        ]
    )


def _prepayment_configuration(active_balance_cap: bool) -> Callable[[Request], list[Instruction]]:
    """ECS08 / ECS08a: non-disablement special days, credit caps, non-disablement calendar, debt recovery cap,
    low credit and emergency credit thresholds, then every activation, in the order of the GBCS mapping table.
    ECS08 (GBCS 3.1) writes the maximum meter balance's active value, ECS08a its passive one (meters.md 1.1)."""

    def instructions(req: Request) -> list[Instruction]:
        when = activation(req["execute_at"])
        passive = (
            ("0-0:94.44.2.10", i32(req["max_credit_threshold"])),
            ("0-0:94.44.128.12", u16(req["debt_recovery_cap"])),
            ("0-0:94.44.128.13", i32(req["debt_recovery_period"])),
            ("0-0:94.44.128.9", i32(req["low_credit_threshold"])),
            ("0-0:94.44.128.2", i32(req["emergency_credit_limit"])),
            ("0-0:94.44.128.3", i32(req["emergency_credit_threshold"])),
        )
        balance = i32(req["max_meter_balance"])
        credit, *recovery_and_credit, threshold = passive
        return [
            set_(11, "0-1:11.0.2.255", 2, array([])),
            set_(9000, "0-0:94.44.2.20", 2 if active_balance_cap else 4, balance),
            set_(9000, credit[0], 4, credit[1]),
            set_(10, "0-1:12.0.1.255", 2, _friendly_calendar(req)),
            *(set_(9000, obis, 4, value) for obis, value in recovery_and_credit),
            set_(9000, "0-0:94.44.128.31", 6, when),
            set_(9000, threshold[0], 4, threshold[1]),
            *(set_(9000, obis, 6, when) for obis in ("0-0:94.44.2.20", *(obis for obis, _ in passive))),
            set_(9000, "0-0:94.44.128.28", 6, when),
        ]

    return instructions


def _emergency_credit(req: Request) -> list[Instruction]:
    """ECS09: invoke emergency credit."""
    return [action(112, EMERGENCY_CREDIT, 3)]


def _top_up(req: Request) -> list[Instruction]:
    """CS01a: enter a UTRN made for this meter with this command's counter (gbcs.md 4.8)."""
    token = req.utrn(req["value"], req["unit"])
    return [action(115, "0-0:19.40.0.255", 1, octets(token.encode("ascii")))]


_PREPAYMENT_CONFIGURATION = (
    Parameter("max_meter_balance", _MONEY, "5000000", "maximum meter balance"),
    Parameter("max_credit_threshold", _MONEY, "1000000", "maximum credit a top-up may bring"),
    Parameter("debt_recovery_cap", Whole(0, 0xFFFF, "1/100000 currency unit"), "30", "debt recovery rate cap"),
    Parameter("debt_recovery_period", Whole(0, (1 << 31) - 1, "seconds"), "604800", "period of the cap"),
    Parameter("low_credit_threshold", _MONEY, "200000", "low credit alert threshold"),
    Parameter("emergency_credit_limit", _MONEY, "300000", "emergency credit granted"),
    Parameter("emergency_credit_threshold", _MONEY, "100000", "balance below which emergency credit is offered"),
    *friendly_credit_parameters(enabled=False),
    execute_at("when the new configuration takes effect"),
)

USE_CASES: tuple[UseCase, ...] = (
    dlms_case("ECS02", "Set payment mode to credit", _credit_mode, parameters=(execute_at("when credit mode starts"),)),
    dlms_case(
        "ECS03",
        "Set payment mode to prepayment",
        _prepayment_mode,
        parameters=(
            Parameter("disablement_threshold", _MONEY, "0", "balance at which the supply is disabled"),
            execute_at("when prepayment mode starts"),
        ),
    ),
    dlms_case(
        "ECS04a",
        "Adjust meter balance",
        _adjust_balance,
        parameters=(Parameter("amount", _MONEY, "100000", "amount added to the meter balance"),),
    ),
    dlms_case(
        "ECS04b",
        "Reset meter balance, emergency credit and accumulated debt",
        _reset_balances,
        parameters=(
            Parameter("meter_balance", _MONEY, "0", "new meter balance"),
            Parameter("emergency_credit", _MONEY, "0", "new emergency credit balance"),
            Parameter("accumulated_debt", _MONEY, "0", "new accumulated debt"),
        ),
    ),
    dlms_case(
        "ECS07",
        "Manage debt",
        _manage_debt,
        parameters=(
            Parameter("time_debt_1_rate", Whole(-(1 << 15), (1 << 15) - 1), "3", "recovery per period, time debt 1"),
            Parameter("time_debt_2_rate", Whole(-(1 << 15), (1 << 15) - 1), "15", "recovery per period, time debt 2"),
            Parameter("payment_debt_share", Whole(0, 1000, "tenths of a percent"), "100", "share of top-ups to debt"),
            Parameter("period", Whole(1, (1 << 32) - 1, "seconds"), "86400", "time debt recovery period"),
            Parameter("payment_debt", _MONEY, "0", "adjustment of the payment debt"),
            Parameter("time_debt_1", _MONEY, "0", "adjustment of time debt 1"),
            Parameter("time_debt_2", _MONEY, "0", "adjustment of time debt 2"),
        ),
    ),
    dlms_case(
        "ECS08",
        "Update prepayment configuration (GBCS 3.1)",
        _prepayment_configuration(True),
        parameters=_PREPAYMENT_CONFIGURATION,
    ),
    dlms_case(
        "ECS08a",
        "Update prepayment configuration",
        _prepayment_configuration(False),
        parameters=_PREPAYMENT_CONFIGURATION,
    ),
    dlms_case("ECS09", "Activate emergency credit remotely", _emergency_credit),
    dlms_case(
        "CS01a",
        "Apply prepayment top up to an ESME (UTRN)",
        _top_up,
        parameters=top_up_parameters(),
        top_up=True,
    ),
)
