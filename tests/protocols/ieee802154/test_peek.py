"""`peek`, `build_ack` and the FCS functions against scapy-built frames and the radio.md 2.4 examples."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.ieee802154 import (
    AddrMode,
    FrameType,
    Header,
    Ieee802154DecodeError,
    append_fcs,
    build_ack,
    check_fcs,
    fcs16,
    fcs32,
    peek,
)

from .scapy_frames import frames

SCAPY = [(name, bytes(pkt)) for name, pkt in frames()]


def _expected(psdu: bytes) -> dict[str, object]:
    """The header fields as scapy dissects `psdu` (its own, independent reading)."""
    from scapy.layers.dot15d4 import Dot15d4FCS

    pkt = Dot15d4FCS(psdu)
    body = pkt.payload
    dst_mode, src_mode = pkt.fcf_destaddrmode, pkt.fcf_srcaddrmode

    def get(name: str) -> int | None:
        return body.getfieldval(name) if name in body.fields else None

    return dict(
        frame_type=pkt.fcf_frametype,
        seq=pkt.seqnum,
        dst_mode=dst_mode,
        src_mode=src_mode,
        dst_pan=get("dest_panid") if dst_mode else None,
        dst_addr=get("dest_addr") if dst_mode else None,
        src_pan=get("src_panid"),
        src_addr=get("src_addr") if src_mode else None,
        pan_id_compression=bool(pkt.fcf_panidcompress),
        ack_request=bool(pkt.fcf_ackreq),
        frame_pending=bool(pkt.fcf_pending),
        security=bool(pkt.fcf_security),
        version=pkt.fcf_framever,
    )


@pytest.mark.parametrize("name, psdu", SCAPY, ids=[name for name, _ in SCAPY])
def test_peek_agrees_with_scapy(name: str, psdu: bytes) -> None:
    header = peek(psdu)
    got = {key: getattr(header, key) for key in _expected(psdu)}
    assert got == _expected(psdu)
    assert check_fcs(psdu)


# source: radio.md 2.4 worked examples (scapy Dot15d4FCS, crcmod, tshark "FCS: Correct").
PRIMER_DATA = bytes.fromhex("61882A621A00006F79480000006F791E10000102070901013300210000002828")


def test_primer_examples() -> None:
    assert fcs16(b"123456789") == 0x2189 and fcs32(b"123456789") == 0xCBF43926
    assert fcs16(bytes.fromhex("020056")) == 0x820B
    assert append_fcs(bytes.fromhex("020056"), 32) == bytes.fromhex("020056BDF9CD7E")
    assert check_fcs(bytes.fromhex("020056BDF9CD7E"), 32)
    assert append_fcs(bytes.fromhex("030801FFFFFFFF07")) == bytes.fromhex("030801FFFFFFFF07132D")
    assert check_fcs(PRIMER_DATA)
    assert peek(PRIMER_DATA) == Header(
        FrameType.DATA,
        0x2A,
        AddrMode.SHORT,
        0x1A62,
        0x0000,
        AddrMode.SHORT,
        None,
        0x796F,
        pan_id_compression=True,
        ack_request=True,
    )


def test_build_ack_matches_primer_and_scapy() -> None:
    acks = dict(SCAPY)
    assert build_ack(0x56) == bytes.fromhex("0200560B82") == acks["ack"]
    assert build_ack(0x57, frame_pending=True) == acks["ack-pending"]
    assert peek(build_ack(0x57, frame_pending=True)).frame_pending


def test_broadcast_flag() -> None:
    assert peek(dict(SCAPY)["data-broadcast"]).is_broadcast
    assert not peek(PRIMER_DATA).is_broadcast


def test_2015_pan_id_rules_and_seq_suppression() -> None:
    # IEEE 802.15.4-2015 table 7-2 (radio.md 2.2): ext/ext without compression has a destination PAN only,
    # and sequence-number suppression (FCF bit 8) removes the DSN.
    fcf = (1 | 3 << 10 | 2 << 12 | 3 << 14 | 0x100).to_bytes(2, "little")
    psdu = fcf + bytes.fromhex("621a") + (1).to_bytes(8, "little") + (2).to_bytes(8, "little") + b"\0\0"
    header = peek(psdu)
    assert (header.seq, header.dst_pan, header.dst_addr, header.src_pan, header.src_addr) == (None, 0x1A62, 1, None, 2)
    # No addresses, compression set: a destination PAN alone.
    fcf = (1 | 0x40 | 2 << 12).to_bytes(2, "little")
    header = peek(fcf + b"\x07\x62\x1a\0\0")
    assert (header.seq, header.dst_pan, header.dst_mode, header.src_mode) == (7, 0x1A62, AddrMode.NONE, AddrMode.NONE)


@pytest.mark.parametrize(
    "psdu, offset",
    [
        ("", 0),
        ("41", 1),
        ("4188", 2),
        ("41882a62", 4),
        ("41882a621aff", 6),
        ("41882a621affffaa", 8),
        ("0400aa", 0),
        ("4134aa", 1),
        ("41c4aa", 1),
    ],
)
def test_peek_errors_carry_offsets(psdu: str, offset: int) -> None:
    with pytest.raises(Ieee802154DecodeError) as info:
        peek(bytes.fromhex(psdu))
    assert info.value.offset == offset


@given(st.binary(max_size=40))
def test_peek_any_bytes_header_or_clean_error(data: bytes) -> None:
    try:
        peek(data)
    except Ieee802154DecodeError as exc:
        assert 0 <= exc.offset <= len(data)
