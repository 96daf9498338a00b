"""Starting and stopping the hub of a rig, and the health check an install waits for.

A hub is healthy when (1) it said READY=1 over the notify protocol, which `commshub run` sends
once its WAN port listens and its HAN is formed, and (2) its WAN port accepts a TCP connection
from here. Two ways to get there:

- `SystemdSupervisor` (a Pi: root "/" and systemd running): `systemctl restart commshub` returns
  when a Type=notify unit sent READY=1 or failed; then `systemctl is-active` and the TCP probe.
- `ProcessSupervisor` (no systemd: a container, a chroot, a test root): the installer is the
  service manager. It starts the active slot's `commshub run --config ...` in its own session
  (so it outlives the installer), with `$NOTIFY_SOCKET` naming an abstract socket the installer
  listens on (`hal.service.NotifyListener`), logs to var/log/commshub/hub.log, and keeps the pid
  in run/commshub/hub.pid to stop it later. A hub that exits, or stays silent past the timeout,
  fails the check.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hal.service import NotifyListener
from tools.rig.hubconfig import HubSettings, read_settings
from tools.rig.slots import RigLayout

UNIT = "commshub.service"


@dataclass(frozen=True, slots=True)
class Health:
    ok: bool
    detail: str


class Supervisor(Protocol):
    def prepare(self) -> None:
        """Take in newly installed unit / udev / sysusers files (before the first start)."""

    def start(self, timeout: float) -> Health:
        """Start the active slot's hub and wait (at most `timeout` s) for it to be healthy."""

    def stop(self) -> None:
        """Stop the hub if it runs; returns when it has exited."""

    def running(self) -> bool: ...


def probe_wan(settings: HubSettings, timeout: float) -> Health:
    """Whether the hub's WAN port accepts a TCP connection within `timeout` seconds."""
    host, port = settings.probe_address()
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=max(0.1, deadline - time.monotonic())):
                return Health(True, f"WAN {host}:{port} accepts connections")
        except OSError as exc:
            if time.monotonic() >= deadline:
                return Health(False, f"WAN {host}:{port} does not answer ({exc})")
        time.sleep(0.1)


class ProcessSupervisor:
    """The installer as the service manager (no systemd)."""

    def __init__(self, layout: RigLayout) -> None:
        self.layout = layout
        self._children: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def pid_file(self) -> Path:
        return self.layout.run_dir / "hub.pid"

    @property
    def log_file(self) -> Path:
        return self.layout.log_dir / "hub.log"

    def prepare(self) -> None:
        """Nothing to reload without systemd."""

    def start(self, timeout: float) -> Health:
        settings = read_settings(self.layout.config)
        Path(settings.state_file).parent.mkdir(parents=True, exist_ok=True)  # systemd's StateDirectory=
        self.layout.run_dir.mkdir(parents=True, exist_ok=True)
        self.layout.log_dir.mkdir(parents=True, exist_ok=True)
        command = [str(self.layout.hub_command()), "run", "--config", str(self.layout.config)]
        with NotifyListener(f"@commshub-rig-{uuid.uuid4().hex}") as listener, self.log_file.open("ab") as log:
            environment = {**os.environ, **listener.env()}
            for name in ("WATCHDOG_USEC", "WATCHDOG_PID", "PYTHONPATH"):
                environment.pop(name, None)
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=environment, start_new_session=True
            )
            self._children[process.pid] = process
            self.pid_file.write_text(f"{process.pid}\n", encoding="utf-8")
            ready = self._wait_ready(listener, process, timeout)
        if not ready.ok:
            return ready
        wan = probe_wan(settings, timeout=max(1.0, timeout / 4))
        return Health(wan.ok, f"{ready.detail}; {wan.detail}")

    def _wait_ready(self, listener: NotifyListener, process: subprocess.Popen[bytes], timeout: float) -> Health:
        deadline = time.monotonic() + timeout
        status = ""
        while (left := deadline - time.monotonic()) > 0:
            message = listener.receive(timeout=min(0.2, left))
            if message is not None:
                status = message.get("STATUS", status)
                if message.get("READY") == "1":
                    return Health(True, "READY" + (f" ({status})" if status else ""))
            code = process.poll()
            if code is not None:
                return Health(False, f"the hub exited with status {code} before READY; {self._log_tail()}")
        return Health(False, f"no READY within {timeout:g} s" + (f" (last status: {status})" if status else ""))

    def _log_tail(self, lines: int = 3) -> str:
        try:
            tail = self.log_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]
        except FileNotFoundError:
            return "no log"
        return "log: " + " | ".join(tail)

    def _pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text(encoding="utf-8").strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if self._is_our_hub(pid) else None

    def _is_our_hub(self, pid: int) -> bool:
        """The pid still runs this rig's hub (not a reused pid, not a zombie)."""
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        state = stat.rpartition(")")[2].split()[0]
        return state != "Z" and str(self.layout.config).encode() in command

    def running(self) -> bool:
        return self._pid() is not None

    def stop(self, timeout: float = 15.0) -> None:
        pid = self._pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return
        os.kill(pid, signal.SIGTERM)
        if not self._wait_exit(pid, timeout):
            os.kill(pid, signal.SIGKILL)
            self._wait_exit(pid, timeout)
        self.pid_file.unlink(missing_ok=True)

    def _wait_exit(self, pid: int, timeout: float) -> bool:
        child = self._children.get(pid)
        if child is not None:
            try:
                child.wait(timeout)
            except subprocess.TimeoutExpired:
                return False
            del self._children[pid]
            return True
        deadline = time.monotonic() + timeout
        while self._is_our_hub(pid):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True


class SystemdSupervisor:
    """systemd runs the hub (a Pi): the unit in /etc/systemd/system, Type=notify."""

    def __init__(self, layout: RigLayout) -> None:
        self.layout = layout

    def _systemctl(self, *arguments: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["systemctl", *arguments], capture_output=True, text=True, timeout=timeout, check=False)

    def prepare(self) -> None:
        subprocess.run(["systemd-sysusers"], capture_output=True, check=False)
        subprocess.run(["udevadm", "control", "--reload"], capture_output=True, check=False)
        subprocess.run(["udevadm", "trigger", "--subsystem-match=tty"], capture_output=True, check=False)
        self._systemctl("daemon-reload")
        self._systemctl("enable", UNIT)

    def start(self, timeout: float) -> Health:
        try:
            started = self._systemctl("restart", UNIT, timeout=timeout)
        except subprocess.TimeoutExpired:
            return Health(False, f"systemctl restart {UNIT} did not return within {timeout:g} s")
        active = self._systemctl("is-active", UNIT).stdout.strip()
        if started.returncode != 0 or active != "active":
            journal = subprocess.run(
                ["journalctl", "-u", UNIT, "-n", "5", "--no-pager", "-o", "cat"], capture_output=True, text=True
            ).stdout
            return Health(False, f"{UNIT} is {active or 'not active'}; journal: {' | '.join(journal.splitlines())}")
        wan = probe_wan(read_settings(self.layout.config), timeout=max(1.0, timeout / 4))
        return Health(wan.ok, f"{UNIT} active (READY); {wan.detail}")

    def stop(self) -> None:
        self._systemctl("stop", UNIT)

    def running(self) -> bool:
        return self._systemctl("is-active", UNIT).stdout.strip() == "active"


def systemd_running() -> bool:
    """systemd is this machine's init (sd_booted(3): /run/systemd/system exists)."""
    return Path("/run/systemd/system").is_dir()


def supervisor_for(layout: RigLayout, mode: str) -> Supervisor | None:
    """`mode`: "systemd", "process", "none" (no start, no check) or "auto" (systemd when it runs the root)."""
    if mode == "none":
        return None
    if mode == "systemd" or (mode == "auto" and layout.root == Path("/") and systemd_running()):
        return SystemdSupervisor(layout)
    return ProcessSupervisor(layout)
