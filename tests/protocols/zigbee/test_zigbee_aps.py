"""APS codec: scapy-built data/ack/command frames both ways, field-presence rules, properties."""

from __future__ import annotations

import struct

import pytest
from construct import ConstructError
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.zigbee import ZigbeeAppDataPayload

from protocols.zigbee import (
    ApsFrame,
    ApsFrameType,
    DeliveryMode,
    ExtendedHeader,
    Fragmentation,
    ZigbeeEncodeError,
    ack_for,
    build_aps,
    parse_aps,
)
from protocols.zigbee.aps import APS_COMPILED, APS_STRUCT
from tests.protocols.zigbee.vectors import SCAPY_VECTORS, aps_frames


@pytest.mark.parametrize("name", list(SCAPY_VECTORS))
def test_scapy_built_frames_parse_and_rebuild(name: str) -> None:
    wire = bytes(SCAPY_VECTORS[name])
    frame = parse_aps(wire)
    aps = ZigbeeAppDataPayload(wire)
    assert (frame.frame_type, frame.delivery_mode, frame.counter) == (aps.aps_frametype, aps.delivery_mode, aps.counter)
    assert frame.ack_request == bool(aps.frame_control & 0x04) and frame.ack_format == bool(aps.frame_control & 0x01)
    for ours, theirs in (
        ("dst_endpoint", "dst_endpoint"),
        ("group", "group_addr"),
        ("cluster", "cluster"),
        ("profile", "profile"),
        ("src_endpoint", "src_endpoint"),
    ):
        expected = getattr(aps, theirs) if aps.getfieldval(theirs) is not None and theirs in _present(aps) else None
        assert getattr(frame, ours) == expected, ours
    if aps.frame_control & 0x08:
        assert frame.extended is not None and frame.extended.fragmentation == aps.fragmentation
        assert frame.extended.block_number == (aps.block_number if aps.fragmentation else None)
        assert frame.extended.ack_bitfield == (
            aps.ack_bitfield if aps.fragmentation and aps.aps_frametype == 2 else None
        )
    assert build_aps(frame) == wire


def _present(pkt: ZigbeeAppDataPayload) -> set[str]:
    """Names of the conditional fields scapy actually dissected from the frame."""
    return {f.name for f in pkt.fields_desc if not hasattr(f, "cond") or f.cond(pkt)}


def test_field_presence_is_enforced() -> None:
    with pytest.raises(ZigbeeEncodeError, match="dst_endpoint"):
        ApsFrame(ApsFrameType.DATA, 1, cluster=6, profile=0x104, src_endpoint=1)
    with pytest.raises(ZigbeeEncodeError, match=r"dst_endpoint.*not carried for DATA GROUP"):
        ApsFrame(ApsFrameType.DATA, 1, DeliveryMode.GROUP, dst_endpoint=1, cluster=6, profile=0x104, src_endpoint=1)
    with pytest.raises(ZigbeeEncodeError, match="cluster"):
        ApsFrame(ApsFrameType.COMMAND, 1, cluster=6)
    with pytest.raises(ZigbeeEncodeError, match="block_number"):
        ApsFrame(ApsFrameType.COMMAND, 1, extended=ExtendedHeader(Fragmentation.FIRST))
    with pytest.raises(ZigbeeEncodeError):
        build_aps(ApsFrame(ApsFrameType.COMMAND, 256))


def test_ack_for_data_command_and_fragment() -> None:
    data = parse_aps(bytes(SCAPY_VECTORS["unicast data, ack requested"]))
    assert build_aps(ack_for(data)) == bytes(SCAPY_VECTORS["data ack"])
    assert build_aps(ack_for(ApsFrame(ApsFrameType.COMMAND, 77))) == bytes(SCAPY_VECTORS["command ack"])
    fragment = parse_aps(bytes(SCAPY_VECTORS["first fragment"]))
    ack = ack_for(fragment, block_number=0, ack_bitfield=0x01)
    assert ack.extended == ExtendedHeader(Fragmentation.FIRST, 0, ack_bitfield=0x01)
    assert (ack.dst_endpoint, ack.cluster, ack.counter) == (1, 0x0704, 5)
    with pytest.raises(ZigbeeEncodeError, match="block_number"):
        ack_for(fragment)
    with pytest.raises(ZigbeeEncodeError, match="block_number"):
        ack_for(data, block_number=0, ack_bitfield=1)
    with pytest.raises(ZigbeeEncodeError):
        ack_for(parse_aps(bytes(SCAPY_VECTORS["broadcast data"])))


u8, u16 = st.integers(0, 0xFF), st.integers(0, 0xFFFF)


@given(aps_frames())
def test_values_round_trip(frame: ApsFrame) -> None:
    assert parse_aps(build_aps(frame)) == frame


@given(st.binary(max_size=40))
def test_compiled_and_checked_structs_agree(data: bytes) -> None:
    try:
        checked = APS_STRUCT.parse(data)
    except ConstructError:
        with pytest.raises((ConstructError, struct.error)):
            APS_COMPILED.parse(data)
    else:
        assert APS_COMPILED.parse(data) == checked
