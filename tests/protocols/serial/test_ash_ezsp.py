"""ASH (UG101) and the EZSP header (UG100): radio.md 6.1 examples, bellows' framing as the outside check."""

from __future__ import annotations

import binascii
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.serial import ash, crc, ezsp
from protocols.serial.errors import Dropped, FcsError, SerialDecodeError, SerialEncodeError

from .vectors import ASH_ACK1, ASH_DATA_VERSION, ASH_RESET, ASH_SEQUENCE, decodes_or_fails_cleanly


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


def test_crc_is_ccitt_false_as_binascii_computes_it() -> None:
    assert crc.ccitt_false(b"123456789") == 0x29B1
    assert crc.ccitt_false(b"\xc0") == binascii.crc_hqx(b"\xc0", 0xFFFF)  # bellows' own CRC call


def test_randomisation_sequence() -> None:
    assert ash.randomise(bytes(8)) == hx(ASH_SEQUENCE)
    assert ash.randomise(ash.randomise(b"any data")) == b"any data"


def test_radio_md_examples() -> None:
    assert bytes((ash.CANCEL,)) + ash.build(ash.AshRst()) == hx(ASH_RESET)
    assert ash.build(ash.AshAck(1)) == hx(ASH_ACK1)
    version = ash.AshData(0, 0, hx("00 00 00 04"))
    assert ash.build(version) == hx(ASH_DATA_VERSION)
    assert ash.parse(hx(ASH_DATA_VERSION)) == version


FRAMES = [
    ash.AshData(3, 5, bytes(range(0x10, 0x30)), retransmission=True),
    ash.AshData(7, 0, hx("7E 7D 11 13 18 1A 00")),  # every reserved byte, before randomisation
    ash.AshAck(2, not_ready=True),
    ash.AshNak(6),
    ash.AshRst(),
    ash.AshRstAck(ash.ResetCode.POWER_ON),
    ash.AshError(ash.ResetCode.EXCEEDED_MAXIMUM_ACK_TIMEOUT_COUNT),
]


@pytest.mark.parametrize("frame", FRAMES, ids=[type(f).__name__ for f in FRAMES])
def test_round_trip(frame: ash.AshFrame) -> None:
    wire = ash.build(frame)
    assert wire.endswith(b"\x7e") and not set(wire[:-1]) & ash.RESERVED - {0x7D}
    assert ash.parse(wire) == frame


def test_control_bytes() -> None:
    assert ash.build_body(ash.AshNak(6))[0] == 0xA6
    assert ash.build_body(ash.AshData(3, 5, b"abc", retransmission=True))[0] == 0x3D
    assert ash.build_body(ash.AshRstAck(2))[:3] == hx("C1 02 02")


@pytest.mark.parametrize(
    ("body", "reason"),
    [("C0", "short"), ("C3 00 00", "unknown control"), ("C1 03 02", "version"), ("81 00", "ack with data")],
)
def test_bad_frames(body: str, reason: str) -> None:
    raw = hx(body)
    if len(raw) >= 1 and reason != "short":
        raw += crc.ccitt_false(raw).to_bytes(2, "big")
    with pytest.raises(SerialDecodeError):
        ash.parse_body(raw)


def test_bad_crc() -> None:
    wire = bytearray(hx(ASH_ACK1))
    wire[1] ^= 1
    with pytest.raises(FcsError):
        ash.parse(bytes(wire))


def test_data_field_limits() -> None:
    with pytest.raises(SerialEncodeError):
        ash.build(ash.AshData(0, 0, b"ab"))
    with pytest.raises(SerialEncodeError):
        ash.build(ash.AshData(0, 0, bytes(ash.MAX_DATA + 1)))
    with pytest.raises(SerialEncodeError):
        ash.build(ash.AshAck(8))


STREAM = b"".join(ash.build(frame) for frame in FRAMES)


def test_deframer_whole_byte_by_byte_and_in_noise() -> None:
    assert ash.AshDeframer().feed(STREAM) == FRAMES
    deframer = ash.AshDeframer()
    assert [event for byte in STREAM for event in deframer.feed(bytes((byte,)))] == FRAMES
    rng = random.Random(5)
    noisy = b"".join(
        bytes(rng.randrange(256) for _ in range(rng.randrange(1, 12))) + b"\x1a" + ash.build(f) for f in FRAMES
    )
    assert [e for e in ash.AshDeframer().feed(noisy) if not isinstance(e, Dropped)] == FRAMES


def test_deframer_line_rules() -> None:
    """XON/XOFF vanish, SUBSTITUTE spoils its frame, CANCEL throws the partial frame away."""
    ack = hx(ASH_ACK1)
    events = ash.AshDeframer().feed(ack[:1] + b"\x11" + ack[1:2] + b"\x13" + ack[2:])
    assert events == [ash.AshAck(1)]
    events = ash.AshDeframer().feed(ack[:1] + b"\x18" + ack[1:] + ack)
    assert isinstance(events[0], Dropped) and events[1:] == [ash.AshAck(1)]
    events = ash.AshDeframer().feed(b"\x81\x60" + b"\x1a" + ack)
    assert isinstance(events[0], Dropped) and events[1:] == [ash.AshAck(1)]


def test_deframer_bounds_endless_frames() -> None:
    events = ash.AshDeframer().feed(bytes(range(0x20, 0x60)) * 10 + b"\x7e" + hx(ASH_ACK1))
    assert isinstance(events[0], Dropped) and events[1:] == [ash.AshAck(1)]


@given(st.binary(max_size=300))
def test_any_bytes_fail_cleanly(data: bytes) -> None:
    decodes_or_fails_cleanly(data, ash.parse, ash.build)
    ash.AshDeframer().feed(data)


# ---------------------------------------------------------------- EZSP header (bellows' writers as the outside check)


def test_legacy_version_command_as_every_host_sends_it() -> None:
    frame = ezsp.parse(hx("00 00 00 04"), version=13)  # seq 0, FC 0, frame id 0 (version), desired version 4
    assert frame.header == ezsp.EzspHeader(0, ezsp.VERSION_FRAME_ID, format=ezsp.Format.LEGACY)
    assert frame.parameters == b"\x04" and ezsp.build(frame) == hx("00 00 00 04")


@pytest.mark.parametrize(
    ("version", "wire", "fmt"),
    [
        (4, "07 00 52", ezsp.Format.LEGACY),  # bellows v4: [seq, 0, id]
        (7, "07 00 FF 00 52", ezsp.Format.LEGACY_EXTENDED),  # bellows v5-v7: [seq, 0, 0xFF, 0, id]
        (13, "07 00 01 52 00", ezsp.Format.EXTENDED),  # bellows v8+: [seq, 0, 1] + id as uint16 LE
    ],
)
def test_command_headers_as_bellows_writes_them(version: int, wire: str, fmt: ezsp.Format) -> None:
    frame = ezsp.parse(hx(wire) + b"\x09", version=version)
    assert (frame.header.sequence, frame.header.frame_id, frame.header.format) == (7, 0x52, fmt)
    assert frame.parameters == b"\x09" and ezsp.build(frame) == hx(wire) + b"\x09"
    assert ezsp.format_for(version, 0x52) is fmt


def test_response_bits() -> None:
    header = ezsp.EzspHeader(9, 0x0145, response=True, network_index=2, callback_type=ezsp.CallbackType.ASYNCHRONOUS)
    header = ezsp.EzspHeader(
        **{**{f: getattr(header, f) for f in header.__slots__}, "truncated": True, "security": True}
    )
    wire = ezsp.build(ezsp.EzspFrame(header))
    assert wire == hx("09 D2 81 45 01")
    assert ezsp.parse(wire, version=13).header == header


@pytest.mark.parametrize(
    ("version", "wire"),
    [
        (13, "01 00"),
        (13, "01 00 01 52"),
        (13, "01 00 02 52 00"),
        (7, "01 00 FF 00"),
        (4, "01 00 FF 00"),
        (13, "01 1C 01 00 00"),
        (13, "01 98 01 00 00"),
    ],
    ids=["short", "cut id", "format 2", "cut legacy ext", "legacy 0xFF id", "reserved bits", "callback type 3"],
)
def test_bad_headers(version: int, wire: str) -> None:
    with pytest.raises(SerialDecodeError):
        ezsp.parse(hx(wire), version=version)


def test_a_legacy_extended_header_carries_any_id_octet() -> None:
    header = ezsp.EzspHeader(7, 0xFF, response=True, format=ezsp.Format.LEGACY_EXTENDED)
    wire = ezsp.build(ezsp.EzspFrame(header, b"\x00"))
    assert wire == hx("07 80 FF 00 FF 00")  # [seq, control low, 0xFF mark, control high, id] (bellows v5-v7)
    assert ezsp.parse(wire, version=7).header == header


def test_unencodable_headers() -> None:
    with pytest.raises(SerialEncodeError):
        ezsp.build(ezsp.EzspFrame(ezsp.EzspHeader(1, 0x1FF, format=ezsp.Format.LEGACY)))
    with pytest.raises(SerialEncodeError):
        ezsp.build(ezsp.EzspFrame(ezsp.EzspHeader(1, 1, security=True, format=ezsp.Format.LEGACY)))
    with pytest.raises(SerialEncodeError):
        ezsp.build(ezsp.EzspFrame(ezsp.EzspHeader(256, 1)))
