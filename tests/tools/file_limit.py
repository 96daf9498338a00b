"""Run `commshub` in a child process whose files cannot grow past a size: a genuine EFBIG, as a full disk gives.

A helper module for the CLI tests (not a test file). RLIMIT_FSIZE makes the
kernel cut short, then refuse with EFBIG, any write past the limit (CPython
ignores the SIGXFSZ signal that comes with it), so the code under test meets
a real failing `write`, not a mock. The child writes no bytecode: the
interpreter's own .pyc writes would be cut short too, and leave truncated
caches behind for the next run.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_limited(args: list[str], limit: int) -> subprocess.CompletedProcess[str]:
    """`commshub ARGS` with every file it writes capped at `limit` octets."""

    def cap_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "tools.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        preexec_fn=cap_file_size,  # the child is a fresh interpreter: no threads for a preexec_fn to upset
    )
