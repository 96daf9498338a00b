"""DLMS test vectors, each from outside the codec: gbcs.md worked examples and encoding rules, and RTDS files.

Each entry: (hex bytes, the typed value they encode, source).
"""

from __future__ import annotations

from protocols.dlms import (
    NULL,
    AccessRequest,
    AccessResponse,
    AccessResult,
    ArrayType,
    AttributeDescriptor,
    BitString,
    Boolean,
    CompactArray,
    DataType,
    GetSpec,
    LongInvokeId,
    Obis,
    OctetString,
    SimpleType,
    SpecKind,
    StructureType,
    Utf8String,
    VisibleString,
    array,
    enum_,
    i8,
    i16,
    i32,
    octets,
    structure,
    u8,
    u16,
    u32,
)

#: gbcs.md 0: "07 DF 01 01 FF 00 00 00 00 80 00 FF = 2015-01-01 00:00:00".
NEW_YEAR_2015 = bytes.fromhex("07df0101ff000000008000ff")

DATA_VECTORS = [
    ("00", NULL, "gbcs.md 5.2 type 0 null"),
    ("06000003e8", u32(1000), "gbcs.md 5.2 type 6 double-long-unsigned"),
    ("05fff85ee0", i32(-500_000), "gbcs.md 5.2 type 5 double-long (RTDS ECS26a disablement threshold)"),
    ("0f00", i8(0), "gbcs.md 5.2 type 15 integer (the 'no data' method parameter)"),
    ("0ffb", i8(-5), "gbcs.md 5.2 type 15 integer (price scale -5, meters.md 2.3)"),
    ("10084d", i16(2125), "gbcs.md 5.2 type 16 long"),
    ("1101", u8(1), "gbcs.md 5.2 type 17 unsigned"),
    ("128f66", u16(0x8F66), "gbcs.md 5.2 type 18 long-unsigned (alert 0x8F66)"),
    ("1602", enum_(2), "gbcs.md 5.2 type 22 enum"),
    ("03ff", Boolean(True), "A-XDR boolean TRUE, as RTDS ECS81 sends it"),
    ("0300", Boolean(False), "A-XDR boolean FALSE"),
    ("090c" + NEW_YEAR_2015.hex(), octets(NEW_YEAR_2015), "gbcs.md 0 date-time in an octet-string(12)"),
    ("0900", octets(b""), "empty octet-string (ECS14 disables the PIN with one)"),
    ("0a0441424344", VisibleString(b"ABCD"), "gbcs.md 5.2 type 10 visible-string"),
    ("0c027b7d", Utf8String(b"{}"), "gbcs.md 5.2 type 12 utf8-string (RTDS ECS61e)"),
    ("040706", BitString(7, b"\x06"), "gbcs.md 5.2 type 4: 7 bits in one byte (schedule exec_weekdays)"),
    ("0400", BitString(0, b""), "an empty bit-string (RTDS ECS37 exec_specdays)"),
    ("0203110109001600", structure(u8(1), octets(b""), enum_(0)), "gbcs.md 5.2 structure of three"),
    ("0100", array([]), "gbcs.md 5.2 empty array (range descriptor selected_values)"),
    (
        "018180" + "1100" * 128,
        array([u8(0)] * 128),
        "gbcs.md 3.2: a count of 128 takes the long form 81 80",
    ),
    (
        "13020206120c000000018f66000000028f67",
        CompactArray(
            StructureType((SimpleType(DataType.DOUBLE_LONG_UNSIGNED), SimpleType(DataType.LONG_UNSIGNED))),
            (structure(u32(1), u16(0x8F66)), structure(u32(2), u16(0x8F67))),
        ),
        "gbcs.md 5.2 compact array: structure description, BER length, packed values",
    ),
    (
        "13010003060c000000010000000200000003",
        CompactArray(ArrayType(3, SimpleType(DataType.DOUBLE_LONG_UNSIGNED)), (array([u32(1), u32(2), u32(3)]),)),
        "gbcs.md 5.2 compact array: array description (01, u16 count, element type)",
    ),
    (
        "130903010100",
        CompactArray(SimpleType(DataType.OCTET_STRING), (octets(b"\x01"), octets(b""))),
        "compact array of octet-strings: each packed value keeps its length",
    ),
]

#: gbcs.md 3.6: the ECS52 worked example's payload, and its response's.
ECS52_REQUEST = "d9200003e8000101000100000002 01ff0201 00".replace(" ", "")
ECS52_REQUEST_VALUE = AccessRequest(
    LongInvokeId(0x200003E8),
    (GetSpec(AttributeDescriptor(1, Obis.of("0-0:0.2.1.255"), 2)),),
    (NULL,),
)
ECS52_RESPONSE = "da200003e80000010904 0123abcd 010100".replace(" ", "")
ECS52_RESPONSE_VALUE = AccessResponse(
    LongInvokeId(0x200003E8),
    (OctetString(bytes.fromhex("0123abcd")),),
    (AccessResult(SpecKind.GET, 0),),
)
