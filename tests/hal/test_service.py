"""hal.service: the sd_notify protocol against real AF_UNIX datagram sockets (sd_notify(3))."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from pathlib import Path

import pytest

from hal import clock, service
from hal.service import NotifyListener, ServiceNotifier, parse_message


def test_without_notify_socket_every_call_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    assert not service.notify_ready()
    assert not service.notify_status("x")
    assert not service.notify_watchdog()
    assert not service.notify_stopping()
    assert service.watchdog_interval() is None


def test_module_functions_reach_the_socket_named_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with NotifyListener(tmp_path / "notify") as listener:
        monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
        assert service.notify_status("forming\nthe HAN")
        assert service.notify_ready("serving on 127.0.0.1:8765")
        assert service.notify_watchdog()
        assert service.notify_stopping()
        messages = [listener.receive(timeout=5) for _ in range(4)]
    assert messages == [
        {"STATUS": "forming the HAN"},  # one line: a newline would start a new field
        {"READY": "1", "STATUS": "serving on 127.0.0.1:8765"},
        {"WATCHDOG": "1"},
        {"STOPPING": "1"},
    ]
    assert not (tmp_path / "notify").exists()  # the listener removes its socket file


def test_abstract_socket_names_start_with_at(monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"commshub-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as manager:  # bound by hand, not by our listener
        manager.bind(b"\0" + name.encode())
        manager.settimeout(5)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert service.notify_ready()
        assert manager.recv(4096) == b"READY=1"


def test_a_vanished_manager_is_reported_not_raised(tmp_path: Path) -> None:
    notifier = ServiceNotifier(str(tmp_path / "gone"))
    assert notifier.ready() is False
    with NotifyListener(tmp_path / "closed"):
        pass
    assert ServiceNotifier(str(tmp_path / "closed")).watchdog() is False


@pytest.mark.parametrize(
    "environ, interval",
    [
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "4242"}, 15.0),  # WatchdogSec=30: ping every 15 s
        ({"WATCHDOG_USEC": "5000000"}, 2.5),  # no PID given: meant for us
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, None),  # another process's watchdog
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
        ({}, None),
    ],
)
def test_watchdog_interval_is_half_the_managers_timeout(environ: dict[str, str], interval: float | None) -> None:
    assert ServiceNotifier.from_environment({"NOTIFY_SOCKET": "/x", **environ}, pid=4242).watchdog_interval == interval


def test_keep_alive_pings_every_interval_on_the_loops_clock(tmp_path: Path) -> None:
    notifier = ServiceNotifier.from_environment(
        {"NOTIFY_SOCKET": str(tmp_path / "wd"), "WATCHDOG_USEC": "3000000"}, pid=os.getpid()
    )

    async def scenario(listener: NotifyListener) -> None:
        task = asyncio.create_task(notifier.keep_alive())
        await asyncio.sleep(10)  # virtual seconds: pings at 0, 1.5, ..., 9.0
        task.cancel()

    with NotifyListener(tmp_path / "wd") as listener:
        clock.run(scenario(listener), virtual=True)
        pings = []
        while (message := listener.receive(timeout=0.5)) is not None:
            pings.append(message)
    assert pings == [{"WATCHDOG": "1"}] * 7


def test_keep_alive_returns_at_once_without_a_watchdog() -> None:
    clock.run(ServiceNotifier(None).keep_alive(), virtual=True)


def test_parse_message_keeps_key_value_lines_only() -> None:
    assert parse_message(b"READY=1\ngarbage\nSTATUS=a=b\n=x") == {"READY": "1", "STATUS": "a=b"}
