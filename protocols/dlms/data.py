"""DLMS `Data`: the typed values A-XDR carries (gbcs.md 5.2; IEC 62056-6-2 4.1.5), as frozen dataclasses.

Why one class per shape and not one class with a `value: object`: the object model matches
on the shape (`case Structure(items)`, `case Integer(DataType.ENUM, v)`) and mypy can then
check every access. Each value keeps what its bytes need to rebuild exactly: the type tag of
an integer (a `long-unsigned` 5 and a `double-long-unsigned` 5 are different bytes), the bit
count of a bit-string, the raw bytes of strings (a `utf8-string` that is not valid UTF-8 still
round-trips), the type description of a compact array.

Constructors validate (a `Integer(DataType.UNSIGNED, 300)` raises `DlmsEncodeError`): a value
that exists can always be built. The short helpers (`u32`, `octets`, `structure`, ...) are
what model code writes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from protocols.dlms.errors import DlmsEncodeError


class DataType(enum.IntEnum):
    """The A-XDR type tags of DLMS `Data` (IEC 62056-6-2; the ones GBCS uses are in gbcs.md 5.2)."""

    NULL = 0
    ARRAY = 1
    STRUCTURE = 2
    BOOLEAN = 3
    BIT_STRING = 4
    DOUBLE_LONG = 5
    DOUBLE_LONG_UNSIGNED = 6
    OCTET_STRING = 9
    VISIBLE_STRING = 10
    UTF8_STRING = 12
    BCD = 13
    INTEGER = 15
    LONG = 16
    UNSIGNED = 17
    LONG_UNSIGNED = 18
    COMPACT_ARRAY = 19
    LONG64 = 20
    LONG64_UNSIGNED = 21
    ENUM = 22
    FLOAT32 = 23
    FLOAT64 = 24
    DATE_TIME = 25
    DATE = 26
    TIME = 27

    @property
    def label(self) -> str:
        """The Blue Book name: `double-long-unsigned`, `octet-string`, ..."""
        return self.name.lower().replace("_", "-")


#: Integer-valued types: tag -> (size in bytes, signed).
INTEGER_SIZES: dict[DataType, tuple[int, bool]] = {
    DataType.DOUBLE_LONG: (4, True),
    DataType.DOUBLE_LONG_UNSIGNED: (4, False),
    DataType.BCD: (1, True),
    DataType.INTEGER: (1, True),
    DataType.LONG: (2, True),
    DataType.UNSIGNED: (1, False),
    DataType.LONG_UNSIGNED: (2, False),
    DataType.LONG64: (8, True),
    DataType.LONG64_UNSIGNED: (8, False),
    DataType.ENUM: (1, False),
}
#: Fixed-size types kept as raw bytes: tag -> size.
FIXED_SIZES: dict[DataType, int] = {
    DataType.FLOAT32: 4,
    DataType.FLOAT64: 8,
    DataType.DATE_TIME: 12,
    DataType.DATE: 5,
    DataType.TIME: 4,
}


def integer_range(data_type: DataType) -> range:
    """The values an integer type holds."""
    size, signed = INTEGER_SIZES[data_type]
    if signed:
        return range(-(1 << (8 * size - 1)), 1 << (8 * size - 1))
    return range(1 << (8 * size))


@dataclass(frozen=True, slots=True)
class Null:
    """`null-data`: an absent value (a failed GET's data, a method called without parameters)."""


@dataclass(frozen=True, slots=True)
class Boolean:
    """`boolean`: encoded `00` false, `FF` true (A-XDR; the only forms that parse, so they round-trip)."""

    value: bool


@dataclass(frozen=True, slots=True)
class Integer:
    """Any fixed-width integer type (`unsigned` ... `long64-unsigned`, `enum`, `bcd`), with its tag."""

    type: DataType
    value: int

    def __post_init__(self) -> None:
        if self.type not in INTEGER_SIZES:
            raise DlmsEncodeError(self.type.label, "not an integer type")
        if isinstance(self.value, bool) or self.value not in integer_range(self.type):
            raise DlmsEncodeError(self.type.label, f"{self.value!r} is outside the type's range")


@dataclass(frozen=True, slots=True)
class OctetString:
    """`octet-string`: bytes (GBCS carries date-times, OBIS codes, identifiers and text in these)."""

    value: bytes


@dataclass(frozen=True, slots=True)
class VisibleString:
    """`visible-string`: ASCII text, kept as bytes so any input round-trips; `.text` decodes it."""

    value: bytes

    @property
    def text(self) -> str:
        return self.value.decode("ascii", errors="replace")


@dataclass(frozen=True, slots=True)
class Utf8String:
    """`utf8-string`: kept as bytes so an invalid sequence still round-trips; `.text` decodes it."""

    value: bytes

    @property
    def text(self) -> str:
        return self.value.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class BitString:
    """`bit-string` of `bits` bits, first bit = most significant bit of `data[0]` (A-XDR).

    `data` holds ceil(bits / 8) bytes; unused trailing bits are kept as sent.
    """

    bits: int
    data: bytes

    def __post_init__(self) -> None:
        if self.bits < 0 or len(self.data) != (self.bits + 7) // 8:
            raise DlmsEncodeError(
                "bit-string", f"{self.bits} bits need {(self.bits + 7) // 8} bytes, not {len(self.data)}"
            )

    def bit(self, index: int) -> bool:
        """Bit `index` (0 = the first bit on the wire)."""
        if not 0 <= index < self.bits:
            raise IndexError(index)
        return bool(self.data[index // 8] & (0x80 >> (index % 8)))


@dataclass(frozen=True, slots=True)
class Fixed:
    """A fixed-size type kept as its raw bytes: `float32`, `float64`, `date-time`, `date`, `time`."""

    type: DataType
    raw: bytes

    def __post_init__(self) -> None:
        size = FIXED_SIZES.get(self.type)
        if size is None or len(self.raw) != size:
            raise DlmsEncodeError(self.type.label, f"needs exactly {size} bytes, got {len(self.raw)}")


@dataclass(frozen=True, slots=True)
class Array:
    """`array`: elements of one type (not enforced: a peer may send anything, and it must round-trip)."""

    items: tuple[Data, ...]


@dataclass(frozen=True, slots=True)
class Structure:
    """`structure`: an ordered record."""

    items: tuple[Data, ...]


# ---- compact arrays (IEC 62056-6-2 4.1.5: a type description, then the values without tags)


@dataclass(frozen=True, slots=True)
class SimpleType:
    """A type description naming one non-constructed type."""

    type: DataType

    def __post_init__(self) -> None:
        if self.type in (DataType.NULL, DataType.ARRAY, DataType.STRUCTURE, DataType.COMPACT_ARRAY):
            raise DlmsEncodeError("type-description", f"{self.type.label} is not a simple type")


@dataclass(frozen=True, slots=True)
class ArrayType:
    """`array` of `count` elements of `element` (the count is a u16 in the description)."""

    count: int
    element: TypeDescription

    def __post_init__(self) -> None:
        if not 0 < self.count <= 0xFFFF:
            raise DlmsEncodeError("type-description", f"array count {self.count} is outside 1..65535")


@dataclass(frozen=True, slots=True)
class StructureType:
    """`structure` of the member types, in order."""

    members: tuple[TypeDescription, ...]

    def __post_init__(self) -> None:
        if not self.members:
            raise DlmsEncodeError("type-description", "a structure needs at least one member")


TypeDescription = SimpleType | ArrayType | StructureType


@dataclass(frozen=True, slots=True)
class CompactArray:
    """`compact-array`: `elements` each laid out by `description` (values carry their type as usual)."""

    description: TypeDescription
    elements: tuple[Data, ...]


Data = (
    Null
    | Boolean
    | Integer
    | OctetString
    | VisibleString
    | Utf8String
    | BitString
    | Fixed
    | Array
    | Structure
    | CompactArray
)

NULL = Null()


# ---- the short forms model code writes


def u8(value: int) -> Integer:
    return Integer(DataType.UNSIGNED, value)


def u16(value: int) -> Integer:
    return Integer(DataType.LONG_UNSIGNED, value)


def u32(value: int) -> Integer:
    return Integer(DataType.DOUBLE_LONG_UNSIGNED, value)


def i8(value: int) -> Integer:
    return Integer(DataType.INTEGER, value)


def i16(value: int) -> Integer:
    return Integer(DataType.LONG, value)


def i32(value: int) -> Integer:
    return Integer(DataType.DOUBLE_LONG, value)


def enum_(value: int) -> Integer:
    return Integer(DataType.ENUM, value)


def octets(value: bytes) -> OctetString:
    return OctetString(bytes(value))


def structure(*items: Data) -> Structure:
    return Structure(tuple(items))


def array(items: tuple[Data, ...] | list[Data]) -> Array:
    return Array(tuple(items))


def bits(count: int, value: int) -> BitString:
    """A `bit-string` of `count` bits whose first bit is the most significant of `value`."""
    width = (count + 7) // 8
    return BitString(count, (value << (8 * width - count)).to_bytes(width, "big"))


def type_of(value: Data) -> DataType:
    """The A-XDR tag `value` is encoded with."""
    match value:
        case Integer(data_type, _) | Fixed(data_type, _):
            return data_type
        case _:
            return _TAGS[type(value)]


_TAGS: dict[type, DataType] = {
    Null: DataType.NULL,
    Boolean: DataType.BOOLEAN,
    OctetString: DataType.OCTET_STRING,
    VisibleString: DataType.VISIBLE_STRING,
    Utf8String: DataType.UTF8_STRING,
    BitString: DataType.BIT_STRING,
    Array: DataType.ARRAY,
    Structure: DataType.STRUCTURE,
    CompactArray: DataType.COMPACT_ARRAY,
}
