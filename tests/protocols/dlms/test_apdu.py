"""The GBCS DLMS APDUs (gbcs.md 5.2): the worked example, every RTDS DLMS payload, typed errors.

The corpus counts (268 access-requests, 194 access-responses, 51 data-notifications; 945 SET,
264 GET, 127 ACTION and 28 GET-with-selection specifications) are gbcs.md's, from its own
decoding of RTDS; the codec under test never produced them.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from protocols import dlms
from protocols.dlms import (
    AccessRequest,
    AccessResponse,
    AccessResult,
    ActionSpec,
    DataNotification,
    DlmsDecodeError,
    DlmsEncodeError,
    ExceptionResponse,
    GetSpec,
    GetWithSelectionSpec,
    LongInvokeId,
    MethodDescriptor,
    Obis,
    SetSpec,
    SpecKind,
    i8,
)
from protocols.gbcs import parse as parse_gbcs
from tests.protocols.dlms.vectors import ECS52_REQUEST, ECS52_REQUEST_VALUE, ECS52_RESPONSE, ECS52_RESPONSE_VALUE
from tests.protocols.gbcs.corpus import load

_TAGS = {0xD9: "access-request", 0xDA: "access-response", 0x0F: "data-notification"}


@cache
def dlms_payloads(rtds: Path) -> tuple[tuple[str, bytes], ...]:
    """(file name, payload) of every RTDS message whose payload is DLMS (gbcs.md 5.1: first byte D9/DA/0F)."""
    found = []
    for corpus_file in load(rtds):
        payload = parse_gbcs(corpus_file.data).payload
        if payload[:1] and payload[0] in _TAGS:
            found.append((corpus_file.path.name, payload))
    return tuple(found)


def test_worked_example_ecs52() -> None:
    """gbcs.md 3.6: the ECS52 command's payload and its response's, parsed to values and rebuilt."""
    assert dlms.parse(bytes.fromhex(ECS52_REQUEST)) == ECS52_REQUEST_VALUE
    assert dlms.build(ECS52_REQUEST_VALUE).hex() == ECS52_REQUEST
    assert dlms.parse(bytes.fromhex(ECS52_RESPONSE)) == ECS52_RESPONSE_VALUE
    assert dlms.build(ECS52_RESPONSE_VALUE).hex() == ECS52_RESPONSE
    assert ECS52_REQUEST_VALUE.invoke == LongInvokeId.for_counter(1000)
    assert ECS52_REQUEST_VALUE.invoke.break_on_error and ECS52_REQUEST_VALUE.invoke.invoke_id == 1000


def test_every_rtds_dlms_payload_round_trips(rtds_dir: Path) -> None:
    payloads = dlms_payloads(rtds_dir)
    assert Counter(_TAGS[payload[0]] for _, payload in payloads) == {
        "access-request": 268,
        "access-response": 194,
        "data-notification": 51,
    }
    mismatches = [name for name, payload in payloads if dlms.build(dlms.parse(payload)) != payload]
    assert mismatches == []


def test_rtds_specification_counts(rtds_dir: Path) -> None:
    kinds: Counter[str] = Counter()
    for _, payload in dlms_payloads(rtds_dir):
        apdu = dlms.parse(payload)
        if isinstance(apdu, AccessRequest):
            kinds.update(type(spec).__name__ for spec in apdu.specs)
            assert len(apdu.specs) == len(apdu.data)
    assert kinds == {"SetSpec": 945, "GetSpec": 264, "ActionSpec": 127, "GetWithSelectionSpec": 28}


def test_rtds_invoke_ids_carry_the_counter(rtds_dir: Path) -> None:
    """gbcs.md 5.2: long-invoke-id = 0x20 || low 24 bits of the grouping-header counter, in every DLMS payload."""
    for corpus_file in load(rtds_dir):
        message = parse_gbcs(corpus_file.data)
        if message.payload[:1] and message.payload[0] in _TAGS:
            assert dlms.parse(message.payload).invoke == LongInvokeId.for_counter(message.originator_counter)


def test_request_built_from_values() -> None:
    """ECS09's single instruction (meters.md 1.1): ACTION 112 0-0:19.10.1.255 method 3 with integer 0."""
    request = AccessRequest(
        LongInvokeId.for_counter(1000), (ActionSpec(MethodDescriptor(112, Obis.of("0-0:19.10.1.255"), 3)),), (i8(0),)
    )
    wire = dlms.build(request)
    assert wire.hex() == "d9200003e800010300700000130a01ff03010f00"
    assert dlms.parse(wire) == request


def test_response_with_echoed_specifications_round_trips() -> None:
    echoed = AccessResponse(
        LongInvokeId(0x200003E8),
        (dlms.NULL,),
        (AccessResult(SpecKind.SET, 3),),
        request_specs=(SetSpec(ECS52_REQUEST_VALUE.specs[0].descriptor),),  # type: ignore[union-attr]
    )
    assert dlms.parse(dlms.build(echoed)) == echoed


def test_exception_response() -> None:
    """IEC 62056-5-3 Exception-Response: D8, state-error, service-error choice and value."""
    value = ExceptionResponse(state_error=2, service_error=3, value=0)
    assert dlms.build(value).hex() == "d8020300"
    assert dlms.parse(bytes.fromhex("d8020300")) == value
    counter_error = ExceptionResponse(1, 6, 0x01020304)
    assert dlms.build(counter_error).hex() == "d8010601020304"
    assert dlms.parse(dlms.build(counter_error)) == counter_error


@pytest.mark.parametrize(
    ("wire", "offset", "field"),
    [
        ("", 0, "apdu tag"),
        ("c0", 0, "apdu tag"),
        ("d92000", 1, "long-invoke-id-and-priority"),
        ("d9200003e8", 5, "date-time length"),
        ("d9200003e8000105", 7, "request specification"),  # choice 5 does not exist
        ("d9200003e8000101000100", 8, "descriptor"),  # a truncated descriptor
        ("da200003e80002", 6, "request specifications present"),
        ("da200003e8000000010700", 9, "response specification"),
        ("d9200003e8000000ff", 8, "apdu"),  # a byte after the end
        ("d8", 1, "exception-response"),
    ],
)
def test_malformed_apdus_name_the_field_and_offset(wire: str, offset: int, field: str) -> None:
    with pytest.raises(DlmsDecodeError) as error:
        dlms.parse(bytes.fromhex(wire))
    assert (error.value.offset, error.value.field) == (offset, field)


def test_get_with_selection_keeps_its_parameters(rtds_dir: Path) -> None:
    """Every RTDS GET-with-selection uses the range selector (meters.md 3.2)."""
    selections = [
        spec
        for _, payload in dlms_payloads(rtds_dir)
        if isinstance(apdu := dlms.parse(payload), AccessRequest)
        for spec in apdu.specs
        if isinstance(spec, GetWithSelectionSpec)
    ]
    assert len(selections) == 28 and {spec.selector for spec in selections} == {1}


def test_alerts_are_data_notifications(rtds_dir: Path) -> None:
    notifications = [dlms.parse(p) for _, p in dlms_payloads(rtds_dir) if p[0] == 0x0F]
    assert all(isinstance(n, DataNotification) and n.date_time == b"" for n in notifications)


def test_values_that_cannot_be_built() -> None:
    with pytest.raises(DlmsEncodeError):
        LongInvokeId(1 << 32)
    with pytest.raises(DlmsEncodeError):
        AccessResult(SpecKind.GET_WITH_SELECTION, 0)
    with pytest.raises(DlmsEncodeError):
        ExceptionResponse(1, 3, 300)
    with pytest.raises(DlmsEncodeError):
        Obis(b"\x00")
    with pytest.raises(DlmsEncodeError):
        Obis.of("0-0:1.0.0.256")
    assert str(Obis.of("0-0:1.0.0.255")) == "0-0:1.0.0.255"
    assert GetSpec(ECS52_REQUEST_VALUE.specs[0].descriptor).descriptor.attribute == 2  # type: ignore[union-attr]
