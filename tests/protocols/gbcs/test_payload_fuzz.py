"""Property tests: any bytes either decode or raise GbcsDecodeError with an offset inside the payload.

Inputs: random bytes behind each family's first bytes, and truncations / bit flips / byte
overwrites of real RTDS payloads (shared/gbcs/rtds, skipped when absent). Nothing else may
escape - no IndexError, no RecursionError, no zigpy exception - and nothing may hang.
"""

from __future__ import annotations

from functools import cache

from hypothesis import given
from hypothesis import strategies as st

from protocols.gbcs import parse
from protocols.gbcs.errors import GbcsDecodeError
from protocols.gbcs.payload import DecodedPayload, Decryption, PayloadContext, decode_payload
from tests.conftest import shared_dir, shared_folder
from tests.protocols.gbcs.corpus import load

BASE = 1000
#: Codes that select special layouts (gbcs.md 5.5), plus ordinary and unknown ones.
CODES = (0x0059, 0x00CC, 0x00CD, 0x00CE, 0x00CF, 0x0061, 0x0114, 0x1000, 0x0008, 0x0102, 0x0012, 0x007F, 0x7777)
PREFIXES = (b"\x01\x09", b"\xd9", b"\xda", b"\x0f", b"\x30", b"")

Sample = tuple[bytes, int, int]


@cache
def _corpus_samples() -> tuple[Sample, ...]:
    """(payload, message code, CRA) of every RTDS file (a cache, not a fixture: hypothesis prints fixtures)."""
    base = shared_dir()
    if base is None:
        return ()
    return tuple(
        (message.payload, message.message_code, int(message.cra))
        for message in (parse(corpus_file.data) for corpus_file in load(base / "gbcs" / "rtds"))
    )


def _sample(data: st.DataObject) -> Sample:
    samples = _corpus_samples()
    if not samples:
        shared_folder("gbcs", "rtds")  # skips, or fails under CI, saying why
    return samples[data.draw(st.integers(0, len(samples) - 1), label="RTDS sample index")]


def _random_plaintext(block: bytes) -> Decryption:
    """A fake decrypt: the 'plaintext' is the ciphertext itself, so plaintext decoders see junk too."""
    return Decryption("decrypted", block[5:-12])


def _check(payload: bytes, code: int, cra: int, decrypt=None) -> DecodedPayload | None:
    try:
        result = decode_payload(payload, base_offset=BASE, context=PayloadContext(code, cra, decrypt))
    except GbcsDecodeError as exc:
        assert BASE <= exc.offset <= BASE + len(payload), (exc, len(payload))
        return None
    assert result.root.offset == BASE and result.root.size == len(payload)
    assert 0 <= result.unparsed <= len(payload)
    result.root.to_json()
    return result


@given(
    prefix=st.sampled_from(PREFIXES),
    body=st.binary(max_size=300),
    code=st.sampled_from(CODES),
    cra=st.integers(1, 3),
    decrypting=st.booleans(),
)
def test_random_bytes(prefix: bytes, body: bytes, code: int, cra: int, decrypting: bool) -> None:
    _check(prefix + body, code, cra, _random_plaintext if decrypting else None)


@given(data=st.data())
def test_truncated_real_payloads(data: st.DataObject) -> None:
    payload, code, cra = _sample(data)
    cut = data.draw(st.integers(0, len(payload) - 1))
    _check(payload[:cut], code, cra)


@given(data=st.data())
def test_bit_flipped_real_payloads(data: st.DataObject) -> None:
    payload, code, cra = _sample(data)
    mutated = bytearray(payload)
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(0, len(payload) - 1))
        mutated[index] ^= 1 << data.draw(st.integers(0, 7))
    _check(bytes(mutated), code, cra, _random_plaintext)


@given(data=st.data())
def test_overwritten_and_extended_real_payloads(data: st.DataObject) -> None:
    payload, code, cra = _sample(data)
    index = data.draw(st.integers(0, len(payload) - 1))
    value = data.draw(st.sampled_from((0x00, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xFF)))
    tail = data.draw(st.binary(max_size=8))
    mutated = payload[:index] + bytes([value]) + payload[index + 1 :] + tail
    _check(mutated, code, cra, _random_plaintext)


def test_real_payloads_with_junk_plaintexts(rtds_dir: object) -> None:
    """Every encrypted block decrypting to junk still yields a tree (the plaintext kept as hex)."""
    decrypted = 0
    for payload, code, cra in _corpus_samples():
        result = _check(payload, code, cra, _random_plaintext)
        assert result is not None and result.unparsed == 0
        decrypted += len(result.decryptions)
    assert decrypted == 30
