"""A-XDR data and COSEM date-times (gbcs.md 0, 3.2, 5.2): vectors, typed errors with offsets, value checks."""

from __future__ import annotations

import pytest

from protocols.dlms import (
    BitString,
    DataType,
    DateTime,
    DlmsDecodeError,
    DlmsEncodeError,
    Fixed,
    Integer,
    SimpleType,
    axdr,
    bits,
    octets,
    structure,
)
from protocols.dlms.data import ArrayType, StructureType
from tests.protocols.dlms.vectors import DATA_VECTORS, NEW_YEAR_2015


@pytest.mark.parametrize(("wire", "value", "source"), DATA_VECTORS, ids=[v[2] for v in DATA_VECTORS])
def test_vector(wire: str, value: object, source: str) -> None:
    raw = bytes.fromhex(wire)
    assert axdr.parse(raw) == value
    assert axdr.build(value) == raw  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("wire", "offset", "field"),
    [
        ("", 0, "data type"),  # nothing at all
        ("07", 0, "data type"),  # type 7 does not exist
        ("0600", 1, "double-long-unsigned"),  # 4 bytes needed
        ("098105" + "00" * 5, 1, "octet-string length"),  # 81 05 is not the minimal form of 5 (gbcs.md 3.2)
        ("0905abcd", 2, "octet-string"),  # length beyond the input
        ("0301", 1, "boolean"),  # neither 00 nor FF
        ("02021101", 4, "data type"),  # a structure of two with one member
        ("130100000600", 2, "type-description"),  # a compact array of zero-element arrays
        ("130000", 1, "type-description"),  # null cannot be packed
        ("130603000000", 3, "double-long-unsigned"),  # 3 bytes cannot hold one packed dlu
        ("0409ff", 2, "bit-string"),  # 9 bits need two bytes
    ],
)
def test_malformed_data_names_the_field_and_offset(wire: str, offset: int, field: str) -> None:
    with pytest.raises(DlmsDecodeError) as error:
        axdr.parse(bytes.fromhex(wire))
    assert (error.value.offset, error.value.field) == (offset, field)


def test_trailing_bytes_are_refused_at_their_offset() -> None:
    with pytest.raises(DlmsDecodeError) as error:
        axdr.parse(bytes.fromhex("110100"))
    assert error.value.offset == 2


def test_nesting_is_bounded() -> None:
    bomb = bytes.fromhex("0201") * 200 + b"\x00"
    with pytest.raises(DlmsDecodeError) as error:
        axdr.parse(bomb)
    assert "nesting" in error.value.reason


def test_values_check_themselves() -> None:
    with pytest.raises(DlmsEncodeError):
        Integer(DataType.UNSIGNED, 256)
    with pytest.raises(DlmsEncodeError):
        Integer(DataType.DOUBLE_LONG, 1 << 31)
    with pytest.raises(DlmsEncodeError):
        Integer(DataType.OCTET_STRING, 1)
    with pytest.raises(DlmsEncodeError):
        BitString(9, b"\x00")
    with pytest.raises(DlmsEncodeError):
        Fixed(DataType.DATE_TIME, b"\x00" * 11)
    with pytest.raises(DlmsEncodeError):
        SimpleType(DataType.STRUCTURE)
    with pytest.raises(DlmsEncodeError):
        ArrayType(0, SimpleType(DataType.UNSIGNED))
    with pytest.raises(DlmsEncodeError):
        StructureType(())


def test_compact_array_elements_must_match_their_description() -> None:
    from protocols.dlms import CompactArray, u8, u16

    wrong = CompactArray(SimpleType(DataType.LONG_UNSIGNED), (u16(1), u8(2)))
    with pytest.raises(DlmsEncodeError):
        axdr.build(wrong)


def test_bit_strings_count_bits_from_the_first_bit_on_the_wire() -> None:
    value = bits(7, 0b1111100)  # Monday-Friday of a schedule's exec_weekdays, Monday first
    assert value.data == b"\xf8"
    assert [value.bit(index) for index in range(7)] == [True] * 5 + [False] * 2
    assert axdr.build(value) == bytes.fromhex("0407f8")


def test_fixed_date_time_type_round_trips() -> None:
    raw = bytes.fromhex("19") + NEW_YEAR_2015
    assert axdr.parse(raw) == Fixed(DataType.DATE_TIME, NEW_YEAR_2015)
    assert axdr.build(axdr.parse(raw)) == raw


def test_long_lengths_use_the_gbcs_rule() -> None:
    text = b"x" * 300
    wire = axdr.build(octets(text))
    assert wire[:4] == bytes.fromhex("0982012c")  # 300 = 0x012C in the 82 form (gbcs.md 3.2)
    assert axdr.parse(wire) == octets(text)


def test_date_time_worked_example() -> None:
    """gbcs.md 0: `07 DF 01 01 FF 00 00 00 00 80 00 FF` is 2015-01-01 00:00:00."""
    value = DateTime.parse(NEW_YEAR_2015)
    assert (value.year, value.month, value.day, value.hour) == (2015, 1, 1, 0)
    assert value.to_utc() == 1_420_070_400.0
    assert value.build() == NEW_YEAR_2015
    assert not value.is_now and not value.is_never


def test_date_time_markers_and_unspecified_fields() -> None:
    """gbcs.md 5.2: nine zero bytes = now, nine FF = never; both carry deviation 80 00 and status FF."""
    assert DateTime.now_marker().build() == bytes.fromhex("0000000000000000008000ff")
    assert DateTime.never_marker().build() == bytes.fromhex("ffffffffffffffffff8000ff")
    assert DateTime.parse(bytes.fromhex("0000000000000000008000ff")).is_now
    assert DateTime.parse(bytes.fromhex("ffffffffffffffffff8000ff")).is_never
    assert DateTime.parse(bytes.fromhex("ffff0c19ff000000008000ff")).to_utc() is None  # every 25 December
    assert DateTime.parse(bytes.fromhex("07df021eff000000008000ff")).to_utc() is None  # 30 February


def test_date_time_deviation_is_utc_minus_local() -> None:
    """IEC 62056-6-2: deviation -60 is local time one hour ahead of UTC (UTC = local + deviation)."""
    local_noon = DateTime(2015, 6, 1, 0xFF, 12, 0, 0, 0, -60, 0)
    assert local_noon.to_utc() == DateTime(2015, 6, 1, 0xFF, 11, 0, 0, 0, 0, 0).to_utc()


def test_date_time_from_utc_round_trips() -> None:
    value = DateTime.from_utc(1_893_661_200.25)  # 2030-01-03 09:00:00.25
    assert (value.year, value.month, value.day, value.weekday, value.hour, value.hundredths) == (2030, 1, 3, 4, 9, 25)
    assert value.to_utc() == 1_893_661_200.25
    with pytest.raises(DlmsDecodeError):
        DateTime.parse(b"\x00" * 11)


def test_structures_of_structures_round_trip() -> None:
    value = structure(structure(octets(b"a"), structure()), bits(0, 0))
    assert axdr.parse(axdr.build(value)) == value
