"""The pcap codec: our files against scapy's writer, TAP TLVs, read-back and typed errors (radio.md 6.6)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols import pcap
from protocols.pcap import (
    LINKTYPE_IEEE802_15_4_TAP,
    LINKTYPE_IEEE802_15_4_WITHFCS,
    PcapDecodeError,
    PcapEncodeError,
    PcapRecord,
)

ACK = bytes.fromhex("0200560B82")  # radio.md 2.4


def _file(linktype: int, records: list[PcapRecord]) -> bytes:
    return pcap.file_header(linktype) + b"".join(pcap.record(rec, linktype) for rec in records)


def test_withfcs_file_equals_scapy_writer(tmp_path: Path) -> None:
    # source: scapy's PcapWriter (an independent pcap writer) with DLT 195 for Dot15d4FCS.
    from scapy.layers.dot15d4 import Dot15d4FCS
    from scapy.utils import PcapWriter

    path = tmp_path / "scapy.pcap"
    pkt = Dot15d4FCS(ACK)
    pkt.time = 1700000000.25
    with PcapWriter(str(path), linktype=LINKTYPE_IEEE802_15_4_WITHFCS, sync=True) as writer:
        writer.write(pkt)
    theirs = path.read_bytes()
    ours = _file(LINKTYPE_IEEE802_15_4_WITHFCS, [PcapRecord(1700000000.25, ACK)])
    assert ours[24:] == theirs[24:]  # the record, byte for byte
    assert ours[:4] == theirs[:4] and ours[20:24] == theirs[20:24]  # magic and link type
    assert pcap.read(theirs) == (LINKTYPE_IEEE802_15_4_WITHFCS, [PcapRecord(1700000000.25, ACK)])


def test_tap_header_layout() -> None:
    # source: radio.md 6.6 TAP layout: version 0, reserved 0, length (LE), TLVs padded to 4 octets.
    data = pcap.record(PcapRecord(0.0, ACK, page=28, channel=3, rssi=-80.5, lqi=99), LINKTYPE_IEEE802_15_4_TAP)
    tap = data[16:]
    assert tap[:4] == bytes.fromhex("00002400")  # 36 octets of TAP header
    assert tap[4:12] == bytes.fromhex("0000 0100 01000000")  # FCS type: CRC-16
    assert tap[12:20] == bytes.fromhex("0100 0400") + struct.pack("<f", -80.5)  # RSS
    assert tap[20:28] == bytes.fromhex("0300 0300 0300 1c 00")  # channel 3, page 28
    assert tap[28:36] == bytes.fromhex("0a00 0100 63 000000")  # LQI 99
    assert tap[36:] == ACK


def test_roundtrip_both_linktypes() -> None:
    records = [
        PcapRecord(0.0, ACK, 0, 11, -40.0, 255),
        PcapRecord(3599.999999, bytes(127), 29, 62, -101.5, 0),
        PcapRecord(12.5, ACK),  # TAP without link facts
    ]
    linktype, got = pcap.read(_file(LINKTYPE_IEEE802_15_4_TAP, records))
    assert linktype == LINKTYPE_IEEE802_15_4_TAP and got == records
    linktype, got = pcap.read(_file(LINKTYPE_IEEE802_15_4_WITHFCS, records))
    assert linktype == LINKTYPE_IEEE802_15_4_WITHFCS
    assert got == [PcapRecord(r.timestamp, r.psdu) for r in records]


def test_reads_big_endian_nanosecond_files_and_skips_unknown_tlvs() -> None:
    tap = bytes.fromhex("0000 1400") + bytes.fromhex("0200 0400 40420f00") + bytes.fromhex("0a00 0100 07000000")
    data = tap + ACK
    header = struct.pack(">IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, LINKTYPE_IEEE802_15_4_TAP)
    rec = struct.pack(">IIII", 5, 250_000_000, len(data), len(data)) + data
    assert pcap.read(header + rec) == (LINKTYPE_IEEE802_15_4_TAP, [PcapRecord(5.25, ACK, lqi=7)])


@pytest.mark.parametrize(
    "mutate, offset",
    [
        (lambda d: d[:3], 3),  # shorter than the magic
        (lambda d: b"\0\0\0\0" + d[4:], 0),  # not a pcap
        (lambda d: d[:20] + struct.pack("<I", 1) + d[24:], 20),  # Ethernet link type
        (lambda d: d[:30], 30),  # record header cut short
        (lambda d: d[:45], 45),  # record data cut short
        (lambda d: d[:40] + b"\x01" + d[41:], 41),  # TAP version 1
        (lambda d: d[:42] + b"\x1e" + d[43:], 70),  # TAP length (30) ends inside the LQI TLV
    ],
)
def test_bad_files_report_offsets(mutate, offset: int) -> None:  # type: ignore[no-untyped-def]
    good = _file(LINKTYPE_IEEE802_15_4_TAP, [PcapRecord(1.0, ACK, 0, 11, -50.0, 10)])
    with pytest.raises(PcapDecodeError) as info:
        pcap.read(mutate(good))
    assert info.value.offset == offset


@pytest.mark.parametrize(
    "rec, linktype",
    [
        (PcapRecord(-1.0, ACK), LINKTYPE_IEEE802_15_4_WITHFCS),
        (PcapRecord(float("nan"), ACK), LINKTYPE_IEEE802_15_4_WITHFCS),
        (PcapRecord(float("inf"), ACK), LINKTYPE_IEEE802_15_4_WITHFCS),  # round(inf) would raise OverflowError
        (PcapRecord("1.0", ACK), LINKTYPE_IEEE802_15_4_WITHFCS),  # type: ignore[arg-type]
        (PcapRecord(1.0, ACK, lqi=256), LINKTYPE_IEEE802_15_4_TAP),
        (PcapRecord(1.0, ACK, channel=70000), LINKTYPE_IEEE802_15_4_TAP),
        (PcapRecord(1.0, ACK), 1),
    ],
)
def test_unencodable_records(rec: PcapRecord, linktype: int) -> None:
    with pytest.raises(PcapEncodeError):
        pcap.record(rec, linktype)


@given(st.binary(max_size=120))
def test_any_bytes_read_or_fail_cleanly(tail: bytes) -> None:
    data = pcap.file_header(LINKTYPE_IEEE802_15_4_TAP) + tail
    try:
        pcap.read(data)
    except PcapDecodeError as exc:
        assert 24 <= exc.offset <= len(data)


@given(st.integers(0, 40), st.integers(0, 7))
def test_bit_flips_read_or_fail_cleanly(position: int, bit: int) -> None:
    data = bytearray(_file(LINKTYPE_IEEE802_15_4_TAP, [PcapRecord(1.0, ACK, 0, 11, -50.0, 10)]))
    data[24 + position] ^= 1 << bit
    try:
        pcap.read(bytes(data))
    except PcapDecodeError as exc:
        assert 0 <= exc.offset <= len(data)


def test_read_takes_bytes_only() -> None:
    with pytest.raises(TypeError, match="int"):
        pcap.read(5)  # type: ignore[arg-type]
