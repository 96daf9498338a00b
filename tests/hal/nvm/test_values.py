"""`hal.nvm.values`: the documented byte format, lossless round trips, refusals that say where."""

from __future__ import annotations

import enum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hal.nvm import values
from tests.hal.nvm.strategies import VALUES, same

# source: the format table in docs/nvm.md ("Value encoding"), bytes written by hand
VECTORS = [
    (None, "00"),
    (False, "01"),
    (True, "02"),
    (0, "030100"),
    (1, "030101"),
    (-1, "0301ff"),
    (127, "03017f"),
    (128, "03020080"),
    (255, "030200ff"),
    (2**64 - 1, "030900ffffffffffffffff"),  # the largest u64 counter
    (-(2**63), "0309ff8000000000000000"),
    (1.5, "043ff8000000000000"),
    (-0.0, "048000000000000000"),
    (float("inf"), "047ff0000000000000"),
    ("", "0500"),
    ("é", "0502c3a9"),
    (b"\x01\x02", "06020102"),
    (b"\xaa" * 200, "06c801" + "aa" * 200),  # LEB128 200 = c8 01
    ([1, None], "070203010100"),
    ({"a": True, "b": []}, "080201610201620700"),
]


@pytest.mark.parametrize("value, wire", VECTORS)
def test_documented_vectors(value: object, wire: str) -> None:
    assert values.encode(value).hex() == wire
    assert same(value, values.decode(bytes.fromhex(wire)))


@given(VALUES)
def test_any_value_round_trips_exactly(value: object) -> None:
    assert same(value, values.decode(values.encode(value)))


def test_nan_keeps_its_bits_and_dict_keeps_its_order() -> None:
    nan = float("nan")
    decoded = values.decode(values.encode({"z": nan, "a": -0.0}))
    assert list(decoded) == ["z", "a"]
    assert decoded["z"] != decoded["z"]  # still NaN
    assert same(decoded["a"], -0.0)


def test_enum_subclasses_are_stored_as_their_base_type() -> None:
    class Level(enum.IntEnum):
        HIGH = 3

    decoded = values.decode(values.encode([Level.HIGH]))
    assert decoded == [3] and type(decoded[0]) is int


@pytest.mark.parametrize(
    "value, location, advice",
    [
        ((1, 2), "", "store a list"),
        ([1, {"when": {3}}], "[1]['when']", "store a sorted list"),
        ({"raw": bytearray(b"x")}, "['raw']", "store bytes(value)"),
        ([object()], "[0]", "see hal.nvm"),
    ],
)
def test_unstorable_values_are_refused_saying_where(value: object, location: str, advice: str) -> None:
    with pytest.raises(values.UnstorableValue) as caught:
        values.encode(value)
    assert caught.value.location == location
    assert advice in caught.value.reason


def test_non_str_dict_keys_are_refused() -> None:
    with pytest.raises(values.UnstorableValue, match="dict key 1 is a int"):
        values.encode({"ok": {1: "x"}})


def test_a_cycle_is_refused_not_recursed_forever() -> None:
    looped: list[object] = []
    looped.append(looped)
    with pytest.raises(values.UnstorableValue, match="nested deeper than 100"):
        values.encode(looped)


@pytest.mark.parametrize(
    "wire, offset, reason",
    [
        ("", 0, "truncated: a value expected"),
        ("09", 0, "unknown tag 0x09"),
        ("0300", 2, "an int of 0 bytes"),
        ("0305ff", 1, "length 5 runs past the end"),
        ("04000000", 1, "truncated float"),
        ("0502c328", 2, "invalid UTF-8"),
        ("0802016100016100", 5, "dict key 'a' repeated"),
        ("0000", 1, "1 byte(s) after the value"),
        ("05ff", 1, "truncated length"),
    ],
)
def test_damaged_bytes_are_refused_with_the_offset(wire: str, offset: int, reason: str) -> None:
    with pytest.raises(values.UndecodableValue) as caught:
        values.decode(bytes.fromhex(wire))
    assert caught.value.offset == offset
    assert reason in caught.value.reason


@given(st.binary(max_size=60))
def test_any_bytes_decode_or_fail_cleanly(data: bytes) -> None:
    try:
        value = values.decode(data)
    except values.UndecodableValue as error:
        assert 0 <= error.offset <= len(data)
    else:
        assert same(value, values.decode(values.encode(value)))
