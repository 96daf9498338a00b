"""DLMS/COSEM as GBCS carries it (gbcs.md 5.2, meters.md 0-3): typed values, A-XDR, the three APDUs.

Public API:

- `parse(data) -> Apdu` / `build(apdu) -> bytes`: access-request (`D9`), access-response
  (`DA`), data-notification (`0F`), exception-response (`D8`); `build(parse(x)) == x` for every `x` that parses.
- `axdr.parse(data) -> Data` / `axdr.build(value) -> bytes`: one A-XDR value.
- values: `Data` (`Null`, `Boolean`, `Integer`, `OctetString`, `VisibleString`,
  `Utf8String`, `BitString`, `Fixed`, `Array`, `Structure`, `CompactArray`) and the short
  forms `u8`, `u16`, `u32`, `i8`, `i16`, `i32`, `enum_`, `octets`, `structure`, `array`, `bits`.
- `DateTime`: the 12-byte COSEM date-time, with GBCS's "now" and "never" markers.
- `Obis`, `AttributeDescriptor`, `MethodDescriptor`; `LongInvokeId`; request specifications
  `GetSpec`, `SetSpec`, `ActionSpec`, `GetWithSelectionSpec`; `AccessResult`.
- `selective`: `RangeDescriptor`, `EntryDescriptor`, `CaptureObject`, `parse_access`.
- `DataAccessResult`, `ActionResult`; errors `DlmsDecodeError` (with `.offset`), `DlmsEncodeError`.
"""

from protocols.dlms import axdr, selective
from protocols.dlms.apdu import (
    AccessRequest,
    AccessResponse,
    AccessResult,
    ActionSpec,
    Apdu,
    DataNotification,
    ExceptionResponse,
    GetSpec,
    GetWithSelectionSpec,
    LongInvokeId,
    RequestSpec,
    SetSpec,
    SpecKind,
    build,
    parse,
)
from protocols.dlms.data import (
    NULL,
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
    array,
    bits,
    enum_,
    i8,
    i16,
    i32,
    octets,
    structure,
    type_of,
    u8,
    u16,
    u32,
)
from protocols.dlms.date_time import DateTime
from protocols.dlms.errors import DlmsDecodeError, DlmsEncodeError
from protocols.dlms.obis import AttributeDescriptor, MethodDescriptor, Obis
from protocols.dlms.results import ActionResult, DataAccessResult

__all__ = [
    "NULL",
    "AccessRequest",
    "AccessResponse",
    "AccessResult",
    "ActionResult",
    "ActionSpec",
    "Apdu",
    "Array",
    "ArrayType",
    "AttributeDescriptor",
    "BitString",
    "Boolean",
    "CompactArray",
    "Data",
    "DataAccessResult",
    "DataNotification",
    "DataType",
    "DateTime",
    "DlmsDecodeError",
    "DlmsEncodeError",
    "ExceptionResponse",
    "Fixed",
    "GetSpec",
    "GetWithSelectionSpec",
    "Integer",
    "LongInvokeId",
    "MethodDescriptor",
    "Null",
    "Obis",
    "OctetString",
    "RequestSpec",
    "SetSpec",
    "SimpleType",
    "SpecKind",
    "Structure",
    "StructureType",
    "TypeDescription",
    "Utf8String",
    "VisibleString",
    "array",
    "axdr",
    "bits",
    "build",
    "enum_",
    "i8",
    "i16",
    "i32",
    "octets",
    "parse",
    "selective",
    "structure",
    "type_of",
    "u8",
    "u16",
    "u32",
]
