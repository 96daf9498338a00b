"""GBZ codec errors (gbcs.md 5.3): one family, so a caller can catch every GBZ fault at once."""

from __future__ import annotations

from protocols.errors import DecodeError, EncodeError


class GbzDecodeError(DecodeError):
    """Bytes that are not a well-formed GBZ payload or ZCL frame; `.offset` is into the caller's bytes."""

    def __init__(self, offset: int, field: str, reason: str) -> None:
        super().__init__("gbz", offset, field, reason)


class GbzEncodeError(EncodeError):
    """A GBZ value (component, frame, record) whose fields cannot be encoded."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__("gbz", field, reason)
