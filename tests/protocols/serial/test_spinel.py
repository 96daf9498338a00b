"""Spinel frames, types and STREAM_RAW layouts (spinel.md 2-4): worked frames and pyspinel as the outside check."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.serial import spinel
from protocols.serial.errors import SerialDecodeError, SerialEncodeError
from protocols.serial.spinel import Command, Prop, RxFlag, SpinelFrame, Status

from .vectors import (
    HDLC_FRAMES,
    PACKED_UINTS,
    RX_FRAME,
    RX_META,
    RX_PSDU,
    TX_DONE,
    TX_DONE_TS,
    TX_DST,
    TX_REQUEST,
    TX_SRC,
    decodes_or_fails_cleanly,
)


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


@pytest.mark.parametrize(("value", "wire"), PACKED_UINTS)
def test_packed_uints(value: int, wire: str) -> None:
    assert spinel.encode_uint(value) == hx(wire)
    assert spinel.decode_uint(hx(wire) + b"\xaa") == (value, len(hx(wire)))


@given(st.integers(min_value=0, max_value=spinel.packing.UINT_PACKED_MAX))
def test_packed_uints_follow_the_rule(value: int) -> None:
    """7-bit groups, least significant first, bit 7 on all but the last (spinel.md 2), written out longhand."""
    groups = [value >> shift & 0x7F for shift in (0, 7, 14)]
    while len(groups) > 1 and groups[-1] == 0:
        groups.pop()
    expected = bytes(group | (0x80 if index < len(groups) - 1 else 0) for index, group in enumerate(groups))
    assert spinel.encode_uint(value) == expected
    assert spinel.decode_uint(expected) == (value, len(expected))


@pytest.mark.parametrize("wire", ["", "80", "80 80", "80 80 80 01"], ids=["empty", "cut", "cut2", "four bytes"])
def test_bad_packed_uints(wire: str) -> None:
    with pytest.raises(SerialDecodeError):
        spinel.decode_uint(hx(wire))
    with pytest.raises(SerialEncodeError):
        spinel.encode_uint(2_097_152)


EXPECTED_FRAMES = [
    SpinelFrame(1, Command.PROP_VALUE_GET, Prop.PROTOCOL_VERSION),
    SpinelFrame(1, Command.PROP_VALUE_IS, Prop.PROTOCOL_VERSION, hx("04 03")),
    SpinelFrame(0, Command.PROP_VALUE_IS, Prop.LAST_STATUS, hx("70")),
    SpinelFrame(0, Command.RESET, None, hx("02")),
    SpinelFrame(6, Command.PROP_VALUE_SET, Prop.PHY_CHAN, hx("1A")),
    SpinelFrame(8, Command.PROP_VALUE_SET, Prop.PHY_CHAN, hx("18")),
    SpinelFrame(1, Command.PROP_VALUE_SET, Prop.PHY_CHAN, hx("11")),
    SpinelFrame(5, Command.PROP_VALUE_IS, Prop.LAST_STATUS, hx("11 00 00")),
]


@pytest.mark.parametrize(
    ("vector", "frame"), list(zip(HDLC_FRAMES, EXPECTED_FRAMES, strict=True)), ids=[f[0] for f in HDLC_FRAMES]
)
def test_worked_frames_parse_and_build(vector: tuple[str, str, str], frame: SpinelFrame) -> None:
    assert spinel.parse(hx(vector[1])) == frame
    assert spinel.build(frame) == hx(vector[1])


def test_header_fields_and_iid() -> None:
    frame = spinel.parse(hx("B5 06 00 00"))
    assert (frame.iid, frame.tid, frame.header) == (3, 5, 0xB5)


@pytest.mark.parametrize("wire", ["", "41 02 01", "C1 02 01", "81", "81 02", "81 02 80"])
def test_not_spinel(wire: str) -> None:
    with pytest.raises(SerialDecodeError) as caught:
        spinel.parse(hx(wire))
    assert caught.value.protocol == "spinel" and 0 <= caught.value.offset <= len(hx(wire))


def test_build_refuses_impossible_frames() -> None:
    with pytest.raises(SerialEncodeError):
        spinel.build(SpinelFrame(16, Command.NOOP))
    with pytest.raises(SerialEncodeError):
        spinel.build(SpinelFrame(1, Command.PROP_VALUE_GET))


TYPE_CASES = [
    ("b", (True,), "01"),
    ("Cc", (200, -2), "C8 FE"),
    ("Ss", (0x1234, -2), "34 12 FE FF"),
    ("Ll", (0x01020304, -1), "04 03 02 01 FF FF FF FF"),
    ("X", (0x0102030405060708,), "08 07 06 05 04 03 02 01"),
    ("x", (-2,), "FE FF FF FF FF FF FF FF"),
    ("E", (hx("0011223344556677"),), "00 11 22 33 44 55 66 77"),
    ("e", (hx("001122334455"),), "00 11 22 33 44 55"),
    ("6", (bytes(range(16)),), "00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F"),
    ("U", ("ab",), "61 62 00"),
    ("dD", (hx("AA"), hx("BB CC")), "01 00 AA BB CC"),
    ("t(Ci)", ((1, 128),), "03 00 01 80 01"),
    ("A(C)", ([11, 26],), "0B 1A"),
    ("A(t(CX))", ([(0, 0x07FFF800)],), "09 00 00 00 F8 FF 07 00 00 00 00"),
    ("A(i)", ([34, 513],), "22 81 04"),
    ("ii", (4, 3), "04 03"),
]


@pytest.mark.parametrize(("fmt", "values", "wire"), TYPE_CASES, ids=[c[0] for c in TYPE_CASES])
def test_types_round_trip(fmt: str, values: tuple, wire: str) -> None:
    assert spinel.pack(fmt, *values) == hx(wire)
    assert spinel.unpack(fmt, hx(wire)) == values


def test_readers_skip_unknown_trailing_fields() -> None:
    assert spinel.unpack("t(C)C", hx("02 00 07 99 05 EE")) == ((7,), 5)  # one unknown byte in the struct, one after


@pytest.mark.parametrize(
    ("fmt", "wire"),
    [("b", "02"), ("S", "01"), ("U", "61 62"), ("d", "05 00 01"), ("t(C)", "05 00 01"), ("U", "FF 00")],
)
def test_bad_values(fmt: str, wire: str) -> None:
    with pytest.raises(SerialDecodeError):
        spinel.unpack(fmt, hx(wire))


@pytest.mark.parametrize(
    ("fmt", "values"),
    [("C", (256,)), ("b", (2,)), ("E", (b"12",)), ("DC", (b"", 1)), ("C", (1, 2)), ("q", (1,)), ("U", ("a\x00",))],
)
def test_values_that_cannot_be_packed(fmt: str, values: tuple) -> None:
    with pytest.raises(SerialEncodeError):
        spinel.pack(fmt, *values)


def test_received_frame_vector() -> None:
    frame = spinel.parse(hx(RX_FRAME))
    assert (frame.tid, frame.command, frame.prop) == (0, Command.PROP_VALUE_IS, Prop.STREAM_RAW)
    rx = spinel.parse_rx_frame(frame.value)
    assert rx.psdu == hx(RX_PSDU)
    meta = rx.metadata
    assert {name: getattr(meta, name) for name in RX_META} == RX_META
    assert meta.flags == RxFlag.NONE and meta.rx_error == 0
    assert spinel.build_rx_frame(rx) == frame.value


def test_short_metadata_is_read() -> None:
    """19-byte metadata (no ACK security struct) from older RCPs."""
    value = spinel.parse(hx(RX_FRAME)).value[:-7]
    assert spinel.parse_rx_frame(value).metadata.channel == 15


def test_transmit_request_vector() -> None:
    frame = spinel.parse(hx(TX_REQUEST))
    assert (frame.tid, frame.command, frame.prop) == (5, Command.PROP_VALUE_SET, Prop.STREAM_RAW)
    request = spinel.parse_tx_request(frame.value)
    mpdu = hx("61 DC 05 CE FA" + TX_DST + TX_SRC + "78")
    assert request == spinel.TxRequest(mpdu + hx("00 00"), channel=15, rx_channel_after=15)
    assert spinel.build_tx_request(request) == frame.value


def test_transmit_request_with_only_the_channel_takes_defaults() -> None:
    request = spinel.parse_tx_request(hx("03 00 02 00 2A 14"))
    assert (request.channel, request.max_backoffs, request.max_retries, request.csma) == (20, 4, 3, True)


def test_tx_done_vector() -> None:
    frame = spinel.parse(hx(TX_DONE))
    assert (frame.tid, frame.prop) == (6, Prop.LAST_STATUS)
    done = spinel.parse_tx_done(frame.value)
    assert done.ok and not done.frame_pending and done.ack is not None
    assert done.ack.psdu == hx("02 00 2A E0 3B")
    assert (done.ack.metadata.rssi, done.ack.metadata.lqi, done.ack.metadata.channel) == (-58, 220, 15)
    assert done.ack.metadata.timestamp == int.from_bytes(hx(TX_DONE_TS), "little")
    assert spinel.build_tx_done(done) == frame.value


def test_tx_done_failures_carry_no_ack_frame() -> None:
    done = spinel.parse_tx_done(hx("11 00 00"))
    assert done == spinel.TxDone(Status.NO_ACK) and spinel.build_tx_done(done) == hx("11 00 00")
    with pytest.raises(SerialDecodeError):
        spinel.parse_tx_done(hx("00"))  # the i b b part is required


def test_status_names() -> None:
    assert spinel.status_name(112) == "RESET_POWER_ON"
    assert spinel.status_name(16395) == "OT_ERROR_11"
    assert str(spinel.parse(hx("80 06 00 70"))) == "spinel tid=0 PROP_VALUE_IS LAST_STATUS=RESET_POWER_ON"


@given(st.binary(max_size=80))
def test_any_bytes_parse_or_fail_cleanly(data: bytes) -> None:
    decodes_or_fails_cleanly(data, spinel.parse, spinel.build)
    for reader in (spinel.parse_rx_frame, spinel.parse_tx_request, spinel.parse_tx_done):
        try:
            reader(data)
        except SerialDecodeError as error:
            assert 0 <= error.offset <= len(data)
