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
* `struct_picker`: for codecs whose control octet or field fixes the whole layout (the 802.15.4
  FCF, the auxiliary security headers), a precomputed `struct.Struct` per control value and
  an `itemgetter` that lays the unpacked fields out in the value's order, built once per value.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from operator import itemgetter
from struct import Struct
from typing import Any

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


def struct_picker(
    present: list[tuple[str, str]], constants: dict[str, Any], names: tuple[str, ...]
) -> tuple[Struct, tuple[Any, ...], Picker]:
    """A struct for the `present` (name, format) fields, and how to lay them out with `constants` as `names`.

    The picker indexes `unpacked + constants + (None,)`: a field neither present nor constant is None.
    """
    order = [name for name, _ in present] + list(constants) + [None]
    return (
        Struct("<" + "".join(fmt for _, fmt in present)),
        (*constants.values(), None),
        itemgetter(*(order.index(name) if name in order else len(order) - 1 for name in names)),
    )
