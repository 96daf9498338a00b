"""Payloads with more fields than any real one are refused, so a decoded tree stays small (gbcs.md 5).

A field costs a few hundred bytes of memory and DLMS spends one on a 1-byte `null`, so a crafted
payload could otherwise take ~500 bytes per input byte. Each test builds a payload from the
primer's encodings (gbcs.md 5.2 DLMS data, 5.4 DER) with more fields than `MAX_FIELDS`.
"""

from __future__ import annotations

import tracemalloc

import pytest

from protocols.gbcs import GbcsDecodeError
from protocols.gbcs.lengths import encode_length
from protocols.gbcs.payload import PayloadContext, decode_payload
from protocols.gbcs.payload.reader import MAX_FIELDS

#: A DLMS data-notification header (gbcs.md 5.5): tag 0F, long-invoke-id, no date-time.
_NOTIFICATION = bytes.fromhex("0f2000000100")
_ALERT = PayloadContext(message_code=0x00CC, cra=3)
_COMMAND = PayloadContext(message_code=0x0001, cra=1)


def _ber(length: int) -> bytes:
    return encode_length(length)  # the minimal form gbcs.md 3.2 requires


def _decode(payload: bytes, context: PayloadContext) -> None:
    decode_payload(payload, base_offset=0, context=context)


@pytest.mark.parametrize(
    ("payload", "context"),
    [
        (_NOTIFICATION + b"\x01" + _ber(MAX_FIELDS + 1) + b"\x00" * (MAX_FIELDS + 1), _ALERT),  # array of nulls
        (_NOTIFICATION + b"\x02" + _ber(MAX_FIELDS + 1) + b"\x00" * (MAX_FIELDS + 1), _ALERT),  # structure of nulls
        (  # compact array (tag 19) of booleans: type description 03, then one octet (FF, true) per element
            _NOTIFICATION + b"\x13\x03" + _ber(MAX_FIELDS + 1) + b"\xff" * (MAX_FIELDS + 1),
            _ALERT,
        ),
        (b"\x30" + _ber(2 * (MAX_FIELDS + 1)) + b"\x05\x00" * (MAX_FIELDS + 1), _COMMAND),  # DER SEQUENCE of NULLs
    ],
    ids=["dlms-array", "dlms-structure", "dlms-compact-array", "der-sequence"],
)
def test_more_fields_than_the_limit_is_a_decode_error(payload: bytes, context: PayloadContext) -> None:
    with pytest.raises(GbcsDecodeError, match=f"more than {MAX_FIELDS} fields") as error:
        _decode(payload, context)
    assert 0 <= error.value.offset <= len(payload)


def test_just_under_the_limit_decodes() -> None:
    count = MAX_FIELDS - 10  # the header's own fields take a few
    _decode(_NOTIFICATION + b"\x01" + _ber(count) + b"\x00" * count, _ALERT)


def test_memory_stays_a_small_multiple_of_a_large_payload() -> None:
    """A 4 MB DER SEQUENCE of NULLs (2 octets, one field each, met one at a time) is refused after the
    budget's worth of fields, having used memory of the order of the payload, not ~1 GB."""
    count = 2_000_000
    payload = b"\x30" + _ber(2 * count) + b"\x05\x00" * count
    tracemalloc.start()
    try:
        with pytest.raises(GbcsDecodeError, match="more than"):
            _decode(payload, _COMMAND)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * len(payload)
