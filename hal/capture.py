"""Write what radios hear to a pcap file Wireshark opens (radio.md 6.6).

`PcapCapture` is a `hal.radio.Receiver`: pass it to `Medium.add_sniffer` for
the whole air, or call it from a radio's receiver for one node's view.
Frames are written as heard: a damaged one (`fcs_ok=False`, promiscuous
mode) keeps its bad FCS, and Wireshark shows it as such.  The
codec (`protocols.pcap`) makes the bytes; this class is the only part that
touches a file.

Crash safety: each record is encoded whole first, written with one `write`
and flushed at once, so a crash or power cut leaves at most whole records
(the OS page cache aside; we do not fsync per frame, which would make
captures of long simulations crawl).  `close()` is idempotent; calling a
closed capture raises `ValueError` rather than losing frames silently.
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import BinaryIO

from protocols.pcap import LINKTYPE_IEEE802_15_4_TAP, PcapRecord, file_header, record

from .radio import ReceivedFrame


class PcapCapture:
    """A pcap file being written, fed with `ReceivedFrame`s; timestamps are `epoch + frame.timestamp`."""

    def __init__(
        self, path: str | os.PathLike[str], *, linktype: int = LINKTYPE_IEEE802_15_4_TAP, epoch: float = 0.0
    ) -> None:
        header = file_header(linktype)  # refuses unknown link types before creating the file
        self.path = path
        self.linktype = linktype
        self.epoch = epoch
        self.frames = 0
        self._file: BinaryIO | None = open(path, "wb")  # noqa: SIM115 - closed by close()
        self._file.write(header)
        self._file.flush()

    def __call__(self, frame: ReceivedFrame) -> None:
        """Append one frame as a whole record and flush it."""
        if self._file is None:
            raise ValueError(f"capture {self.path} is closed")
        rec = PcapRecord(
            self.epoch + frame.timestamp, frame.psdu, frame.channel.page, frame.channel.number, frame.rssi, frame.lqi
        )
        self._file.write(record(rec, self.linktype))
        self._file.flush()
        self.frames += 1

    @property
    def closed(self) -> bool:
        return self._file is None

    def close(self) -> None:
        """Close the file; later calls do nothing."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> PcapCapture:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
