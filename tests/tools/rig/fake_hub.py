"""A test-only stand-in for `commshub run` (never shipped): speaks sd_notify, listens on the WAN port.

The rig tests copy the project, add this file as `tools/run.py`, and build the copy into the
bundle's commshub wheel, so the installed slot runs it exactly as it would run the real hub:
`commshub run --config /etc/commshub/hub.toml` with `$NOTIFY_SOCKET`. It reads the same config
keys (docs/rig.md), opens the state file with hal.nvm, and signals READY through hal.service.
The tests set BEHAVIOUR in the copy:
- "serve": record the first version that opened the state, listen, READY, serve until SIGTERM;
- "fail": write to the state (as a schema migration would), then exit before READY.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import tomllib
from pathlib import Path
from typing import Any

from hal.nvm import NvmStore
from hal.service import ServiceNotifier

BEHAVIOUR = "serve"
#: The bundle version of the slot this runs from (its venv's python is <slot>/venv/bin/python).
VERSION = json.loads((Path(sys.executable).parents[2] / "slot.json").read_text())["version"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("run", help="(test stand-in) the hub")
    parser.add_argument("--config", type=Path, required=True)
    return parser


def run(args: argparse.Namespace) -> int:
    config = tomllib.loads(args.config.read_text(encoding="utf-8"))
    host, _, port = config["wan"]["listen"].rpartition(":")
    store = NvmStore.open(config["state"]["file"])
    nvm = store.partition("hub")
    if BEHAVIOUR == "fail":
        nvm.put("schema", 99)
        store.close()
        raise SystemExit("fake hub: cannot start (deliberately, for the rollback test)")
    if nvm.get("first_version") is None:
        nvm.put("first_version", VERSION)
    store.close()
    return asyncio.run(serve(host, int(port)))


async def serve(host: str, port: int) -> int:
    notifier = ServiceNotifier.from_environment()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(f"{VERSION}\n".encode())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, host, port)
    notifier.ready(f"fake hub {VERSION} on {host}:{port}")
    await stop.wait()
    notifier.stopping()
    server.close()
    return 0
