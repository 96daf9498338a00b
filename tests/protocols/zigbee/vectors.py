"""Vectors shared by the ZigBee codec tests: scapy-built APS and NWK frames (an independent encoder),
radio.md 5.2's worked NWK example, a strategy of valid APS frames, and the 802.15.4 framing and pcap
writing with which the tshark checks see them."""

from __future__ import annotations

import struct
from pathlib import Path

import crcmod.predefined
from hypothesis import strategies as st
from scapy.layers.zigbee import ZigbeeAppDataPayload, ZigbeeNWK, ZigbeeNWKCommandPayload, ZigbeeSecurityHeader
from scapy.packet import Raw

from protocols.zigbee import (
    ApsFrame,
    ApsFrameType,
    AuxHeader,
    DeliveryMode,
    ExtendedHeader,
    Fragmentation,
    KeyId,
)

u8, u16 = st.integers(0, 0xFF), st.integers(0, 0xFFFF)
PAN = 0x1A62
_kermit = crcmod.predefined.mkCrcFun("kermit")  # 802.15.4 FCS, radio.md 2.4


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


# source: radio.md 5.2 verified example (decrypted by tshark 4.0.17), MAC header and FCS removed.
RADIO_MD_52 = bytes.fromhex("480200006f791e102823010000776655443322110000d5236129fa947374748e66c9ce56991928")


def scapy_nwk_vectors() -> list[tuple[str, object]]:
    """Frames built by scapy's ZigbeeNWK (an independent encoder)."""
    return [
        (
            "data plain",
            ZigbeeNWK(frametype=0, discover_route=1, destination=0x1234, source=0x0000, radius=30, seqnum=7)
            / Raw(b"\x40\x01"),
        ),
        (
            "data with both IEEE",
            ZigbeeNWK(
                frametype=0,
                flags=0x18,
                destination=0xFFFD,
                source=0x4A2B,
                radius=1,
                seqnum=200,
                ext_dst=0x0011223344556677,
                ext_src=0x8877665544332211,
            )
            / Raw(b"xyz"),
        ),
        (
            "source route",
            ZigbeeNWK(
                frametype=0,
                flags=0x04,
                destination=0x0001,
                source=0x0000,
                radius=5,
                seqnum=1,
                relay_count=2,
                relay_index=1,
                relays=[0x1111, 0x2222],
            )
            / Raw(b"\x00"),
        ),
        (
            "command leave",
            ZigbeeNWK(frametype=1, destination=0x0000, source=0x3344, radius=1, seqnum=9)
            / ZigbeeNWKCommandPayload(cmd_identifier=4, request=1, rejoin=1),
        ),
        (
            "secured",
            ZigbeeNWK(
                frametype=0, flags=0x12, destination=0, source=0x796F, radius=30, seqnum=16, ext_src=0x0102030405060708
            )
            / ZigbeeSecurityHeader(
                extended_nonce=1,
                key_type=1,
                nwk_seclevel=0,
                fc=0xDEADBEEF,
                source=0x0102030405060708,
                key_seqnum=3,
                data=b"\x01\x02\x03\x04\x05",
            ),
        ),
    ]


def mac_data_frame(nwk: bytes, seq: int, dst: int, src: int) -> bytes:
    """An 802.15.4 data frame (FCF 0x8841: short/short, PAN ID compressed) with its FCS."""
    mpdu = struct.pack("<HBHHH", 0x8841, seq, PAN, dst, src) + nwk
    return mpdu + _kermit(mpdu).to_bytes(2, "little")


def write_pcap(path: Path, frames: list[bytes]) -> None:
    """A classic pcap with LINKTYPE_IEEE802_15_4_WITHFCS (195)."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 195)]
    for index, frame in enumerate(frames):
        out.append(struct.pack("<IIII", index, 0, len(frame), len(frame)) + frame)
    path.write_bytes(b"".join(out))
