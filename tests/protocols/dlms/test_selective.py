"""Selective access descriptors (IEC 62056-6-2 class 7; meters.md 3.2) as RTDS range reads carry them."""

from __future__ import annotations

from pathlib import Path

import pytest

from protocols import dlms
from protocols.dlms import AccessRequest, GetWithSelectionSpec, Obis, i8, octets, structure, u16, u32
from protocols.dlms.selective import (
    CaptureObject,
    EntryDescriptor,
    RangeDescriptor,
    SelectiveAccessError,
    parse_access,
)
from protocols.gbcs import parse as parse_gbcs

#: gbcs/rtds/6.13_ECS35b/ECS35b_6.13_SUCCESS_COMMAND_GBCS.HEX: a one-day read of the security log.
ECS35B = "6.13_ECS35b/ECS35b_6.13_SUCCESS_COMMAND_GBCS.HEX"


def test_rtds_range_descriptor(rtds_dir: Path) -> None:
    """meters.md 3.2: selector 1, dlu bounds, no selected values; restricting object 1 0-0:94.44.100.255 a2."""
    message = parse_gbcs(bytes.fromhex((rtds_dir / ECS35B).read_text().strip()))
    request = dlms.parse(message.payload)
    assert isinstance(request, AccessRequest)
    spec = request.specs[0]
    assert isinstance(spec, GetWithSelectionSpec) and spec.selector == 1
    descriptor = parse_access(spec.selector, spec.parameters)
    assert descriptor == RangeDescriptor(
        CaptureObject(1, Obis.of("0-0:94.44.100.255"), 2, 0), u32(473_299_200), u32(473_385_600)
    )
    assert descriptor.to_data() == spec.parameters


def test_entry_descriptor_round_trips() -> None:
    value = EntryDescriptor(1, 10, 1, 0)
    assert value.to_data() == structure(u32(1), u32(10), u16(1), u16(0))
    assert parse_access(2, value.to_data()) == value


def test_selected_columns_round_trip() -> None:
    column = CaptureObject(3, Obis.of("1-0:1.8.0.255"), 2)
    value = RangeDescriptor(CaptureObject(8, Obis.of("0-0:1.0.0.255"), 2), u32(0), u32(10), (column,))
    assert parse_access(1, value.to_data()) == value


@pytest.mark.parametrize(
    ("selector", "parameters", "field"),
    [
        (3, structure(), "access-selector"),
        (1, structure(u32(1)), "range-descriptor"),
        (
            1,
            structure(structure(u16(1), octets(b"\x00"), i8(2), u16(0)), u32(0), u32(1), dlms.array([])),
            "range-descriptor.restricting_object.logical_name",
        ),
        (
            1,
            structure(structure(u16(1), octets(bytes(6)), i8(2), u16(0)), u32(0), u32(1), u32(0)),
            "range-descriptor.selected_values",
        ),
        (2, structure(u32(1), u16(2), u16(1), u16(0)), "entry-descriptor.to_entry"),
    ],
)
def test_wrong_shapes_are_typed_errors(selector: int, parameters: dlms.Data, field: str) -> None:
    with pytest.raises(SelectiveAccessError) as error:
        parse_access(selector, parameters)
    assert error.value.field == field
