"""Property tests: any bytes either parse as a DLMS APDU that rebuilds byte-exact, or raise DlmsDecodeError
with 0 <= offset <= len(input). Inputs: random bytes behind each APDU tag, and truncations, bit flips
and byte overwrites of real RTDS DLMS payloads (skipped when the corpus is absent)."""

from __future__ import annotations

from functools import cache

from hypothesis import given
from hypothesis import strategies as st

from protocols import dlms
from protocols.dlms import DlmsDecodeError, axdr
from protocols.gbcs import parse as parse_gbcs
from tests.conftest import shared_dir
from tests.protocols.gbcs.corpus import load


@cache
def corpus() -> tuple[bytes, ...]:
    base = shared_dir()
    if base is None:
        return (bytes.fromhex("d9200003e8000101000100000002 01ff020100".replace(" ", "")),)
    payloads = (parse_gbcs(corpus_file.data).payload for corpus_file in load(base / "gbcs" / "rtds"))
    return tuple(payload for payload in payloads if payload[:1] in (b"\xd9", b"\xda", b"\x0f"))


def _parses_or_fails_cleanly(data: bytes) -> None:
    try:
        apdu = dlms.parse(data)
    except DlmsDecodeError as error:
        assert 0 <= error.offset <= len(data)
    else:
        assert dlms.build(apdu) == data


@given(st.sampled_from([b"\xd9", b"\xda", b"\x0f", b"\xd8", b""]), st.binary(max_size=200))
def test_random_bytes(prefix: bytes, body: bytes) -> None:
    _parses_or_fails_cleanly(prefix + body)


@given(st.data())
def test_mutated_corpus_payloads(data: st.DataObject) -> None:
    payload = bytearray(data.draw(st.sampled_from(corpus())))
    operation = data.draw(st.sampled_from(["truncate", "flip", "overwrite"]))
    position = data.draw(st.integers(0, len(payload) - 1))
    if operation == "truncate":
        del payload[position:]
    elif operation == "flip":
        payload[position] ^= 1 << data.draw(st.integers(0, 7))
    else:
        payload[position] = data.draw(st.integers(0, 255))
    _parses_or_fails_cleanly(bytes(payload))


@given(st.binary(max_size=120))
def test_random_data_values(raw: bytes) -> None:
    try:
        value = axdr.parse(raw)
    except DlmsDecodeError as error:
        assert 0 <= error.offset <= len(raw)
    else:
        assert axdr.build(value) == raw
