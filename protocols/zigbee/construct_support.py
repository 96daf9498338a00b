"""The one place where construct meets our error types, shared by every ZigBee codec module.

Each codec keeps a checked struct (the reference, precise errors) and, for the hot headers, its
compiled twin (speed; construct's docs warn compiled code skips checks and reports no path). We
parse with the compiled one and, when it fails, re-parse with the checked one so the caller
always gets a `ZigbeeDecodeError` with construct's path and the byte offset where parsing stopped
(style.md, "Compile"). Offsets are relative to the caller's input via `base`.

`BitFields` is here too: the bit-field primitive every header uses instead of construct's
uncompilable bit streams. So is `frozen`, with which the hand-written fast paths of the hot
headers (`nwk`, `aps`, `aux_header`: precomputed `struct.Struct` layouts per frame-control value,
construct kept as the checked fallback) make their values.
"""

from __future__ import annotations

import io
import struct
from typing import Any, TypeVar

from construct import Adapter, Construct, ConstructError, Container, TerminatedError

from protocols.errors import translate
from protocols.fastpath import checked_parse, compiled_then_checked
from protocols.zigbee.errors import ZigbeeDecodeError, ZigbeeEncodeError

T = TypeVar("T")
_new = object.__new__


def frozen(cls: type[T], fields: dict[str, Any]) -> T:
    """An instance of the frozen dataclass `cls` holding `fields` (every field, by name), made
    without running its `__init__`.

    Why: a frozen dataclass's `__init__` sets each field through `object.__setattr__`; for the
    15 fields of a NWK frame that is ~1.7 us, more than the whole fast-path decode. Only the
    fast paths use this, on values whose layout already guarantees what `__post_init__` would
    check (the tests hold them equal to values the checked path makes through `__init__`).
    """
    obj = _new(cls)
    obj.__dict__.update(fields)
    return obj


def parse(checked: Construct, data: bytes, protocol: str, *, compiled: Any = None, base: int = 0) -> Container:
    """Parse `data` whole with `compiled` (if given) else `checked`; raise `ZigbeeDecodeError` on failure."""

    def explain(exc: ConstructError, stream: io.BytesIO) -> Exception:
        if isinstance(exc, TerminatedError):  # Terminated read one octet to find it: where the extra octets start
            return ZigbeeDecodeError(protocol, base + stream.tell() - 1, "end", "trailing octets after the value")
        return translate(exc, stream, ZigbeeDecodeError, protocol, base)

    if compiled is None:
        return checked_parse(checked, data, explain)
    return compiled_then_checked(compiled, checked, data, explain)


def build(checked: Construct, obj: dict[str, Any], protocol: str) -> bytes:
    """Build `obj` with `checked`; a value construct refuses becomes `ZigbeeEncodeError`."""
    try:
        return checked.build(obj)
    except (ConstructError, struct.error, OverflowError, TypeError, ValueError) as exc:
        path = getattr(exc, "path", None) or "?"
        reason = str(exc).splitlines()[-1] if str(exc) else type(exc).__name__
        raise ZigbeeEncodeError(protocol, path, reason) from None


class BitFields(Adapter):
    """An integer field split into named bit fields, listed from bit 0 up: `(name, width)`.

    Why not `ByteSwapped(BitStruct(...))`: construct cannot compile bit streams, and in the
    compiled NWK/APS headers they were most of the parse time. Plain shifts over an `Int8ul` or
    `Int16ul` do the same job (fields of width 1 read as bools) and list the bits in the order
    the primer's tables do. Every bit must belong to a field, so reserved bits are kept and a
    parsed value rebuilds exactly.
    """

    def __init__(self, subcon: Construct, fields: list[tuple[str, int]]) -> None:
        super().__init__(subcon)
        if sum(width for _, width in fields) != subcon.sizeof() * 8:
            raise ValueError("bit fields must cover every bit of the integer")
        self._fields: list[tuple[str, int, int, bool]] = []
        shift = 0
        for name, width in fields:
            self._fields.append((name, shift, (1 << width) - 1, width == 1))
            shift += width

    def _decode(self, obj: int, context: Any, path: str) -> Container:
        return Container(
            {
                name: bool((obj >> shift) & mask) if flag else (obj >> shift) & mask
                for name, shift, mask, flag in self._fields
            }
        )

    def _encode(self, obj: Any, context: Any, path: str) -> int:
        value = 0
        for name, shift, mask, _ in self._fields:
            field = int(obj[name])
            if not 0 <= field <= mask:
                raise ConstructError(f"bit field {name!r} value {field} does not fit in {mask.bit_length()} bits", path)
            value |= field << shift
        return value
