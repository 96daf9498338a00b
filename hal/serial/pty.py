"""The device side of a pseudo-terminal: what a virtual dongle's firmware writes to and reads from.

Why: a virtual dongle must be reachable exactly like a USB one - a path a
host program opens as a serial port - so that unmodified host software
(bellows, pyspinel, our own `SerialLink`) can be tested against it. A pty
gives that path (`/dev/pts/N`); `link_path` adds a stable symlink to it,
as udev's `/dev/serial/by-id/` links do for real dongles.

`unplug()` closes the pty, which the host sees as the device vanishing
(EIO on its next read), and removes the symlink; `plug()` opens a new pty
and points the symlink at it, so a host that reopens the link path finds
the dongle again. The port keeps the slave side open itself, so the pty
survives hosts opening and closing it, and it sets the line raw so no byte
is translated. Like a UART with nobody listening, output that the host
does not read is dropped (and counted) once the buffer is full.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tty
from collections.abc import Callable

from .ledger import PtyEnd, PtyLedger

LOGGER = logging.getLogger(__name__)
#: Bytes kept for a host that is slow to read before output is dropped.
OUTPUT_LIMIT = 1 << 16
_READ_SIZE = 65536


class PtyPort:
    """A pty whose master side is driven from the running loop (see the module docstring)."""

    def __init__(self, on_data: Callable[[bytes], None], *, link_path: str | None = None) -> None:
        self._on_data = on_data
        self.link_path = link_path
        self._loop: asyncio.AbstractEventLoop | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._ledger_end: PtyEnd | None = None
        self._out = bytearray()
        self.device_path: str | None = None  #: the current /dev/pts/N
        self.dropped_bytes = 0  #: output thrown away because the host was not reading

    @property
    def path(self) -> str:
        """The path hosts open: the link path if one was given, else the pty's own."""
        if self.link_path is not None:
            return self.link_path
        if self.device_path is None:
            raise RuntimeError("the pty is unplugged")
        return self.device_path

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def plug(self) -> str:
        """Open a new pty (and point the link at it); returns `path`."""
        if self._master is not None:
            return self.path
        self._loop = asyncio.get_running_loop()
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self.device_path = os.ttyname(slave)
        if self.link_path is not None:
            temporary = f"{self.link_path}.{os.getpid()}.tmp"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            os.symlink(self.device_path, temporary)
            os.replace(temporary, self.link_path)
        self._ledger_end = PtyLedger.of(self._loop).open_end(os.fstat(slave).st_rdev, "device")
        self._loop.add_reader(master, self._readable)
        LOGGER.debug("pty %s plugged at %s", self.device_path, self.path)
        return self.path

    def unplug(self) -> None:
        """Close the pty: hosts see the device vanish. Idempotent."""
        master, slave = self._master, self._slave
        self._master = self._slave = None
        if master is None:
            return
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(master)
            self._loop.remove_writer(master)
        if self._ledger_end is not None:
            self._ledger_end.close()
            self._ledger_end = None
        self._out.clear()
        if self.link_path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.link_path)
        os.close(master)
        if slave is not None:
            os.close(slave)

    def write(self, data: bytes) -> None:
        """Send `data` to the host; dropped (and counted) while unplugged or when the host stops reading."""
        master = self._master
        if master is None:
            self.dropped_bytes += len(data)
            return
        if not self._out:
            try:
                sent = os.write(master, data)
            except BlockingIOError:
                sent = 0
            except OSError as exc:
                LOGGER.warning("pty %s: write failed: %s", self.device_path, exc)
                self.dropped_bytes += len(data)
                return
            if sent and self._ledger_end is not None:
                self._ledger_end.wrote(sent)
            data = data[sent:]
            if not data:
                return
            assert self._loop is not None
            self._loop.add_writer(master, self._writable)
        if len(self._out) + len(data) > OUTPUT_LIMIT:
            self.dropped_bytes += len(data)
            return
        self._out += data

    def _writable(self) -> None:
        master = self._master
        if master is None or self._loop is None:
            return
        try:
            sent = os.write(master, self._out)
        except BlockingIOError:
            return
        except OSError as exc:
            LOGGER.warning("pty %s: write failed: %s", self.device_path, exc)
            self.dropped_bytes += len(self._out)
            sent = len(self._out)
        else:
            if self._ledger_end is not None:
                self._ledger_end.wrote(sent)
        del self._out[:sent]
        if not self._out:
            self._loop.remove_writer(master)

    def _readable(self) -> None:
        master = self._master
        if master is None:
            return
        try:
            data = os.read(master, _READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:  # cannot happen while we hold the slave open; do not spin on it
            LOGGER.warning("pty %s: read failed: %s", self.device_path, exc)
            self.unplug()
            return
        if self._ledger_end is not None:
            self._ledger_end.read(len(data))
        self._on_data(data)
