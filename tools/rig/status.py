"""`commshub rig status`: which slot serves which version, whether the hub is up, what happened last.

    commshub rig status [--root DIR] [--service auto|systemd|process] [--json]

Exit codes: 0 the active hub answers on its WAN port; 1 it does not (or nothing is installed).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tools.rig.hubconfig import ConfigError, read_settings
from tools.rig.slots import SLOT_NAMES, RigLayout
from tools.rig.supervisor import probe_wan, supervisor_for


def rig_status(root: Path, service: str = "auto") -> dict[str, Any]:
    """The rig's state as a dict (the CLI prints it as text or JSON)."""
    layout = RigLayout(root)
    supervisor = supervisor_for(layout, service)
    status: dict[str, Any] = {
        "root": str(root),
        "active": layout.active(),
        "slots": {name: _slot(layout, name) for name in SLOT_NAMES},
        "running": supervisor.running() if supervisor else None,
        "config": str(layout.config),
        "history": layout.events(last=5),
    }
    try:
        settings = read_settings(layout.config)
    except (OSError, ConfigError) as exc:
        status.update(wan=None, healthy=False, detail=f"config: {exc}")
        return status
    state = Path(settings.state_file)
    status["state_file"] = {"path": str(state), "bytes": state.stat().st_size if state.exists() else None}
    wan = probe_wan(settings, timeout=1.0)
    status.update(wan=settings.listen, healthy=wan.ok and status["active"] is not None, detail=wan.detail)
    return status


def _slot(layout: RigLayout, name: str) -> dict[str, Any] | None:
    record = layout.record(name)
    return asdict(record) if record else None


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("status", help="the rig's slots, versions, hub health and recent installs")
    parser.add_argument("--root", type=Path, default=Path("/"), help="rig root folder (default /)")
    parser.add_argument("--service", choices=("auto", "systemd", "process"), default="auto")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def run(args: argparse.Namespace) -> int:
    status = rig_status(args.root, args.service)
    if args.json:
        print(json.dumps(status))
    else:
        print(f"active slot: {status['active'] or 'none'}   hub running: {status['running']}   WAN {status['wan']}")
        for name, record in status["slots"].items():
            mark = "*" if name == status["active"] else " "
            text = (
                f"{record['version']} ({record['target']}) {record['state']}, installed {record['installed']}"
                if record
                else "empty"
            )
            print(f" {mark} slot {name}: {text}")
        print(f"health: {'ok' if status['healthy'] else 'NOT OK'}: {status['detail']}")
        for event in status["history"]:
            print(f"   {event.get('time')} {event.get('event')} {event.get('version', '')} -> {event.get('result')}")
    return 0 if status["healthy"] else 1
