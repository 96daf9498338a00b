"""Selective access to a profile buffer (IEC 62056-6-2 class 7 attribute 2; meters.md 3.2).

A GET-with-selection carries an access selector and one `Data` parameter:

- selector 1, range descriptor: `structure{ restricting_object, from_value, to_value,
  selected_values }`, the restricting object being a capture-object definition
  `structure{ class_id lu, logical_name os(6), attribute_index integer, data_index lu }`
  and `selected_values` an array of such definitions (empty = every column). GBCS sends an
  empty array and `double-long-unsigned` bounds (meters.md 3.2).
- selector 2, entry descriptor: `structure{ from_entry dlu, to_entry dlu,
  from_selected_value lu, to_selected_value lu }` (1-based; 0 = to the last entry/column).

`parse_access(selector, parameters)` turns the `Data` into one of the two values;
`to_data()` turns a value back into exactly that `Data`, so a request built from values
parses back equal. A parameter of the wrong shape raises `SelectiveAccessError`, which the
meter answers with a DLMS error rather than a crash.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocols.dlms.data import (
    Array,
    Data,
    DataType,
    Integer,
    OctetString,
    Structure,
    array,
    i8,
    octets,
    structure,
    u16,
    u32,
)
from protocols.dlms.obis import Obis

RANGE_SELECTOR = 1
ENTRY_SELECTOR = 2


class SelectiveAccessError(ValueError):
    """Access parameters that are well-formed `Data` but not a range or entry descriptor."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"selective access: {reason} (field {field!r})")


@dataclass(frozen=True, slots=True)
class CaptureObject:
    """A capture-object definition: which attribute (and element of it, `data_index`) a column holds."""

    class_id: int
    instance: Obis
    attribute: int
    data_index: int = 0

    def to_data(self) -> Structure:
        return structure(u16(self.class_id), octets(self.instance.raw), i8(self.attribute), u16(self.data_index))


@dataclass(frozen=True, slots=True)
class RangeDescriptor:
    """Entries whose `restricting_object` column lies in [from_value, to_value]."""

    restricting_object: CaptureObject
    from_value: Data
    to_value: Data
    selected_values: tuple[CaptureObject, ...] = ()

    def to_data(self) -> Structure:
        columns = array([column.to_data() for column in self.selected_values])
        return structure(self.restricting_object.to_data(), self.from_value, self.to_value, columns)


@dataclass(frozen=True, slots=True)
class EntryDescriptor:
    """Entries `from_entry`..`to_entry` (1-based, 0 = last), columns `from_selected_value`..`to_selected_value`."""

    from_entry: int
    to_entry: int
    from_selected_value: int = 1
    to_selected_value: int = 0

    def to_data(self) -> Structure:
        return structure(
            u32(self.from_entry), u32(self.to_entry), u16(self.from_selected_value), u16(self.to_selected_value)
        )


SelectiveAccess = RangeDescriptor | EntryDescriptor


def parse_access(selector: int, parameters: Data) -> SelectiveAccess:
    """The descriptor that `parameters` holds for access selector `selector`."""
    if selector == RANGE_SELECTOR:
        fields = _fields(parameters, 4, "range-descriptor")
        columns = fields[3]
        if not isinstance(columns, Array):
            raise SelectiveAccessError("range-descriptor.selected_values", "is not an array")
        return RangeDescriptor(
            _capture_object(fields[0], "range-descriptor.restricting_object"),
            fields[1],
            fields[2],
            tuple(_capture_object(column, "range-descriptor.selected_values") for column in columns.items),
        )
    if selector == ENTRY_SELECTOR:
        fields = _fields(parameters, 4, "entry-descriptor")
        names = ("from_entry", "to_entry", "from_selected_value", "to_selected_value")
        types = (DataType.DOUBLE_LONG_UNSIGNED,) * 2 + (DataType.LONG_UNSIGNED,) * 2
        values = [
            _integer(field, kind, f"entry-descriptor.{name}")
            for field, kind, name in zip(fields, types, names, strict=True)
        ]
        return EntryDescriptor(*values)
    raise SelectiveAccessError("access-selector", f"selector {selector} is neither 1 (range) nor 2 (entry)")


def _fields(value: Data, count: int, field: str) -> tuple[Data, ...]:
    if not isinstance(value, Structure) or len(value.items) != count:
        raise SelectiveAccessError(field, f"is not a structure of {count} elements")
    return value.items


def _integer(value: Data, kind: DataType, field: str) -> int:
    if not isinstance(value, Integer) or value.type is not kind:
        raise SelectiveAccessError(field, f"is not a {kind.label}")
    return value.value


def _capture_object(value: Data, field: str) -> CaptureObject:
    class_id, name, attribute, data_index = _fields(value, 4, field)
    if not isinstance(name, OctetString) or len(name.value) != 6:
        raise SelectiveAccessError(field + ".logical_name", "is not an octet-string of 6 bytes")
    return CaptureObject(
        _integer(class_id, DataType.LONG_UNSIGNED, field + ".class_id"),
        Obis(name.value),
        _integer(attribute, DataType.INTEGER, field + ".attribute_index"),
        _integer(data_index, DataType.LONG_UNSIGNED, field + ".data_index"),
    )
