"""APS codec: scapy-built data/ack/command frames both ways, field-presence rules, properties."""

from __future__ import annotations

import struct

import pytest
from construct import ConstructError
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.zigbee import ZigbeeAppDataPayload
from scapy.packet import Raw

from protocols.zigbee import (
    ApsFrame,
    ApsFrameType,
    AuxHeader,
    DeliveryMode,
    ExtendedHeader,
    Fragmentation,
    KeyId,
    ZigbeeEncodeError,
    ack_for,
    build_aps,
    parse_aps,
)
from protocols.zigbee.aps import _APS, _APS_COMPILED

# Frames built by scapy's ZigbeeAppDataPayload (independent encoder); frame_control flags are
# ack_format=1, security=2, ack_req=4, extended_hdr=8.
SCAPY_VECTORS = {
    "unicast data, ack requested": ZigbeeAppDataPayload(
        frame_control=0x04,
        delivery_mode=0,
        aps_frametype=0,
        dst_endpoint=1,
        cluster=0x0702,
        profile=0x0109,
        src_endpoint=1,
        counter=0x33,
    )
    / Raw(b"\x00\x21\x00\x00\x00"),
    "broadcast data": ZigbeeAppDataPayload(
        frame_control=0,
        delivery_mode=2,
        aps_frametype=0,
        dst_endpoint=0xFF,
        cluster=0x0700,
        profile=0x0109,
        src_endpoint=9,
        counter=4,
    )
    / Raw(b"\x09\x01\x00"),
    "group data": ZigbeeAppDataPayload(
        frame_control=0,
        delivery_mode=3,
        aps_frametype=0,
        group_addr=0xBEEF,
        cluster=6,
        profile=0x0104,
        src_endpoint=1,
        counter=200,
    ),
    "first fragment": ZigbeeAppDataPayload(
        frame_control=0x0C,
        delivery_mode=0,
        aps_frametype=0,
        dst_endpoint=1,
        cluster=0x0704,
        profile=0x0109,
        src_endpoint=1,
        counter=5,
        fragmentation=1,
        block_number=13,
    )
    / Raw(bytes(range(64))),
    "fragment ack": ZigbeeAppDataPayload(
        frame_control=0x08,
        delivery_mode=0,
        aps_frametype=2,
        dst_endpoint=1,
        cluster=0x0704,
        profile=0x0109,
        src_endpoint=1,
        counter=5,
        fragmentation=2,
        block_number=3,
        ack_bitfield=0x0F,
    ),
    "data ack": ZigbeeAppDataPayload(
        frame_control=0,
        delivery_mode=0,
        aps_frametype=2,
        dst_endpoint=1,
        cluster=0x0702,
        profile=0x0109,
        src_endpoint=1,
        counter=0x33,
    ),
    "command ack": ZigbeeAppDataPayload(frame_control=0x01, delivery_mode=0, aps_frametype=2, counter=77),
    "command": ZigbeeAppDataPayload(frame_control=0, delivery_mode=0, aps_frametype=1, counter=1) / Raw(b"\x08\x04"),
}


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


@st.composite
def aps_frames(draw: st.DrawFn) -> ApsFrame:
    """Any valid APS frame: the optional fields drawn to match the kind."""
    frame_type = draw(st.sampled_from(ApsFrameType))
    delivery = draw(st.sampled_from(DeliveryMode))
    ack_format = draw(st.booleans())
    data = frame_type == ApsFrameType.DATA
    data_ack = frame_type == ApsFrameType.ACK and not ack_format
    fragmentation = draw(st.sampled_from(Fragmentation))
    fragmented = fragmentation != Fragmentation.NONE
    extended = draw(
        st.none()
        | st.just(
            ExtendedHeader(
                fragmentation,
                draw(u8) if fragmented else None,
                draw(u8) if fragmented and frame_type == ApsFrameType.ACK else None,
                draw(st.integers(0, 63)),
            )
        )
    )
    aux = draw(
        st.none()
        | st.builds(
            AuxHeader,
            key_id=st.sampled_from([KeyId.DATA, KeyId.KEY_TRANSPORT, KeyId.KEY_LOAD]),
            frame_counter=st.integers(0, 2**32 - 1),
            source=st.none() | st.integers(0, 2**64 - 1),
        )
    )
    return ApsFrame(
        frame_type,
        draw(u8),
        delivery,
        dst_endpoint=draw(u8)
        if (data and delivery in (DeliveryMode.UNICAST, DeliveryMode.BROADCAST)) or data_ack
        else None,
        group=draw(u16) if data and delivery == DeliveryMode.GROUP else None,
        cluster=draw(u16) if data or data_ack else None,
        profile=draw(u16) if data or data_ack else None,
        src_endpoint=draw(u8) if data or data_ack else None,
        ack_request=draw(st.booleans()),
        ack_format=ack_format,
        extended=extended,
        aux=aux,
        payload=draw(st.binary(max_size=30)),
    )


@given(aps_frames())
def test_values_round_trip(frame: ApsFrame) -> None:
    assert parse_aps(build_aps(frame)) == frame


@given(st.binary(max_size=40))
def test_compiled_and_checked_structs_agree(data: bytes) -> None:
    try:
        checked = _APS.parse(data)
    except ConstructError:
        with pytest.raises((ConstructError, struct.error)):
            _APS_COMPILED.parse(data)
    else:
        assert _APS_COMPILED.parse(data) == checked
