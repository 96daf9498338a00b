"""Property tests (style.md): any input either parses and rebuilds byte-exact, or raises GbcsDecodeError
with 0 <= offset <= len(input) - never another exception, never a hang. Mutations start from RTDS files
(shared/gbcs/rtds) and from messages generated from fields."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hal.keystore import load_keystore
from protocols.gbcs import GbcsDecodeError, GbcsEncodeError, KeyStore, Message, build, parse
from protocols.gbcs.envelope import decode, decode_other_information, encode
from protocols.gbcs.gbt import segment
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
    return load_keystore(keystore_dir)


@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    _check(data)


@given(st.sampled_from([b"\xdf\x09", b"\xdd\x00\x00\x00\x00\x00\x00", b"\xdd\x09"]), st.binary(max_size=200))
def test_random_bytes_behind_real_tags(prefix: bytes, tail: bytes) -> None:
    _check(prefix + tail)


@given(st.data())
def test_truncations_of_rtds_files(samples: list[bytes], data: st.DataObject) -> None:
    """Every truncation fails, except one: a `DF` message cut at its payload end is a pre-command (gbcs.md 3.1).

    A `DD` message (MAC header or GBT block) states its length, so no cut of it parses.
    """
    _check_truncation(data.draw(st.sampled_from(samples)), data, parse, build)


@given(messages(max_payload=100).filter(lambda message: message.payload), st.booleans(), st.data())
def test_truncations_of_generated_messages_and_gbt_blocks(message, as_block, data) -> None:  # type: ignore[no-untyped-def]
    """The same at the envelope level (random payloads need not decode), for DF, DD 00 and GBT blocks."""
    wire = encode(message)
    if as_block:
        wire = data.draw(st.sampled_from(segment(wire, block_size=data.draw(st.integers(1, 60)))))
    _check_truncation(wire, data, lambda raw: decode(raw)[0], encode)


def _check_truncation(
    message: bytes, data: st.DataObject, parse_: Callable[[bytes], Message], build_: Callable[[Message], bytes]
) -> None:
    regions = decode(message)[1]
    cut = data.draw(st.integers(0, len(message) - 1) | st.just(min(regions.payload_end, len(message) - 1)))
    truncated = message[:cut]
    if message[0] == 0xDF and cut == regions.payload_end:
        pre_command = parse_(truncated)
        assert pre_command.signature is None and build_(pre_command) == truncated
        return
    with pytest.raises(GbcsDecodeError) as caught:
        parse_(truncated)
    assert 0 <= caught.value.offset <= len(truncated)


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


@given(messages(ambiguous=True))
def test_generated_messages_round_trip(message) -> None:  # type: ignore[no-untyped-def]
    """Whatever encodes decodes to the same value; only the ambiguous Other Information is refused."""
    info = message.other_information
    ambiguous = False
    if info.originator_counter is not None and info.certificate is not None:
        tail = info.originator_counter.to_bytes(8, "big") + info.certificate
        ambiguous = decode_other_information(bytes(18) + tail, 0).originator_counter is None  # read as a certificate
    try:
        wire = encode(message)
    except GbcsEncodeError as exc:
        assert ambiguous and exc.field == "other_information.originator_counter", exc
        return
    assert not ambiguous
    parsed, _ = decode(wire)
    assert parsed == message and encode(parsed) == wire
