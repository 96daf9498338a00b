"""GSME and GPF use cases (meters.md 1.2, 4.1-4.2): reads, logs, prepayment, valve, tariff, configuration.

Each use case is the ZCL commands meters.md 1.2 lists for it, one GBZ component each, in that
order. Reads go to the GSME by default (`target=gpf` asks the GPF's mirror, which answers every
read marked "GPF; GSME"); GCS09 and GCS61 go to the GPF only. Money is in the meter's currency
minor units, gas in its metering units; times are UTC moments (`parameters`). Issuer event ids
are the command's ZigBee UTC time, so a later command carries a later id.
"""

from __future__ import annotations

import zigpy.types as t

from firmware.gbcs.alerts import zigbee_utc
from firmware.headend.gbz_payload import Commands, ZclCommand, command, gbz_case, read, time_field
from firmware.headend.gsme_tariff import FRIENDLY_CREDIT, calendar
from firmware.headend.parameters import (
    Choice,
    Flag,
    Numbers,
    Parameter,
    ParameterError,
    Text,
    TimeOfDay,
    When,
    Whole,
    execute_at,
    time_window,
)
from firmware.headend.usecase import Request, UseCase
from protocols.gbz import zcl

BASIC, PRICE, METERING, PREPAYMENT, DEVICE_MANAGEMENT, EVENTS, MESSAGING = (
    zcl.BASIC,
    zcl.PRICE,
    zcl.METERING,
    zcl.PREPAYMENT,
    zcl.DEVICE_MANAGEMENT,
    zcl.EVENTS,
    zcl.MESSAGING,
)
#: Proposed payment control configurations (meters.md 1.2): credit mode, prepayment mode.
CREDIT_CONFIGURATION, PREPAYMENT_CONFIGURATION = 0x0C94, 0x0497
#: Event log ids (meters.md 1.2): the GSME's event log (with event control 1) and security log; the GPF keeps
#: its copies three ids up.
EVENT_LOG, SECURITY_LOG, GPF_COPY = 0x13, 0x04, 0x03
#: Snapshot causes (meters.md 1.2): daily read, end of billing period, change of mode / supplier / tariff.
DAILY, BILLING_PERIOD_END, CHANGE = 0x00000001, 0x00000002, 0x00006008
#: Issuer calendar id of the friendly-credit calendar GCS05 publishes (the tariff's is 1).
FRIENDLY_CALENDAR = 2
#: Sample ids of Get Sampled Data (meters.md 1.2): profile / daily consumption, network data log.
CONSUMPTION_SAMPLES, NETWORK_SAMPLES = 0x0001, 0x0002
_U32 = Whole(0, (1 << 32) - 1)
_MONEY = Whole(-(1 << 31), (1 << 31) - 1, "currency minor units")
_AMOUNT = Whole(0, (1 << 32) - 1, "currency minor units")


def _event_id(req: Request) -> int:
    return zigbee_utc(req.utc)


def _reading(*items: tuple[int, tuple[int, ...]]) -> Commands:
    commands = [read(cluster_id, *ids) for cluster_id, ids in items]
    return lambda req: commands


def _window(req: Request) -> tuple[int, int]:
    return zigbee_utc(req["from"].utc), zigbee_utc(req["to"].utc)


# -- prepayment -------------------------------------------------------------------------------------


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
                issuer_event_id=_event_id(req),
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
                issuer_event_id=_event_id(req),
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
    event = _event_id(req)
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
                issuer_event_id=_event_id(req),
                start_time=0,
                credit_adjustment_type=t.enum8(adjustment_type),
                credit_adjustment_value=req["amount"],
            )
        ]

    return commands


# -- supply, metering, logs ---------------------------------------------------------------------------


def _valve(status: int) -> Commands:
    """GCS32 / GCS39: Change Supply to 0 (off: close) or 1 (armed), acknowledgement required."""

    def commands(req: Request) -> list[ZclCommand]:
        return [
            command(
                METERING,
                "change_supply",
                provider_id=0,
                issuer_event_id=_event_id(req),
                request_date_time=zigbee_utc(req.utc),
                implementation_date_time=0,
                proposed_supply_status=status,
                supply_control_bits=t.bitmap8(0x01),
            )
        ]

    return commands


def _snapshots(cluster_id: int, name: str, count: int, cause: int) -> Commands:
    """Reads of the last `count` snapshots of `cause` (offsets 0..count-1) within the window (GCS15b/c, GCS16a/b)."""

    def commands(req: Request) -> list[ZclCommand]:
        earliest, latest = _window(req)
        return [
            command(
                cluster_id,
                name,
                earliest_start_time=earliest,
                latest_end_time=latest,
                snapshot_offset=offset,
                snapshot_cause=cause,
            )
            for offset in range(count)
        ]

    return commands


def _sampled(sample_id: int) -> Commands:
    """Get Sampled Data: consumption samples (GCS17, GCS61) or the network data log (GCS18) from `from`."""

    def commands(req: Request) -> list[ZclCommand]:
        return [
            command(
                METERING,
                "get_sampled_data",
                sample_id=sample_id,
                earliest_sample_time=zigbee_utc(req["from"].utc),
                sample_type=0,
                number_of_samples=req["samples"],
            )
        ]

    return commands


def _event_log(log_id: int) -> Commands:
    """CS10a / CS10b: Get Event Log of the window, every event (id 0, count 0), from the GSME or the GPF's copy."""

    def commands(req: Request) -> list[ZclCommand]:
        start, end = _window(req)
        log = log_id + (GPF_COPY if req.device == "gpf" else 0)
        return [
            command(
                EVENTS,
                "get_event_log",
                event_control_log_id=t.bitmap8(log),
                event_id=0,
                start_time=start,
                end_time=end,
                number_of_events=0,
                event_offset=0,
            )
        ]

    return commands


def _debt_log(req: Request) -> list[ZclCommand]:
    """GCS15d: Get Debt Repayment Log, the window's start as the component's from-date-time."""
    start, end = _window(req)
    return [
        command(
            PREPAYMENT,
            "get_debt_repayment_log",
            from_date_time=start,
            latest_end_time=end,
            number_of_debts=req["records"],
            debt_type=t.enum8(req["debt_type"]),
        )
    ]


def _top_up_log(req: Request) -> list[ZclCommand]:
    """GCS15e: Get Top Up Log, the window's start as the component's from-date-time."""
    start, end = _window(req)
    return [
        command(
            PREPAYMENT, "get_top_up_log", from_date_time=start, latest_end_time=end, number_of_records=req["records"]
        )
    ]


def _start_sampling(req: Request) -> list[ZclCommand]:
    """GCS31: start the network data log."""
    return [
        command(
            METERING,
            "start_sampling",
            issuer_event_id=_event_id(req),
            start_sampling_time=time_field(req["start"]),
            sample_type=0,
            sample_request_interval=req["interval"],
            max_number_of_samples=req["samples"],
        )
    ]


def _flow_threshold(req: Request) -> list[ZclCommand]:
    """GCS24 / GCS24a: uncontrolled gas flow threshold, then the supply tamper state (3: unchanged)."""
    return [
        command(
            METERING,
            "set_uncontrolled_flow_threshold",
            provider_id=0,
            issuer_event_id=_event_id(req),
            uncontrolled_flow_threshold=req["threshold"],
            unit_of_measure=1,
            multiplier=1,
            divisor=req["divisor"],
            stabilisation_period=req["stabilisation_period"],
            measurement_period=req["measurement_period"],
        ),
        command(
            METERING,
            "set_supply_status",
            issuer_event_id=_event_id(req),
            supply_tamper_state=req["tamper_state"],
            supply_depletion_state=3,
            supply_uncontrolled_flow_state=3,
            load_limit_supply_state=3,
        ),
    ]


# -- device management, messages ----------------------------------------------------------------------


def _display_message(req: Request) -> list[ZclCommand]:
    """GCS07: Display Message, at once, until replaced."""
    return [
        command(
            MESSAGING,
            "display_message",
            message_id=_event_id(req),
            message_control=t.bitmap8(0),
            start_time=0,
            duration_in_minutes=0xFFFF,
            message=req["message"].decode("ascii"),
            extended_message_control=t.bitmap8(0),
        )
    ]


def _change_of_tenancy(req: Request) -> list[ZclCommand]:
    """GCS09 (to the GPF): Publish Change of Tenancy at `date`."""
    return [
        command(
            DEVICE_MANAGEMENT,
            "publish_change_of_tenancy",
            provider_id=0,
            issuer_event_id=_event_id(req),
            tariff_type=t.bitmap8(0),
            implementation_date_time=time_field(req["date"]),
            proposed_tenancy_change_control=t.bitmap32(0),
        )
    ]


def _disable_pin(req: Request) -> list[ZclCommand]:
    """GCS11: Request New Password Response with password type 2 (consumer menu) and an empty password."""
    return [
        command(
            DEVICE_MANAGEMENT,
            "request_new_password_response",
            issuer_event_id=_event_id(req),
            implementation_date_time=0,
            duration_in_minutes=0,
            password_type=t.enum8(2),
            password=b"",
        )
    ]


def _alert_behaviours(req: Request) -> list[ZclCommand]:
    """GCS20: Set Event Configuration by list (control 0): the events given get `configuration`'s bits."""
    ids = req["events"]
    payload = bytes((len(ids),)) + b"".join(code.to_bytes(2, "little") for code in ids)
    return [
        command(
            DEVICE_MANAGEMENT,
            "set_event_configuration",
            issuer_event_id=_event_id(req),
            start_date_time=0,
            event_configuration=t.bitmap8(req["configuration"]),
            configuration_control=t.enum8(0),
            event_configuration_payload=payload,
        )
    ]


def _site_id(req: Request) -> list[ZclCommand]:
    """GCS41: Update Site ID (the MPRN)."""
    return [
        command(
            DEVICE_MANAGEMENT,
            "update_site_id",
            issuer_event_id=_event_id(req),
            site_id_time=0,
            provider_id=0,
            site_id=req["mprn"],
        )
    ]


def _cin(req: Request) -> list[ZclCommand]:
    """GCS36: Update CIN."""
    return [
        command(
            DEVICE_MANAGEMENT,
            "update_cin",
            issuer_event_id=_event_id(req),
            cin_implementation_time=0,
            provider_id=0,
            customer_id_number=req["cin"],
        )
    ]


def _contact_details(req: Request) -> list[ZclCommand]:
    """GCS44: Publish Change of Supplier naming the supplier and its contact details, effective at once."""
    return [
        command(
            DEVICE_MANAGEMENT,
            "publish_change_of_supplier",
            current_provider_id=0,
            issuer_event_id=_event_id(req),
            tariff_type=t.bitmap8(0),
            proposed_provider_id=0,
            provider_change_implementation_time=0,
            provider_change_control=t.bitmap32(0),
            proposed_provider_name=req["name"],
            proposed_provider_contact_details=req["contact"],
        )
    ]


_WINDOW = time_window()
_UNIT = Parameter("unit", Choice({"pennies": 0, "pounds": 1}), "pennies", "value class of the UTRN")
_FOR_ALL_PARTIES = (
    ("GCS13a", "Read consumption register", ((METERING, (0x0000, 0x0300, 0x0301, 0x0302)),)),
    ("GCS13b", "Read block counters", ((METERING, (0x0700, 0x0701, 0x0702, 0x0703, 0x0300, 0x0301, 0x0302)),)),
    ("GCS13c", "Read TOU registers", ((METERING, (0x0100, 0x0102, 0x0104, 0x0106, 0x0300, 0x0301, 0x0302)),)),
    (
        "GCS14",
        "Read prepayment registers",
        ((PRICE, (0x0616, 0x0617)), (PREPAYMENT, (0x0001, 0x0002, 0x0005, 0x0211, 0x0221, 0x0231))),
    ),
    (
        "GCS21a",
        "Read gas configuration data",
        (
            (PRICE, (0x0302, 0x0303, 0x0304, 0x0305, 0x0306)),
            (METERING, (0x0B10, 0x0B11, 0x0B12, 0x0B13, 0x0B14, 0x0B15)),
        ),
    ),
    ("GCS21j", "Read payment mode", ((PREPAYMENT, (0x0000,)),)),
    (
        "GCS21m",
        "Read identity, type and supply tamper / depletion state",
        ((BASIC, (0x0004, 0x0005)), (METERING, (0x0607, 0x0608))),
    ),
    ("GCS33", "Read valve status", ((METERING, (0x0014, 0x0205)),)),
    ("GCS38", "Read firmware version", ((METERING, (0x0206,)),)),
    ("GCS46", "Read MPRN", ((METERING, (0x0307,)),)),
    ("GCS60", "Read meter balance", ((METERING, (0x0A00,)), (PREPAYMENT, (0x0001,)))),
    ("GCS60a", "Read meter balance (GPF or GSME)", ((METERING, (0x0A00,)), (PREPAYMENT, (0x0001,)))),
)

USE_CASES: tuple[UseCase, ...] = (
    gbz_case(
        "CS01b",
        "Apply prepayment top up to a GSME (UTRN)",
        _top_up,
        parameters=(Parameter("value", Whole(1, (1 << 13) - 1), "1000", "top-up value, in units of `unit`"), _UNIT),
        top_up=True,
    ),
    gbz_case("CS10a", "Read ZigBee device event log", _event_log(EVENT_LOG), parameters=time_window("-7d")),
    gbz_case("CS10b", "Read ZigBee device security log", _event_log(SECURITY_LOG), parameters=time_window("-7d")),
    gbz_case(
        "CS11",
        "Clear ZigBee device event log",
        lambda req: [command(EVENTS, "clear_event_log_request", log_id=t.enum8(0x03))],
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
            Parameter("friendly_credit", Flag(), "true", "publish a daily friendly-credit calendar"),
            Parameter("friendly_from", TimeOfDay(), "18:00", "start of the friendly-credit period"),
            Parameter("friendly_to", TimeOfDay(), "08:00", "end of the friendly-credit period"),
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
    gbz_case(
        "GCS07",
        "Send message to GSME",
        _display_message,
        parameters=(Parameter("message", Text(116), "Hello from your supplier", "the message shown"),),
    ),
    gbz_case(
        "GCS09",
        "Set change of tenancy date on the GPF",
        _change_of_tenancy,
        parameters=(Parameter("date", When(), "now", "date of the change of tenancy"),),
        target="gpf",
    ),
    gbz_case("GCS11", "Disable privacy PIN protection", _disable_pin),
    *(gbz_case(name, title, _reading(*items)) for name, title, items in _FOR_ALL_PARTIES),
    gbz_case(
        "GCS15b",
        "Read billing data log (change of mode / tariff triggered)",
        lambda req: [
            *_snapshots(PREPAYMENT, "get_prepay_snapshot", 12, CHANGE)(req),
            *_snapshots(METERING, "get_snapshot", 12, CHANGE)(req),
        ],
        parameters=time_window("-366d"),
    ),
    gbz_case(
        "GCS15c",
        "Read billing data log (billing calendar triggered)",
        lambda req: [
            *_snapshots(METERING, "get_snapshot", 12, BILLING_PERIOD_END)(req),
            *_snapshots(PREPAYMENT, "get_prepay_snapshot", 12, BILLING_PERIOD_END)(req),
        ],
        parameters=time_window("-366d"),
    ),
    gbz_case(
        "GCS15d",
        "Read billing data log (debt payments)",
        _debt_log,
        parameters=(
            *time_window("-31d"),
            Parameter("records", Whole(0, 255), "10", "number of entries (0: all)"),
            Parameter("debt_type", Whole(0, 255), "2", "debt type: 0 time debt 1, 1 time debt 2, 2 payment debt"),
        ),
    ),
    gbz_case(
        "GCS15e",
        "Read billing data log (prepayment credits)",
        _top_up_log,
        parameters=(*time_window("-31d"), Parameter("records", Whole(0, 255), "5", "number of entries (0: all)")),
    ),
    gbz_case(
        "GCS16a",
        "Read daily read log",
        _snapshots(METERING, "get_snapshot", 31, DAILY),
        parameters=time_window("-31d"),
    ),
    gbz_case(
        "GCS16b",
        "Read prepayment daily read log",
        _snapshots(PREPAYMENT, "get_prepay_snapshot", 31, DAILY),
        parameters=time_window("-31d"),
    ),
    *(
        gbz_case(
            name,
            title,
            _sampled(sample_id),
            parameters=(
                Parameter("from", When(markers=False), back, "earliest sample time"),
                Parameter("samples", Whole(0, 0xFFFF), count, "number of samples (0: all)"),
            ),
            target=target,
        )
        for name, title, sample_id, back, count, target in (
            ("GCS17", "Read profile data log", CONSUMPTION_SAMPLES, "-1d", "48", "gsme"),
            ("GCS18", "Read gas network data log", NETWORK_SAMPLES, "-1d", "0", "gsme"),
            ("GCS61", "Read gas daily consumption log", CONSUMPTION_SAMPLES, "-31d", "31", "gpf"),
        )
    ),
    gbz_case(
        "GCS20",
        "Set alert behaviours (GSME)",
        _alert_behaviours,
        parameters=(
            Parameter("events", Numbers(0x8000, 0x81FF, 1, 32), "0x81AA,0x81AB", "event ids configured"),
            Parameter("configuration", Whole(0, 0xFF), "0x5B", "event configuration bits to set for them"),
        ),
    ),
    gbz_case(
        "GCS20r",
        "Read non-critical event and alert behaviours (GSME)",
        lambda req: [command(DEVICE_MANAGEMENT, "get_event_configuration", event_id=0x81FF)],
    ),
    gbz_case(
        "GCS24",
        "Set uncontrolled gas flow rate and supply tamper state",
        _flow_threshold,
        parameters=(
            Parameter("threshold", Whole(0, 0xFFFF), "60", "uncontrolled flow threshold (m3/h x divisor)"),
            Parameter("divisor", Whole(1, 0xFFFF), "10", "divisor of the threshold"),
            Parameter("stabilisation_period", Whole(0, 0xFF, "seconds"), "30", "flow stabilisation period"),
            Parameter("measurement_period", Whole(0, 0xFFFF, "seconds"), "60", "flow measurement period"),
            Parameter(
                "tamper_state", Choice({"unchanged": 3, "locked": 0, "enabled": 1}), "unchanged", "supply tamper state"
            ),
        ),
    ),
    gbz_case(
        "GCS31",
        "Start network data log",
        _start_sampling,
        parameters=(
            Parameter("start", When(), "now", "when sampling starts"),
            Parameter("interval", Whole(1, 0xFFFF, "seconds"), "360", "sample interval"),
            Parameter("samples", Whole(1, 0xFFFF), "41", "maximum number of samples"),
        ),
    ),
    gbz_case("GCS32", "Remotely close the valve", _valve(0)),
    gbz_case(
        "GCS36",
        "Send CIN to GSME",
        _cin,
        parameters=(Parameter("cin", Text(4), "1234", "customer identification number"),),
    ),
    gbz_case("GCS39", "Arm the valve", _valve(1)),
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
    gbz_case(
        "GCS41",
        "Set MPRN value",
        _site_id,
        parameters=(Parameter("mprn", Text(10), "1234567890", "the meter point reference number"),),
    ),
    gbz_case(
        "GCS44",
        "Write contact details",
        _contact_details,
        parameters=(
            Parameter("name", Text(16), "Test Supplier", "supplier name"),
            Parameter("contact", Text(19), "0800 000 0000", "supplier contact details"),
        ),
    ),
)
