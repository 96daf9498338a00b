"""The service manager's notify protocol (sd_notify): both ends, standard library only.

Why here: telling systemd "ready", "still alive" and "stopping" is a contact with the world (a
datagram to a socket), so it lives in `hal`; `commshub run` calls it, and the rig installer uses
the listening end to health-check a hub when no systemd is running (a container, a test, a
chroot).

The protocol (systemd's `sd_notify(3)`, "Notify socket" in `systemd.exec(5)`):
- the manager passes the socket's address in `$NOTIFY_SOCKET`: a filesystem path, or an abstract
  socket name written with a leading `@` (the `@` stands for the leading NUL byte);
- the service sends AF_UNIX datagrams of newline-separated `KEY=VALUE` lines: `READY=1` when it
  serves, `STATUS=...` free text for `systemctl status`, `WATCHDOG=1` as a keep-alive, and
  `STOPPING=1` when it begins to shut down;
- with `WatchdogSec=`, the manager sets `$WATCHDOG_USEC` (and `$WATCHDOG_PID`, the process that
  must ping); the service pings at least every half of that interval, as `sd_watchdog_enabled(3)`
  advises, or the manager kills and restarts it.

Without `$NOTIFY_SOCKET` every call is a no-op returning False, so `commshub run` calls them
unconditionally. A send that fails (the listener went away) is logged, never raised: a hub must
not stop serving because nobody listens to its status.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

LOGGER = logging.getLogger(__name__)

#: Largest datagram we accept from a service (systemd's own limit on notify messages is similar).
MAX_MESSAGE_SIZE = 4096


def socket_address(name: str) -> str | bytes:
    """The `socket.connect`/`bind` address of `$NOTIFY_SOCKET` text: `@name` is abstract (NUL first)."""
    if name.startswith("@"):
        return b"\0" + name[1:].encode()
    return name


@dataclass(frozen=True, slots=True)
class ServiceNotifier:
    """The service's end: sends notify messages to `address`, or nothing when it is None.

    Build it with `from_environment()`; the watchdog fields come from `$WATCHDOG_USEC` and
    `$WATCHDOG_PID` (a watchdog meant for another process of the service is not ours).
    """

    address: str | None
    watchdog_usec: int | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, *, pid: int | None = None) -> ServiceNotifier:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET") or None
        usec_text, pid_text = env.get("WATCHDOG_USEC", ""), env.get("WATCHDOG_PID", "")
        own_pid = os.getpid() if pid is None else pid
        watchdog: int | None = None
        if usec_text.isdigit() and int(usec_text) > 0 and (not pid_text or pid_text == str(own_pid)):
            watchdog = int(usec_text)
        return cls(address, watchdog)

    @property
    def watchdog_interval(self) -> float | None:
        """Seconds between two `WATCHDOG=1` pings (half the manager's timeout), None when not asked for."""
        return None if self.watchdog_usec is None else self.watchdog_usec / 2_000_000

    def notify(self, **fields: str) -> bool:
        """Send `KEY=VALUE` lines (keys upper-cased); True when a manager received the datagram."""
        if self.address is None:
            return False
        message = "\n".join(f"{key.upper()}={value}" for key, value in fields.items()).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(socket_address(self.address))
                sock.sendall(message)
        except OSError as exc:
            LOGGER.debug("notify socket %s: %s", self.address, exc)
            return False
        return True

    def ready(self, status: str | None = None) -> bool:
        """The service serves (for the hub: WAN port listening and HAN formed)."""
        return self.notify(ready="1", **({} if status is None else {"status": status}))

    def status(self, text: str) -> bool:
        """A one-line state for `systemctl status` (newlines are flattened: one line per field)."""
        return self.notify(status=" ".join(text.split()))

    def watchdog(self) -> bool:
        """The keep-alive ping `WatchdogSec=` waits for."""
        return self.notify(watchdog="1")

    def stopping(self, status: str | None = None) -> bool:
        """The service begins an orderly shutdown."""
        return self.notify(stopping="1", **({} if status is None else {"status": status}))

    async def keep_alive(self) -> None:
        """Ping the watchdog every `watchdog_interval` seconds until cancelled; returns at once without one.

        Run it as a task on the hub's real-time loop: if the loop stalls, the pings stop and the
        manager restarts the hub, which is the point of the watchdog.
        """
        interval = self.watchdog_interval
        if interval is None:
            return
        while True:
            self.watchdog()
            await asyncio.sleep(interval)


def notify_ready(status: str | None = None) -> bool:
    """`READY=1` to the manager named by this process's environment (no-op without `$NOTIFY_SOCKET`)."""
    return ServiceNotifier.from_environment().ready(status)


def notify_status(text: str) -> bool:
    """`STATUS=text` to the manager named by this process's environment."""
    return ServiceNotifier.from_environment().status(text)


def notify_watchdog() -> bool:
    """`WATCHDOG=1` to the manager named by this process's environment."""
    return ServiceNotifier.from_environment().watchdog()


def notify_stopping(status: str | None = None) -> bool:
    """`STOPPING=1` to the manager named by this process's environment."""
    return ServiceNotifier.from_environment().stopping(status)


def watchdog_interval() -> float | None:
    """Seconds between watchdog pings asked of this process (half of `$WATCHDOG_USEC`), else None."""
    return ServiceNotifier.from_environment().watchdog_interval


def parse_message(data: bytes) -> dict[str, str]:
    """The `KEY=VALUE` lines of one notify datagram; lines without `=` are ignored, as systemd does."""
    fields: dict[str, str] = {}
    for line in data.decode("utf-8", errors="replace").splitlines():
        key, sep, value = line.partition("=")
        if sep and key:
            fields[key] = value
    return fields


class NotifyListener:
    """The manager's end: a datagram socket a service's `$NOTIFY_SOCKET` can name.

    The rig installer binds one in a private directory, starts the hub with `env()`, and reads
    its messages until `READY=1` (or the hub exits). `name` is a path, or `@name` for an abstract
    socket (no file). Use as a context manager: the socket and its file are removed on exit.
    """

    def __init__(self, name: str | Path) -> None:
        self.name = str(name)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        try:
            self._sock.bind(socket_address(self.name))
        except OSError:
            self._sock.close()
            raise
        self.received: list[dict[str, str]] = []

    def env(self) -> dict[str, str]:
        """The variable a service needs to reach this listener."""
        return {"NOTIFY_SOCKET": self.name}

    def fileno(self) -> int:
        return self._sock.fileno()

    def receive(self, timeout: float) -> dict[str, str] | None:
        """The next message within `timeout` seconds (also kept in `received`), else None."""
        self._sock.settimeout(timeout)
        try:
            data = self._sock.recv(MAX_MESSAGE_SIZE)
        except TimeoutError:
            return None
        fields = parse_message(data)
        self.received.append(fields)
        return fields

    def close(self) -> None:
        self._sock.close()
        if not self.name.startswith("@"):
            Path(self.name).unlink(missing_ok=True)

    def __enter__(self) -> NotifyListener:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
