"""The one mechanism of the hot codecs: a fast path first, construct as the checked reference.

Why: construct's checked structs give exact errors (the field path, the byte offset), but cost
a Python call per field; its compiled structs are several times faster but skip checks and
report no path (construct's docs: compilation is for speed only). Every hot codec therefore
runs fast first and, only when that declines or fails, the checked struct, which then either
decodes (the fast path was merely conservative) or raises the precise error. The tests of
each codec hold the two paths to the same result over every control-field value.

Two shapes of fast path use this module:

* `compiled_then_checked` / `build_compiled_then_checked`: construct's own compiled struct,
  the checked struct on any exception (compiled code raises `struct.error`, `IndexError`...);
* per-control-value layouts, for codecs whose control octet or field fixes which fields follow
  (the 802.15.4 FCF and auxiliary security header, the ZigBee NWK FCF, APS frame control and
  auxiliary header): a `struct.Struct` of the fields present, precomputed once per control
  value, and the values the control value fixes. Two forms, by how the codec makes its value:
  `struct_picker` lays the fields out positionally (for NamedTuples such as the 802.15.4
  `Header`), `field_layout` by name (for the ZigBee frozen dataclasses, filled through their
  `__dict__` by `construct_support.frozen`).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from operator import attrgetter, itemgetter
from struct import Struct
from typing import Any, NamedTuple

from construct import Construct, ConstructError

#: Lays out `unpacked + constants` in a value's field order (an `operator.itemgetter`).
Picker = Callable[[tuple[Any, ...]], tuple[Any, ...]]
#: Turns the checked struct's ConstructError (and the stream where it stopped) into the codec's typed error.
Explain = Callable[[ConstructError, io.BytesIO], Exception]


def compiled_then_checked(compiled: Any, checked: Construct, data: bytes, explain: Explain) -> Any:
    """`compiled.parse(data)`; when it fails in any way, `checked` parses, and its error goes through `explain`."""
    try:
        return compiled.parse(data)
    except Exception:  # noqa: BLE001 - compiled code raises struct.error, IndexError...: the checked struct says where
        return checked_parse(checked, data, explain)


def checked_parse(checked: Construct, data: bytes, explain: Explain) -> Any:
    """`checked.parse(data)`, a ConstructError turned into the codec's error by `explain`."""
    stream = io.BytesIO(data)
    try:
        return checked.parse_stream(stream)
    except ConstructError as exc:
        raise explain(exc, stream) from None


def build_compiled_then_checked(
    compiled: Any, checked: Construct, value: Any, explain: Callable[[ConstructError], Exception]
) -> bytes:
    """`compiled.build(value)`; when it fails in any way, `checked` builds, and its error goes through `explain`."""
    try:
        data: bytes = compiled.build(value)
    except Exception:  # noqa: BLE001 - as in `compiled_then_checked`, for building
        try:
            data = checked.build(value)
        except ConstructError as exc:
            raise explain(exc) from None
    return data


def _present_struct(present: list[tuple[str, str]]) -> Struct:
    """One little-endian struct of the (name, `struct` format) fields present, in wire order."""
    return Struct("<" + "".join(fmt for _, fmt in present))


def struct_picker(
    present: list[tuple[str, str]], constants: dict[str, Any], names: tuple[str, ...]
) -> tuple[Struct, tuple[Any, ...], Picker]:
    """A struct for the `present` (name, format) fields, and how to lay them out with `constants` as `names`.

    The picker indexes `unpacked + constants + (None,)`: a field neither present nor constant is None.
    """
    order = [name for name, _ in present] + list(constants) + [None]
    return (
        _present_struct(present),
        (*constants.values(), None),
        itemgetter(*(order.index(name) if name in order else len(order) - 1 for name in names)),
    )


class FieldLayout(NamedTuple):
    """What one control value fixes about a value made by name (see `field_layout`)."""

    fields: Struct  #: the fields present, in wire order
    names: tuple[str, ...]  #: the value's fields those are
    constants: dict[str, Any]  #: every field of the value: the control value's own, None for the absent
    get: Callable[[Any], tuple[Any, ...]]  #: reads `names` off a value, in that order (for packing)


def field_layout(present: list[tuple[str, str]], constants: dict[str, Any], names: tuple[str, ...]) -> FieldLayout:
    """The layout of the `present` (name, format) fields, with `constants` over `names` (all the value's fields).

    A codec parses with `layout.constants.copy()` updated by `zip(layout.names, layout.fields.unpack_from(...))`,
    and packs with `layout.fields.pack(*layout.get(value))`.
    """
    present_names = tuple(name for name, _ in present)
    every: dict[str, Any] = dict.fromkeys(names)
    every.update(constants)
    return FieldLayout(_present_struct(present), present_names, every, _getter(present_names))


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """Reads the attributes `names` off a value, always as a tuple (a lone `attrgetter` returns the value)."""
    if len(names) == 1:
        (name,) = names
        return lambda value: (getattr(value, name),)
    return attrgetter(*names)
