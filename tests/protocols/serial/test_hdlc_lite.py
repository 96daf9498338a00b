"""HDLC-lite (spinel.md 1): worked frames, FCS, and the stream de-framer's resynchronisation."""

from __future__ import annotations

import itertools
import random

import pytest
import spinel.hdlc as pyspinel_hdlc  # pyspinel, OpenThread's own Python host: an independent encoder
from hypothesis import given
from hypothesis import strategies as st

from protocols.serial import crc, hdlc_lite
from protocols.serial.errors import Dropped, FcsError, SerialDecodeError, SerialEncodeError

from .vectors import HDLC_FRAMES, PYSPINEL_WIRE, decodes_or_fails_cleanly


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


def test_fcs_is_crc16_x25() -> None:
    assert crc.x25(b"123456789") == 0x906E  # the catalogue check value, spinel.md 1


@pytest.mark.parametrize(("meaning", "payload", "wire"), HDLC_FRAMES, ids=[f[0] for f in HDLC_FRAMES])
def test_worked_frames(meaning: str, payload: str, wire: str) -> None:
    assert hdlc_lite.encode(hx(payload)) == hx(wire)
    assert hdlc_lite.decode(hx(wire)) == hx(payload)


def test_reads_pyspinel_minimal_escaping() -> None:
    payload, wire = PYSPINEL_WIRE
    assert hdlc_lite.decode(hx(wire)) == hx(payload)


class ByteStream:
    """The one-byte-per-read stream pyspinel's Hdlc decoder reads from."""

    def __init__(self, data: bytes) -> None:
        self._bytes = iter(data)

    def read(self) -> int:
        return next(self._bytes)


@given(st.binary(max_size=300))
def test_pyspinel_decodes_what_we_encode(payload: bytes) -> None:
    assert pyspinel_hdlc.Hdlc(ByteStream(hdlc_lite.encode(payload))).collect() == payload


@given(st.binary(max_size=300))
def test_we_decode_what_pyspinel_encodes(payload: bytes) -> None:
    assert hdlc_lite.decode(pyspinel_hdlc.Hdlc(None).encode(payload)) == payload


def test_bad_fcs_is_a_typed_error_at_the_fcs() -> None:
    wire = bytearray(hx(HDLC_FRAMES[0][2]))
    wire[-2] ^= 0x01
    with pytest.raises(FcsError) as caught:
        hdlc_lite.decode(bytes(wire))
    assert caught.value.protocol == "hdlc-lite" and caught.value.field == "fcs"


@pytest.mark.parametrize(
    ("wire", "field"),
    [("7E 81 7E", "fcs"), ("7E 81 02 01 C5 B2 7D 7E", "escape"), ("7E 81 7E 81 02 01 C5 B2 7E", "flag")],
    ids=["too short", "escape before flag", "two frames"],
)
def test_malformed_frames(wire: str, field: str) -> None:
    with pytest.raises(SerialDecodeError) as caught:
        hdlc_lite.decode(hx(wire))
    assert caught.value.field == field


def test_oversized_payload_cannot_be_built() -> None:
    with pytest.raises(SerialEncodeError):
        hdlc_lite.encode(bytes(hdlc_lite.MAX_PAYLOAD + 1))


STREAM = b"".join(hx(wire) for _, _, wire in HDLC_FRAMES)
PAYLOADS = [hx(payload) for _, payload, _ in HDLC_FRAMES]


def frames(events: list[bytes | Dropped]) -> list[bytes]:
    return [event for event in events if isinstance(event, bytes)]


def test_deframer_whole_and_byte_by_byte() -> None:
    assert hdlc_lite.HdlcLiteDeframer().feed(STREAM) == PAYLOADS
    deframer = hdlc_lite.HdlcLiteDeframer()
    assert [event for byte in STREAM for event in deframer.feed(bytes((byte,)))] == PAYLOADS


@pytest.mark.parametrize("seed", range(8))
def test_deframer_resynchronises_in_noise(seed: int) -> None:
    """Noise (flags and escapes included) before, between and after frames costs only the noise."""
    rng = random.Random(seed)
    stream = bytearray()
    for _, _, wire in HDLC_FRAMES:
        stream += bytes(
            rng.choice([0x7E, 0x7D, 0x11, 0x00, 0xFF, rng.randrange(256)]) for _ in range(rng.randrange(20))
        )
        stream += hx(wire)
    stream += bytes(rng.randrange(256) for _ in range(30))
    deframer = hdlc_lite.HdlcLiteDeframer()
    cuts = sorted({0, len(stream), *(rng.randrange(len(stream)) for _ in range(len(stream) // 4))})
    chunks = [bytes(stream[start:end]) for start, end in itertools.pairwise(cuts)]
    events = [event for chunk in chunks for event in deframer.feed(chunk)]
    assert frames(events) == PAYLOADS


def test_corrupt_frame_is_dropped_and_the_next_one_read() -> None:
    bad = bytearray(hx(HDLC_FRAMES[1][2]))
    bad[3] ^= 0x40
    events = hdlc_lite.HdlcLiteDeframer().feed(bytes(bad) + hx(HDLC_FRAMES[2][2]))
    assert isinstance(events[0], Dropped) and isinstance(events[0].error, FcsError)
    assert events[1:] == [PAYLOADS[2]]


def test_endless_garbage_is_bounded_and_reported() -> None:
    deframer = hdlc_lite.HdlcLiteDeframer(max_payload=100)
    events = deframer.feed(b"\x7e" + bytes(range(1, 0x7D)) * 3)
    assert len(events) == 1 and isinstance(events[0], Dropped)
    assert deframer.feed(hx(HDLC_FRAMES[0][2])) == [PAYLOADS[0]]


@given(st.binary(max_size=400))
def test_any_bytes_decode_or_fail_cleanly(data: bytes) -> None:
    decodes_or_fails_cleanly(data, hdlc_lite.decode, hdlc_lite.encode)
    events = hdlc_lite.HdlcLiteDeframer().feed(data)
    assert all(isinstance(event, bytes | Dropped) for event in events)
