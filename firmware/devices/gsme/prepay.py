"""Prepayment accounting and the valve: credit, emergency credit, debts, top-ups (meters.md 1.2, 5.3).

Money is in the units of the price attributes (1/100000 of a pound with PriceTrailingDigit 0x50).
In prepayment mode (PaymentControlConfiguration bit 1) consumption and standing charge come off
CreditRemaining, then off EmergencyCreditRemaining once emergency credit is active; when the two
together reach zero (the disablement threshold) the valve closes - but not during a friendly-credit
period of the friendly-credit calendar, after which it closes at the next charge. A top-up pays the payment debt
its recovery percentage, adds the rest, and re-arms a valve closed for want of credit. In credit
mode the same charges add to BillToDateDelivered. Alerts (meters.md 5.3): 0x810D low credit,
0x810E credit added locally,
0x8119 emergency credit available, 0x81AB emergency credit activated, 0x81AA emergency credit
exhausted, 0x8F0F credit below the disablement threshold (valve closed), 0x8F32 supply armed,
0x81A7-0x81A9 a debt fully collected.
"""

from __future__ import annotations

from protocols.gbz import zcl

from . import tariff
from .model import Meter

PREPAYMENT_ENABLED = 0x0002
#: Metering SupplyStatus values (ZSE D.3.2.2.2): off, off/armed, on.
SUPPLY_OFF, SUPPLY_ARMED, SUPPLY_ON = 0, 1, 2
LOW_CREDIT, CREDIT_ADDED_LOCALLY, EC_AVAILABLE, EC_ACTIVATED, EC_EXHAUSTED = 0x810D, 0x810E, 0x8119, 0x81AB, 0x81AA
BELOW_DISABLEMENT, SUPPLY_ARMED_ALERT = 0x8F0F, 0x8F32
DEBT_CLEARED = {1: 0x81A7, 2: 0x81A8, 3: 0x81A9}
#: Prepayment snapshot values, in the order of the GB prepay snapshot payload (meters.md 4.2).
SNAPSHOT_FIELDS = (
    "accumulated_debt",
    "debt_amount_1",
    "debt_amount_2",
    "debt_amount_3",
    "emergency_credit_remaining",
    "credit_remaining",
)
_P = zcl.PREPAYMENT


def prepayment_mode(meter: Meter) -> bool:
    return bool(meter.get(_P, "payment_control_configuration") & PREPAYMENT_ENABLED)


def supply(meter: Meter) -> int:
    return int(meter.get(zcl.METERING, "supply_status", SUPPLY_ON))


def set_supply(meter: Meter, status: int) -> None:
    meter.set(zcl.METERING, "supply_status", status)


def charge(meter: Meter, cost: int) -> None:
    """Take `cost` for energy or standing charge, by payment mode."""
    if cost <= 0:
        return
    if not prepayment_mode(meter):
        meter.set(zcl.METERING, "bill_to_date", meter.get(zcl.METERING, "bill_to_date") + cost)
        return
    before = meter.get(_P, "credit_remaining")
    credit = before - cost
    ec_active = bool(meter.state.value("ec_active"))
    if credit < 0 and ec_active:
        emergency = meter.get(_P, "emergency_credit_remaining")
        used = min(emergency, -credit)
        meter.set(_P, "emergency_credit_remaining", emergency - used)
        credit += used
        if emergency - used <= 0:
            meter.state.set_value("ec_active", False)
            meter.raise_alert(EC_EXHAUSTED)
    meter.set(_P, "credit_remaining", credit)
    _crossings(meter, before, credit)


def _crossings(meter: Meter, before: int, credit: int) -> None:
    warning = meter.get(_P, "low_credit_warning")
    if before >= warning > credit:
        meter.raise_alert(LOW_CREDIT)
    threshold = meter.get(_P, "emergency_credit_threshold")
    if before >= threshold > credit and not meter.state.value("ec_active"):
        meter.state.set_value("ec_available", True)
        meter.raise_alert(EC_AVAILABLE)
    emergency = meter.get(_P, "emergency_credit_remaining") if meter.state.value("ec_active") else 0
    if credit + emergency <= 0 and supply(meter) == SUPPLY_ON and not tariff.friendly_credit_at(meter, meter.utc):
        set_supply(meter, SUPPLY_OFF)
        meter.state.set_value("disabled_for_credit", True)
        meter.raise_alert(BELOW_DISABLEMENT)


def select_emergency_credit(meter: Meter) -> bool:
    """Activate emergency credit if it is available; True if it is active afterwards (meters.md 1.1, GCS06)."""
    if meter.state.value("ec_active"):
        return True
    if not prepayment_mode(meter) or meter.get(_P, "credit_remaining") >= meter.get(_P, "emergency_credit_threshold"):
        return False
    meter.state.set_value("ec_active", True)
    meter.state.set_value("ec_available", False)
    meter.set(_P, "emergency_credit_remaining", meter.get(_P, "emergency_credit_limit_allowance"))
    meter.raise_alert(EC_ACTIVATED)
    rearm(meter)
    return True


def add_credit(meter: Meter, value: int) -> int:
    """A top-up of `value`: the payment debt takes its percentage, emergency credit used is repaid, the rest is
    credit; returns the credit remaining."""
    debt = meter.get(_P, "debt_amount_3")
    share = min(debt, value * meter.get(_P, "debt_recovery_top_up_percentage_3") // 10000)
    if share:
        _collect(meter, 3, share)
    credit = meter.get(_P, "credit_remaining") + value - share
    if meter.state.value("ec_active"):
        allowance = meter.get(_P, "emergency_credit_limit_allowance")
        used = allowance - meter.get(_P, "emergency_credit_remaining")
        repaid = min(used, max(credit, 0))
        credit -= repaid
        if credit > 0:
            meter.state.set_value("ec_active", False)
            meter.set(_P, "emergency_credit_remaining", 0)
    meter.set(_P, "credit_remaining", credit)
    rearm(meter)
    return int(credit)


def rearm(meter: Meter) -> None:
    """A valve closed for want of credit becomes armed once there is credit (the consumer then opens it)."""
    emergency = meter.get(_P, "emergency_credit_remaining") if meter.state.value("ec_active") else 0
    if meter.state.value("disabled_for_credit") and meter.get(_P, "credit_remaining") + emergency > 0:
        meter.state.set_value("disabled_for_credit", False)
        set_supply(meter, SUPPLY_ARMED)
        meter.raise_alert(SUPPLY_ARMED_ALERT)


def recover_time_debts(meter: Meter, *, hourly: bool) -> None:
    """Collect time debts 1 and 2 whose recovery frequency is hourly (0) or daily (1)."""
    if not prepayment_mode(meter):
        return
    for index in (1, 2):
        debt = meter.get(_P, f"debt_amount_{index}")
        if debt <= 0 or meter.get(_P, f"debt_recovery_frequency_{index}") != (0 if hourly else 1):
            continue
        amount = min(debt, meter.get(_P, f"debt_recovery_amount_{index}"))
        if amount:
            charge(meter, amount)
            _collect(meter, index, amount)


def _collect(meter: Meter, index: int, amount: int) -> None:
    outstanding = meter.get(_P, f"debt_amount_{index}") - amount
    meter.set(_P, f"debt_amount_{index}", outstanding)
    update_accumulated_debt(meter)
    entry = {"time": meter.utc, "amount": amount, "type": index - 1, "outstanding": outstanding}
    meter.state.append("debt", entry)
    if outstanding <= 0:
        meter.raise_alert(DEBT_CLEARED[index])


def update_accumulated_debt(meter: Meter) -> None:
    meter.set(_P, "accumulated_debt", sum(meter.get(_P, f"debt_amount_{n}") for n in (1, 2, 3)))
