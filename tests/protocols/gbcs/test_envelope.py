"""Envelope wire format (gbcs.md 3): lengths, the worked example, forms, and typed errors with offsets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.gbcs import Cra, Frame, GbcsDecodeError, GbcsEncodeError, Message, OtherInformation, build, parse
from protocols.gbcs.envelope import (
    GROUPING_HEADER_COMPILED,
    GROUPING_HEADER_STRUCT,
    decode_other_information,
    encode_other_information,
    parse_checked,
    parse_fast,
)
from protocols.gbcs.lengths import encode_length, read_length
from protocols.gbcs.message import dlms_datetime
from tests.protocols.gbcs.vectors import ECS52


@pytest.mark.parametrize(
    "value, wire",
    [(0, "00"), (0x7F, "7f"), (0x80, "8180"), (0xFF, "81ff"), (0x100, "820100"), (0x10000, "83010000")],
)
def test_length_vectors(value: int, wire: str) -> None:
    """gbcs.md 3.2: BER definite lengths, minimal form."""
    assert encode_length(value).hex() == wire
    assert read_length(bytes.fromhex(wire) + b"\xaa", 0, "x") == (value, len(wire) // 2)


@pytest.mark.parametrize(
    "wire, offset", [("8105", 0), ("820080", 0), ("80", 0), ("84000000ff", 0), ("82ff", 2), ("", 0)]
)
def test_bad_lengths_are_refused_with_offsets(wire: str, offset: int) -> None:
    with pytest.raises(GbcsDecodeError) as caught:
        read_length(bytes.fromhex(wire), 0, "content_length")
    assert caught.value.offset == offset and caught.value.field == "content_length"


def test_worked_example_field_by_field() -> None:
    """gbcs.md 3.6, every field the primer names."""
    message = parse(ECS52)
    assert message.frame is Frame.GENERAL_CIPHERING and message.cra is Cra.COMMAND
    assert message.originator_counter == 1000
    assert message.originator == bytes.fromhex("90B3D51F30010000")
    assert message.recipient == bytes.fromhex("00DB1234567890A0")
    assert message.date_time_raw is None and message.date_time is None
    assert message.other_information == OtherInformation(0x0059)
    assert message.payload == bytes.fromhex("D9 20 00 03 E8 00 01 01 00 01 00 00 00 02 01 FF 02 01 00")
    assert message.signature == b"" and message.mac == bytes.fromhex("A25A51A93BAFA5C9E2B224BD")
    assert build(message) == ECS52


def test_general_signing_and_precommand_forms() -> None:
    """gbcs.md 3.4: without the MAC header the grouping header stands alone; a pre-command has no signature field."""
    signing = ECS52[13:-12]
    message = parse(signing)
    assert message.frame is Frame.GENERAL_SIGNING and message.mac is None and message.signature == b""
    precommand = parse(signing[:-1])
    assert precommand.signature is None and build(precommand) == signing[:-1]
    with_sig = signing[:-1] + b"\x40" + bytes(range(64))
    assert parse(with_sig).signature == bytes(range(64)) and build(parse(with_sig)) == with_sig


@pytest.mark.parametrize(
    "info",
    [
        OtherInformation(0x0001),
        OtherInformation(0x0123, b"\x90" * 8),
        OtherInformation(0x0001, b"\x90" * 8, 1300),
        OtherInformation(0x0096, b"\x90" * 8, 1100, 2000),
        OtherInformation(0x00A0, b"\x90" * 8, 1003, None, b"\x30\x03\x02\x01\x05"),
        OtherInformation(0x00A0, b"\x90" * 8, 1003, 7, b"\x30\x81\x80" + bytes(128)),
    ],
)
def test_other_information_forms_round_trip(info: OtherInformation) -> None:
    """gbcs.md 3.5: 2, 10, 18, 26 bytes, and a DER certificate tail."""
    raw = encode_other_information(info)
    assert decode_other_information(raw, 40) == info


@pytest.mark.parametrize("size, offset", [(1, 40), (5, 42), (12, 50), (21, 58), (30, 66)])
def test_other_information_bad_sizes(size: int, offset: int) -> None:
    raw = bytes([0x00, 0x01]) + bytes(range(1, size - 1)) if size > 2 else bytes(size)
    with pytest.raises(GbcsDecodeError) as caught:
        decode_other_information(raw[:size], 40)
    assert caught.value.offset == offset


def test_other_information_refuses_out_of_order_forms() -> None:
    with pytest.raises(GbcsEncodeError, match="remote_party_id"):
        encode_other_information(OtherInformation(1, None, 5))
    with pytest.raises(GbcsEncodeError, match="certificate"):
        encode_other_information(OtherInformation(1, b"\x01" * 8, 5, None, b"not der"))


def test_other_information_refuses_a_counter_that_reads_as_a_certificate() -> None:
    """The review's case: counter 3008000000000000 + certificate 3000 has the bytes of a certificate alone."""
    ambiguous = OtherInformation(1, b"\x01" * 8, 5, 0x3008000000000000, b"\x30\x00")
    with pytest.raises(GbcsEncodeError, match="one DER SEQUENCE") as caught:
        encode_other_information(ambiguous)
    assert caught.value.field == "other_information.originator_counter"
    alone = OtherInformation(1, b"\x01" * 8, 5, None, bytes.fromhex("30080000000000003000"))
    assert decode_other_information(encode_other_information(alone), 0) == alone
    # the same counter before a certificate it does not swallow is fine
    fine = OtherInformation(1, b"\x01" * 8, 5, 0x3008000000000000, b"\x30\x01\x00")
    assert decode_other_information(encode_other_information(fine), 0) == fine


def test_dlms_date_times() -> None:
    """gbcs.md 0: 07DF0101FF000000008000FF = 2015-01-01 00:00:00; 'not specified' parts give None."""
    assert dlms_datetime(bytes.fromhex("07DF0101FF000000008000FF")) == datetime(2015, 1, 1, tzinfo=UTC)
    assert dlms_datetime(bytes.fromhex("07DF0101FF09000000800002")) == datetime(2015, 1, 1, 9, tzinfo=UTC)
    assert dlms_datetime(bytes.fromhex("FFFF0101FF000000008000FF")) is None
    assert dlms_datetime(bytes.fromhex("07DF0D01FF000000008000FF")) is None  # month 13
    cet = dlms_datetime(bytes.fromhex("07DF0101FF0000000FFFC400"))  # deviation -60: UTC+1
    assert cet is not None and cet.utcoffset() == timedelta(hours=1) and cet.microsecond == 150_000


@pytest.mark.parametrize(
    "wire, offset, field",
    [
        ("", 0, "tag"),
        ("00", 0, "tag"),
        ("DD", 1, "transaction_id_length"),
        ("DF0904" + ECS52[16:-12].hex(), 2, "cra"),  # CRA 4 is refused where it stands
        (ECS52[:20].hex(), 20, None),  # truncated inside the MAC header's content
        ((ECS52 + b"\x00").hex(), 79, "ciphered_length"),  # a byte beyond the ciphered content
        (ECS52[13:-13].hex() + "41", 53, "signature_length"),
        (ECS52[13:42].hex() + "01ff" + ECS52[43:-12].hex(), 29, "date_time_length"),  # 1-byte date-time
        # Other Information of 3 bytes (message code + 1): the remote-party ID at offset 33 is short
        (ECS52[13:43].hex() + "030059aa" + ECS52[46:-12].hex(), 33, "other_information.remote_party_id"),
        (ECS52[13:-13].hex() + "0000", 54, "signature"),
    ],
)
def test_malformed_input_names_field_and_offset(wire: str, offset: int, field: str | None) -> None:
    data = bytes.fromhex(wire)
    with pytest.raises(GbcsDecodeError) as caught:
        parse(data)
    assert caught.value.offset == offset, caught.value
    if field is not None:
        assert caught.value.field == field


def test_encode_refuses_bad_values() -> None:
    good = parse(ECS52)
    for changes, field in [
        ({"originator": b"\x01" * 7}, "originator"),
        ({"signature": b"\x01" * 10}, "signature"),
        ({"mac": b"\x01" * 11}, "mac"),
        ({"date_time_raw": b"\x01" * 11}, "date_time_raw"),
        ({"originator_counter": 1 << 64}, "originator_counter"),
        ({"other_information": OtherInformation(0x10000)}, "other_information.message_code"),
    ]:
        with pytest.raises(GbcsEncodeError) as caught:
            build(Message(**{**good.__dict__, **changes}))
        assert caught.value.field == field


@given(st.binary(max_size=120))
def test_compiled_and_checked_grouping_header_agree(tail: bytes) -> None:
    """style.md: the compiled struct is only a fast path; on any input it agrees with the checked one."""
    data = bytes.fromhex("DF0901") + tail
    try:
        expected = parse_checked(GROUPING_HEADER_STRUCT, data, 0)
    except GbcsDecodeError as exc:
        with pytest.raises(GbcsDecodeError) as caught:
            parse_fast(GROUPING_HEADER_COMPILED, GROUPING_HEADER_STRUCT, data, 0, ("payload", "content_length"))
        assert caught.value.offset == exc.offset
    else:
        fast = parse_fast(GROUPING_HEADER_COMPILED, GROUPING_HEADER_STRUCT, data, 0, ("payload", "content_length"))
        assert (fast.header.other_information, fast.payload, fast.payload_end) == (
            expected.header.other_information,
            expected.payload,
            expected.payload_end,
        )


@pytest.mark.parametrize("value", [5, "DF09", None])
def test_parse_takes_bytes_only(value: object) -> None:
    """`bytes(5)` is five zeros: an int must be refused, not decoded as a 5-octet message."""
    from protocols.gbcs import parse

    with pytest.raises(TypeError, match=type(value).__name__):
        parse(value)  # type: ignore[arg-type]
