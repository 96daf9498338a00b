"""Map parsed construct containers to our frozen dataclasses and back, by field name.

Why: the command and descriptor tables (`nwk_commands`, `aps_commands`, `zdo`, `beacon`) stay
declarative - one struct and one dataclass per value - with no hand-written copying between
them. The hot headers (`nwk`, `aps`, `aux`) convert by hand instead, for speed.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from typing import TYPE_CHECKING, Any, TypeVar

from construct import Array, Construct, IfThenElse, Struct

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")
#: Sub-structs named with this suffix (the bit fields of an options octet, a counted list) are
#: inlined: their fields belong to the enclosing dataclass.
INLINE_SUFFIX = "_bits"


def value_from(cls: type[T], raw: Any) -> T:
    """Build the frozen dataclass `cls` from a parsed container whose field names match its own.

    Nested dataclasses, `tuple[X, ...]` of dataclasses or ints, `bytes`, optional (`X | None`)
    fields and `IntEnum` fields are converted by their type hints; container entries the dataclass
    does not name (counts that construct `Rebuild`s, `_io`) are ignored, and the fields of inline
    `*_bits` sub-structs (an options octet) are read as the dataclass's own. This keeps each
    command table declarative: one struct and one dataclass per command, no hand-written copying.
    """
    hints = _hints(cls)
    flat = dict(raw)
    for key, inner in raw.items():
        if key.endswith(INLINE_SUFFIX):
            flat.update(inner)
    return cls(**{f.name: _convert(hints[f.name], flat[f.name]) for f in dataclasses.fields(cls)})


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
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
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
