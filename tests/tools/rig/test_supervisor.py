"""The two ways a hub is started and checked.

`ProcessSupervisor` runs a real process speaking sd_notify (the install tests run it from real
slots). systemd cannot run inside this test machine, so `SystemdSupervisor` is checked against
stand-in `systemctl` / `journalctl` programs on PATH that record their arguments: what matters
here is which commands it issues, in which order, and how it reads their answers.
"""

from __future__ import annotations

import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.rig.hubconfig import read_settings
from tools.rig.slots import RigLayout
from tools.rig.supervisor import ProcessSupervisor, SystemdSupervisor, supervisor_for

FAKE_SYSTEMCTL = """#!/bin/sh
echo "systemctl $*" >> "{log}"
case "$1" in
    restart) exit {restart} ;;
    is-active) echo {state} ;;
esac
exit 0
"""


def fake_tools(folder: Path, log: Path, *, restart: int, state: str) -> None:
    folder.mkdir()
    scripts = {
        "systemctl": FAKE_SYSTEMCTL.format(log=log, restart=restart, state=state),
        "journalctl": f'#!/bin/sh\necho "journalctl $*" >> "{log}"\necho "commshub: radio missing"\n',
        "systemd-sysusers": f'#!/bin/sh\necho "systemd-sysusers $*" >> "{log}"\n',
        "udevadm": f'#!/bin/sh\necho "udevadm $*" >> "{log}"\n',
    }
    for name, text in scripts.items():
        path = folder / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def listening(rig_root: RigLayout) -> Iterator[socket.socket]:
    """Something accepting connections on the rig's WAN port (as the hub systemd started would)."""
    host, port = read_settings(rig_root.config).probe_address()
    server = socket.create_server((host, port))
    yield server
    server.close()


def test_systemd_mode_restarts_the_unit_then_checks_it_and_the_wan_port(
    rig_root: RigLayout, listening: socket.socket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "calls"
    fake_tools(tmp_path / "bin", log, restart=0, state="active")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    supervisor = SystemdSupervisor(rig_root)
    supervisor.prepare()
    health = supervisor.start(timeout=5)
    assert health.ok and "commshub.service active" in health.detail and "accepts connections" in health.detail
    assert log.read_text().splitlines() == [
        "systemd-sysusers ",
        "udevadm control --reload",
        "udevadm trigger --subsystem-match=tty",
        "systemctl daemon-reload",
        "systemctl enable commshub.service",
        "systemctl restart commshub.service",
        "systemctl is-active commshub.service",
    ]


def test_systemd_mode_reports_a_failed_start_with_the_journal(
    rig_root: RigLayout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "calls"
    fake_tools(tmp_path / "bin", log, restart=1, state="failed")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    health = SystemdSupervisor(rig_root).start(timeout=5)
    assert not health.ok
    assert health.detail == "commshub.service is failed; journal: commshub: radio missing"
    assert "journalctl -u commshub.service -n 5 --no-pager -o cat" in log.read_text()


def test_auto_mode_uses_systemd_only_for_the_running_system(rig_root: RigLayout) -> None:
    assert isinstance(supervisor_for(rig_root, "auto"), ProcessSupervisor)  # a folder root: never systemd
    assert isinstance(supervisor_for(rig_root, "systemd"), SystemdSupervisor)
    assert supervisor_for(rig_root, "none") is None


def test_process_mode_refuses_a_hub_that_never_becomes_ready(rig_root: RigLayout) -> None:
    """A hub that runs but never says READY fails the check at the timeout, and is stopped."""
    command = rig_root.hub_command()
    command.parent.mkdir(parents=True)
    command.write_text("#!/bin/sh\necho starting\ntrap 'exit 0' TERM\nwhile :; do sleep 0.1; done\n")
    command.chmod(0o755)
    supervisor = ProcessSupervisor(rig_root)
    health = supervisor.start(timeout=1)
    assert (health.ok, health.detail) == (False, "no READY within 1 s")
    assert supervisor.running()
    supervisor.stop()
    assert not supervisor.running() and not supervisor.pid_file.exists()
