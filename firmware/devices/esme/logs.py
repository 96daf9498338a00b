"""Logs and profiles (class 7 buffers, meters.md 2.6): what each holds, how entries are kept, how reads select them.

Each buffer is a bounded NVM log (`tx.append(..., keep=depth)`: the oldest entry drops out),
one entry a list of column values, the first column always the capture time as a buffer
time stamp (dlu seconds since 2000, meters.md 3.2). Reads answer with a compact array
(`structure` of the selected columns) as every RTDS log read does, narrowed by selective
access:

- range descriptor (selector 1): entries whose time stamp lies in [from, to], both inclusive
  (RTDS: a 24-hour range of half-hour entries returns 49). GBCS sends `dlu` bounds; a
  12-byte date-time is accepted too (the protected-read form). The restricting object must
  be the time-stamp column (its capture object, or the clock's time).
- entry descriptor (selector 2): entries and columns by 1-based position, 0 = up to the last.

Clearing a log (ECS15a) moves a floor: entries at or below it are no longer served.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from firmware.devices.esme import dates
from firmware.devices.esme.profile import Variant
from firmware.devices.esme.schema import Refused
from protocols.dlms import (
    Array,
    ArrayType,
    CompactArray,
    Data,
    DataAccessResult,
    DataType,
    Integer,
    Obis,
    OctetString,
    SimpleType,
    Structure,
    StructureType,
    TypeDescription,
)
from protocols.dlms.date_time import DateTime
from protocols.dlms.selective import CaptureObject, EntryDescriptor, RangeDescriptor, SelectiveAccess

if TYPE_CHECKING:
    from firmware.devices.esme.meter import Meter

U32 = SimpleType(DataType.DOUBLE_LONG_UNSIGNED)
I32 = SimpleType(DataType.DOUBLE_LONG)
U16 = SimpleType(DataType.LONG_UNSIGNED)
ENUM = SimpleType(DataType.ENUM)
OCTETS = SimpleType(DataType.OCTET_STRING)

#: The capture object of every buffer's time-stamp column (the restricting object RTDS range reads name).
TIME_STAMP = CaptureObject(1, Obis.of("0-0:94.44.100.255"), 2)
_CLOCK_TIME = CaptureObject(8, Obis.of("0-0:1.0.0.255"), 2)


@dataclass(frozen=True)
class Column:
    name: str
    type: TypeDescription
    source: CaptureObject


@dataclass(frozen=True)
class LogSpec:
    obis: str
    label: str
    columns: tuple[Column, ...]
    depth: int

    @property
    def key(self) -> str:
        return f"log/{self.obis}"


def _column(name: str, kind: TypeDescription, class_id: int, obis: str, attribute: int = 2, index: int = 0) -> Column:
    return Column(name, kind, CaptureObject(class_id, Obis.of(obis), attribute, index))


def _stamp() -> Column:
    return Column("timestamp", U32, TIME_STAMP)


def _register_read(variant: Variant) -> tuple[Column, ...]:
    """The registerRead fields of the billing and daily logs (meters.md 2.6)."""
    columns = [_stamp(), _column("active import", U32, 3, "1-0:1.8.0.255")]
    if variant is Variant.TWIN:
        columns.append(_column("secondary active import", U32, 3, "1-0:1.8.0.255", 2, 2))
    columns.append(_column("TOU registers", ArrayType(48, U32), 1, "0-0:94.44.34.1"))
    if variant is Variant.TWIN:
        columns.append(_column("secondary TOU registers", ArrayType(4, U32), 1, "0-0:94.44.34.1", 2, 2))
    columns.extend(_column(f"block {b} registers", ArrayType(8, U32), 1, "0-0:94.44.34.2", 2, b) for b in range(1, 5))
    return tuple(columns)


PREPAYMENT_READ = (
    _stamp(),
    _column("emergency credit balance", I32, 112, "0-0:19.10.1.255"),
    _column("meter balance", I32, 112, "0-0:19.10.0.255"),
    _column("payment debt", I32, 113, "0-0:19.20.3.255", 12),
    _column("time debt 1", I32, 113, "0-0:19.20.1.255", 12),
    _column("time debt 2", I32, 113, "0-0:19.20.2.255", 12),
    _column("accumulated debt", I32, 112, "0-0:19.10.2.255"),
)


def log_specs(variant: Variant) -> dict[str, LogSpec]:
    """Every buffer of an ESME of `variant`, by logical name."""
    register_read = _register_read(variant)
    value = (_stamp(), _column("value", U32, 3, "1-0:1.8.0.255"))
    specs = [
        LogSpec(
            "0-0:99.98.0.255",
            "Event log",
            (
                _stamp(),
                _column("logCode", U16, 1, "0-0:97.97.0.255"),
                _column("otherInformation", OCTETS, 1, "0-0:97.97.1.255"),
            ),
            100,
        ),
        LogSpec("0-0:99.98.1.255", "Security log", (_stamp(), _column("logCode", U16, 1, "0-0:97.97.0.255")), 100),
        LogSpec(
            "0-0:99.98.4.255",
            "Power event log",
            (
                _stamp(),
                _column("logCode", U16, 1, "0-0:97.97.0.255"),
                _column("otherInformation", U32, 1, "0-0:97.97.1.255"),
            ),
            100,
        ),
        LogSpec(
            "0-17:99.98.2.255",
            "Auxiliary controller event log",
            (
                _stamp(),
                _column("switchNumberAndAction", U16, 1, "0-17:97.97.0.255"),
                _column("outcome", ENUM, 1, "0-17:97.97.1.255"),
                _column("hANCommandID", U32, 1, "0-17:97.97.2.255"),
            ),
            100,
        ),
        LogSpec(
            "0-0:99.98.20.255",
            "Boost function event log",
            (Column("boost start", U32, TIME_STAMP), _column("boost end", U32, 1, "0-0:94.44.7.255", 2, 1)),
            25,
        ),
        LogSpec("0-0:98.1.0.255", "Billing data log (billing calendar): energy", register_read, 12),
        LogSpec("0-0:98.1.1.255", "Billing data log (billing calendar): prepayment", PREPAYMENT_READ, 12),
        LogSpec(
            "0-0:98.1.2.255", "Billing data log (change of mode / tariff)", register_read + PREPAYMENT_READ[1:], 12
        ),
        LogSpec("0-0:98.1.4.255", "Billing data log: payment-based debt payments", value, 10),
        LogSpec("0-0:98.1.5.255", "Billing data log: prepayment credits", value, 5),
        LogSpec("0-0:98.1.8.255", "Prepayment daily read log", PREPAYMENT_READ, 31),
        LogSpec("0-0:98.1.9.255", "Daily read log", register_read, 31),
        LogSpec(
            "0-0:98.1.10.255",
            "Daily read log (export)",
            (_stamp(), _column("active export", U32, 3, "1-0:2.8.0.255")),
            31,
        ),
        LogSpec(
            "0-0:99.1.0.255",
            "Half-hour profile: active import",
            (_stamp(), _column("active import", U32, 3, "1-0:1.8.0.255"))
            + ((_column("secondary active import", U32, 3, "1-0:1.8.0.255", 2, 2),) if variant is Variant.TWIN else ()),
            19_056,
        ),
        LogSpec(
            "0-0:99.1.1.255",
            "Half-hour profile: export",
            (
                _stamp(),
                _column("active export", U32, 3, "1-0:2.8.0.255"),
                _column("reactive export", U32, 3, "1-0:4.8.0.255"),
            ),
            4_464,
        ),
        LogSpec(
            "0-0:99.1.2.255",
            "Half-hour profile: reactive import",
            (_stamp(), _column("reactive import", U32, 3, "1-0:3.8.0.255")),
            4_464,
        ),
        LogSpec(
            "0-0:99.1.3.255", "Daily consumption log", (_stamp(), _column("consumption", U32, 3, "1-0:1.8.0.255")), 731
        ),
    ]
    phases = ("32", "52", "72") if variant is Variant.POLYPHASE else ("32",)
    specs.extend(
        LogSpec(
            f"1-0:{phase}.24.0.255",
            f"Average RMS voltage profile (L{index + 1})",
            (_stamp(), _column("average RMS voltage", U32, 3, f"1-0:{phase}.24.0.255")),
            4_320,
        )
        for index, phase in enumerate(phases)
    )
    return {spec.obis: spec for spec in specs}


# ---------------------------------------------------------------------------------------------- writing


def append(meter: Meter, spec: LogSpec, values: list[Any]) -> None:
    """Add one entry (`values` in column order, the first a buffer time stamp)."""
    meter.store.append(spec.key, values, keep=spec.depth)


def record_event(meter: Meter, obis: str, time: float, code: int) -> None:
    """An event-log style entry for `code` at meter time `time` (other information left empty)."""
    spec = meter.log_specs[obis]
    row: list[Any] = [dates.stamp(time), code]
    row.extend(bytes(8) if column.type == OCTETS else 0 for column in spec.columns[2:])
    append(meter, spec, row)


def clear(meter: Meter, spec: LogSpec) -> None:
    entries = meter.store.log(spec.key)
    if entries:
        meter.store.put(f"m/logfloor/{spec.obis}", entries[-1][0])


def entries(meter: Meter, spec: LogSpec) -> list[list[Any]]:
    floor = meter.store.get(f"m/logfloor/{spec.obis}", -1)
    return [value for seq, value in meter.store.log(spec.key) if seq > floor]


# ---------------------------------------------------------------------------------------------- reading


def _data(description: TypeDescription, value: Any) -> Data:
    match description:
        case SimpleType(DataType.OCTET_STRING):
            return OctetString(bytes(value))
        case SimpleType(kind):
            return Integer(kind, int(value))
        case ArrayType(count, element):
            items = list(value)[:count] + [0] * max(0, count - len(value))
            return Array(tuple(_data(element, item) for item in items))
        case StructureType(members):
            return Structure(tuple(_data(member, item) for member, item in zip(members, value, strict=True)))
    raise TypeError(description)


def _bound(value: Data, field: str) -> int:
    if isinstance(value, Integer) and value.type is DataType.DOUBLE_LONG_UNSIGNED:
        return value.value
    if isinstance(value, OctetString) and len(value.value) == 12:
        utc = DateTime.parse(value.value).to_utc()
        if utc is not None:
            return dates.stamp(utc)
    raise Refused(DataAccessResult.TYPE_UNMATCHED, f"range {field} is neither a dlu time stamp nor a date-time")


def read(meter: Meter, spec: LogSpec, access: SelectiveAccess | None) -> Data:
    """The buffer as a compact array, narrowed by `access`."""
    rows = entries(meter, spec)
    first_column, last_column = 0, len(spec.columns)
    match access:
        case RangeDescriptor(restricting, low, high, selected):
            if _column_of(restricting) not in (_column_of(spec.columns[0].source), _column_of(_CLOCK_TIME)):
                raise Refused(
                    DataAccessResult.OBJECT_UNAVAILABLE, "the restricting object is not the time-stamp column"
                )
            start, stop = _bound(low, "from_value"), _bound(high, "to_value")
            rows = [row for row in rows if start <= row[0] <= stop]
            if selected:
                chosen = [index for index, column in enumerate(spec.columns) if column.source in selected]
                if not chosen:
                    raise Refused(DataAccessResult.OBJECT_UNAVAILABLE, "no selected column is captured")
                return _compact(spec, rows, tuple(chosen))
        case EntryDescriptor(from_entry, to_entry, from_column, to_column):
            last_entry = len(rows) if to_entry == 0 else min(to_entry, len(rows))
            rows = rows[max(from_entry, 1) - 1 : last_entry]
            first_column = max(from_column, 1) - 1
            last_column = len(spec.columns) if to_column == 0 else min(to_column, len(spec.columns))
            if first_column >= last_column:
                raise Refused(DataAccessResult.OTHER_REASON, "empty column selection")
    return _compact(spec, rows, tuple(range(first_column, last_column)))


def _column_of(source: CaptureObject) -> tuple[int, Obis, int]:
    return source.class_id, source.instance, source.attribute


def _compact(spec: LogSpec, rows: list[list[Any]], chosen: tuple[int, ...]) -> CompactArray:
    description = StructureType(tuple(spec.columns[index].type for index in chosen))
    elements = tuple(_data(description, [row[index] for index in chosen]) for row in rows)
    return CompactArray(description, elements)


def capture_objects(spec: LogSpec) -> Data:
    """Attribute 3: the capture-object definitions of the columns."""
    return Array(tuple(column.source.to_data() for column in spec.columns))
