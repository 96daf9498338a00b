"""The two error types every codec in `protocols` raises.

Decoding faults are the peer's (`DecodeError`, carrying where parsing stopped);
encoding faults are ours (`EncodeError`) - the split h11 makes between remote
and local protocol errors. Each protocol subclasses these (`GbcsDecodeError`,
`Ieee802154DecodeError`, ...) so a caller can catch one protocol or all.
"""

from __future__ import annotations

import io

from construct import ConstructError


class DecodeError(ValueError):
    """Input bytes that do not form a valid value of `protocol`.

    `offset` is the byte offset (into the caller's input) where decoding
    stopped, `field` the construct path or our own field name, `reason` a
    human sentence.
    """

    def __init__(self, protocol: str, offset: int, field: str, reason: str) -> None:
        self.protocol = protocol
        self.offset = offset
        self.field = field
        self.reason = reason
        super().__init__(f"{protocol}: {reason} (field {field!r}, byte offset {offset})")


class EncodeError(ValueError):
    """A value that cannot be encoded: the fault is in the caller's value, not in any input."""

    def __init__(self, protocol: str, field: str, reason: str) -> None:
        self.protocol = protocol
        self.field = field
        self.reason = reason
        super().__init__(f"{protocol}: cannot build field {field!r}: {reason}")


def translate(
    exc: ConstructError, stream: io.BytesIO, error_type: type[DecodeError], protocol: str, base: int = 0
) -> DecodeError:
    """Turn a construct failure on `stream` into `error_type`, with offset `base + stream.tell()`."""
    reason = str(exc).splitlines()[-1] if str(exc) else type(exc).__name__
    path = getattr(exc, "path", None) or "?"
    return error_type(protocol, base + stream.tell(), path, reason)


def require_bytes(data: object, what: str) -> bytes:
    """`data` as `bytes` when it is bytes-like; TypeError naming `what` and the type otherwise.

    Why: `bytes(5)` is five zero octets, so a codec that coerced its input with `bytes()` would
    decode an int as a run of zeros instead of refusing it; a str would need an encoding.
    """
    if type(data) is bytes:
        return data
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"{what} takes bytes, not {type(data).__name__}")
