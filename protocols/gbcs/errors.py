"""GBCS codec errors: one family, so callers can catch every GBCS decoding fault at once."""

from __future__ import annotations

from protocols.errors import DecodeError, EncodeError


class GbcsDecodeError(DecodeError):
    """Bytes that are not a well-formed GBCS message; `.offset` is into the whole message."""

    def __init__(self, offset: int, field: str, reason: str) -> None:
        super().__init__("gbcs", offset, field, reason)


class GbcsEncodeError(EncodeError):
    """A `Message` (or part) whose fields cannot be encoded as GBCS."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__("gbcs", field, reason)


class GbcsCryptoError(GbcsDecodeError):
    """Protected bytes whose authentication tag does not verify (wrong key or tampered data)."""
