"""`commshub rig rollback`: back to the other slot, if it last passed its health check.

    commshub rig rollback [--root DIR] [--service auto|systemd|process|none] [--timeout S] [--json]

The same steps as the second half of an install: stop the hub, snapshot the state, switch
`current`, put the slot's system files back, start and check; if the slot rolled back to does not
come up healthy, the switch is undone and the slot that was active is started again. The state
file is left as the running hub kept it: a rollback asked for by an operator keeps the data (an
install's automatic rollback restores the snapshot, since the failed version may have migrated it).

Exit codes: 0 rolled back and healthy; 1 the other slot failed its health check (switched back);
2 nothing to roll back to (no other slot, or it is not healthy).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tools.rig.install import activate, add_root_options, print_report
from tools.rig.slots import RigLayout
from tools.rig.supervisor import supervisor_for


class NothingToRollBack(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class RollbackReport:
    result: str  # "rolled-back" | "failed" | "switched" (--service none)
    slot: str
    version: str
    health: str


def rollback(root: Path, *, service: str = "auto", timeout: float = 120.0) -> RollbackReport:
    """Raises `NothingToRollBack` when the other slot is empty or not healthy."""
    layout = RigLayout(root)
    with layout.locked():
        active = layout.active()
        target = layout.other(active) if active else None
        record = layout.record(target) if target else None
        if target is None or record is None or record.state != "healthy":
            state = record.state if record else "empty"
            raise NothingToRollBack(f"no healthy slot to roll back to (other slot: {target or '-'}, {state})")
        supervisor = supervisor_for(layout, service)
        if supervisor is None:
            layout.switch_to(target)
            layout.log_event(event="rollback", version=record.version, slot=target, result="switched")
            return RollbackReport("switched", target, record.version, "not started (--service none)")
        supervisor.stop()
        health = activate(layout, supervisor, target, timeout)
        if health.ok:
            layout.log_event(event="rollback", version=record.version, slot=target, result="rolled-back")
            return RollbackReport("rolled-back", target, record.version, health.detail)
        supervisor.stop()
        layout.mark(target, "failed", health.detail)
        assert active is not None  # target exists only beside an active slot
        back = activate(layout, supervisor, active, timeout)
        layout.log_event(event="rollback", version=record.version, slot=target, result="failed", back=back.detail)
        return RollbackReport(
            "failed", target, record.version, f"{health.detail}; back on slot {active}: {back.detail}"
        )


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("rollback", help="switch back to the other slot if it was healthy")
    add_root_options(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        report = rollback(args.root, service=args.service, timeout=args.timeout)
    except NothingToRollBack as exc:
        print(f"commshub rig rollback: {exc}", file=sys.stderr)
        return 2
    print_report(asdict(report), args.json)
    return 0 if report.result in ("rolled-back", "switched") else 1
