"""Where CBKE's construct structs meet its error types (style.md, codec modules)."""

from __future__ import annotations

import io
import struct
from typing import Any

from construct import Construct, ConstructError, Container

from protocols.errors import translate
from protocols.zigbee.cbke.errors import CbkeDecodeError, CbkeEncodeError


def parse_struct(checked: Construct, data: bytes, protocol: str, base: int = 0) -> Container:
    """Parse `data` with `checked`; a construct failure becomes `CbkeDecodeError` at its offset."""
    stream = io.BytesIO(data)
    try:
        return checked.parse_stream(stream)
    except ConstructError as exc:
        raise translate(exc, stream, CbkeDecodeError, protocol, base) from None


def build_struct(checked: Construct, value: dict[str, Any], protocol: str) -> bytes:
    """Build `value` with `checked`; a value construct refuses becomes `CbkeEncodeError`."""
    try:
        return bytes(checked.build(value))
    except (ConstructError, struct.error, OverflowError, TypeError, ValueError) as exc:
        path = getattr(exc, "path", None) or "?"
        reason = str(exc).splitlines()[-1] if str(exc) else type(exc).__name__
        raise CbkeEncodeError(protocol, path, reason) from None


def exact_length(data: bytes, length: int, protocol: str, field: str, base: int = 0) -> None:
    """Refuse `data` unless it is exactly `length` octets (offset: where it went wrong)."""
    if len(data) != length:
        raise CbkeDecodeError(
            protocol, base + min(len(data), length), field, f"{field} is {length} octets, got {len(data)}"
        )
