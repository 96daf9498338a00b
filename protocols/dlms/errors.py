"""DLMS codec errors: one family, so a caller catches every DLMS decoding fault at once."""

from __future__ import annotations

from protocols.errors import DecodeError, EncodeError


class DlmsDecodeError(DecodeError):
    """Bytes that are not a well-formed DLMS APDU or A-XDR value; `.offset` is into the caller's input."""

    def __init__(self, offset: int, field: str, reason: str) -> None:
        super().__init__("dlms", offset, field, reason)


class DlmsEncodeError(EncodeError):
    """A DLMS value (or part) that cannot be encoded: the fault is in the value, not in any input."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__("dlms", field, reason)
