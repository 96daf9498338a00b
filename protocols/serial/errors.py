"""Typed errors of the serial codecs (the shared `protocols.errors` pair, one subclass each).

A caller can catch `SerialDecodeError` for any of the serial framings, or one
protocol's subclass; `.protocol` names the framing and `.offset` the byte
where decoding stopped. `SerialEncodeError` means the value asked for cannot
be expressed (our fault, not the peer's).
"""

from __future__ import annotations

from dataclasses import dataclass

from protocols.errors import DecodeError, EncodeError


class SerialDecodeError(DecodeError):
    """Bytes from a serial link that are not a valid frame of `.protocol`."""


class FcsError(SerialDecodeError):
    """A frame whose check sequence (CRC or checksum) does not match its contents."""


class SerialEncodeError(EncodeError):
    """A value that cannot be encoded in the framing (too long, out of range, wrong type)."""


@dataclass(frozen=True, slots=True)
class Dropped:
    """A de-framer's report of bytes it threw away while resynchronising (a value, not an exception)."""

    error: SerialDecodeError
    raw: bytes  #: the discarded bytes as received (at most the first 64)

    def __str__(self) -> str:
        return f"dropped {len(self.raw)}+ bytes: {self.error}"


#: How much of a dropped frame a `Dropped` keeps, for logs.
DROPPED_KEEP = 64
