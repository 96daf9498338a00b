"""`commshub rig install`: a verified bundle into the inactive slot, switched to, health-checked, or rolled back.

    commshub rig install BUNDLE [--root DIR] [--key PUB]... [--python PATH]
                         [--service auto|systemd|process|none] [--timeout S] [--no-compile] [--json]

The order is the point (docs/rig.md, "Updates and rollback"):
1. verify the signature and every hash into a staging folder (tools.rig.verify); a refused
   bundle changes nothing;
2. build the inactive slot's venv from the bundle's wheels for this interpreter's platform,
   offline (tools.rig.venv); the running hub is untouched meanwhile;
3. stop the hub, snapshot the state file (the NVM), switch `current` atomically, put the slot's
   unit / udev / sysusers files in place, start the hub and wait for its health check;
4. healthy: done. Not healthy: the slot is marked failed, the hub stopped, the state file put
   back exactly as it was before the switch (a new version may have migrated it), `current`
   switched back, and the previous hub started and checked again.

The configuration (/etc/commshub/hub.toml) is written only when absent: a rig's own values
survive every update. `--key` trusts a public key for this install and, once the bundle
verified, adds it to the rig's trusted keys (how a rig that came without one is enrolled).

Exit codes: 0 installed and healthy; 1 the new version failed its health check (rolled back
when a healthy previous slot exists: the JSON `result` says which); 2 the bundle was refused, or
bad arguments.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tools.rig import signing
from tools.rig.hubconfig import ConfigError, read_settings
from tools.rig.manifest import INTERPRETER_QUERY, ManifestError, interpreter_machine
from tools.rig.slots import RigLayout, SlotRecord, utc_timestamp, write_atomically
from tools.rig.supervisor import Health, Supervisor, supervisor_for
from tools.rig.venv import VenvError, build_venv
from tools.rig.verify import BundleRefused, VerifiedBundle, verify_bundle

#: Bundle member -> (path under the root, mode): what a slot puts in place when it becomes active.
SYSTEM_FILES = {
    "systemd/commshub.service": ("etc/systemd/system/commshub.service", 0o644),
    "udev/99-commshub-dongles.rules": ("etc/udev/rules.d/99-commshub-dongles.rules", 0o644),
    "sysusers/commshub.conf": ("usr/lib/sysusers.d/commshub.conf", 0o644),
    "sbin/commshub-rig-bootstrap": ("usr/local/sbin/commshub-rig-bootstrap", 0o755),
}
DEFAULT_TIMEOUT = 120.0


@dataclass(frozen=True, slots=True)
class InstallReport:
    """`result`: "installed", "rolled-back" (the new slot failed, the previous one serves),
    "failed" (nothing healthy serves), or "staged" (installed and switched, not started)."""

    version: str
    slot: str
    result: str
    health: str
    previous: str | None
    state: str  # "untouched" | "restored" | "absent"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def trusted_keys(layout: RigLayout, extra: Sequence[Path] = ()) -> list[Ed25519PublicKey]:
    """The rig's trusted keys (trusted-keys/*.pub) and the ones given for this run."""
    paths = sorted(layout.trusted_keys.glob("*.pub")) if layout.trusted_keys.is_dir() else []
    return [signing.load_public_key(path) for path in [*paths, *extra]]


def default_python() -> str:
    """The interpreter slots are built with: the one this commshub's venv was made from."""
    return str(Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}")


def query_interpreter(python: str) -> tuple[str, str]:
    """(machine, "X.Y") of the interpreter `python` as wheel tags see it."""
    output = subprocess.run([python, "-c", INTERPRETER_QUERY], capture_output=True, text=True, check=True).stdout
    machine, pointer, version = output.split()
    return interpreter_machine(machine, int(pointer)), version


def install_system_files(layout: RigLayout, slot: str) -> None:
    """Put the slot's unit, udev rules, sysusers file and bootstrap script in their system places."""
    source = layout.slot(slot) / "system"
    for member, (destination, mode) in SYSTEM_FILES.items():
        data = (source / member).read_text(encoding="utf-8")
        write_atomically(layout.root / destination, data, mode)


def state_files(layout: RigLayout) -> list[Path]:
    """The state (NVM) file named by the config and its SQLite write-ahead log."""
    try:
        state = Path(read_settings(layout.config).state_file)
    except (OSError, ConfigError):
        return []
    return [state, state.with_name(state.name + "-wal")]


def snapshot_state(layout: RigLayout) -> dict[str, str]:
    """Copy the (stopped) hub's state files aside; returns their SHA-256 by path."""
    if layout.snapshot.exists():
        shutil.rmtree(layout.snapshot)
    layout.snapshot.mkdir(parents=True)
    digests: dict[str, str] = {}
    for index, path in enumerate(state_files(layout)):
        if path.is_file():
            shutil.copy2(path, layout.snapshot / f"{index}-{path.name}")
            digests[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def restore_state(layout: RigLayout, digests: dict[str, str]) -> str:
    """Put the snapshot back if the (stopped) hub changed the state: "untouched", "restored" or "absent"."""
    paths = state_files(layout)
    now = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}
    if now == digests:
        return "untouched" if digests else "absent"
    for index, path in enumerate(paths):
        saved = layout.snapshot / f"{index}-{path.name}"
        if saved.is_file():
            shutil.copy2(saved, path)
        else:
            path.unlink(missing_ok=True)
    if paths:
        paths[0].with_name(paths[0].name + "-shm").unlink(missing_ok=True)  # SQLite rebuilds it from the files
    return "restored"


def activate(layout: RigLayout, supervisor: Supervisor, slot: str, timeout: float) -> Health:
    """Switch `current` to `slot`, put its system files in place, start its hub and check it."""
    layout.switch_to(slot)
    install_system_files(layout, slot)
    supervisor.prepare()
    return supervisor.start(timeout)


def install_bundle(
    bundle: Path,
    *,
    root: Path = Path("/"),
    keys: Sequence[Path] = (),
    python: str | None = None,
    service: str = "auto",
    timeout: float = DEFAULT_TIMEOUT,
    compile_bytecode: bool = True,
) -> InstallReport:
    """Install `bundle` under `root` (see the module's steps). Raises `BundleRefused` before any change."""
    layout = RigLayout(root)
    with layout.locked():
        staging = layout.base / f".staging-{uuid.uuid4().hex}"
        try:
            verified = verify_bundle(bundle, trusted_keys(layout, keys), staging)
            slot = _build_slot(layout, verified, python or default_python(), compile_bytecode)
            _enrol(layout, keys)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return _switch(layout, verified.manifest.version, slot, supervisor_for(layout, service), timeout)


def _build_slot(layout: RigLayout, verified: VerifiedBundle, python: str, compile_bytecode: bool) -> str:
    machine, version = query_interpreter(python)
    try:
        target = verified.manifest.target_for(machine, version)
    except ManifestError as exc:
        raise BundleRefused(verified.path, None, str(exc)) from None
    slot = layout.inactive()
    slot_dir = layout.clear_slot(slot)
    record = SlotRecord(verified.manifest.version, target.name, verified.signer, "installing", utc_timestamp())
    layout.write_record(slot, record)
    for member in SYSTEM_FILES:
        (slot_dir / "system" / member).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(verified.file(member), slot_dir / "system" / member)
    try:
        build_venv(
            layout.venv(slot),
            python=python,
            wheels=verified.directory / "wheels",
            requirements=target.requirements,
            system_site_packages=bool(target.system_packages),
            compile_bytecode=compile_bytecode,
        )
    except VenvError as exc:
        layout.mark(slot, "failed", str(exc))
        layout.log_event(event="install", version=record.version, slot=slot, result="failed", detail=str(exc))
        raise
    if not layout.config.exists():
        write_atomically(layout.config, verified.file("config/hub.toml").read_text(encoding="utf-8"))
    return slot


def _enrol(layout: RigLayout, keys: Sequence[Path]) -> None:
    for path in keys:
        key = signing.load_public_key(path)
        destination = layout.trusted_keys / f"{signing.fingerprint(key)}.pub"
        if not destination.exists():
            write_atomically(destination, signing.public_pem(key).decode())


def _switch(layout: RigLayout, version: str, slot: str, supervisor: Supervisor | None, timeout: float) -> InstallReport:
    previous = layout.active()
    if supervisor is None:
        layout.switch_to(slot)
        install_system_files(layout, slot)
        layout.mark(slot, "staged", "installed without starting (--service none)")
        layout.log_event(event="install", version=version, slot=slot, result="staged")
        return InstallReport(version, slot, "staged", "not started (--service none)", previous, "untouched")
    supervisor.stop()
    digests = snapshot_state(layout)
    health = activate(layout, supervisor, slot, timeout)
    if health.ok:
        layout.mark(slot, "healthy", health.detail)
        layout.log_event(event="install", version=version, slot=slot, result="installed", detail=health.detail)
        return InstallReport(version, slot, "installed", health.detail, previous, "untouched")
    layout.mark(slot, "failed", health.detail)
    supervisor.stop()
    state = restore_state(layout, digests)
    previous_record = layout.record(previous) if previous else None
    if previous is None or previous_record is None or previous_record.state != "healthy":
        layout.current.unlink(missing_ok=True)
        layout.log_event(event="install", version=version, slot=slot, result="failed", detail=health.detail)
        return InstallReport(version, slot, "failed", health.detail, previous, state)
    back = activate(layout, supervisor, previous, timeout)
    result = "rolled-back" if back.ok else "failed"
    layout.log_event(event="install", version=version, slot=slot, result=result, detail=health.detail, back=back.detail)
    return InstallReport(
        version, slot, result, f"{health.detail}; previous slot {previous}: {back.detail}", previous, state
    )


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("install", help="install a bundle into the inactive A/B slot, with rollback")
    parser.add_argument("bundle", type=Path)
    add_root_options(parser)
    parser.add_argument("--key", type=Path, action="append", default=[], help="trust this public key (and enrol it)")
    parser.add_argument("--python", help="interpreter to build the slot with (default: this one's base)")
    parser.add_argument(
        "--no-compile", action="store_true", help="skip byte-compiling the slot (faster, slower starts)"
    )
    return parser


def add_root_options(parser: argparse.ArgumentParser) -> None:
    """--root, --service, --timeout and --json: shared by install and rollback."""
    parser.add_argument("--root", type=Path, default=Path("/"), help="rig root folder (default /)")
    parser.add_argument(
        "--service",
        choices=("auto", "systemd", "process", "none"),
        default="auto",
        help="who runs the hub: systemd, this command (process), nobody (none); auto: systemd when it runs the root",
    )
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="health check timeout, seconds")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")


def print_report(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(report))
    else:
        print(" ".join(f"{key}={value}" for key, value in report.items() if value is not None))


def run(args: argparse.Namespace) -> int:
    try:
        report = install_bundle(
            args.bundle,
            root=args.root,
            keys=args.key,
            python=args.python,
            service=args.service,
            timeout=args.timeout,
            compile_bytecode=not args.no_compile,
        )
    except BundleRefused as exc:
        print_report({"result": "refused", "bundle": str(args.bundle), "detail": str(exc)}, args.json)
        print(f"commshub rig install: refused: {exc}", file=sys.stderr)
        return 2
    except (VenvError, ValueError, RuntimeError) as exc:
        print_report({"result": "failed", "bundle": str(args.bundle), "detail": str(exc)}, args.json)
        print(f"commshub rig install: {exc}", file=sys.stderr)
        return 1
    print_report(report.to_dict(), args.json)
    return 0 if report.result in ("installed", "staged") else 1
