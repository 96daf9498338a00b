"""A serial link on the asyncio loop, through any pyserial URL, that comes back when the device does.

Why: every serial radio or dongle driver needs the same four things - open
a path or URL (`/dev/ttyUSB0`, `/dev/serial/by-id/...`, a pty, `socket://`,
`rfc2217://`, `loop://`), get bytes as they arrive without blocking the
loop, write without blocking, and survive a USB dongle being pulled out and
plugged back in. `SerialLink` does these and tells a `LinkListener` when the
link goes up and down; drivers above only deal with bytes.

Reading: ports with a file descriptor (ttys, ptys, `socket://`) are watched
with `loop.add_reader`; the others (`loop://`, `rfc2217://`, whose pyserial
objects keep state in Python) are read by a helper thread. Writing to a file
descriptor is non-blocking with a bounded buffer.

Reconnecting: when a read or write fails, or the device reports end of file,
the link closes the port, reports `link_down`, and tries to reopen the same
URL after 0.05 s, doubling up to `backoff_max` - like a person replugging -
until it succeeds (`link_up`) or `close()` is called. Backoff waits are
`asyncio.sleep`s, so they run on virtual time in simulations.

The first `open()` does not retry unless asked: a wrong path should fail at
once with an error that names it, what was tried, and the likely fix.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import stat
import threading
from dataclasses import dataclass
from typing import Protocol

import serial

from .ledger import PtyEnd, PtyLedger

LOGGER = logging.getLogger(__name__)
#: Bytes we buffer for a device that does not drain its input before the link counts as broken.
WRITE_BUFFER_LIMIT = 1 << 20
_READ_SIZE = 65536


class SerialLinkError(OSError):
    """A serial link fault: the port could not be opened, or the link is down."""


class SerialOpenError(SerialLinkError):
    """The port could not be opened; the message names the URL, what was tried and a likely fix."""


class LinkDown(SerialLinkError):
    """The link is not connected right now (unplugged, closed, or reconnecting)."""


class LinkListener(Protocol):
    """What a driver above the link is told."""

    def link_up(self) -> None: ...

    def data_received(self, data: bytes) -> None: ...

    def link_down(self, error: Exception | None) -> None: ...


@dataclass(frozen=True, slots=True)
class LinkSettings:
    """How to open a port: a path or pyserial URL and the line settings."""

    url: str
    baudrate: int = 115200
    rtscts: bool = False  #: hardware flow control ("flow_control: hardware" in zigpy's terms)
    xonxoff: bool = False
    reconnect: bool = True  #: reopen after the device goes away
    backoff_initial: float = 0.05
    backoff_max: float = 5.0


def _hint(exc: BaseException) -> str:
    code = getattr(exc, "errno", None)
    if code == errno.ENOENT:
        return "no such device: is it plugged in? stable names are in /dev/serial/by-id/"
    if code == errno.EACCES:
        return "permission denied: add the user to the 'dialout' group or add a udev rule"
    if code == errno.EBUSY:
        return "the port is busy: another program (ModemManager, a second commshub) has it open"
    if code == errno.ECONNREFUSED:
        return "nothing listens at that address"
    return "check the path or URL and the device"


def open_port(settings: LinkSettings) -> serial.SerialBase:
    """Open the port now; SerialOpenError naming the URL, the settings tried and a hint."""
    try:
        port = serial.serial_for_url(
            settings.url,
            baudrate=settings.baudrate,
            rtscts=settings.rtscts,
            xonxoff=settings.xonxoff,
            timeout=0,
            do_not_open=True,
        )
        port.open()
    except (serial.SerialException, OSError, ValueError) as exc:
        tried = f"{settings.baudrate} baud, rtscts={settings.rtscts}, xonxoff={settings.xonxoff}"
        raise SerialOpenError(
            getattr(exc, "errno", None) or errno.EIO,
            f"cannot open serial port {settings.url!r} ({tried}): {exc}; {_hint(exc)}",
        ) from exc
    return port


def _file_descriptor(port: serial.SerialBase) -> int | None:
    """The port's fd when the loop can watch it directly (ttys, ptys, sockets)."""
    try:
        fd = port.fileno()
    except (
        AttributeError,
        NotImplementedError,
        OSError,
        serial.SerialException,
    ):  # io.UnsupportedOperation is an OSError
        return None
    return fd if isinstance(fd, int) and fd >= 0 else None


class SerialLink:
    """One serial port on the running loop, reconnecting (see the module docstring)."""

    def __init__(self, settings: LinkSettings, listener: LinkListener) -> None:
        self.settings = settings
        self._listener = listener
        self._loop: asyncio.AbstractEventLoop | None = None
        self._port: serial.SerialBase | None = None
        self._fd: int | None = None
        self._ledger_end: PtyEnd | None = None
        self._out = bytearray()
        self._reader_thread: threading.Thread | None = None
        self._reconnecting: asyncio.Task[None] | None = None
        self._closed = False
        self._up = asyncio.Event()
        self.reconnects = 0  #: times the link came back after going down
        self.last_error: Exception | None = None

    @property
    def connected(self) -> bool:
        return self._port is not None

    @property
    def url(self) -> str:
        return self.settings.url

    async def open(self, *, attempts: int = 1) -> None:
        """Open the port, trying `attempts` times with backoff; SerialOpenError if every try fails."""
        self._loop = asyncio.get_running_loop()
        delay = self.settings.backoff_initial
        for attempt in range(1, attempts + 1):
            try:
                self._attach(open_port(self.settings))
                return
            except SerialOpenError as exc:
                if attempt == attempts:
                    if attempts > 1:
                        raise SerialOpenError(exc.errno, f"{exc.strerror} (tried {attempts} times)") from exc
                    raise
            await asyncio.sleep(delay)
            delay = min(self.settings.backoff_max, delay * 2)

    async def wait_connected(self) -> None:
        """Return once the link is up (at once if it is)."""
        await self._up.wait()

    def write(self, data: bytes) -> None:
        """Queue `data` for the device; LinkDown while the link is not connected."""
        port = self._port
        if port is None:
            raise LinkDown(errno.ENODEV, f"serial link {self.url!r} is {'closed' if self._closed else 'down'}")
        if self._fd is None:
            try:
                port.write(data)
            except (serial.SerialException, OSError) as exc:
                self._lost(exc)
                raise LinkDown(errno.EIO, f"serial link {self.url!r}: write failed: {exc}") from exc
            return
        if not self._out:
            try:
                sent = os.write(self._fd, data)
            except BlockingIOError:
                sent = 0
            except OSError as exc:
                self._lost(exc)
                raise LinkDown(errno.EIO, f"serial link {self.url!r}: write failed: {exc}") from exc
            self._count_written(sent)
            data = data[sent:]
            if not data:
                return
            assert self._loop is not None
            self._loop.add_writer(self._fd, self._writable)
        if len(self._out) + len(data) > WRITE_BUFFER_LIMIT:
            error = SerialLinkError(errno.ENOBUFS, f"serial link {self.url!r}: the device stopped reading")
            self._lost(error)
            raise LinkDown(errno.ENOBUFS, str(error))
        self._out += data

    async def close(self) -> None:
        """Close for good: no more reconnecting. Idempotent."""
        self._closed = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnecting
            self._reconnecting = None
        self._detach()

    # ------------------------------------------------------------ internals
    def _attach(self, port: serial.SerialBase) -> None:
        assert self._loop is not None
        self._port = port
        self._fd = _file_descriptor(port)
        if self._fd is not None:
            os.set_blocking(self._fd, False)
            info = os.fstat(self._fd)
            if stat.S_ISCHR(info.st_mode) and info.st_rdev:
                self._ledger_end = PtyLedger.of(self._loop).open_end(info.st_rdev, "host")
            self._loop.add_reader(self._fd, self._readable)
        else:
            port.timeout = 0.05
            self._reader_thread = threading.Thread(target=self._read_in_thread, args=(port,), daemon=True)
            self._reader_thread.start()
        self._up.set()
        LOGGER.debug("serial link %s up", self.url)
        self._listener.link_up()

    def _detach(self) -> None:
        port, self._port = self._port, None
        self._up.clear()
        if port is None:
            return
        if self._fd is not None and self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._fd)
            self._loop.remove_writer(self._fd)
        self._fd = None
        self._out.clear()
        if self._ledger_end is not None:
            self._ledger_end.close()
            self._ledger_end = None
        with contextlib.suppress(serial.SerialException, OSError):
            port.close()
        thread, self._reader_thread = self._reader_thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=1.0)

    def _count_written(self, count: int) -> None:
        if self._ledger_end is not None and count:
            self._ledger_end.wrote(count)

    def _readable(self) -> None:
        assert self._fd is not None
        try:
            data = os.read(self._fd, _READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._lost(exc)
            return
        if not data:
            self._lost(SerialLinkError(errno.ENODEV, f"serial link {self.url!r}: the device went away (end of file)"))
            return
        if self._ledger_end is not None:
            self._ledger_end.read(len(data))
        self._listener.data_received(data)

    def _writable(self) -> None:
        if self._fd is None or self._loop is None:
            return
        try:
            sent = os.write(self._fd, self._out)
        except BlockingIOError:
            return
        except OSError as exc:
            self._lost(exc)
            return
        self._count_written(sent)
        del self._out[:sent]
        if not self._out:
            self._loop.remove_writer(self._fd)

    def _read_in_thread(self, port: serial.SerialBase) -> None:
        """Reader for ports without a usable fd; hands data to the loop thread."""
        loop = self._loop
        assert loop is not None
        while self._is_current(port):
            try:
                data = port.read(max(1, port.in_waiting))
            except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                if self._is_current(port):
                    loop.call_soon_threadsafe(self._lost, exc)
                return
            if data:
                loop.call_soon_threadsafe(self._deliver_from_thread, port, data)

    def _is_current(self, port: serial.SerialBase) -> bool:
        return self._port is port

    def _deliver_from_thread(self, port: serial.SerialBase, data: bytes) -> None:
        if self._is_current(port):
            self._listener.data_received(data)

    def _lost(self, exc: BaseException) -> None:
        """The device went away: detach, tell the listener, and start reconnecting (unless closed)."""
        if self._port is None:
            return
        error = exc if isinstance(exc, Exception) else SerialLinkError(errno.EIO, str(exc))
        self.last_error = error
        LOGGER.warning("serial link %s lost: %s", self.url, exc)
        self._detach()
        self._listener.link_down(error)
        if self.settings.reconnect and not self._closed and self._loop is not None:
            self._reconnecting = self._loop.create_task(self._reconnect())

    async def _reconnect(self) -> None:
        delay = self.settings.backoff_initial
        while not self._closed:
            await asyncio.sleep(delay)
            try:
                port = open_port(self.settings)
            except SerialOpenError as exc:
                LOGGER.debug("reconnect to %s failed: %s", self.url, exc)
                delay = min(self.settings.backoff_max, delay * 2)
                continue
            self._reconnecting = None
            self.reconnects += 1
            self._attach(port)
            return
