"""Prepayment cluster commands a GSME handles (meters.md 1.2, 4.2; ZSE D.7).

Payment mode (GCS02/03), debts (GCS04), emergency credit set-up and activation (GCS05, GCS06,
PCS02), top-up by UTRN (CS01b, checked with `protocols.gbcs.utrn` and the keys injected into the
model), credit adjustments (GCS40a-d), configuration writes, and the log reads (prepay snapshots,
top-up log, debt repayment log). Failures use the statuses of meters.md 4.4: an unknown debt amount
type or recovery frequency is INVALID_FIELD, a value past a configured limit INVALID_VALUE, an
emergency credit that cannot be active afterwards FAILURE.
"""

from __future__ import annotations

from collections.abc import Callable

import zigpy.types as t

from protocols.gbz import zcl
from protocols.zigbee.smart_energy import DebtEntry, TopUpEntry

from . import consumption, metering, prepay
from .model import FAILURE, INVALID_FIELD, NOT_FOUND, Answer, Meter, Reply, Request, done, reply

_P = zcl.PREPAYMENT
#: Proposed payment control configuration that keeps the cut-off value (meters.md 1.2: 0xFFFFFFFF).
KEEP_CUT_OFF = -1
#: Consumer Top Up Response results (meters.md 1.2).
ACCEPTED, INVALID, DUPLICATE, MAX_CREDIT_REACHED, VALUE_TOO_LARGE = 0x00, 0x01, 0x02, 0x04, 0x06
REJECTED = -1  #: 0xFFFFFFFF in the response's value fields
#: Alerts on refused top-ups (meters.md 5.3).
DUPLICATE_UTRN, UTRN_ABOVE_MAX, UTRN_NOT_AUTHENTIC, WOULD_EXCEED_MAX = 0x8F51, 0x8F5B, 0x8F63, 0x8F47
#: Decides a UTRN: (token, supplier, counter) -> authentic? Injected (keys live above the model).
UtrnCheck = Callable[[str, bytes, int], bool]


def change_payment_mode(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    before = prepay.prepayment_mode(meter)
    meter.set(_P, "payment_control_configuration", int(fields.proposed_payment_control_configuration))
    if int(fields.cut_off_value) != KEEP_CUT_OFF:
        meter.set(_P, "cut_off_value", int(fields.cut_off_value))
    if before != prepay.prepayment_mode(meter):
        consumption.take_snapshots(meter, 0x6008)  # change of mode (meters.md 1.2)
    return Answer((_payment_mode_response(meter),))


def _payment_mode_response(meter: Meter) -> Reply:
    calendar = meter.state.value("calendar/3") or {}
    return reply(
        _P,
        "change_payment_mode_response",
        friendly_credit=t.bitmap8(1 if calendar else 0),
        friendly_credit_calendar_id=calendar.get("id", 0),
        emergency_credit_limit=meter.get(_P, "emergency_credit_limit_allowance"),
        emergency_credit_threshold=meter.get(_P, "emergency_credit_threshold"),
    )


def payment_mode_accepted(meter: Meter, request: Request) -> Answer:
    """What a future-dated or cancelled Change Payment Mode answers at once: the current settings."""
    return Answer((_payment_mode_response(meter),))


def change_debt(meter: Meter, request: Request) -> Answer:
    """Debt amount types (ZSE D.7.2.3.3): 0/1 debt 1 absolute/incremental, 2/3 debt 2, 4/5 debt 3."""
    fields = request.fields
    kind = int(fields.debt_amount_type)
    if kind > 5 or int(fields.debt_recovery_frequency) > 1:
        return done(INVALID_FIELD)
    index = kind // 2 + 1
    amount = int(fields.debt_amount) + (meter.get(_P, f"debt_amount_{index}") if kind % 2 else 0)
    meter.set(_P, f"debt_amount_{index}", amount)
    meter.set(_P, f"debt_label_{index}", bytes(fields.debt_label))
    meter.set(_P, f"debt_recovery_method_{index}", int(fields.debt_recovery_method))
    meter.set(_P, f"debt_recovery_start_time_{index}", int(fields.debt_recovery_start_time))
    meter.set(_P, f"debt_recovery_frequency_{index}", int(fields.debt_recovery_frequency))
    meter.set(_P, f"debt_recovery_amount_{index}", int(fields.debt_recovery_amount))
    meter.set(_P, f"debt_recovery_top_up_percentage_{index}", int(fields.debt_recovery_balance_percentage))
    prepay.update_accumulated_debt(meter)
    return done()


def emergency_credit_setup(meter: Meter, request: Request) -> Answer:
    meter.set(_P, "emergency_credit_limit_allowance", int(request.fields.emergency_credit_limit))
    meter.set(_P, "emergency_credit_threshold", int(request.fields.emergency_credit_threshold))
    return done()


def select_available_emergency_credit(meter: Meter, request: Request) -> Answer:
    return done() if prepay.select_emergency_credit(meter) else done(FAILURE)


def set_low_credit_warning_level(meter: Meter, request: Request) -> Answer:
    meter.set(_P, "low_credit_warning", int(request.fields.low_credit_warning_level))
    return done()


def set_maximum_credit_limit(meter: Meter, request: Request) -> Answer:
    meter.set(_P, "max_credit_limit", int(request.fields.maximum_credit_level))
    meter.set(_P, "max_credit_per_top_up", int(request.fields.maximum_credit_per_top_up))
    return done()


def set_overall_debt_cap(meter: Meter, request: Request) -> Answer:
    meter.set(_P, "overall_debt_cap", int(request.fields.overall_debt_cap))
    return done()


def credit_adjustment(meter: Meter, request: Request) -> Answer:
    """Types 0/1 adjust / set the prepayment credit; 3/2 adjust / set the credit-mode balance BillToDate,
    where an adjustment is subtracted because consumption increases the balance (meters.md 1.2)."""
    kind, value = int(request.fields.credit_adjustment_type), int(request.fields.credit_adjustment_value)
    if kind == 0:
        prepay.add_credit(meter, value)
    elif kind == 1:
        meter.set(_P, "credit_remaining", value)
        prepay.rearm(meter)
    elif kind == 2:
        meter.set(zcl.METERING, "bill_to_date", max(0, value))
    elif kind == 3:
        meter.set(zcl.METERING, "bill_to_date", max(0, meter.get(zcl.METERING, "bill_to_date") - value))
    else:
        return done(INVALID_FIELD)
    return done()


def consumer_top_up(meter: Meter, request: Request, check: UtrnCheck | None) -> Answer:
    """CS01b: a UTRN is authentic (check digit, counter bits and tag), unused, and within the limits."""
    token = bytes(request.fields.top_up_code)
    source = int(request.fields.originating_device)
    value = _utrn_value(token) if check is not None else None
    authentic = value is not None and check is not None and check(token.decode(), request.originator, request.counter)
    result, alert = ACCEPTED, None
    used = meter.state.value("utrn_counters", [])
    if not authentic or value is None:
        result, alert = INVALID, UTRN_NOT_AUTHENTIC
    elif request.counter in used:
        result, alert = DUPLICATE, DUPLICATE_UTRN
    elif value > meter.get(_P, "max_credit_per_top_up", 0x7FFFFFFF):
        result, alert = VALUE_TOO_LARGE, UTRN_ABOVE_MAX
    elif meter.get(_P, "credit_remaining") + value > meter.get(_P, "max_credit_limit", 0x7FFFFFFF):
        result, alert = MAX_CREDIT_REACHED, WOULD_EXCEED_MAX
    added, credit = REJECTED, REJECTED
    if alert is not None:
        meter.raise_alert(alert)
    elif value is not None:
        meter.state.set_value("utrn_counters", [*used[-49:], request.counter])
        added, credit = value, prepay.add_credit(meter, value)
        meter.state.append("top_up", {"code": token, "amount": value, "time": request.utc})
    response = reply(
        _P,
        "consumer_top_up_response",
        result_type=t.enum8(result),
        top_up_value=added,
        source_of_top_up=t.enum8(source),
        credit_remaining=credit,
    )
    return Answer((response,))


def _utrn_value(token: bytes) -> int | None:
    """The credit a UTRN carries, in the price units (pennies x 1000, pounds x 100000; gbcs.md 4.8)."""
    from protocols.gbcs import utrn  # imported on first top-up only

    try:
        fields = utrn.decode(token.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None
    return fields.value * (1000 if fields.value_class == 0 else 100_000)


def _prepay_payload(values: list) -> bytes:
    """Payload type 0 (meters.md 4.2): accumulated debt, time debts 1 and 2, payment debt, EC and meter balance."""
    return b"".join(int(v).to_bytes(4, "little", signed=True) for v in values)


def get_prepay_snapshot(meter: Meter, request: Request) -> Answer:
    return metering.snapshot_answer(
        meter, request, "prepay_snapshot", _P, "publish_prepay_snapshot", 0, _prepay_payload
    )


def _window(meter: Meter, log: str, request: Request, count: int) -> list[dict]:
    earliest = request_from(request)
    latest = int(request.fields.latest_end_time)
    found = [entry for _seq, entry in meter.state.entries(log) if earliest <= entry["time"] <= latest]
    return found[-count:] if count else found


def request_from(request: Request) -> int:
    """The earliest time of a log read: the component's from-date-time (meters.md 1.2, GCS15d/e)."""
    return 0 if request.from_date_time in (None, 0xFFFFFFFF) else request.from_date_time


def get_top_up_log(meter: Meter, request: Request) -> Answer:
    entries = _window(meter, "top_up", request, int(request.fields.number_of_records))
    if not entries:
        return done(NOT_FOUND)
    payload = [TopUpEntry(top_up_code=e["code"], top_up_amount=e["amount"], top_up_time=e["time"]) for e in entries]
    published = reply(
        _P, "publish_top_up_log", encrypt=True, command_index=0, total_number_of_commands=1, top_up_payload=payload
    )
    return Answer((published,))


def get_debt_repayment_log(meter: Meter, request: Request) -> Answer:
    debt_type = int(request.fields.debt_type)
    entries = [e for e in _window(meter, "debt", request, 0) if debt_type in (0xFF, e["type"])]
    entries = entries[-int(request.fields.number_of_debts) :] if int(request.fields.number_of_debts) else entries
    if not entries:
        return done(NOT_FOUND)
    payload = [
        DebtEntry(
            collection_time=e["time"],
            amount_collected=e["amount"],
            debt_type=t.enum8(e["type"]),
            outstanding_debt=max(0, e["outstanding"]),
        )
        for e in entries
    ]
    published = reply(
        _P, "publish_debt_log", encrypt=True, command_index=0, total_number_of_commands=1, debt_payload=payload
    )
    return Answer((published,))
