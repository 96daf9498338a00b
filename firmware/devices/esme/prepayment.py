"""Credit, emergency credit, debt and top-ups (classes 111/112/113/115; meters.md 1.1 ECS04-09, CS01a, 2.4).

Money is in 1/100000 of the currency unit (the price scaler -5), kept as floats so charges
of a fraction of a unit accumulate exactly enough; attributes show whole units.

- Charges (energy at the price of the rate in force, the standing charge per day, time-debt
  recovery per period) come off the meter balance; in prepayment mode, once it is spent,
  active emergency credit (EC) is spent instead.
- In prepayment mode the meter disables the supply when the balance plus remaining EC falls
  to the disablement threshold (alert 0x8F0F; 0x81AA when EC ran out), warns once below the
  low-credit threshold (0x810D) and offers EC once below the EC threshold (0x8119).
- ECS09 activates EC when the balance is below the EC threshold, and succeeds if EC is active
  afterwards (meters.md 1.1); otherwise `other-reason`.
- A top-up first repays the payment debt by its proportion, then the EC used, then credits
  the balance; it re-arms a supply that lack of credit had disabled (0x8F32).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.devices.esme import dates, logs, supply
from firmware.devices.esme.alerts import AlertCode
from firmware.devices.esme.calendars import Schedule
from firmware.devices.esme.profile import PaymentMode
from firmware.devices.esme.schema import Refused
from protocols.dlms import Array, DataAccessResult, Integer, Structure

if TYPE_CHECKING:
    from firmware.devices.esme.meter import Meter

ACCOUNT = "0-0:19.0.0.255"
EMERGENCY_CREDIT = "0-0:19.10.1.255"
TIME_DEBTS = ("0-0:19.20.1.255", "0-0:19.20.2.255")
PAYMENT_DEBT = "0-0:19.20.3.255"
DISABLEMENT_THRESHOLD = "0-0:16.0.1.255"
MAX_CREDIT_THRESHOLD = "0-0:94.44.2.10"
MAX_METER_BALANCE = "0-0:94.44.2.20"
_DEBT_KEYS = ("p/debt1", "p/debt2", "p/debt3")
_DEBT_DONE = (
    AlertCode.DEBT_COLLECTION_COMPLETED_TIME_DEBT_1,
    AlertCode.DEBT_COLLECTION_COMPLETED_TIME_DEBT_2,
    AlertCode.DEBT_COLLECTION_COMPLETED_PAYMENT_DEBT,
)
NON_DISABLEMENT_CALENDAR = ("0-0:12.0.1.255", "0-0:11.0.2.255")
#: Selector of the non-disablement calendar that starts a friendly-credit period (0x21 ends it; meters.md 2.4).
FRIENDLY_START = 0x20
#: UTRN value classes (gbcs.md 4.8): pennies and pounds, in 1/100000 of a pound.
UTRN_UNITS = {0: 1_000, 1: 100_000}


def money(meter: Meter, key: str) -> float:
    return float(meter.store.get(f"m/{key}", 0.0))


def set_money(meter: Meter, key: str, value: float) -> None:
    meter.store.put(f"m/{key}", float(value))


def commission(meter: Meter) -> None:
    """A new meter's balances, from its profile."""
    set_money(meter, "p/balance", meter.profile.prepayment.meter_balance)


def prepayment_mode(meter: Meter) -> bool:
    value = meter.value(ACCOUNT, 2)
    if isinstance(value, Structure) and value.items and isinstance(value.items[0], Integer):
        return value.items[0].value == PaymentMode.PREPAYMENT
    return False


def ec_active(meter: Meter) -> bool:
    return bool(meter.state("p/ec_active"))


def available(meter: Meter) -> float:
    return money(meter, "p/balance") + (money(meter, "p/ec") if ec_active(meter) else 0.0)


def disablement_threshold(meter: Meter) -> float:
    value = meter.value(DISABLEMENT_THRESHOLD, 2)
    if isinstance(value, Array) and value.items and isinstance(value.items[0], Integer):
        return float(value.items[0].value)
    return 0.0


def unit_charge(meter: Meter, obis: str) -> int:
    """The first charge-per-unit of a charge object's active unit charge (a5)."""
    value = meter.value(obis, 5)
    if isinstance(value, Structure) and len(value.items) == 3 and isinstance(value.items[2], Array):
        table = value.items[2].items
        if table and isinstance(table[0], Structure) and len(table[0].items) == 2:
            charge = table[0].items[1]
            if isinstance(charge, Integer):
                return charge.value
    return 0


def charge(meter: Meter, amount: float, seconds: float) -> None:
    """Take `amount` (energy and standing charge) and `seconds` of time-debt recovery off the balance."""
    for index, obis in enumerate(TIME_DEBTS):
        debt = money(meter, _DEBT_KEYS[index])
        period = meter.number(obis, 8)
        if debt <= 0 or period <= 0:
            continue
        recovered = min(debt, unit_charge(meter, obis) * seconds / period)
        set_money(meter, _DEBT_KEYS[index], debt - recovered)
        set_money(meter, "p/accumulated", money(meter, "p/accumulated") + recovered)
        amount += recovered
    balance = money(meter, "p/balance") - amount
    if prepayment_mode(meter) and balance < 0 and ec_active(meter):
        spent = min(-balance, money(meter, "p/ec"))
        set_money(meter, "p/ec", money(meter, "p/ec") - spent)
        balance += spent
    set_money(meter, "p/balance", balance)


def check(meter: Meter, time: float) -> None:
    """Thresholds after a change of balance: low credit, EC offer, disablement, debts cleared."""
    for index, code in enumerate(_DEBT_DONE):
        owing = money(meter, _DEBT_KEYS[index]) > 0
        if meter.state(f"p/owing{index}") and not owing:
            meter.raise_alert(code, time)
        meter.set_state(f"p/owing{index}", int(owing))
    if not prepayment_mode(meter):
        return
    balance, credit = money(meter, "p/balance"), available(meter)
    low = credit < meter.number(ACCOUNT, 16)
    if low and not meter.state("p/low"):
        meter.raise_alert(AlertCode.LOW_CREDIT, time)
    meter.set_state("p/low", int(low))
    offer = not ec_active(meter) and balance < meter.number(EMERGENCY_CREDIT, 10)
    if offer and not meter.state("p/offered"):
        meter.raise_alert(AlertCode.EMERGENCY_CREDIT_AVAILABLE, time)
    meter.set_state("p/offered", int(offer))
    if credit <= disablement_threshold(meter) and supply.connected(meter) and not friendly_period(meter, time):
        if ec_active(meter):
            meter.raise_alert(AlertCode.EMERGENCY_CREDIT_EXHAUSTED, time)
            meter.set_state("p/ec_active", 0)
        supply.disable(meter, supply.Reason.CREDIT)
        meter.raise_alert(AlertCode.CREDIT_BELOW_DISABLEMENT_THRESHOLD, time)


def non_disablement_calendar(meter: Meter) -> Schedule:
    schedule_obis, special_obis = NON_DISABLEMENT_CALENDAR
    key = ("friendly", meter.raw_value(schedule_obis, 2), meter.raw_value(special_obis, 2))
    return meter.cached(key, lambda: Schedule.from_data(meter.value(schedule_obis, 2), meter.value(special_obis, 2)))


def friendly_period(meter: Meter, time: float) -> bool:
    """Whether the non-disablement calendar has a friendly-credit period in force (no disablement then)."""
    return non_disablement_calendar(meter).selector_at(time) == FRIENDLY_START


def seconds_to_disablement(meter: Meter, cost_per_second: float) -> float | None:
    """How long the current spending takes the available credit to the disablement threshold."""
    if cost_per_second <= 0 or not prepayment_mode(meter) or not supply.connected(meter):
        return None
    headroom = available(meter) - disablement_threshold(meter)
    return headroom / cost_per_second if headroom > 0 else None


def invoke_emergency_credit(meter: Meter, time: float) -> None:
    """ECS09: EC is active afterwards, or `other-reason`."""
    if ec_active(meter):
        return
    if money(meter, "p/balance") >= meter.number(EMERGENCY_CREDIT, 10):
        raise Refused(DataAccessResult.OTHER_REASON, "balance is not below the emergency credit threshold")
    limit = meter.number(EMERGENCY_CREDIT, 9)
    meter.set_state("p/ec_active", 1)
    set_money(meter, "p/ec", limit)
    set_money(meter, "p/ec_used", money(meter, "p/ec_used") + limit)
    meter.raise_alert(AlertCode.EMERGENCY_CREDIT_ACTIVATED, time)
    if available(meter) > disablement_threshold(meter):
        supply.arm_after(meter, supply.Reason.CREDIT, time)


def top_up(meter: Meter, amount: float, time: float) -> None:
    """Add credit (a verified UTRN's value), after the caps are checked."""
    if amount > meter.number(MAX_CREDIT_THRESHOLD, 2):
        meter.raise_alert(AlertCode.UTRN_EXCEEDS_MAX_CREDIT, time)
        raise Refused(DataAccessResult.OTHER_REASON, "top-up above the maximum credit threshold")
    if money(meter, "p/balance") + amount > meter.number(MAX_METER_BALANCE, 2):
        meter.raise_alert(AlertCode.CREDIT_WOULD_EXCEED_MAX_BALANCE, time)
        raise Refused(DataAccessResult.OTHER_REASON, "top-up would exceed the maximum meter balance")
    share = min(money(meter, "p/debt3"), amount * meter.number(PAYMENT_DEBT, 13) / 10_000)
    if share > 0:
        set_money(meter, "p/debt3", money(meter, "p/debt3") - share)
        set_money(meter, "p/accumulated", money(meter, "p/accumulated") + share)
        logs.append(meter, meter.log_specs["0-0:98.1.4.255"], [dates.stamp(time), int(share)])
    remaining = amount - share
    if ec_active(meter) or money(meter, "p/ec_used") > 0:
        repaid = min(remaining, money(meter, "p/ec_used"))
        set_money(meter, "p/ec_used", money(meter, "p/ec_used") - repaid)
        remaining -= repaid
        if money(meter, "p/ec_used") <= 0:
            meter.set_state("p/ec_active", 0)
            set_money(meter, "p/ec", 0.0)
    set_money(meter, "p/balance", money(meter, "p/balance") + remaining)
    logs.append(meter, meter.log_specs["0-0:98.1.5.255"], [dates.stamp(time), int(amount)])
    if available(meter) > disablement_threshold(meter):
        supply.arm_after(meter, supply.Reason.CREDIT, time)
    check(meter, time)


def adjust_debt(meter: Meter, obis: str, delta: int, time: float) -> None:
    """ECS07 `update_total_amount_remaining` on a debt register."""
    key = _DEBT_KEYS[(*TIME_DEBTS, PAYMENT_DEBT).index(obis)]
    set_money(meter, key, max(0.0, money(meter, key) + delta))
    check(meter, time)


def debt(meter: Meter, obis: str) -> float:
    return money(meter, _DEBT_KEYS[(*TIME_DEBTS, PAYMENT_DEBT).index(obis)])
