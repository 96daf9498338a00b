"""Bad input never crashes the GSME; each wrong attribute, command or value gets its ZCL status (meters.md 4.4)."""

from __future__ import annotations

import dataclasses

import zigpy.types as t
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware.devices.gsme import load_profile
from firmware.devices.gsme.handlers import HANDLERS
from protocols import gbz
from protocols.gbz import Component, GbzPayload, ZclFrame, zcl
from tests.firmware.devices.gsme.helpers import START, Facts, answer, command, fresh, read, statuses

NO_HISTORY = dataclasses.replace(load_profile("prepayment"), commissioned=None)
METER = fresh(NO_HISTORY)  # one meter for the fuzzing: whatever state the inputs leave, it must keep answering


def test_each_wrong_request_gets_its_status_and_break_on_error_follows() -> None:
    meter = fresh(NO_HISTORY)
    response, _ = answer(
        meter,
        read(zcl.METERING, 0x0000, 0x7777, seq=0),  # 0x7777: not a Metering attribute
        read(zcl.PRICE, 0x0616, seq=1),
    )
    assert statuses(response) == [(0, (0x00, 0x86)), (1, (0x01,))]  # UNSUPPORTED_ATTRIBUTE, then not attempted
    assert zcl.parse_default_response(response.components[1].frame.payload).command_id == 0xFF
    cases = [
        (Component(zcl.METERING, ZclFrame(0x01, 0, 0x7F, b"")), 0x81),  # unknown cluster command
        (Component(zcl.METERING, ZclFrame(0x00, 0, 0x02, b"")), 0x82),  # Write Attributes: not served
        (Component(zcl.METERING, ZclFrame(0x00, 0, 0x00, b"\x00")), 0x80),  # half an attribute id
        (Component(zcl.METERING, ZclFrame(0x01, 0, 0x0B, b"\x01\x02")), 0x80),  # truncated Change Supply
        (Component(0x0006, ZclFrame(0x01, 0, 0x00, b"")), 0xC3),  # On/Off: not a GSME cluster
        (
            command(
                zcl.METERING,
                "change_supply",
                provider_id=0,
                issuer_event_id=1,
                request_date_time=t.UTCTime(0),
                implementation_date_time=t.UTCTime(0),
                proposed_supply_status=7,  # out of range: 0 off, 1 armed
                supply_control_bits=t.bitmap8(1),
            ),
            0x87,
        ),
        (
            command(
                zcl.PREPAYMENT,
                "change_debt",
                issuer_event_id=1,
                debt_label=t.LVBytes(b""),
                debt_amount=1,
                debt_recovery_method=t.enum8(0),
                debt_amount_type=t.enum8(9),  # no such debt amount type
                debt_recovery_start_time=t.UTCTime(0),
                debt_recovery_collection_time=0,
                debt_recovery_frequency=t.enum8(1),
                debt_recovery_amount=1,
                debt_recovery_balance_percentage=0,
            ),
            0x85,
        ),
    ]
    for component, status in cases:
        response, _ = answer(meter, component, command(zcl.EVENTS, "clear_event_log_request", seq=1, log_id=t.enum8(3)))
        assert statuses(response) == [(0, (status,)), (1, (0x01,))], (component, statuses(response))


def test_a_payload_that_is_not_gbz_gets_an_empty_answer() -> None:
    response, alerts = fresh(NO_HISTORY).handle(b"\x01\x09\x05", Facts())
    assert response == b"\x01\x09\x00" and alerts == []


_handled = st.builds(  # a command the GSME handles, with random field bytes (often decodable)
    lambda key, sequence, body: Component(key[0], ZclFrame(0x01 | (0x08 if key[1] else 0), sequence, key[2], body)),
    st.sampled_from(sorted(HANDLERS)),
    st.integers(0, 0xFF),
    st.binary(min_size=1, max_size=40),
)
_any = st.builds(
    lambda cluster, control, sequence, command_id, body: Component(
        cluster, ZclFrame(control & 0x1B, sequence, command_id, body)
    ),
    st.sampled_from([0x0000, 0x0700, 0x0702, 0x0703, 0x0705, 0x0707, 0x0708, 0x0709, 0x0006]),
    st.integers(0, 0xFF),
    st.integers(0, 0xFF),
    st.integers(0, 0x10),
    st.binary(max_size=40),
)
_components = st.one_of(_handled, _any)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_components, min_size=1, max_size=4), st.integers(0, 400 * 86400))
def test_fuzzed_components_are_answered_one_by_one(components: list[Component], later: int) -> None:
    components = [  # sequence numbers rise by one per component (gbcs.md 5.3)
        dataclasses.replace(c, frame=dataclasses.replace(c.frame, sequence=index)) for index, c in enumerate(components)
    ]
    data = gbz.build(GbzPayload(tuple(components)))
    response, _alerts = METER.handle(data, Facts(utc=START + later, now=float(later)))
    answered = gbz.parse(response or b"")
    asked = [(c.cluster_id, c.frame.sequence) for c in components]
    got = []
    for component in answered.components:  # reads may expand into several Publish components
        key = (component.cluster_id, component.frame.sequence)
        if not got or got[-1] != key:
            got.append(key)
    assert got == asked


@given(st.binary(max_size=60))
def test_any_bytes_never_raise(data: bytes) -> None:
    response, _alerts = METER.handle(data, Facts())
    assert response is not None and response.startswith(b"\x01\x09")


def test_refused_top_ups_are_security_events() -> None:
    meter = fresh(NO_HISTORY)
    forged = command(zcl.PREPAYMENT, "consumer_top_up", originating_device=t.enum8(0), top_up_code=t.LVBytes(b"1" * 20))
    answer(meter, forged, utc=START)
    security = [entry["id"] for _seq, entry in meter.state.entries("event/4")]
    general = [entry["id"] for _seq, entry in meter.state.entries("event/3")]
    assert 0x8F63 in security and 0x8F63 not in general  # UTRN not authentic
