"""GSME prepayment use cases (meters.md 1.2, 4.2): top-up (CS01b), payment mode (GCS02, GCS03), debt (GCS04),
prepayment configuration with its friendly-credit calendar (GCS05), emergency credit (GCS06), credit
adjustments (GCS40a-d).

Money is in the meter's currency minor units; `execute_at` future-dates the commands that may be
(their implementation / start time field, or the component's from-date-time).
"""

from __future__ import annotations

import zigpy.types as t

from firmware.gbcs.alerts import zigbee_utc
from firmware.headend.gbz_payload import Commands, ZclCommand, command, gbz_case, issuer_event_id, time_field
from firmware.headend.gsme_tariff import FRIENDLY_CREDIT, calendar
from firmware.headend.parameters import (
    Choice,
    Parameter,
    ParameterError,
    Whole,
    execute_at,
    friendly_credit_parameters,
    top_up_parameters,
)
from firmware.headend.usecase import Request, UseCase
from protocols.gbz import zcl

PREPAYMENT = zcl.PREPAYMENT
#: Proposed payment control configurations (meters.md 1.2): credit mode, prepayment mode.
CREDIT_CONFIGURATION, PREPAYMENT_CONFIGURATION = 0x0C94, 0x0497
#: Issuer calendar id of the friendly-credit calendar GCS05 publishes (the tariff's is 1).
FRIENDLY_CALENDAR = 2
_MONEY = Whole(-(1 << 31), (1 << 31) - 1, "currency minor units")
_AMOUNT = Whole(0, (1 << 32) - 1, "currency minor units")


def _top_up(req: Request) -> list[ZclCommand]:
    """CS01b: Consumer Top Up from the ESI (originating device 0) with a UTRN for this meter (gbcs.md 4.8)."""
    token = req.utrn(req["value"], req["unit"])
    return [command(PREPAYMENT, "consumer_top_up", originating_device=t.enum8(0), top_up_code=token.encode("ascii"))]


def _payment_mode(configuration: int) -> Commands:
    """GCS02 / GCS03: Change Payment Mode to credit or prepayment at `execute_at`."""

    def commands(req: Request) -> list[ZclCommand]:
        cut_off = req["cut_off_value"] if configuration == PREPAYMENT_CONFIGURATION else -1  # -1: keep (0xFFFFFFFF)
        return [
            command(
                PREPAYMENT,
                "change_payment_mode",
                provider_id=0,
                issuer_event_id=issuer_event_id(req),
                implementation_date_time=time_field(req["execute_at"]),
                proposed_payment_control_configuration=t.bitmap16(req.values.get("configuration", configuration)),
                cut_off_value=cut_off,
            )
        ]

    return commands


def _manage_debt(req: Request) -> list[ZclCommand]:
    """GCS04: one Change Debt per debt given (amount types 1, 3, 5: incremental time debt 1, time debt 2,
    payment debt), time debts recovered `frequency`, the payment debt as a share of each top-up."""
    out = []
    for name, amount_type in (("time_debt_1", 1), ("time_debt_2", 3), ("payment_debt", 5)):
        amount = req[name]
        if not amount:
            continue
        payment = name == "payment_debt"
        out.append(
            command(
                PREPAYMENT,
                "change_debt",
                issuer_event_id=issuer_event_id(req),
                debt_label=b"",
                debt_amount=amount,
                debt_recovery_method=t.enum8(1 if payment else 0),
                debt_amount_type=t.enum8(amount_type),
                debt_recovery_start_time=0,
                debt_recovery_collection_time=0,
                debt_recovery_frequency=t.enum8(req["frequency"]),
                debt_recovery_amount=0 if payment else req["recovery_amount"],
                debt_recovery_balance_percentage=req["payment_share"] if payment else 0,
            )
        )
    return out


def _friendly_credit(req: Request) -> list[ZclCommand]:
    """GCS05's friendly-credit calendar (type 3): every day friendly from `friendly_from` to `friendly_to`."""
    start, end = req["friendly_from"], req["friendly_to"]
    if start == end:
        raise ParameterError("friendly_to", "the friendly-credit period must not start and end at the same time")
    switches = ((0, 1), (end, 0), (start, 1)) if start > end else ((0, 0), (start, 1), (end, 0))
    return calendar(req, switches, calendar_type=FRIENDLY_CREDIT, calendar_id=FRIENDLY_CALENDAR)


def _prepayment_configuration(req: Request) -> list[ZclCommand]:
    """GCS05: emergency credit, overall debt cap, low credit warning level (future-dated by the from-date-time)
    and maximum credit, then the friendly-credit calendar, all from `execute_at`."""
    when = time_field(req["execute_at"])
    event = issuer_event_id(req)
    friendly = _friendly_credit(req) if req["friendly_credit"] else []
    return [
        command(
            PREPAYMENT,
            "emergency_credit_setup",
            issuer_event_id=event,
            start_time=when,
            emergency_credit_limit=req["emergency_credit_limit"],
            emergency_credit_threshold=req["emergency_credit_threshold"],
        ),
        command(
            PREPAYMENT,
            "set_overall_debt_cap",
            provider_id=0,
            issuer_event_id=event,
            implementation_date_time=when,
            overall_debt_cap=req["overall_debt_cap"],
        ),
        command(
            PREPAYMENT, "set_low_credit_warning_level", from_date_time=when, low_credit_warning_level=req["low_credit"]
        ),
        command(
            PREPAYMENT,
            "set_maximum_credit_limit",
            provider_id=0,
            issuer_event_id=event,
            implementation_date_time=when,
            maximum_credit_level=req["max_credit"],
            maximum_credit_per_top_up=req["max_credit_per_top_up"],
        ),
        *friendly,
    ]


def _credit_adjustment(adjustment_type: int) -> Commands:
    """GCS40a-d: Credit Adjustment of type 0 (add to credit), 1 (set credit), 3 (adjust the credit-mode balance)
    or 2 (set it) (meters.md 1.2)."""

    def commands(req: Request) -> list[ZclCommand]:
        return [
            command(
                PREPAYMENT,
                "credit_adjustment",
                issuer_event_id=issuer_event_id(req),
                start_time=0,
                credit_adjustment_type=t.enum8(adjustment_type),
                credit_adjustment_value=req["amount"],
            )
        ]

    return commands


USE_CASES: tuple[UseCase, ...] = (
    gbz_case(
        "CS01b",
        "Apply prepayment top up to a GSME (UTRN)",
        _top_up,
        parameters=top_up_parameters(),
        top_up=True,
    ),
    gbz_case(
        "GCS02",
        "Set payment mode to credit",
        _payment_mode(CREDIT_CONFIGURATION),
        parameters=(execute_at("when credit mode starts"),),
    ),
    gbz_case(
        "GCS03",
        "Set payment mode to prepayment",
        _payment_mode(PREPAYMENT_CONFIGURATION),
        parameters=(
            Parameter("cut_off_value", _MONEY, "0", "credit at which the valve closes"),
            Parameter("configuration", Whole(0, 0xFFFF), "0x0497", "proposed payment control configuration"),
            execute_at("when prepayment mode starts"),
        ),
    ),
    gbz_case(
        "GCS04",
        "Manage debt",
        _manage_debt,
        parameters=(
            Parameter("time_debt_1", _AMOUNT, "100000", "time debt 1 added (0: unchanged)"),
            Parameter("time_debt_2", _AMOUNT, "50000", "time debt 2 added (0: unchanged)"),
            Parameter("payment_debt", _AMOUNT, "100000", "payment debt added (0: unchanged)"),
            Parameter("recovery_amount", _AMOUNT, "50000", "time debt recovered per period"),
            Parameter("frequency", Choice({"hourly": 0, "daily": 1}), "daily", "time debt recovery period"),
            Parameter("payment_share", Whole(0, 10000, "hundredths of a percent"), "1000", "share of top-ups to debt"),
        ),
    ),
    gbz_case(
        "GCS05",
        "Update prepayment configuration",
        _prepayment_configuration,
        parameters=(
            Parameter("emergency_credit_limit", _AMOUNT, "10000000", "emergency credit granted"),
            Parameter(
                "emergency_credit_threshold", _AMOUNT, "100000", "credit below which emergency credit is offered"
            ),
            Parameter("overall_debt_cap", _MONEY, "100000", "overall debt cap"),
            Parameter("low_credit", _AMOUNT, "5000000", "low credit warning level"),
            Parameter("max_credit", _AMOUNT, "25000000", "maximum credit level"),
            Parameter("max_credit_per_top_up", _AMOUNT, "25000000", "maximum credit per top-up"),
            *friendly_credit_parameters(enabled=True),
            execute_at("when the configuration takes effect"),
        ),
    ),
    gbz_case(
        "GCS06",
        "Activate emergency credit remotely",
        lambda req: [
            command(
                PREPAYMENT,
                "select_available_emergency_credit",
                command_issue_date_time=zigbee_utc(req.utc),
                originating_device=t.enum8(0),
            )
        ],
    ),
    *(
        gbz_case(
            name,
            title,
            _credit_adjustment(adjustment_type),
            parameters=(Parameter("amount", _MONEY, default, "adjustment value"),),
        )
        for name, title, adjustment_type, default in (
            ("GCS40a", "Adjust prepayment mode credit", 0, "100000"),
            ("GCS40b", "Reset prepayment mode credit", 1, "0"),
            ("GCS40c", "Adjust credit mode balance", 3, "100000"),
            ("GCS40d", "Reset credit mode balance", 2, "0"),
        )
    ),
)
