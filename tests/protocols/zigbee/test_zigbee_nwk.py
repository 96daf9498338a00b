"""NWK header codec: radio.md 5.2 worked example, scapy-built frames both ways, properties."""

from __future__ import annotations

import struct

import pytest
from construct import ConstructError
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.zigbee import ZigbeeNWK, ZigbeeSecurityHeader

from protocols.zigbee import (
    AuxHeader,
    KeyId,
    NwkFrame,
    NwkFrameType,
    SourceRoute,
    ZigbeeDecodeError,
    ZigbeeEncodeError,
    build_nwk,
    parse_nwk,
)
from protocols.zigbee.nwk import NWK_COMPILED, NWK_STRUCT
from tests.protocols.zigbee.vectors import RADIO_MD_52, scapy_nwk_vectors


def test_radio_md_example_fields_and_rebuild() -> None:
    frame = parse_nwk(RADIO_MD_52)
    assert (frame.frame_type, frame.dst, frame.src, frame.radius, frame.seq) == (NwkFrameType.DATA, 0, 0x796F, 30, 16)
    assert (frame.discover_route, frame.protocol_version) == (1, 2)
    assert frame.aux == AuxHeader(KeyId.NETWORK, 0x123, source=0x0011223344556677, key_seq=0)
    assert frame.payload == bytes.fromhex("d5236129fa947374748e66c9ce56991928")
    assert frame.header_size == len(RADIO_MD_52) - len(frame.payload)
    assert build_nwk(frame) == RADIO_MD_52


@pytest.mark.parametrize("name, pkt", scapy_nwk_vectors(), ids=[n for n, _ in scapy_nwk_vectors()])
def test_scapy_built_frames_parse_and_rebuild(name: str, pkt: ZigbeeNWK) -> None:
    wire = bytes(pkt)
    frame = parse_nwk(wire)
    nwk = ZigbeeNWK(wire)
    assert frame.frame_type == nwk.frametype and frame.discover_route == nwk.discover_route
    assert (frame.dst, frame.src, frame.radius, frame.seq) == (nwk.destination, nwk.source, nwk.radius, nwk.seqnum)
    assert frame.dst_ieee == (nwk.ext_dst if nwk.flags & 0x08 else None)
    assert frame.src_ieee == (nwk.ext_src if nwk.flags & 0x10 else None)
    if nwk.flags & 0x04:
        assert frame.source_route == SourceRoute(nwk.relay_index, tuple(nwk.relays))
    if nwk.flags & 0x02:
        sec = nwk[ZigbeeSecurityHeader]
        assert frame.aux == AuxHeader(KeyId(sec.key_type), sec.fc, source=sec.source, key_seq=sec.key_seqnum)
    assert build_nwk(frame) == wire


ieee = st.none() | st.integers(0, 2**64 - 1)
u16 = st.integers(0, 0xFFFF)
u8 = st.integers(0, 0xFF)
auxes = st.none() | st.builds(
    AuxHeader,
    key_id=st.just(KeyId.NETWORK),
    frame_counter=st.integers(0, 2**32 - 1),
    source=ieee,
    key_seq=u8,
    level=st.integers(0, 7),
)

frames = st.builds(
    NwkFrame,
    frame_type=st.sampled_from(NwkFrameType),
    dst=u16,
    src=u16,
    seq=u8,
    radius=u8,
    discover_route=st.integers(0, 3),
    protocol_version=st.integers(0, 15),
    dst_ieee=ieee,
    src_ieee=ieee,
    multicast_control=st.none() | u8,
    source_route=st.none() | st.builds(SourceRoute, relay_index=u8, relays=st.lists(u16, max_size=5).map(tuple)),
    end_device_initiator=st.booleans(),
    aux=auxes,
    payload=st.binary(max_size=40),
)


@given(frames)
def test_values_round_trip_and_scapy_agrees(frame: NwkFrame) -> None:
    wire = build_nwk(frame)
    assert parse_nwk(wire) == frame
    assert len(wire) == frame.header_size + len(frame.payload)
    if frame.multicast_control is None:  # scapy's ZigbeeNWK has no multicast-control field
        nwk = ZigbeeNWK(wire)
        assert (nwk.destination, nwk.source, nwk.seqnum, nwk.radius) == (frame.dst, frame.src, frame.seq, frame.radius)
        if frame.src_ieee is not None:
            assert nwk.ext_src == frame.src_ieee


@given(st.binary(max_size=60))
def test_compiled_and_checked_structs_agree(data: bytes) -> None:
    try:
        checked = NWK_STRUCT.parse(data)
    except ConstructError:
        with pytest.raises((ConstructError, struct.error)):
            NWK_COMPILED.parse(data)
    else:
        assert NWK_COMPILED.parse(data) == checked


def test_bad_values_are_encode_errors() -> None:
    with pytest.raises(ZigbeeEncodeError):
        build_nwk(NwkFrame(NwkFrameType.DATA, dst=0x10000, src=0, seq=0))
    with pytest.raises(ZigbeeEncodeError):
        AuxHeader(KeyId.NETWORK, 1)  # network key without key sequence number


def test_truncated_and_reserved_type_errors_carry_offsets() -> None:
    with pytest.raises(ZigbeeDecodeError) as err:
        parse_nwk(RADIO_MD_52[:12])
    assert err.value.offset == 12 and "frame_counter" in err.value.field
    with pytest.raises(ZigbeeDecodeError) as err:
        parse_nwk(b"\x03\x00" + bytes(8), base=100)  # inter-PAN is refused
    assert 100 <= err.value.offset <= 110
