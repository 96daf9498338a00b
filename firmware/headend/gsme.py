"""GSME and GPF reads, logs and metering use cases (meters.md 1.2, 4.1-4.2): register and configuration reads, event
logs (CS10a/b), billing and daily logs (GCS15b-e, GCS16a/b), profiles (GCS17, GCS18, GCS61), the valve (GCS32,
GCS33, GCS39), the network data log (GCS31) and the uncontrolled-flow threshold (GCS24).

Each use case is the ZCL commands meters.md 1.2 lists for it, one GBZ component each, in that
order. Reads go to the GSME by default (`target=gpf` asks the GPF's mirror, which answers every
read marked "GPF; GSME"); GCS61 goes to the GPF only. Gas is in the meter's metering units; times
are UTC moments (`parameters`).
"""

from __future__ import annotations

import zigpy.types as t

from firmware.gbcs.alerts import zigbee_utc
from firmware.headend.gbz_payload import (
    Commands,
    ZclCommand,
    command,
    gbz_case,
    issuer_event_id,
    read,
    time_field,
    window,
)
from firmware.headend.parameters import Choice, Parameter, When, Whole, time_window
from firmware.headend.usecase import Request, UseCase
from protocols.gbz import zcl

BASIC, PRICE, METERING, PREPAYMENT, EVENTS = zcl.BASIC, zcl.PRICE, zcl.METERING, zcl.PREPAYMENT, zcl.EVENTS
#: Event log ids (meters.md 1.2): the GSME's event log (with event control 1) and security log; the GPF keeps
#: its copies three ids up.
EVENT_LOG, SECURITY_LOG, GPF_COPY = 0x13, 0x04, 0x03
#: Snapshot causes (meters.md 1.2): daily read, end of billing period, change of mode / supplier / tariff.
DAILY, BILLING_PERIOD_END, CHANGE = 0x00000001, 0x00000002, 0x00006008
#: Sample ids of Get Sampled Data (meters.md 1.2): profile / daily consumption, network data log.
CONSUMPTION_SAMPLES, NETWORK_SAMPLES = 0x0001, 0x0002


def _reading(*items: tuple[int, tuple[int, ...]]) -> Commands:
    commands = [read(cluster_id, *ids) for cluster_id, ids in items]
    return lambda req: commands


def _valve(status: int) -> Commands:
    """GCS32 / GCS39: Change Supply to 0 (off: close) or 1 (armed), acknowledgement required."""

    def commands(req: Request) -> list[ZclCommand]:
        return [
            command(
                METERING,
                "change_supply",
                provider_id=0,
                issuer_event_id=issuer_event_id(req),
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
        earliest, latest = window(req)
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
        start, end = window(req)
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
    start, end = window(req)
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
    start, end = window(req)
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
            issuer_event_id=issuer_event_id(req),
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
            issuer_event_id=issuer_event_id(req),
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
            issuer_event_id=issuer_event_id(req),
            supply_tamper_state=req["tamper_state"],
            supply_depletion_state=3,
            supply_uncontrolled_flow_state=3,
            load_limit_supply_state=3,
        ),
    ]


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
    gbz_case("CS10a", "Read ZigBee device event log", _event_log(EVENT_LOG), parameters=time_window("-7d")),
    gbz_case("CS10b", "Read ZigBee device security log", _event_log(SECURITY_LOG), parameters=time_window("-7d")),
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
    gbz_case("GCS39", "Arm the valve", _valve(1)),
)
