"""What a value written to an attribute (or passed to a method) must look like, and the error when it does not.

Why schemas: a SET or ACTION must be refused with the result a DLMS server gives, never
crash and never store a value the meter cannot use later. A schema checks the shape and the
range and raises `Refused(code, reason)`:

- the wrong A-XDR type anywhere in the value -> `type-unmatched` (12);
- the right type but a value the attribute cannot take (out of range, too long, an
  impossible date) -> `other-reason` (250): the Blue Book has no "out of range" result, and
  GBCS answers a failed instruction with `other-reason` (meters.md 3.1).

Schemas also document each attribute (docs/esme.md prints `describe()`).
"""

from __future__ import annotations

from dataclasses import dataclass

from protocols.dlms import (
    Array,
    BitString,
    Boolean,
    Data,
    DataAccessResult,
    DataType,
    Integer,
    Null,
    OctetString,
    Structure,
    Utf8String,
    VisibleString,
)
from protocols.dlms.data import integer_range
from protocols.dlms.date_time import DateTime

TYPE_UNMATCHED = DataAccessResult.TYPE_UNMATCHED
OUT_OF_RANGE = DataAccessResult.OTHER_REASON


class Refused(Exception):
    """A request the meter refuses: `code` is the data-access-result / action-result to answer with."""

    def __init__(self, code: int, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"result {code}: {reason}")


class Schema:
    """Base of every schema: `check` raises `Refused` or returns."""

    def check(self, value: Data) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class Int(Schema):
    """An integer of one A-XDR type, optionally within [low, high]."""

    type: DataType
    low: int | None = None
    high: int | None = None

    def check(self, value: Data) -> None:
        if not isinstance(value, Integer) or value.type is not self.type:
            raise Refused(TYPE_UNMATCHED, f"expected {self.type.label}")
        if (self.low is not None and value.value < self.low) or (self.high is not None and value.value > self.high):
            raise Refused(OUT_OF_RANGE, f"{value.value} is outside {self.low}..{self.high}")

    def describe(self) -> str:
        bounds = "" if self.low is None and self.high is None else f" {self.low}..{self.high}"
        return self.type.label + bounds


@dataclass(frozen=True)
class Bool(Schema):
    def check(self, value: Data) -> None:
        if not isinstance(value, Boolean):
            raise Refused(TYPE_UNMATCHED, "expected boolean")

    def describe(self) -> str:
        return "boolean"


@dataclass(frozen=True)
class AnyValue(Schema):
    """Any value at all (a part the meter passes back without interpreting)."""

    def check(self, value: Data) -> None:
        return

    def describe(self) -> str:
        return "any"


@dataclass(frozen=True)
class Nothing(Schema):
    """`null-data` (a method without parameters)."""

    def check(self, value: Data) -> None:
        if not isinstance(value, Null):
            raise Refused(TYPE_UNMATCHED, "expected null-data")

    def describe(self) -> str:
        return "null-data"


@dataclass(frozen=True)
class Octets(Schema):
    """An octet-string of `low`..`high` bytes."""

    low: int = 0
    high: int = 0xFFFF

    def check(self, value: Data) -> None:
        if not isinstance(value, OctetString):
            raise Refused(TYPE_UNMATCHED, "expected octet-string")
        if not self.low <= len(value.value) <= self.high:
            raise Refused(OUT_OF_RANGE, f"{len(value.value)} bytes, expected {self.low}..{self.high}")

    def describe(self) -> str:
        return f"octet-string({self.low})" if self.low == self.high else f"octet-string({self.low}..{self.high})"


@dataclass(frozen=True)
class Text(Schema):
    """A visible-string (ASCII) or utf8-string of at most `high` bytes."""

    type: DataType
    high: int

    def check(self, value: Data) -> None:
        expected = VisibleString if self.type is DataType.VISIBLE_STRING else Utf8String
        if not isinstance(value, expected):
            raise Refused(TYPE_UNMATCHED, f"expected {self.type.label}")
        if len(value.value) > self.high:
            raise Refused(OUT_OF_RANGE, f"{len(value.value)} bytes, at most {self.high}")
        if self.type is DataType.VISIBLE_STRING and any(not 0x20 <= byte < 0x7F for byte in value.value):
            raise Refused(OUT_OF_RANGE, "not printable ASCII")

    def describe(self) -> str:
        return f"{self.type.label}(..{self.high})"


@dataclass(frozen=True)
class DateTime12(Schema):
    """A 12-byte date-time: a real instant, or GBCS's "now" (zeros) / "never" (FF) markers when `markers`."""

    markers: bool = True

    def check(self, value: Data) -> None:
        if not isinstance(value, OctetString):
            raise Refused(TYPE_UNMATCHED, "expected octet-string(12) date-time")
        if len(value.value) != 12:
            raise Refused(OUT_OF_RANGE, f"a date-time is 12 bytes, not {len(value.value)}")
        parsed = DateTime.parse(value.value)
        if self.markers and (parsed.is_now or parsed.is_never):
            return
        if parsed.to_utc() is None:
            raise Refused(OUT_OF_RANGE, "not a complete, valid date-time")

    def describe(self) -> str:
        return "octet-string(12) date-time" + (" (or now/never)" if self.markers else "")


@dataclass(frozen=True)
class Date5(Schema):
    """A COSEM date os(5) whose specified fields are in range."""

    def check(self, value: Data) -> None:
        if not isinstance(value, OctetString):
            raise Refused(TYPE_UNMATCHED, "expected octet-string(5) date")
        raw = value.value
        if len(raw) != 5:
            raise Refused(OUT_OF_RANGE, f"a date is 5 bytes, not {len(raw)}")
        month, day, weekday = raw[2], raw[3], raw[4]
        if not (1 <= month <= 12 or month >= 0xFD) or not (1 <= day <= 31 or day >= 0xFD):
            raise Refused(OUT_OF_RANGE, "month or day out of range")
        if not (1 <= weekday <= 7 or weekday == 0xFF):
            raise Refused(OUT_OF_RANGE, "day of week out of range")

    def describe(self) -> str:
        return "octet-string(5) date"


@dataclass(frozen=True)
class Time4(Schema):
    """A COSEM time os(4) whose specified fields are in range."""

    def check(self, value: Data) -> None:
        if not isinstance(value, OctetString):
            raise Refused(TYPE_UNMATCHED, "expected octet-string(4) time")
        raw = value.value
        if len(raw) != 4:
            raise Refused(OUT_OF_RANGE, f"a time is 4 bytes, not {len(raw)}")
        for field, limit in zip(raw, (23, 59, 59, 99), strict=True):
            if field > limit and field != 0xFF:
                raise Refused(OUT_OF_RANGE, "time field out of range")

    def describe(self) -> str:
        return "octet-string(4) time"


@dataclass(frozen=True)
class Bits(Schema):
    """A bit-string of `low`..`high` bits."""

    low: int
    high: int

    def check(self, value: Data) -> None:
        if not isinstance(value, BitString):
            raise Refused(TYPE_UNMATCHED, "expected bit-string")
        if not self.low <= value.bits <= self.high:
            raise Refused(OUT_OF_RANGE, f"{value.bits} bits, expected {self.low}..{self.high}")

    def describe(self) -> str:
        return f"bit-string({self.low})" if self.low == self.high else f"bit-string({self.low}..{self.high})"


@dataclass(frozen=True)
class ArrayOf(Schema):
    """An array of `low`..`high` elements, each matching `element`."""

    element: Schema
    high: int
    low: int = 0

    def check(self, value: Data) -> None:
        if not isinstance(value, Array):
            raise Refused(TYPE_UNMATCHED, "expected array")
        if not self.low <= len(value.items) <= self.high:
            raise Refused(OUT_OF_RANGE, f"{len(value.items)} elements, expected {self.low}..{self.high}")
        for item in value.items:
            self.element.check(item)

    def describe(self) -> str:
        return f"array[{self.low}..{self.high}] of {self.element.describe()}"


class Struct(Schema):
    """A structure whose members match `members` in order."""

    def __init__(self, *members: Schema) -> None:
        self.members = members

    def check(self, value: Data) -> None:
        if not isinstance(value, Structure) or len(value.items) != len(self.members):
            raise Refused(TYPE_UNMATCHED, f"expected structure of {len(self.members)}")
        for member, item in zip(self.members, value.items, strict=True):
            member.check(item)

    def describe(self) -> str:
        return "structure{" + ", ".join(member.describe() for member in self.members) + "}"


class OneOf(Schema):
    """Any one of the alternatives (GBCS 3.1 and 4.0 type some objects differently)."""

    def __init__(self, *choices: Schema) -> None:
        self.choices = choices

    def check(self, value: Data) -> None:
        first: Refused | None = None
        for choice in self.choices:
            try:
                choice.check(value)
            except Refused as refusal:
                first = first or refusal
            else:
                return
        assert first is not None
        raise first

    def describe(self) -> str:
        return " | ".join(choice.describe() for choice in self.choices)


def full(data_type: DataType) -> Int:
    """Any value of an integer type."""
    span = integer_range(data_type)
    return Int(data_type, span.start, span.stop - 1)


U8 = full(DataType.UNSIGNED)
U16 = full(DataType.LONG_UNSIGNED)
U32 = full(DataType.DOUBLE_LONG_UNSIGNED)
I8 = full(DataType.INTEGER)
I16 = full(DataType.LONG)
I32 = full(DataType.DOUBLE_LONG)
ENUM = full(DataType.ENUM)
BOOL = Bool()
NULL = Nothing()
DT12 = DateTime12()
OBIS6 = Octets(6, 6)


# ---- typed views of a value a schema has already checked


def items(value: Data) -> tuple[Data, ...]:
    """The members of a checked structure or array."""
    if not isinstance(value, (Structure, Array)):
        raise Refused(TYPE_UNMATCHED, "expected a structure or array")
    return value.items


def number(value: Data) -> int:
    """The value of a checked integer."""
    if not isinstance(value, Integer):
        raise Refused(TYPE_UNMATCHED, "expected an integer")
    return value.value


def raw(value: Data) -> bytes:
    """The bytes of a checked octet-string."""
    if not isinstance(value, OctetString):
        raise Refused(TYPE_UNMATCHED, "expected an octet-string")
    return value.value
