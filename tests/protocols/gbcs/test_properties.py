"""Property tests (style.md): any input either parses and rebuilds byte-exact, or raises GbcsDecodeError
with 0 <= offset <= len(input) - never another exception, never a hang. Mutations start from RTDS files
(shared/gbcs/rtds) and from messages generated from fields."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.gbcs import GbcsDecodeError, KeyStore, build, parse
from protocols.gbcs.envelope import decode, encode
from protocols.gbcs.lengths import encode_length
from tests.protocols.gbcs import corpus
from tests.protocols.gbcs.strategies import messages


def _check(data: bytes, keystore: KeyStore | None = None) -> None:
    try:
        message = parse(data, keystore)
    except GbcsDecodeError as exc:
        assert 0 <= exc.offset <= len(data), exc
    else:
        assert build(message) == data


@pytest.fixture(scope="module")
def samples(rtds_dir: Path) -> list[bytes]:
    files = corpus.load(rtds_dir)
    return [file.data for file in files[::7]]  # 127 files across every folder


@pytest.fixture(scope="module")
def keystore(keystore_dir: Path) -> KeyStore:
    return KeyStore.load(keystore_dir)


@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    _check(data)


@given(st.sampled_from([b"\xdf\x09", b"\xdd\x00\x00\x00\x00\x00\x00", b"\xdd\x09"]), st.binary(max_size=200))
def test_random_bytes_behind_real_tags(prefix: bytes, tail: bytes) -> None:
    _check(prefix + tail)


@given(st.data())
def test_truncations_of_rtds_files(samples: list[bytes], data: st.DataObject) -> None:
    message = data.draw(st.sampled_from(samples))
    _check(message[: data.draw(st.integers(0, len(message) - 1))])


@settings(max_examples=300)
@given(st.data())
def test_bit_flips_in_rtds_files(samples: list[bytes], keystore: KeyStore, data: st.DataObject) -> None:
    message = bytearray(data.draw(st.sampled_from(samples)))
    for _ in range(data.draw(st.integers(1, 3))):
        message[data.draw(st.integers(0, len(message) - 1))] ^= 1 << data.draw(st.integers(0, 7))
    _check(bytes(message), keystore)


@given(st.data())
def test_wrong_lengths_in_rtds_files(samples: list[bytes], data: st.DataObject) -> None:
    """Rewrite the content length or the Other-Information length with another value."""
    original = data.draw(st.sampled_from(samples))
    message, regions = decode(original)
    if message.gbt is not None:
        return
    content_length = encode_length(len(message.payload))
    at = regions.payload_start - len(content_length)
    wrong = data.draw(st.integers(0, 0xFFFF).filter(lambda n: n != len(message.payload)))
    _check(original[:at] + encode_length(wrong) + original[regions.payload_start :])
    info_at = regions.header_start + 30 + (0 if message.date_time_raw is None else 12)
    info_length = original[info_at]
    if info_length < 0x80:
        _check(original[:info_at] + bytes([data.draw(st.integers(0, 0x7F))]) + original[info_at + 1 :])


@given(messages())
def test_generated_messages_round_trip(message) -> None:  # type: ignore[no-untyped-def]
    wire = encode(message)
    parsed, _ = decode(wire)
    assert parsed == message and encode(parsed) == wire
