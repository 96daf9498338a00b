"""Bad input gets the DLMS result a server gives (meters.md 3.1; Blue Book), never an exception.

Each case names the rule it checks; the codes are IEC 62056-5-3's Data-Access-Result /
Action-Result values as meters.md 3.1 tabulates them.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.devices.esme import objects, shipped_profile
from protocols import dlms
from protocols.dlms import (
    NULL,
    AccessRequest,
    AccessResponse,
    ActionSpec,
    AttributeDescriptor,
    ExceptionResponse,
    GetSpec,
    GetWithSelectionSpec,
    LongInvokeId,
    MethodDescriptor,
    Obis,
    SetSpec,
    octets,
    u8,
    u16,
    u32,
)
from protocols.dlms.selective import EntryDescriptor
from tests.firmware.devices.esme.helpers import Bench

SUCCESS, READ_WRITE_DENIED, OBJECT_UNDEFINED, CLASS_INCONSISTENT, UNAVAILABLE, TYPE_UNMATCHED, OTHER = (
    0,
    3,
    4,
    9,
    11,
    12,
    250,
)


def test_unknown_object_is_undefined() -> None:
    assert Bench.of("credit-single").get(1, "0-0:96.99.99.255", 2)[0] == OBJECT_UNDEFINED


def test_object_of_another_class_is_inconsistent() -> None:
    assert Bench.of("credit-single").get(3, "0-0:0.2.1.255", 2)[0] == CLASS_INCONSISTENT  # firmware version is class 1


def test_attribute_or_method_the_object_lacks_is_unavailable() -> None:
    bench = Bench.of("credit-single")
    assert bench.get(1, "0-0:0.2.1.255", 9)[0] == UNAVAILABLE
    assert bench.action(1, "0-0:0.2.1.255", 1)[0] == UNAVAILABLE


def test_read_only_attributes_refuse_writes() -> None:
    bench = Bench.of("credit-single")
    assert bench.set(1, "0-0:0.2.1.255", 2, octets(b"\x09\x09\x09\x09")) == READ_WRITE_DENIED  # firmware version
    assert bench.set(1, "0-0:0.2.1.255", 1, octets(bytes(6))) == READ_WRITE_DENIED  # a logical name
    assert bench.set(111, "0-0:19.0.0.255", 2, dlms.structure(dlms.enum_(2), dlms.enum_(2))) == READ_WRITE_DENIED


def test_type_mismatch_is_type_unmatched() -> None:
    bench = Bench.of("credit-single")
    assert bench.set(1, "0-0:94.44.0.4", 2, u8(1)) == TYPE_UNMATCHED  # supply tamper state is a boolean
    assert bench.set(21, "0-0:16.0.0.255", 2, dlms.array([u16(1), u16(2)])) == TYPE_UNMATCHED  # dlu thresholds
    assert bench.action(112, "0-0:19.10.0.255", 1, u32(5))[0] == TYPE_UNMATCHED  # update_amount takes a dl


def test_out_of_range_values_are_other_reason() -> None:
    bench = Bench.of("credit-single")
    assert bench.set(1, "0-3:96.13.1.255", 2, octets(b"12345")) == OTHER  # CIN is os(4) (meters.md 2.6)
    assert bench.set(8, "0-0:1.0.0.255", 9, dlms.enum_(9)) == OTHER  # clock_base 0..5
    assert bench.set(20, "0-0:13.0.0.255", 10, octets(bytes.fromhex("07df0d01ff000000008000ff"))) == OTHER  # month 13
    assert bench.action(9, "0-0:10.0.106.255", 1, u16(0x99))[0] == OTHER  # no such supply script


def test_selective_access_errors() -> None:
    bench = Bench.of("credit-single")
    assert bench.get(1, "0-0:0.2.1.255", 2, EntryDescriptor(1, 2))[0] == OTHER  # not a profile buffer
    bad = GetWithSelectionSpec(AttributeDescriptor(7, Obis.of("0-0:99.1.0.255"), 2), 1, u8(3))
    assert bench.request([bad]).results[0].result == TYPE_UNMATCHED  # not a range descriptor


def test_break_on_error_answers_the_rest_other_reason() -> None:
    """meters.md 0 item 3 and 3.1: stop at the first failure, still one result per instruction."""
    bench = Bench.of("credit-single")
    specs = [
        GetSpec(AttributeDescriptor(1, Obis.of("0-0:0.2.1.255"), 2)),
        SetSpec(AttributeDescriptor(1, Obis.of("0-0:0.2.1.255"), 2)),
        SetSpec(AttributeDescriptor(1, Obis.of("0-3:96.13.1.255"), 2)),
    ]
    response = bench.request(specs, [NULL, octets(b"1234"), octets(b"4321")])
    assert [(r.kind, r.result) for r in response.results] == [(1, SUCCESS), (2, READ_WRITE_DENIED), (2, OTHER)]
    assert response.data[1:] == (NULL, NULL)
    assert bench.value(1, "0-3:96.13.1.255", 2) == octets(b"0000")  # the third was not attempted
    continue_on_error = AccessRequest(LongInvokeId(1001), tuple(specs), (NULL, octets(b"1234"), octets(b"4321")))
    context = bench.context()
    result = bench.esme.handle(dlms.build(continue_on_error), context)
    answer = dlms.parse(result.response)  # type: ignore[arg-type]
    assert isinstance(answer, AccessResponse) and [r.result for r in answer.results] == [0, 3, 0]


def test_payloads_that_are_not_access_requests_get_an_exception_response() -> None:
    bench = Bench.of("credit-single")
    for payload, expected in (
        (b"", ExceptionResponse(2, 3)),
        (b"\xd9\x20", ExceptionResponse(2, 3)),
        (bytes.fromhex("da200003e800000100010100ff"), ExceptionResponse(2, 3)),  # trailing garbage
        (bytes.fromhex("da200003e800000100010100"), ExceptionResponse(1, 2)),  # a response sent to the meter
        (bytes.fromhex("d9200003e800010100010000000201ff0200"), ExceptionResponse(1, 2)),  # no data item
    ):
        result = bench.esme.handle(payload, bench.context())
        assert dlms.parse(result.response) == expected  # type: ignore[arg-type]


_TABLE = objects.build(shipped_profile("twin"))
_DESCRIPTORS = sorted(
    [(obj.class_id, obj.obis, number, "attribute") for obj in _TABLE.values() for number in (1, *obj.attributes)]
    + [(obj.class_id, obj.obis, number, "method") for obj in _TABLE.values() for number in obj.methods],
    key=lambda entry: (entry[0], entry[1].raw, entry[2], entry[3]),
)
_VALUES = st.recursive(
    st.one_of(
        st.just(NULL),
        st.booleans().map(dlms.Boolean),
        st.integers(0, 255).map(u8),
        st.integers(-(1 << 31), (1 << 31) - 1).map(dlms.i32),
        st.integers(0, (1 << 32) - 1).map(u32),
        st.integers(0, 0xFFFF).map(u16),
        st.integers(-128, 127).map(dlms.i8),
        st.binary(max_size=24).map(octets),
        st.integers(0, 600).map(lambda count: dlms.bits(count, 0)),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(dlms.array), st.lists(children, max_size=4).map(lambda i: dlms.structure(*i))
    ),
    max_leaves=12,
)


@st.composite
def _instruction(draw: st.DrawFn) -> tuple[dlms.RequestSpec, dlms.Data]:
    class_id, obis, number, kind = draw(st.sampled_from(_DESCRIPTORS))
    class_id = draw(st.sampled_from([class_id, class_id, 1, 7, 9000]))
    value = draw(_VALUES)
    if kind == "method":
        return ActionSpec(MethodDescriptor(class_id, obis, number)), value
    choice = draw(st.sampled_from(["get", "set", "select"]))
    descriptor = AttributeDescriptor(class_id, obis, number)
    if choice == "get":
        return GetSpec(descriptor), NULL
    if choice == "set":
        return SetSpec(descriptor), value
    return GetWithSelectionSpec(descriptor, draw(st.integers(0, 3)), value), NULL


@settings(max_examples=150)
@given(st.lists(_instruction(), min_size=1, max_size=6), st.integers(0, 3 * 86_400))
def test_fuzzed_access_requests_never_crash_the_model(instructions: list, wait: int) -> None:
    """Any instructions on any object, with any values, at any time: one answer per instruction, never an exception."""
    bench = Bench.of("twin")
    bench.advance(wait)
    specs, data = zip(*instructions, strict=True)
    response = bench.request(list(specs), list(data))
    assert len(response.results) == len(specs) == len(response.data)
    bench.advance(3_600)  # whatever was written, the meter keeps running
    assert bench.value(8, "0-0:1.0.0.255", 1) == octets(Obis.of("0-0:1.0.0.255").raw)
