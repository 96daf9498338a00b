"""Write what radios hear to a pcap file Wireshark opens (radio.md 6.6).

`PcapCapture` is a `hal.radio.Receiver`: pass it to `Medium.add_sniffer` for
the whole air, or call it from a radio's receiver for one node's view.
Frames are written as heard: a damaged one (`fcs_ok=False`, promiscuous
mode) keeps its bad FCS, and Wireshark shows it as such.  The
codec (`protocols.pcap`) makes the bytes; this class is the only part that
touches a file.

Crash safety: each record is encoded whole first and handed to the OS at
once (the file is unbuffered), so a crash or power cut leaves at most whole
records (the OS page cache aside; we do not fsync per frame, which would
make captures of long simulations crawl).

A full disk (ENOSPC), a file size limit (EFBIG) or any other write error
does not leave a torn record: the file is cut back to the last whole record,
closed, and `CaptureError` names the path, the frames written and the cause.
The file stays a readable capture of those frames. `close()` is idempotent;
calling a closed capture raises `ValueError` (as a closed file does) rather
than losing frames silently.
"""

from __future__ import annotations

import contextlib
import os
from types import TracebackType
from typing import BinaryIO

from protocols.pcap import LINKTYPE_IEEE802_15_4_TAP, PcapRecord, file_header, record

from .radio import ReceivedFrame


class CaptureError(Exception):
    """A capture could not be written; `path` holds the `frames` whole records written before it failed."""

    def __init__(self, path: str, frames: int, reason: str) -> None:
        self.path, self.frames, self.reason = path, frames, reason
        super().__init__(f"{path}: {reason} ({frames} whole frames written, the file ends with the last of them)")


class PcapCapture:
    """A pcap file being written, fed with `ReceivedFrame`s; timestamps are `epoch + frame.timestamp`.

    Raises `CaptureError` (from the constructor or a call) when the file
    cannot be created or written.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, linktype: int = LINKTYPE_IEEE802_15_4_TAP, epoch: float = 0.0
    ) -> None:
        header = file_header(linktype)  # refuses unknown link types before creating the file
        self.path = os.fspath(path)
        self.linktype = linktype
        self.epoch = epoch
        self.frames = 0
        self._size = 0  # octets of whole records (and the header) on disk
        try:
            self._file: BinaryIO | None = open(self.path, "wb", buffering=0)  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise CaptureError(self.path, 0, f"cannot create it ({exc.strerror or exc})") from exc
        self._append(header)

    def __call__(self, frame: ReceivedFrame) -> None:
        """Append one frame as a whole record."""
        if self._file is None:
            raise ValueError(f"capture {self.path} is closed")
        rec = PcapRecord(
            self.epoch + frame.timestamp, frame.psdu, frame.channel.page, frame.channel.number, frame.rssi, frame.lqi
        )
        self._append(record(rec, self.linktype))
        self.frames += 1

    def _append(self, data: bytes) -> None:
        """Write `data` whole, or cut the file back to its last whole record and raise CaptureError."""
        file = self._file
        assert file is not None
        view = memoryview(data)
        try:
            while view:
                written = file.write(view)
                if not written:  # a raw file returns None or 0 only when it cannot take more
                    raise OSError(f"the file took no more of a {len(data)}-octet record")
                view = view[written:]
        except OSError as exc:
            self._cut_back()
            raise CaptureError(self.path, self.frames, exc.strerror or str(exc)) from exc
        self._size += len(data)

    def _cut_back(self) -> None:
        """Drop a partly written record (truncating frees space, so it works on a full disk too) and close."""
        file = self._file
        self._file = None
        if file is None:
            return
        with contextlib.suppress(OSError):  # a device that cannot be truncated (/dev/full) holds no file to tear
            file.truncate(self._size)
        file.close()

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
