"""`commshub dongle --protocol ezsp` (the installed script, a separate process) and `commshub home --radio ezsp:LINK`.

The bench set-up without the stick: the virtual EZSP dongle with the home's
meters, and the hub's zigpy code on bellows through the pty's by-id-like
link. Same home and seed on both sides: the hub admits exactly the dongle's
devices by install code, they join, and every meter's reads succeed.
Ctrl-C (SIGINT) unplugs the dongle cleanly.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools.cli import main

#: A bench: the hub, an electricity meter (a router) and a display (mains end device). A sleepy gas
#: meter's interview waits for its polls, too slow for a real-time test.
BENCH = """
name = "bench"
description = "hub, electricity meter and display on one table"
size = [4.0, 4.0]

[[levels]]
level = 0
height = 2.5

[[nodes]]
name = "hub"
role = "hub"
level = 0
at = [1.0, 1.0]
height = 1.0

[[nodes]]
name = "esme"
role = "esme"
level = 0
at = [1.5, 1.0]
height = 1.0

[[nodes]]
name = "ihd"
role = "ihd"
level = 0
at = [3.0, 3.0]
height = 1.0
"""


def _start_dongle(link: Path, home: Path) -> tuple[subprocess.Popen[bytes], list[str]]:
    command = [sys.executable, "-m", "tools.cli", "dongle", "--protocol", "ezsp", "--home", str(home)]
    command += ["--seed", "4", "--link", str(link), "--channel", "15", "--retry", "1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    out = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and b"dongle at" not in out:
        ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(process.stdout.fileno(), 4096) if ready else b""
        if not chunk:
            break
        out += chunk
    lines = out.decode().splitlines()
    if not lines or not lines[-1].startswith("ezsp dongle at"):
        process.kill()
        raise AssertionError(f"the dongle did not start: {lines}")
    return process, lines


def test_home_runs_on_the_virtual_ezsp_dongle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    link = tmp_path / "usb-commshub_EZSP-if00"
    home = tmp_path / "bench.toml"
    home.write_text(BENCH)
    dongle, startup = _start_dongle(link, home)
    try:
        assert startup[-1] == f"ezsp dongle at {link}"
        devices = [line.split()[1] for line in startup if line.startswith("device ")]
        assert devices == ["esme", "ihd"]
        command = ["home", "--radio", f"ezsp:{link}?baudrate=115200", "--home", str(home), "--seed", "4"]
        code = main([*command, "--hours", "0.0015"])
        code_args = (code, capsys.readouterr())
        # zigpy-cli, another host, backs the same stick up: the network the hub left on it
        backup_path = tmp_path / "backup.json"
        zigpy_cli = "import sys; from zigpy_cli.__main__ import cli; sys.exit(cli())"  # the `zigpy` script
        cli = [sys.executable, "-c", zigpy_cli, "radio", "ezsp", str(link), "backup", str(backup_path)]
        subprocess.run(cli, capture_output=True, timeout=60, check=True)
        backup = json.loads(backup_path.read_text())
    finally:
        dongle.send_signal(signal.SIGINT)
        _, err_bytes = dongle.communicate(timeout=30)
        err = err_bytes.decode()
    exit_code, captured = code_args
    assert exit_code == 0, captured.out + captured.err
    rows = [line.split() for line in captured.out.splitlines() if line.startswith("  ")]
    assert [row[0] for row in rows] == ["esme", "ihd"]
    assert all(row[3].startswith("0x") for row in rows)  # every device joined
    assert captured.out.splitlines()[-1] == "result: OK"
    assert dongle.returncode == 0 and "dongle: unplugged" in err
    key = captured.out.splitlines()[0].split("network key ")[1]
    assert backup["network_key"]["key"].replace(":", "") == key
    assert backup["channel"] == 15
    assert not link.exists()


def test_bad_radio_values_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["home", "--radio", "carrier-pigeon:/dev/null"]) == 2
    assert "unknown radio 'carrier-pigeon'" in capsys.readouterr().err
    assert main(["home", "--radio", "ezsp"]) == 2
    assert "needs a path" in capsys.readouterr().err
    assert main(["home", "--radio", "ezsp:/dev/null?parity=odd"]) == 2
    assert "parity" in capsys.readouterr().err
    assert main(["dongle", "--protocol", "ezsp", "--home", "no-such-home"]) == 2
