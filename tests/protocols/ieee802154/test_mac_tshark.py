"""Frames scapy cannot build, built by us and checked field by field by the real tshark.

scapy's dot15d4 knows only the 2003/2006 PAN ID rule and always writes a
destination PAN, so destination-less frames (GTS request, data to the PAN
coordinator), GTS descriptors, sequence-number suppression and the 2015 PAN ID
compression table (IEEE 802.15.4-2015 table 7-2, radio.md 2.2) are checked
against Wireshark's dissector instead: an independent reading of our bytes.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from protocols import pcap
from protocols.ieee802154 import (
    AckFrame,
    AddrMode,
    AssociationResponse,
    AssociationStatus,
    BeaconFrame,
    CommandFrame,
    CoordinatorRealignment,
    DataFrame,
    Frame,
    FrameType,
    FrameVersion,
    GtsDescriptor,
    GtsFields,
    GtsRequest,
    Header,
    PendingAddresses,
    SecurityHeader,
    SuperframeSpec,
    build,
    parse,
    peek,
)

V2015, V2006 = FrameVersion.V2015, FrameVersion.V2006
SHORT, EXT = AddrMode.SHORT, AddrMode.EXTENDED
D = FrameType.DATA

FRAMES: list[tuple[str, Frame]] = [
    (
        "gts-request",
        CommandFrame(
            Header(FrameType.COMMAND, 4, src_mode=SHORT, src_pan=0x1A62, src_addr=0x796F, ack_request=True),
            GtsRequest(3, receive=True),
        ),
    ),
    (
        "beacon-gts",
        BeaconFrame(
            Header(FrameType.BEACON, 9, src_mode=SHORT, src_pan=0x1A62, src_addr=0),
            SuperframeSpec(5, 3, 8, pan_coordinator=True),
            GtsFields(True, (GtsDescriptor(0x796F, 9, 2), GtsDescriptor(0x0001, 11, 5)), 0b10),
            PendingAddresses((0x0001,), (2, 3)),
        ),
    ),
    ("data-to-coordinator", DataFrame(Header(D, 5, src_mode=SHORT, src_pan=0x1A62, src_addr=0x796F))),
    ("2015-ext-ext-seq-suppressed", DataFrame(Header(D, None, EXT, 0x1A62, 1, EXT, None, 2, version=V2015))),
    (
        "2015-ext-ext-compressed",
        DataFrame(Header(D, 6, EXT, None, 1, EXT, None, 2, pan_id_compression=True, version=V2015)),
    ),
    ("2015-short-ext-both-pans", DataFrame(Header(D, 7, SHORT, 0x1A62, 1, EXT, 0x1A63, 2, version=V2015))),
    (
        "2015-short-short-compressed",
        DataFrame(Header(D, 8, SHORT, 0x1A62, 1, SHORT, None, 2, pan_id_compression=True, version=V2015)),
    ),
    ("2015-no-addresses-pan", DataFrame(Header(D, 9, dst_pan=0x1A62, pan_id_compression=True, version=V2015))),
    ("2015-dst-only-compressed", DataFrame(Header(D, 10, SHORT, None, 0xFFFF, pan_id_compression=True, version=V2015))),
    ("2015-src-only", DataFrame(Header(D, 11, src_mode=EXT, src_pan=0x1A62, src_addr=5, version=V2015))),
    ("2015-ack", AckFrame(Header(FrameType.ACK, 12, version=V2015))),
    (
        "2006-secured-keysource8",
        DataFrame(
            Header(D, 13, SHORT, 0x1A62, 0, SHORT, None, 1, pan_id_compression=True, security=True, version=V2006),
            bytes(range(1, 9)),
            SecurityHeader(5, 3, 77, 0x0011223344556677, 9),
        ),
    ),
    (
        "2015-secured-counter-suppressed",
        DataFrame(
            Header(D, 14, SHORT, 0x1A62, 0, SHORT, None, 1, pan_id_compression=True, security=True, version=V2015),
            bytes(range(1, 9)),
            SecurityHeader(1, 1, None, None, 9),
        ),
    ),
    (
        "assoc-response-denied",
        CommandFrame(
            Header(FrameType.COMMAND, 15, EXT, 0x1A62, 1, EXT, None, 2, pan_id_compression=True, ack_request=True),
            AssociationResponse(0xFFFF, AssociationStatus.ACCESS_DENIED),
        ),
    ),
    (
        "realign-broadcast-page",
        CommandFrame(
            Header(FrameType.COMMAND, 16, SHORT, 0xFFFF, 0xFFFF, EXT, 0x1A62, 2, version=V2006),
            CoordinatorRealignment(0x1A62, 0x0000, 5, 0xFFFF, 29),
        ),
    ),
]
NAMES = [name for name, _ in FRAMES]
FIELDS = [
    "wpan.frame_type",
    "wpan.seq_no",
    "wpan.dst_pan",
    "wpan.dst16",
    "wpan.dst64",
    "wpan.src_pan",
    "wpan.src16",
    "wpan.src64",
    "wpan.fcs_ok",
    "_ws.malformed",
    "wpan.aux_sec.frame_counter",
    "wpan.aux_sec.key_index",
    "wpan.gts.address",
    "wpan.pending16",
    "wpan.pending64",
    "wpan.cmd",
]


@pytest.mark.parametrize("name, frame", FRAMES, ids=NAMES)
def test_round_trip(name: str, frame: Frame) -> None:
    psdu = build(frame)
    assert parse(psdu) == frame
    assert peek(psdu) == frame.header


def _eui(value: int) -> str:
    return ":".join(f"{b:02x}" for b in value.to_bytes(8, "big"))


def _expected(frame: Frame) -> dict[str, str]:
    h = frame.header

    def short(mode: AddrMode, value: int | None) -> str:
        return f"0x{value:04x}" if mode == SHORT and value is not None else ""

    def ext(mode: AddrMode, value: int | None) -> str:
        return _eui(value) if mode == EXT and value is not None else ""

    row = {
        "wpan.frame_type": f"0x{h.frame_type:04x}",
        "wpan.seq_no": "" if h.seq is None else str(h.seq),
        "wpan.dst_pan": "" if h.dst_pan is None else f"0x{h.dst_pan:04x}",
        "wpan.dst16": short(h.dst_mode, h.dst_addr),
        "wpan.dst64": ext(h.dst_mode, h.dst_addr),
        "wpan.src_pan": "" if h.src_pan is None else f"0x{h.src_pan:04x}",
        "wpan.src16": short(h.src_mode, h.src_addr),
        "wpan.src64": ext(h.src_mode, h.src_addr),
        "wpan.fcs_ok": "1",
        "_ws.malformed": "",
        "wpan.aux_sec.frame_counter": "",
        "wpan.aux_sec.key_index": "",
        "wpan.gts.address": "",
        "wpan.pending16": "",
        "wpan.pending64": "",
        "wpan.cmd": "",
    }
    if frame.security is not None:
        if frame.security.frame_counter is not None:
            row["wpan.aux_sec.frame_counter"] = str(frame.security.frame_counter)
        if frame.security.key_index is not None:
            row["wpan.aux_sec.key_index"] = f"0x{frame.security.key_index:02x}"
    if isinstance(frame, BeaconFrame):
        row["wpan.gts.address"] = ",".join(f"0x{d.short_address:04x}" for d in frame.gts.descriptors)
        row["wpan.pending16"] = ",".join(f"0x{a:04x}" for a in frame.pending.short)
        row["wpan.pending64"] = ",".join(_eui(a) for a in frame.pending.extended)
    if isinstance(frame, CommandFrame):
        row["wpan.cmd"] = f"0x{frame.command.ID:02x}"  # type: ignore[union-attr]
    return row


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed (.ci/run installs Debian's)")
def test_tshark_reads_our_frames_as_we_meant_them(tmp_path: Path) -> None:
    path = tmp_path / "ours.pcap"
    linktype = pcap.LINKTYPE_IEEE802_15_4_TAP
    records = [
        pcap.record(pcap.PcapRecord(0.01 * i, build(frame), 0, 11, -60.0, 200), linktype)
        for i, (_, frame) in enumerate(FRAMES)
    ]
    path.write_bytes(pcap.file_header(linktype) + b"".join(records))
    out = subprocess.run(
        [
            "tshark",
            "-r",
            str(path),
            "-T",
            "fields",
            "-E",
            "separator=|",
            *(arg for field in FIELDS for arg in ("-e", field)),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    assert len(out) == len(FRAMES)
    for (name, frame), line in zip(FRAMES, out, strict=False):
        assert dict(zip(FIELDS, line.split("|"), strict=False)) == _expected(frame), name
