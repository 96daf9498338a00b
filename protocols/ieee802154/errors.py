"""The 802.15.4 codec's error types (subclasses of the shared `protocols.errors` pair).

A caller catches `Ieee802154DecodeError` for any malformed PPDU or MAC frame
(bad FCS included: it is a property of the input) and `Ieee802154EncodeError`
for a value it asked us to build that the standard cannot express.  Both keep
the shared constructor signature so `protocols.errors.translate` can make them.
"""

from __future__ import annotations

import io

from construct import ConstructError, TerminatedError

from protocols.errors import DecodeError, EncodeError, translate

#: The `protocol` name our errors carry.
PROTOCOL = "ieee802154"


class Ieee802154DecodeError(DecodeError):
    """Bytes that are not a valid 802.15.4 PPDU or MAC frame; `.offset` is where it went wrong."""


class Ieee802154EncodeError(EncodeError):
    """A frame value that cannot be encoded (inconsistent fields, out-of-range numbers)."""


def decode_error(offset: int, field: str, reason: str) -> Ieee802154DecodeError:
    """An `Ieee802154DecodeError` for our own (non-construct) checks."""
    return Ieee802154DecodeError(PROTOCOL, offset, field, reason)


def encode_error(field: str, reason: str) -> Ieee802154EncodeError:
    """An `Ieee802154EncodeError` naming the offending field."""
    return Ieee802154EncodeError(PROTOCOL, field, reason)


def from_construct(exc: ConstructError, stream: io.BytesIO, base: int = 0) -> Ieee802154DecodeError:
    """Translate a construct failure; trailing octets are reported where they start, not one past."""
    if isinstance(exc, TerminatedError):
        return decode_error(base + stream.tell() - 1, "end", "octets left over after the last field")
    error = translate(exc, stream, Ieee802154DecodeError, PROTOCOL, base)
    assert isinstance(error, Ieee802154DecodeError)
    return error


def fit(value: int | bool, bits: int, field: str) -> int:
    """`value` as an int when it fits in `bits` unsigned bits, else Ieee802154EncodeError naming `field`."""
    if not 0 <= value < 1 << bits:
        raise encode_error(field, f"{value!r} does not fit in {bits} bits")
    return int(value)
