"""`hal.capture.PcapCapture` writes real pcap files that the real tshark decodes (radio.md 6.6)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hal.capture import PcapCapture
from hal.radio import Channel, ReceivedFrame
from protocols import pcap
from protocols.pcap import LINKTYPE_IEEE802_15_4_TAP, LINKTYPE_IEEE802_15_4_WITHFCS, PcapEncodeError

from ..protocols.ieee802154.scapy_frames import frames

TSHARK = shutil.which("tshark")
needs_tshark = pytest.mark.skipif(TSHARK is None, reason="tshark not installed (.ci/run installs Debian's)")
FIELDS = [
    "frame.time_epoch",
    "wpan.frame_type",
    "wpan.fcs_ok",
    "_ws.malformed",
    "wpan-tap.ch_num",
    "wpan-tap.ch_page",
    "wpan-tap.rss",
    "wpan-tap.lqi",
]


def _received(n: int, psdu: bytes) -> ReceivedFrame:
    channel = Channel(28, n % 27) if n % 2 else Channel(0, 11 + n % 16)
    return ReceivedFrame(psdu, channel, rssi=-100.0 + n, lqi=10 * n, timestamp=0.001 * n)


def _tshark(path: Path) -> list[dict[str, str]]:
    assert TSHARK is not None
    out = subprocess.run(
        [
            TSHARK,
            "-r",
            str(path),
            "-T",
            "fields",
            "-E",
            "separator=|",
            "-E",
            "occurrence=f",
            *(arg for field in FIELDS for arg in ("-e", field)),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return [dict(zip(FIELDS, line.split("|"), strict=False)) for line in out.splitlines()]


def _write(path: Path, linktype: int) -> list[ReceivedFrame]:
    received = [_received(n, bytes(pkt)) for n, (_, pkt) in enumerate(frames())]
    with PcapCapture(path, linktype=linktype, epoch=1_700_000_000.0) as capture:
        for frame in received:
            capture(frame)
        assert capture.frames == len(received)
    return received


@needs_tshark
@pytest.mark.parametrize("linktype", [LINKTYPE_IEEE802_15_4_TAP, LINKTYPE_IEEE802_15_4_WITHFCS])
def test_tshark_decodes_every_frame(tmp_path: Path, linktype: int) -> None:
    path = tmp_path / "capture.pcap"
    received = _write(path, linktype)
    rows = _tshark(path)
    assert len(rows) == len(received)
    for frame, row in zip(received, rows, strict=False):
        assert row["wpan.fcs_ok"] == "1", row
        assert row["_ws.malformed"] == "", row
        assert int(row["wpan.frame_type"], 16) == frame.psdu[0] & 7
        assert float(row["frame.time_epoch"]) == pytest.approx(1_700_000_000.0 + frame.timestamp, abs=1e-6)
        if linktype == LINKTYPE_IEEE802_15_4_TAP:
            assert int(row["wpan-tap.ch_num"]) == frame.channel.number
            assert int(row["wpan-tap.ch_page"]) == frame.channel.page
            assert float(row["wpan-tap.rss"]) == frame.rssi
            assert int(row["wpan-tap.lqi"]) == frame.lqi


@needs_tshark
def test_tshark_flags_a_damaged_frame(tmp_path: Path) -> None:
    # The check above could not pass on garbage: a flipped bit must show as a bad FCS.
    path = tmp_path / "bad.pcap"
    good = bytes(frames()[3][1])
    with PcapCapture(path) as capture:
        capture(ReceivedFrame(good[:-1] + bytes([good[-1] ^ 1]), Channel(0, 15), -60.0, 100, 0.0, fcs_ok=False))
    assert _tshark(path)[0]["wpan.fcs_ok"] == "0"


@pytest.mark.parametrize("linktype", [LINKTYPE_IEEE802_15_4_TAP, LINKTYPE_IEEE802_15_4_WITHFCS])
def test_read_back(tmp_path: Path, linktype: int) -> None:
    path = tmp_path / "capture.pcap"
    received = _write(path, linktype)
    got_linktype, records = pcap.read(path.read_bytes())
    assert got_linktype == linktype
    assert [r.psdu for r in records] == [f.psdu for f in received]
    assert [r.timestamp for r in records] == pytest.approx([1_700_000_000.0 + f.timestamp for f in received])
    if linktype == LINKTYPE_IEEE802_15_4_TAP:
        assert [(r.page, r.channel, r.rssi, r.lqi) for r in records] == [
            (f.channel.page, f.channel.number, f.rssi, f.lqi) for f in received
        ]


def test_whole_records_on_disk_before_close(tmp_path: Path) -> None:
    path = tmp_path / "live.pcap"
    capture = PcapCapture(path, epoch=10.0)
    capture(_received(1, bytes.fromhex("0200560B82")))
    # Flushed per record: a reader (or a crash) sees the complete file so far.
    assert pcap.read(path.read_bytes())[1] == [pcap.PcapRecord(10.001, bytes.fromhex("0200560B82"), 28, 1, -99.0, 10)]
    capture.close()
    capture.close()  # idempotent
    assert capture.closed
    with pytest.raises(ValueError):
        capture(_received(2, bytes.fromhex("0200560B82")))


def test_bad_linktype_creates_no_file(tmp_path: Path) -> None:
    with pytest.raises(PcapEncodeError):
        PcapCapture(tmp_path / "x.pcap", linktype=1)
    assert not (tmp_path / "x.pcap").exists()
