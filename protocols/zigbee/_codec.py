"""The one place where construct meets our error types, shared by every ZigBee codec module.

Each codec keeps a checked struct (the reference, precise errors) and, for the hot headers, its
compiled twin (speed; construct's docs warn compiled code skips checks and reports no path). We
parse with the compiled one and, when it fails, re-parse with the checked one so the caller
always gets a `ZigbeeDecodeError` with construct's path and the byte offset where parsing stopped
(style.md, "Compile"). Offsets are relative to the caller's input via `base`.

`value_from` / `value_to_dict` map containers to our frozen dataclasses and back by field name,
so the command and descriptor tables stay declarative.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import io
import struct
import types
import typing
from typing import Any, TypeVar

from construct import (
    Adapter,
    Array,
    Construct,
    ConstructError,
    Container,
    IfThenElse,
    Struct,
    Terminated,
    TerminatedError,
)

from protocols.errors import translate
from protocols.zigbee.errors import ZigbeeDecodeError, ZigbeeEncodeError

T = TypeVar("T")
#: Sub-structs named with this suffix (the bit fields of an options octet, a counted list) are
#: inlined: their fields belong to the enclosing dataclass.
INLINE_SUFFIX = "_bits"


def parse(checked: Construct, data: bytes, protocol: str, *, compiled: Any = None, base: int = 0) -> Container:
    """Parse `data` whole with `compiled` (if given) else `checked`; raise `ZigbeeDecodeError` on failure."""
    if compiled is not None:
        try:
            return compiled.parse(data)
        except (ConstructError, struct.error, IndexError, ValueError):
            pass  # fall through to the checked struct for a precise error
    stream = io.BytesIO(data)
    try:
        return checked.parse_stream(stream)
    except TerminatedError:  # Terminated read one octet to find it: report where the extra octets start
        raise ZigbeeDecodeError(protocol, base + stream.tell() - 1, "end", "trailing octets after the value") from None
    except ConstructError as exc:
        raise translate(exc, stream, ZigbeeDecodeError, protocol, base) from None


def build(checked: Construct, obj: dict[str, Any], protocol: str) -> bytes:
    """Build `obj` with `checked`; a value construct refuses becomes `ZigbeeEncodeError`."""
    try:
        return checked.build(obj)
    except (ConstructError, struct.error, OverflowError, TypeError, ValueError) as exc:
        path = getattr(exc, "path", None) or "?"
        reason = str(exc).splitlines()[-1] if str(exc) else type(exc).__name__
        raise ZigbeeEncodeError(protocol, path, reason) from None


def value_from(cls: type[T], raw: Any) -> T:
    """Build the frozen dataclass `cls` from a parsed container whose field names match its own.

    Nested dataclasses, `tuple[X, ...]` of dataclasses or ints, `bytes`, optional (`X | None`)
    fields and `IntEnum` fields are converted by their type hints; container entries the dataclass
    does not name (counts that construct `Rebuild`s, `_io`) are ignored, and the fields of inline
`*_bits` sub-structs (an options octet) are read as the dataclass's own. This keeps each command
    table declarative: one struct and one dataclass per command, no hand-written copying.
    """
    hints = _hints(cls)
    flat = dict(raw)
    for key, inner in raw.items():
        if key.endswith(INLINE_SUFFIX):
            flat.update(inner)
    return cls(**{f.name: _convert(hints[f.name], flat[f.name]) for f in dataclasses.fields(cls)})  # type: ignore[arg-type]


def value_to_dict(value: Any, con: Construct) -> Any:
    """The construct build object of a dataclass built by `value_from` with struct `con`."""
    return _nest(con, _unconvert(value))


def _nest(con: Construct, obj: Any) -> Any:
    """Give every inline bit-struct (`*_bits`) of `con` its own copy of the flat fields."""
    if obj is None:
        return None
    if isinstance(con, IfThenElse):
        return _nest(con.thensubcon, obj)
    if isinstance(con, Array):
        return [_nest(con.subcon, item) for item in obj]
    if not isinstance(con, Struct) and isinstance(getattr(con, "subcon", None), Construct):
        return _nest(con.subcon, obj)  # Renamed, FixedSized, Bitwise wrappers...
    if isinstance(con, Struct) and isinstance(obj, dict):
        flat = dict(obj)
        for sub in con.subcons:
            if sub.name and sub.name.endswith(INLINE_SUFFIX):
                obj[sub.name] = flat
            elif sub.name in obj:
                obj[sub.name] = _nest(sub, obj[sub.name])
    return obj


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _convert(hint: Any, raw: Any) -> Any:
    if raw is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        (inner,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _convert(inner, raw)
    if origin is tuple:
        inner = typing.get_args(hint)[0]
        return tuple(_convert(inner, item) for item in raw)
    if dataclasses.is_dataclass(hint):
        return value_from(hint, raw)
    if hint is bytes:
        return bytes(raw)
    if isinstance(hint, type) and issubclass(hint, enum.IntEnum):
        return hint(raw)
    return raw


def _unconvert(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _unconvert(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple):
        return [_unconvert(item) for item in value]
    if isinstance(value, enum.IntEnum):
        return int(value)
    return value


class CommandTable:
    """A declarative table of commands: one leading ID octet, then a body struct per command.

    Each entry pairs a frozen dataclass (with a `ClassVar` `ID`) and the struct of its body,
    field names matching. The body must use every octet (a trailing octet is an error, so what
    parses rebuilds byte-exact); an unknown ID is a `ZigbeeDecodeError` at the ID's offset.
    """

    def __init__(self, protocol: str, entries: list[tuple[type, Construct]]) -> None:
        self.protocol = protocol
        self._by_id: dict[int, tuple[type, Construct]] = {}
        self._by_class: dict[type, Construct] = {}
        for cls, body in entries:
            whole = Struct("body" / body, Terminated)
            self._by_id[cls.ID] = (cls, whole)  # type: ignore[attr-defined]
            self._by_class[cls] = whole

    @property
    def classes(self) -> tuple[type, ...]:
        """The command classes, in table order."""
        return tuple(self._by_class)

    def parse(self, data: bytes, base: int = 0) -> Any:
        """Decode one command (ID octet first)."""
        if not data:
            raise ZigbeeDecodeError(self.protocol, base, "command_id", "no command identifier")
        return self.parse_body(data[0], data[1:], base + 1)

    def parse_body(self, command_id: int, body: bytes, base: int = 0) -> Any:
        """Decode the body of command `command_id` (for tables keyed outside the frame, as ZDO by cluster)."""
        entry = self._by_id.get(command_id)
        if entry is None:
            raise ZigbeeDecodeError(self.protocol, base - 1, "command_id", f"unsupported command 0x{command_id:02X}")
        cls, whole = entry
        raw = parse(whole, body, self.protocol, base=base).body
        try:
            return value_from(cls, raw)
        except ZigbeeEncodeError as exc:  # parsed, but fields the value refuses (e.g. a wrong mix)
            raise ZigbeeDecodeError(self.protocol, base + len(body), exc.field, exc.reason) from None

    def build(self, command: Any) -> bytes:
        """Encode one command (ID octet first)."""
        return bytes([command.ID]) + self.build_body(command)

    def build_body(self, command: Any) -> bytes:
        """Encode the body of one command (without its ID)."""
        whole = self._by_class.get(type(command))
        if whole is None:
            raise ZigbeeEncodeError(self.protocol, "command", f"{type(command).__name__} is not in this table")
        return build(whole, {"body": value_to_dict(command, whole.subcons[0])}, self.protocol)


class BitFields(Adapter):  # type: ignore[misc]
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
            {name: bool((obj >> shift) & mask) if flag else (obj >> shift) & mask for name, shift, mask, flag in self._fields}
        )

    def _encode(self, obj: Any, context: Any, path: str) -> int:
        value = 0
        for name, shift, mask, _ in self._fields:
            field = int(obj[name])
            if not 0 <= field <= mask:
                raise ConstructError(f"bit field {name!r} value {field} does not fit in {mask.bit_length()} bits", path)
            value |= field << shift
        return value
