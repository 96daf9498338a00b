"""Spinel's data types and its format strings, packed and unpacked (spinel.md 2; OpenThread `spinel.h`).

A format is a string of type characters, as spinel.h writes them:
`b` bool, `C`/`c` uint8/int8, `S`/`s` 16-bit, `L`/`l` 32-bit, `X`/`x` 64-bit
(little-endian), `i` packed uint, `6` IPv6 (16 bytes), `E`/`e` EUI-64/EUI-48
(canonical order), `U` UTF-8 + NUL, `D` the rest of the buffer, `d` uint16
length + bytes, `t(...)` a struct with a uint16 length, `A(...)` an array
to the end of its buffer. Python values: bool, int, bytes (for `6 E e D d`),
str (`U`), tuple (`t`), list (`A`; of tuples when the item has several fields).

Compatibility rule of spinel.h: fields are only ever appended, so `unpack`
tolerates trailing bytes at the top level and inside structs.

The packed uint (`i`) is EXI-style: 7-bit groups, least significant first,
bit 7 set on all but the last byte, at most 3 bytes (2 097 151).
"""

from __future__ import annotations

import struct
from typing import Any

from ..errors import SerialDecodeError, SerialEncodeError

PROTOCOL = "spinel"
#: Largest packed uint (3 bytes of 7 bits).
UINT_PACKED_MAX = (1 << 21) - 1

_FIXED: dict[str, struct.Struct] = {
    "C": struct.Struct("<B"),
    "c": struct.Struct("<b"),
    "S": struct.Struct("<H"),
    "s": struct.Struct("<h"),
    "L": struct.Struct("<I"),
    "l": struct.Struct("<i"),
    "X": struct.Struct("<Q"),
    "x": struct.Struct("<q"),
}
_BYTES = {"6": 16, "E": 8, "e": 6}


def encode_uint(value: int) -> bytes:
    """The packed form of `value` (0 gives `00`, unlike pyspinel's `encode_i`)."""
    if not 0 <= value <= UINT_PACKED_MAX:
        raise SerialEncodeError(PROTOCOL, "i", f"{value!r} outside the packed uint range 0..{UINT_PACKED_MAX}")
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_uint(data: bytes, offset: int = 0, field: str = "i") -> tuple[int, int]:
    """(value, offset after it) of the packed uint at `offset`; SerialDecodeError if cut short or too long."""
    value = 0
    for index in range(3):
        if offset + index >= len(data):
            raise SerialDecodeError(PROTOCOL, offset + index, field, "packed uint cut short")
        byte = data[offset + index]
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            return value, offset + index + 1
    raise SerialDecodeError(PROTOCOL, offset + 2, field, "packed uint longer than 3 bytes")


# ---------------------------------------------------------------- format strings


def _split(fmt: str) -> list[str]:
    """Top-level items of a format: single characters and whole `t(...)` / `A(...)` groups."""
    items: list[str] = []
    index = 0
    while index < len(fmt):
        char = fmt[index]
        if char in "tA":
            if fmt[index + 1 : index + 2] != "(":
                raise SerialEncodeError(PROTOCOL, fmt, f"'{char}' must be followed by '('")
            depth, end = 0, index + 1
            while end < len(fmt):
                depth += {"(": 1, ")": -1}.get(fmt[end], 0)
                if depth == 0:
                    break
                end += 1
            if depth:
                raise SerialEncodeError(PROTOCOL, fmt, "unbalanced parentheses")
            items.append(fmt[index : end + 1])
            index = end + 1
        else:
            if char not in _FIXED and char not in _BYTES and char not in "biUDd":
                raise SerialEncodeError(PROTOCOL, fmt, f"unknown type character {char!r}")
            items.append(char)
            index += 1
    return items


def pack(fmt: str, *values: Any) -> bytes:
    """Encode `values` with the Spinel format `fmt`; SerialEncodeError if a value does not fit."""
    items = _split(fmt)
    if len(items) != len(values):
        raise SerialEncodeError(PROTOCOL, fmt, f"{len(items)} fields but {len(values)} values")
    return b"".join(
        _pack_item(item, value, index == len(items) - 1)
        for index, (item, value) in enumerate(zip(items, values, strict=True))
    )


def _pack_item(item: str, value: Any, last: bool) -> bytes:
    try:
        return _pack_one(item, value, last)
    except (struct.error, TypeError, ValueError, OverflowError) as exc:
        if isinstance(exc, SerialEncodeError):
            raise
        raise SerialEncodeError(PROTOCOL, item, f"{value!r}: {exc}") from None


def _pack_one(item: str, value: Any, last: bool) -> bytes:
    if item == "b":
        if not isinstance(value, bool | int) or value not in (0, 1):
            raise SerialEncodeError(PROTOCOL, "b", f"{value!r} is not a bool")
        return b"\x01" if value else b"\x00"
    if item in _FIXED:
        return _FIXED[item].pack(value)
    if item == "i":
        return encode_uint(value)
    if item in _BYTES:
        raw = bytes(value)
        if len(raw) != _BYTES[item]:
            raise SerialEncodeError(PROTOCOL, item, f"needs {_BYTES[item]} bytes, not {len(raw)}")
        return raw
    if item == "U":
        text = value.encode() if isinstance(value, str) else bytes(value)
        if b"\x00" in text:
            raise SerialEncodeError(PROTOCOL, "U", "a string cannot contain NUL")
        return text + b"\x00"
    if item == "D":
        if not last:
            raise SerialEncodeError(PROTOCOL, "D", "'D' takes the rest of the buffer, so it must come last")
        return bytes(value)
    if item == "d":
        raw = bytes(value)
        return _FIXED["S"].pack(len(raw)) + raw
    inner = item[2:-1]
    if item[0] == "t":
        fields = value if isinstance(value, tuple) else (value,)
        body = pack(inner, *fields)
        return _FIXED["S"].pack(len(body)) + body
    single = len(_split(inner)) == 1
    return b"".join(pack(inner, entry) if single else pack(inner, *entry) for entry in value)


def unpack(fmt: str, data: bytes, offset: int = 0) -> tuple[Any, ...]:
    """Decode `data[offset:]` with `fmt`; trailing bytes are ignored (spinel.h's compatibility rule)."""
    return unpack_from(fmt, data, offset)[0]


def unpack_from(fmt: str, data: bytes, offset: int = 0, end: int | None = None) -> tuple[tuple[Any, ...], int]:
    """(values, offset after them) for `fmt` read from `data[offset:end]`; SerialDecodeError if it does not fit."""
    stop = len(data) if end is None else end
    values = []
    for item in _split(fmt):
        value, offset = _unpack_one(item, data, offset, stop)
        values.append(value)
    return tuple(values), offset


def _need(data: bytes, offset: int, size: int, stop: int, field: str) -> None:
    if offset + size > stop:
        raise SerialDecodeError(PROTOCOL, min(offset, stop), field, f"needs {size} bytes, {max(0, stop - offset)} left")


def _unpack_one(item: str, data: bytes, offset: int, stop: int) -> tuple[Any, int]:
    if item == "b":
        _need(data, offset, 1, stop, "b")
        if data[offset] > 1:
            raise SerialDecodeError(PROTOCOL, offset, "b", f"bool byte {data[offset]:#04x} is neither 0 nor 1")
        return data[offset] == 1, offset + 1
    if item in _FIXED:
        codec = _FIXED[item]
        _need(data, offset, codec.size, stop, item)
        return codec.unpack_from(data, offset)[0], offset + codec.size
    if item == "i":
        value, after = decode_uint(data[:stop], offset)
        return value, after
    if item in _BYTES:
        _need(data, offset, _BYTES[item], stop, item)
        return bytes(data[offset : offset + _BYTES[item]]), offset + _BYTES[item]
    if item == "U":
        nul = data.find(b"\x00", offset, stop)
        if nul < 0:
            raise SerialDecodeError(PROTOCOL, stop, "U", "string without its NUL terminator")
        try:
            return data[offset:nul].decode(), nul + 1
        except UnicodeDecodeError as exc:
            raise SerialDecodeError(PROTOCOL, offset + exc.start, "U", "string is not UTF-8") from None
    if item == "D":
        return bytes(data[offset:stop]), stop
    if item == "d":
        _need(data, offset, 2, stop, "d")
        size = _FIXED["S"].unpack_from(data, offset)[0]
        _need(data, offset + 2, size, stop, "d")
        return bytes(data[offset + 2 : offset + 2 + size]), offset + 2 + size
    inner = item[2:-1]
    if item[0] == "t":
        _need(data, offset, 2, stop, "t")
        size = _FIXED["S"].unpack_from(data, offset)[0]
        _need(data, offset + 2, size, stop, "t")
        fields, _ = unpack_from(inner, data, offset + 2, offset + 2 + size)
        return fields, offset + 2 + size  # unknown trailing fields inside the struct are skipped
    single = len(_split(inner)) == 1
    entries: list[Any] = []
    while offset < stop:
        fields, after = unpack_from(inner, data, offset, stop)
        if after == offset:
            raise SerialDecodeError(PROTOCOL, offset, "A", "array item of zero length")
        entries.append(fields[0] if single else fields)
        offset = after
    return entries, offset
