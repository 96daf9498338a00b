"""`commshub rig build`: the signed, versioned bundle a rig installs with no network.

    commshub rig build --key KEY [--out DIR] [--version V] [--target NAME]... [--source DIR | --wheel WHL]
                       [--cache DIR] [--json]

One uncompressed tar file, `commshub-rig-<version>.tar` (wheels are zip files already):

    manifest.json                  version, every file's SHA-256 and size, the wheels of each target
    manifest.sig                   Ed25519 signature of manifest.json's exact bytes (tools.rig.signing)
    wheels/*.whl                   commshub, pip and every dependency, for every target, each file once
    config/hub.toml                the default hub configuration (installed only where none exists)
    systemd/commshub.service       the service (Type=notify, watchdog, own user, serial devices only)
    systemd/commshub-firstboot.service, sbin/commshub-rig-firstboot   a card's first-boot install
    sbin/commshub-rig-bootstrap    installs a bundle on a rig that has no commshub yet
    udev/99-commshub-dongles.rules the usual dongles: dialout group, no ModemManager, stable aliases
    sysusers/commshub.conf         the service's system user

The manifest and its signature come first, so an installer reading the tar as a stream checks
the signature before it reads a byte of anything else. Targets default to the four Raspberry
Pi OS platforms (tools.rig.wheels.PI_TARGETS) plus this machine's own ("host").

Exit codes: 0 built; 2 bad arguments, a key that does not load, or a dependency with no wheel.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import tarfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from tools.rig import signing
from tools.rig.manifest import MANIFEST_NAME, SIGNATURE_NAME, FileEntry, Manifest, TargetEntry
from tools.rig.wheels import (
    PI_TARGETS,
    PURE_FALLBACKS,
    ResolvedTarget,
    WheelError,
    build_commshub_wheel,
    known_targets,
    resolve_target,
    wheel_name_version,
)

#: What `rig build` serves unless told otherwise: this machine and the four Raspberry Pi OS platforms.
DEFAULT_TARGETS = ("host", *(target.name for target in PI_TARGETS))

#: Bundle member -> packaged data file (tools/rig/data), in the order they are written.
DATA_MEMBERS = {
    "config/hub.toml": "hub.toml",
    "systemd/commshub.service": "commshub.service",
    "systemd/commshub-firstboot.service": "commshub-firstboot.service",
    "sbin/commshub-rig-bootstrap": "commshub-rig-bootstrap",
    "sbin/commshub-rig-firstboot": "commshub-rig-firstboot",
    "udev/99-commshub-dongles.rules": "99-commshub-dongles.rules",
    "sysusers/commshub.conf": "commshub.sysusers",
}


def data_file(name: str) -> bytes:
    """A packaged data file of the rig (tools/rig/data/NAME)."""
    return resources.files("tools.rig").joinpath("data", name).read_bytes()


def default_source() -> Path | None:
    """The project folder this commshub runs from, when it runs from a checkout (else None)."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else None


def default_cache() -> Path:
    """`$XDG_CACHE_HOME/commshub/rig-wheels` (XDG default `~/.cache`)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "commshub" / "rig-wheels"


@dataclass(frozen=True, slots=True)
class BuiltBundle:
    path: Path
    manifest: Manifest
    targets: tuple[ResolvedTarget, ...]


def build_bundle(
    *,
    out: Path,
    key: signing.Ed25519PrivateKey,
    commshub_wheel: Path,
    targets: Sequence[str] = DEFAULT_TARGETS,
    version: str | None = None,
    cache: Path | None = None,
) -> BuiltBundle:
    """Resolve every target's wheels, write the tar, sign its manifest; returns what was built.

    Raises `WheelError` (a target cannot be served), `KeyError` (an unknown target name).
    """
    specs = known_targets()
    cache = cache or default_cache()
    _name, commshub_version = wheel_name_version(commshub_wheel.name)
    version = version or f"{commshub_version}+{time.strftime('%Y%m%d%H%M%S', time.gmtime())}"
    requirements = [str(commshub_wheel), "pip"]
    resolved = tuple(resolve_target(specs[name], requirements, cache) for name in targets)
    files: dict[str, bytes | Path] = {member: data_file(name) for member, name in DATA_MEMBERS.items()}
    for target in resolved:
        for wheel in target.wheels:
            files[f"wheels/{wheel.name}"] = wheel
    files[f"wheels/{commshub_wheel.name}"] = commshub_wheel
    entries = {member: _entry(content) for member, content in files.items()}
    manifest = Manifest(
        version=version,
        commshub_version=commshub_version,
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        files=entries,
        targets=tuple(
            TargetEntry(
                name=target.spec.name,
                machine=target.spec.machine,
                python=target.spec.python,
                wheels=tuple(f"wheels/{wheel.name}" for wheel in target.wheels),
                requirements=target.requirements,
                system_packages=target.system_packages,
            )
            for target in resolved
        ),
    )
    document = manifest.to_json()
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"commshub-rig-{version}.tar"
    partial = path.with_name(path.name + ".partial")
    with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
        _add(archive, MANIFEST_NAME, document)
        _add(archive, SIGNATURE_NAME, signing.sign(document, key))
        for member, content in files.items():
            _add(archive, member, content)
    partial.replace(path)
    return BuiltBundle(path, manifest, resolved)


def _entry(content: bytes | Path) -> FileEntry:
    data = content if isinstance(content, bytes) else content.read_bytes()
    return FileEntry(hashlib.sha256(data).hexdigest(), len(data))


def _add(archive: tarfile.TarFile, name: str, content: bytes | Path) -> None:
    data = content if isinstance(content, bytes) else content.read_bytes()
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o755 if name.startswith("sbin/") else 0o644
    info.mtime = int(time.time())
    archive.addfile(info, io.BytesIO(data))


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("build", help="build a signed bundle: commshub and every dependency as wheels")
    parser.add_argument("--key", type=Path, required=True, help="Ed25519 private key (from `commshub rig keygen`)")
    parser.add_argument("--out", type=Path, default=Path("dist"), help="folder for the bundle (default dist)")
    parser.add_argument("--version", help="bundle version (default: commshub's version + a UTC timestamp)")
    parser.add_argument(
        "--target",
        action="append",
        choices=sorted(known_targets()),
        help="platform to carry wheels for (repeatable; default: the four Raspberry Pi OS ones and host)",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--source", type=Path, help="project folder to build the commshub wheel from")
    source.add_argument("--wheel", type=Path, help="a commshub wheel already built")
    parser.add_argument("--cache", type=Path, help=f"wheel download cache (default {default_cache()})")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        key = signing.load_private_key(args.key)
    except (OSError, ValueError) as exc:
        print(f"commshub rig build: {args.key}: {exc}", file=sys.stderr)
        return 2
    wheel = args.wheel
    try:
        if wheel is None:
            source = args.source or default_source()
            if source is None:
                print("commshub rig build: not in a checkout: pass --source DIR or --wheel FILE", file=sys.stderr)
                return 2
            wheel = build_commshub_wheel(source, (args.cache or default_cache()) / "commshub")
        built = build_bundle(
            out=args.out,
            key=key,
            commshub_wheel=wheel,
            targets=args.target or DEFAULT_TARGETS,
            version=args.version,
            cache=args.cache,
        )
    except WheelError as exc:
        print(f"commshub rig build: {exc}", file=sys.stderr)
        return 2
    summary: dict[str, Any] = {
        "bundle": str(built.path),
        "version": built.manifest.version,
        "signed_by": signing.fingerprint(key.public_key()),
        "size": built.path.stat().st_size,
        "targets": {
            target.spec.name: {
                "wheels": len(target.wheels),
                "pure_builds": {name: PURE_FALLBACKS[name][1] for name in target.pure_builds},
                "system_packages": target.system_packages,
            }
            for target in built.targets
        },
    }
    if args.json:
        print(json.dumps(summary))
        return 0
    megabytes = summary["size"] / 1e6
    print(f"{built.path}  version {built.manifest.version}  {megabytes:.1f} MB  signed by {summary['signed_by']}")
    for name, info in summary["targets"].items():
        notes = [f"{pkg} without C extension ({cost})" for pkg, cost in info["pure_builds"].items()]
        notes += [f"{pkg} from the OS package {os_package}" for pkg, os_package in info["system_packages"].items()]
        print(f"  {name}: {info['wheels']} wheels" + (f"; {'; '.join(notes)}" if notes else ""))
    return 0
