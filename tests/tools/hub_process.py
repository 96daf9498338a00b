"""`commshub run` as a real process in a test: started, waited for, talked to over TCP, stopped or killed.

The hub runs as `python -m tools.cli run ...` (the installed console script's code) with its log in
a file; `listening()` waits in real time for the WAN port (the hub opens it once its devices joined).
A head-end is `hal.wan.WanClient` on a plain asyncio loop: this is a real process with real sockets,
so these waits are real seconds, bounded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: Real seconds a hub may take to start listening (first start with its joins, under a loaded machine).
START_LIMIT = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def no_history(folder: Path) -> Path:
    """A configuration file that starts serving at once (no simulated history at first start)."""
    config = folder / "hub.toml"
    config.write_text("[clock]\nhistory = 0\n")
    return config


class HubProcess:
    """One `commshub run` process (see the module docstring)."""

    def __init__(self, args: list[str], log: Path, port: int) -> None:
        self.port = port
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tools.cli", "run", *args, "--listen", f"127.0.0.1:{port}"],
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )

    def listening(self, limit: float = START_LIMIT) -> bool:
        """Whether the WAN port accepted a connection within `limit` real seconds (False if the hub exited)."""
        until = time.monotonic() + limit
        while time.monotonic() < until:
            if self.process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1.0):
                    return True
            except OSError:
                time.sleep(0.1)
        return False

    def stop(self, number: int = signal.SIGTERM, limit: float = 60.0) -> int:
        """Send `number` to the process we started and wait for it; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(number)
        try:
            return self.process.wait(limit)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(limit)

    def output(self) -> str:
        return self.log.read_text(errors="replace")
