"""Open a page in Debian's headless Chromium and report what a person would notice: errors, and how it looks.

The browser is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
Chromium reads commands on fd 3 and writes replies and events on fd 4, each JSON
message ended by a NUL byte), so nothing listens on a port and nothing is downloaded.
Collected while the page loads: console messages of level error/warning, uncaught
exceptions, log entries (a failed resource load shows there) and failed network loads.
Then a full-page screenshot as PNG bytes.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Flags for a quiet, isolated headless run on a machine without a GPU, D-Bus or network.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
    "--window-size=1280,900",
)
#: Bound on the whole visit, seconds (a hang fails the test instead of holding the run).
TIMEOUT_S = 60.0


def chromium() -> str | None:
    """The Chromium binary, or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass(slots=True)
class Visit:
    """What the browser saw of one page."""

    problems: list[str] = field(default_factory=list)  #: console errors/warnings, exceptions, failed loads
    screenshot: bytes = b""  #: full page, PNG
    width: int = 0  #: CSS pixels of the whole page
    height: int = 0


class _Pipe:
    def __init__(self, process: subprocess.Popen[bytes], to_browser: int, from_browser: int) -> None:
        self.process = process
        self.to_browser = to_browser
        self.from_browser = from_browser
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.deadline = time.monotonic() + TIMEOUT_S

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one command and wait for its reply, keeping the events that arrive meanwhile."""
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self.receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        for index, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(index)
        while True:
            event = self.receive()
            if event.get("method") == method:
                return event
            self.events.append(event)

    def receive(self) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"Chromium did not answer within {TIMEOUT_S} s")
            ready, _, _ = select.select([self.from_browser], [], [], left)
            if ready:
                chunk = os.read(self.from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)


def visit(url: str) -> Visit:
    """Load `url` in a fresh headless Chromium profile; return its problems and a full-page screenshot."""
    binary = chromium()
    assert binary is not None, "no chromium binary"
    read_commands, write_commands = os.pipe()  # we write, Chromium reads on fd 3
    read_events, write_events = os.pipe()  # Chromium writes on fd 4, we read

    def child_fds() -> None:  # in the child, before exec
        os.dup2(read_commands, 3)
        os.dup2(write_events, 4)

    with tempfile.TemporaryDirectory(prefix="commshub-chromium-") as profile:
        process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            close_fds=False,  # fds 3 and 4 (inheritable, as dup2 makes them) must reach Chromium; the rest are
            # not inheritable (PEP 446), so exec closes them anyway
            preexec_fn=child_fds,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(read_commands)
        os.close(write_events)
        pipe = _Pipe(process, write_commands, read_events)
        try:
            return _look(pipe, url)
        finally:
            try:
                pipe.send("Browser.close")
            except (RuntimeError, TimeoutError, OSError):
                process.kill()
            process.wait(timeout=TIMEOUT_S)
            os.close(write_commands)
            os.close(read_events)


def _look(pipe: _Pipe, url: str) -> Visit:
    target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Runtime", "Log", "Network", "Page"):
        pipe.send(f"{domain}.enable", session=session)
    pipe.send("Page.navigate", {"url": url}, session=session)
    pipe.wait_for("Page.loadEventFired")
    pipe.send("Runtime.evaluate", {"expression": "document.readyState"}, session=session)  # let events drain
    metrics = pipe.send("Page.getLayoutMetrics", session=session)
    size = metrics["cssContentSize"]
    width, height = int(size["width"]), int(size["height"])
    shot = pipe.send(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
        session=session,
    )
    result = Visit(screenshot=base64.b64decode(shot["data"]), width=width, height=height)
    for event in pipe.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
            result.problems.append(f"console.{params['type']}: {params.get('args')}")
        elif method == "Runtime.exceptionThrown":
            result.problems.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
            result.problems.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
        elif method == "Network.loadingFailed":
            result.problems.append(f"load failed: {params.get('errorText')}")
    return result


def page_url(path: Path) -> str:
    return path.resolve().as_uri()
