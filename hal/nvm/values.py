"""The lossless byte encoding of NVM values (docs/nvm.md, "Value encoding").

Why our own encoding rather than JSON or pickle: values must come back exactly as stored
(an int of any size, u64 counters and negative numbers alike; a float's every bit, NaN and
-0.0 included; bytes as bytes; dict key order), a damaged row must be detected rather than
executed (pickle runs code), and the format must be simple enough to be written by hand in a
test and documented for anyone reading a state file. JSON loses bytes and turns int keys
and tuples into something else without a word.

Format: one tag byte, then the body.

| tag  | type  | body |
|------|-------|------|
| 0x00 | None  | - |
| 0x01 | False | - |
| 0x02 | True  | - |
| 0x03 | int   | length n (LEB128), n bytes big-endian two's complement |
| 0x04 | float | 8 bytes IEEE 754 binary64, big-endian |
| 0x05 | str   | length n (LEB128), n bytes UTF-8 (lone surrogates kept, as "surrogatepass") |
| 0x06 | bytes | length n (LEB128), n bytes |
| 0x07 | list  | count n (LEB128), n values |
| 0x08 | dict  | count n (LEB128), n pairs of key (length + UTF-8, no tag) and value |

Only these types are stored; subclasses (an `IntEnum`, a `StrEnum`) are stored as their base
type. Tuples, sets, bytearrays and dicts with non-str keys are refused, because they would
come back as something else.
"""

from __future__ import annotations

import struct
from typing import Any

NONE, FALSE, TRUE, INT, FLOAT, STR, BYTES, LIST, DICT = range(9)

#: Deepest nesting of lists and dicts stored (a cycle would otherwise recurse forever).
MAX_DEPTH = 100

_DOUBLE = struct.Struct(">d")


class UnstorableValue(ValueError):
    """A value outside the storable types; `location` says where inside it (e.g. `[2]['when']`)."""

    def __init__(self, reason: str, location: str = "") -> None:
        self.reason = reason
        self.location = location
        super().__init__(f"{reason} at value{location}" if location else reason)

    def inside(self, step: str) -> UnstorableValue:
        """The same error, one container further out."""
        return UnstorableValue(self.reason, step + self.location)


class UndecodableValue(ValueError):
    """Stored bytes that are not a valid encoding: a damaged row."""

    def __init__(self, offset: int, reason: str) -> None:
        self.offset = offset
        self.reason = reason
        super().__init__(f"{reason} at byte {offset}")


def encode(value: object) -> bytes:
    """The encoding of `value`; raises `UnstorableValue` for anything outside the stored types."""
    out = bytearray()
    _write(out, value, 0)
    return bytes(out)


def decode(data: bytes) -> Any:
    """The value `data` encodes; raises `UndecodableValue` on damaged bytes."""
    value, end = _read(data, 0, 0)
    if end != len(data):
        raise UndecodableValue(end, f"{len(data) - end} byte(s) after the value")
    return value


def _write_length(out: bytearray, length: int) -> None:
    while length > 0x7F:
        out.append((length & 0x7F) | 0x80)
        length >>= 7
    out.append(length)


def _write_text(out: bytearray, text: str) -> None:
    raw = text.encode("utf-8", "surrogatepass")
    _write_length(out, len(raw))
    out += raw


def _write(out: bytearray, value: object, depth: int) -> None:
    if value is None:
        out.append(NONE)
    elif isinstance(value, bool):
        out.append(TRUE if value else FALSE)
    elif isinstance(value, int):
        size = (value.bit_length() + 8) // 8  # one spare bit for the sign
        out.append(INT)
        _write_length(out, size)
        out += value.to_bytes(size, "big", signed=True)
    elif isinstance(value, float):
        out.append(FLOAT)
        out += _DOUBLE.pack(value)
    elif isinstance(value, str):
        out.append(STR)
        _write_text(out, value)
    elif isinstance(value, bytes):
        out.append(BYTES)
        _write_length(out, len(value))
        out += value
    elif isinstance(value, list):
        _check_depth(depth)
        out.append(LIST)
        _write_length(out, len(value))
        for index, item in enumerate(value):
            try:
                _write(out, item, depth + 1)
            except UnstorableValue as error:
                raise error.inside(f"[{index}]") from None
    elif isinstance(value, dict):
        _check_depth(depth)
        out.append(DICT)
        _write_length(out, len(value))
        for key, item in value.items():
            if not isinstance(key, str):
                raise UnstorableValue(f"dict key {key!r} is a {type(key).__name__}, not a str")
            _write_text(out, key)
            try:
                _write(out, item, depth + 1)
            except UnstorableValue as error:
                raise error.inside(f"[{key!r}]") from None
    else:
        raise UnstorableValue(f"a {type(value).__name__} is not storable ({_ADVICE.get(type(value), 'see hal.nvm')})")


_ADVICE: dict[type, str] = {
    tuple: "store a list",
    set: "store a sorted list",
    frozenset: "store a sorted list",
    bytearray: "store bytes(value)",
    memoryview: "store bytes(value)",
}


def _check_depth(depth: int) -> None:
    if depth >= MAX_DEPTH:
        raise UnstorableValue(f"nested deeper than {MAX_DEPTH} levels (a cycle?)")


def _read_length(data: bytes, pos: int) -> tuple[int, int]:
    length = shift = 0
    start = pos
    while True:
        if pos >= len(data):
            raise UndecodableValue(start, "truncated length")
        byte = data[pos]
        pos += 1
        length |= (byte & 0x7F) << shift
        if byte < 0x80:
            break
        shift += 7
        if shift > 63:
            raise UndecodableValue(start, "length longer than 64 bits")
    if pos + length > len(data) and length > 0:
        # every length counts at least `length` bytes still to come (items are 1 byte or more)
        raise UndecodableValue(start, f"length {length} runs past the end ({len(data) - pos} bytes left)")
    return length, pos


def _read_text(data: bytes, pos: int) -> tuple[str, int]:
    length, start = _read_length(data, pos)
    try:
        return data[start : start + length].decode("utf-8", "surrogatepass"), start + length
    except UnicodeDecodeError as error:
        raise UndecodableValue(start + error.start, "invalid UTF-8") from None


def _read(data: bytes, pos: int, depth: int) -> tuple[Any, int]:
    if pos >= len(data):
        raise UndecodableValue(pos, "truncated: a value expected")
    tag = data[pos]
    pos += 1
    if tag == NONE:
        return None, pos
    if tag == FALSE:
        return False, pos
    if tag == TRUE:
        return True, pos
    if tag == INT:
        size, pos = _read_length(data, pos)
        if size == 0:
            raise UndecodableValue(pos, "an int of 0 bytes")
        return int.from_bytes(data[pos : pos + size], "big", signed=True), pos + size
    if tag == FLOAT:
        if pos + 8 > len(data):
            raise UndecodableValue(pos, "truncated float")
        return _DOUBLE.unpack_from(data, pos)[0], pos + 8
    if tag == STR:
        return _read_text(data, pos)
    if tag == BYTES:
        size, pos = _read_length(data, pos)
        return bytes(data[pos : pos + size]), pos + size
    if tag in (LIST, DICT):
        if depth >= MAX_DEPTH:
            raise UndecodableValue(pos - 1, f"nested deeper than {MAX_DEPTH} levels")
        count, pos = _read_length(data, pos)
        if tag == LIST:
            items = []
            for _ in range(count):
                item, pos = _read(data, pos, depth + 1)
                items.append(item)
            return items, pos
        mapping: dict[str, Any] = {}
        for _ in range(count):
            key_at = pos
            key, pos = _read_text(data, pos)
            if key in mapping:
                raise UndecodableValue(key_at, f"dict key {key!r} repeated")
            mapping[key], pos = _read(data, pos, depth + 1)
        return mapping, pos
    raise UndecodableValue(pos - 1, f"unknown tag 0x{tag:02x}")
