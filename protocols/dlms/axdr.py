"""A-XDR encoding of DLMS `Data` (gbcs.md 5.2; IEC 62056-6-2 4.1.5): tag, then contents.

Why a hand-written reader and not construct: `Data` is a recursive tagged choice whose
compact-array form carries a separate type description, every node must fail with its own
offset, and depth must be bounded; plain indexing over one `bytes` says that most directly
and is the fastest form in CPython (the same reasoning as `protocols.gbcs.payload.dlms`).

Lengths (array and structure counts, string lengths, compact-array contents) use the GBCS
rule of gbcs.md 3.2 through `protocols.gbcs.lengths`, so only minimal BER lengths parse and
`build(parse(x)) == x` for every `x` that parses. Booleans parse only as `00` (false) and `FF`
(true, the A-XDR and GBCS form) for the same reason.

Offsets in errors are absolute positions in the buffer handed to `parse` / `read`.
"""

from __future__ import annotations

from protocols.dlms.data import (
    FIXED_SIZES,
    INTEGER_SIZES,
    Array,
    ArrayType,
    BitString,
    Boolean,
    CompactArray,
    Data,
    DataType,
    Fixed,
    Integer,
    Null,
    OctetString,
    SimpleType,
    Structure,
    StructureType,
    TypeDescription,
    Utf8String,
    VisibleString,
    type_of,
)
from protocols.dlms.errors import DlmsDecodeError, DlmsEncodeError
from protocols.gbcs.errors import GbcsDecodeError, GbcsEncodeError
from protocols.gbcs.lengths import encode_length, read_length

#: Deepest nesting of arrays/structures/type descriptions accepted (bounds recursion on hostile input).
MAX_DEPTH = 48

_NULL = Null()
_TRUE = Boolean(True)
_FALSE = Boolean(False)
_TAG_VALUES = {int(tag): tag for tag in DataType}
#: Integer types by tag byte: (type, size, signed); read inline by `read`.
_INTEGERS = {int(tag): (tag, size, signed) for tag, (size, signed) in INTEGER_SIZES.items()}
_ARRAY, _STRUCTURE, _OCTET_STRING = int(DataType.ARRAY), int(DataType.STRUCTURE), int(DataType.OCTET_STRING)

# Parsed values are valid by construction (an integer read from `size` bytes is in its type's
# range), so they are made without the constructors' checks, which cost more than the parse.
_new = object.__new__
_set = object.__setattr__


def _integer(tag: DataType, value: int) -> Integer:
    item = _new(Integer)
    _set(item, "type", tag)
    _set(item, "value", value)
    return item


def length_at(data: bytes, pos: int, end: int, field: str) -> tuple[int, int]:
    """A GBCS length at `pos` that must end by `end`: (value, position after it)."""
    try:
        value, after = read_length(data, pos, field)
    except GbcsDecodeError as error:
        raise DlmsDecodeError(error.offset, field, error.reason) from None
    if after > end:
        raise DlmsDecodeError(pos, field, f"length runs past the end of its field (byte {end})")
    return value, after


def encode_len(value: int, field: str) -> bytes:
    """`encode_length`, with the failure reported as a DLMS encoding error."""
    try:
        return encode_length(value)
    except GbcsEncodeError as error:
        raise DlmsEncodeError(field, error.reason) from None


def parse(data: bytes) -> Data:
    """One `Data` value occupying the whole of `data`."""
    data = bytes(data)
    value, pos = read(data, 0, len(data))
    if pos != len(data):
        raise DlmsDecodeError(pos, "data", f"{len(data) - pos} byte(s) after the value")
    return value


def read(data: bytes, pos: int, end: int, depth: int = 0) -> tuple[Data, int]:
    """The tagged value at `data[pos:end]`: (value, position after it).

    The hot path of every DLMS payload, so it is one loop rather than a recursion: arrays and
    structures being filled are kept on `open_` as [class, items, count, depth], and integers,
    octet strings and short-form lengths (all but a few of the values GBCS carries) are read
    inline; other types go through `_read_contents`, which packed values share.
    """
    open_: list[list] = []
    while True:
        if depth > MAX_DEPTH:
            raise DlmsDecodeError(pos, "data", f"nesting deeper than {MAX_DEPTH}")
        if pos >= end:
            raise DlmsDecodeError(pos, "data type", "needs 1 byte, none left")
        code = data[pos]
        pos += 1
        integer = _INTEGERS.get(code)
        value: Data
        if integer is not None:
            tag, size, signed = integer
            stop = pos + size
            if stop > end:
                raise DlmsDecodeError(pos, tag.label, f"needs {size} byte(s), only {end - pos} left")
            value = _new(Integer)
            _set(value, "type", tag)
            _set(value, "value", int.from_bytes(data[pos:stop], "big", signed=signed))
            pos = stop
        elif code == _OCTET_STRING:
            if pos < end and data[pos] < 0x80:
                length = data[pos]
                pos += 1
            else:
                length, pos = length_at(data, pos, end, "octet-string length")
            stop = pos + length
            if stop > end:
                raise DlmsDecodeError(pos, "octet-string", f"needs {length} byte(s), only {end - pos} left")
            value = _new(OctetString)
            _set(value, "value", data[pos:stop])
            pos = stop
        elif code in (_STRUCTURE, _ARRAY):
            kind = Structure if code == _STRUCTURE else Array
            if pos < end and data[pos] < 0x80:
                count = data[pos]
                pos += 1
            else:
                count, pos = length_at(data, pos, end, f"{kind.__name__.lower()} count")
            if count > end - pos:
                raise DlmsDecodeError(pos, kind.__name__.lower(), f"{count} elements cannot fit in {end - pos} bytes")
            if count:
                open_.append([kind, [], count, depth])
                depth += 1
                continue
            value = kind(())
        else:
            value, pos = _read_other(data, pos, end, code, depth)
        while open_:  # hand the value to the structures it completes
            frame = open_[-1]
            items = frame[1]
            items.append(value)
            if len(items) < frame[2]:
                break
            open_.pop()
            depth = frame[3]
            value = _new(frame[0])
            _set(value, "items", tuple(items))
        else:
            return value, pos


def _read_other(data: bytes, pos: int, end: int, code: int, depth: int) -> tuple[Data, int]:
    """A value of a type `read` does not inline, whose tag `code` was at `pos - 1`."""
    tag = _TAG_VALUES.get(code)
    if tag is None:
        raise DlmsDecodeError(pos - 1, "data type", f"unknown data type {code}")
    if tag is DataType.COMPACT_ARRAY:
        return _read_compact_array(data, pos, end, depth)
    if tag is DataType.NULL:
        return _NULL, pos
    return _read_contents(data, pos, end, tag)


def _read_contents(data: bytes, pos: int, end: int, tag: DataType) -> tuple[Data, int]:
    """The contents of a non-constructed value of type `tag` (no tag byte): shared by tagged and packed forms."""
    integer = INTEGER_SIZES.get(tag)
    if integer is not None:
        size, signed = integer
        if pos + size > end:
            raise DlmsDecodeError(pos, tag.label, f"needs {size} byte(s), only {end - pos} left")
        return _integer(tag, int.from_bytes(data[pos : pos + size], "big", signed=signed)), pos + size
    if tag is DataType.OCTET_STRING or tag is DataType.VISIBLE_STRING or tag is DataType.UTF8_STRING:
        length, pos = length_at(data, pos, end, f"{tag.label} length")
        if pos + length > end:
            raise DlmsDecodeError(pos, tag.label, f"needs {length} byte(s), only {end - pos} left")
        raw = data[pos : pos + length]
        value: Data = (
            OctetString(raw)
            if tag is DataType.OCTET_STRING
            else (VisibleString(raw) if tag is DataType.VISIBLE_STRING else Utf8String(raw))
        )
        return value, pos + length
    if tag is DataType.BOOLEAN:
        if pos >= end:
            raise DlmsDecodeError(pos, "boolean", "needs 1 byte, none left")
        if data[pos] not in (0x00, 0xFF):
            raise DlmsDecodeError(pos, "boolean", f"0x{data[pos]:02X} is neither 00 (false) nor FF (true)")
        return (_TRUE if data[pos] else _FALSE), pos + 1
    if tag is DataType.BIT_STRING:
        count, pos = length_at(data, pos, end, "bit-string length")
        size = (count + 7) // 8
        if pos + size > end:
            raise DlmsDecodeError(pos, "bit-string", f"{count} bits need {size} byte(s), only {end - pos} left")
        return BitString(count, data[pos : pos + size]), pos + size
    fixed = FIXED_SIZES.get(tag)
    if fixed is None:  # NULL, ARRAY, STRUCTURE, COMPACT_ARRAY never reach here
        raise DlmsDecodeError(pos, "data type", f"{tag.label} has no contents form")
    if pos + fixed > end:
        raise DlmsDecodeError(pos, tag.label, f"needs {fixed} byte(s), only {end - pos} left")
    return Fixed(tag, data[pos : pos + fixed]), pos + fixed


def _read_compact_array(data: bytes, pos: int, end: int, depth: int) -> tuple[Data, int]:
    description, pos = _read_description(data, pos, end, depth + 1)
    length, pos = length_at(data, pos, end, "compact-array contents length")
    stop = pos + length
    if stop > end:
        raise DlmsDecodeError(pos, "compact-array contents", f"needs {length} byte(s), only {end - pos} left")
    elements = []
    while pos < stop:
        element, pos = _read_packed(data, pos, stop, description, depth + 1)
        elements.append(element)
    return CompactArray(description, tuple(elements)), pos


def _read_description(data: bytes, pos: int, end: int, depth: int) -> tuple[TypeDescription, int]:
    if depth > MAX_DEPTH:
        raise DlmsDecodeError(pos, "type-description", f"nesting deeper than {MAX_DEPTH}")
    if pos >= end:
        raise DlmsDecodeError(pos, "type-description", "needs 1 byte, none left")
    tag = _TAG_VALUES.get(data[pos])
    if tag is DataType.ARRAY:
        if pos + 3 > end:
            raise DlmsDecodeError(pos + 1, "type-description array count", "needs 2 bytes")
        count = int.from_bytes(data[pos + 1 : pos + 3], "big")
        if count == 0:  # a zero-element array takes no bytes: packed values would repeat for free
            raise DlmsDecodeError(pos + 1, "type-description", "array of zero elements")
        element, after = _read_description(data, pos + 3, end, depth + 1)
        return ArrayType(count, element), after
    if tag is DataType.STRUCTURE:
        count, pos = length_at(data, pos + 1, end, "type-description structure count")
        if count == 0 or count > end - pos:
            raise DlmsDecodeError(pos, "type-description", f"structure of {count} members cannot fit")
        members = []
        for _ in range(count):
            member, pos = _read_description(data, pos, end, depth + 1)
            members.append(member)
        return StructureType(tuple(members)), pos
    if tag is None or tag in (DataType.NULL, DataType.COMPACT_ARRAY):
        raise DlmsDecodeError(pos, "type-description", f"type {data[pos]} cannot be packed in a compact array")
    return SimpleType(tag), pos + 1


def _read_packed(data: bytes, pos: int, end: int, description: TypeDescription, depth: int) -> tuple[Data, int]:
    if depth > MAX_DEPTH:
        raise DlmsDecodeError(pos, "compact-array contents", f"nesting deeper than {MAX_DEPTH}")
    match description:
        case SimpleType(tag):
            return _read_contents(data, pos, end, tag)
        case ArrayType(count, element):
            items = []
            for _ in range(count):
                item, pos = _read_packed(data, pos, end, element, depth + 1)
                items.append(item)
            return Array(tuple(items)), pos
        case StructureType(members):
            fields = []
            for member in members:
                item, pos = _read_packed(data, pos, end, member, depth + 1)
                fields.append(item)
            return Structure(tuple(fields)), pos
    raise DlmsDecodeError(pos, "type-description", "unknown description")  # unreachable: the match is total


# ---------------------------------------------------------------------------------------------- build


def build(value: Data) -> bytes:
    """The A-XDR bytes of `value` (tag included)."""
    out = bytearray()
    write(out, value)
    return bytes(out)


def write(out: bytearray, value: Data) -> None:
    """Append the tagged encoding of `value` to `out`."""
    match value:
        case Array(items) | Structure(items):
            out.append(DataType.ARRAY if isinstance(value, Array) else DataType.STRUCTURE)
            out += encode_len(len(items), type_of(value).label + " count")
            for item in items:
                write(out, item)
        case CompactArray(description, elements):
            out.append(DataType.COMPACT_ARRAY)
            _write_description(out, description)
            contents = bytearray()
            for element in elements:
                _write_packed(contents, element, description)
            out += encode_len(len(contents), "compact-array contents length")
            out += contents
        case Null():
            out.append(DataType.NULL)
        case _:
            out.append(type_of(value))
            _write_contents(out, value)


def _write_contents(out: bytearray, value: Data) -> None:
    match value:
        case Integer(data_type, number):
            size, signed = INTEGER_SIZES[data_type]
            out += number.to_bytes(size, "big", signed=signed)
        case OctetString(raw) | VisibleString(raw) | Utf8String(raw):
            out += encode_len(len(raw), type_of(value).label + " length")
            out += raw
        case Boolean(flag):
            out.append(0xFF if flag else 0x00)
        case BitString(count, raw):
            out += encode_len(count, "bit-string length")
            out += raw
        case Fixed(_, raw):
            out += raw
        case _:
            raise DlmsEncodeError(type_of(value).label, "has no packed form")


def _write_description(out: bytearray, description: TypeDescription) -> None:
    match description:
        case SimpleType(tag):
            out.append(tag)
        case ArrayType(count, element):
            out.append(DataType.ARRAY)
            out += count.to_bytes(2, "big")
            _write_description(out, element)
        case StructureType(members):
            out.append(DataType.STRUCTURE)
            out += encode_len(len(members), "type-description structure count")
            for member in members:
                _write_description(out, member)


def _write_packed(out: bytearray, value: Data, description: TypeDescription) -> None:
    """`value` laid out by `description` without tags; refuses a value of another shape."""
    match description, value:
        case SimpleType(tag), _ if type_of(value) == tag:
            _write_contents(out, value)
        case ArrayType(count, element), Array(items) if len(items) == count:
            for item in items:
                _write_packed(out, item, element)
        case StructureType(members), Structure(items) if len(items) == len(members):
            for member, item in zip(members, items, strict=True):
                _write_packed(out, item, member)
        case _:
            raise DlmsEncodeError("compact-array", f"element {value!r} does not match its type description")
