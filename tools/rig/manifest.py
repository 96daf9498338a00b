"""The bundle manifest: what a bundle holds, each file's SHA-256, and which wheels each Pi installs.

Why a manifest: the rig has no network, so the bundle must say everything the installer needs,
and the Ed25519 signature covers this one document (`manifest.sig` signs the exact bytes of
`manifest.json`); every other file is trusted through its hash listed here.

Standard library only: the first-boot bootstrap reads it with the Pi's bare `python3`.
"""

from __future__ import annotations

import json
import platform
import struct
import sys
from dataclasses import dataclass, field
from typing import Any

MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
FORMAT = 1


class ManifestError(ValueError):
    """The manifest is not one we can read (malformed JSON, missing keys, unknown format)."""


@dataclass(frozen=True, slots=True)
class FileEntry:
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class TargetEntry:
    """The wheels one platform installs: `machine` as `platform.machine()` says, `python` as "3.11".

    `requirements` are exact pins (`name==version`), each satisfied by a wheel of `wheels`;
    `system_packages` maps a distribution with no wheel for this platform to the OS package that
    provides it (the slot's venv then sees the system site-packages).
    """

    name: str
    machine: str
    python: str
    wheels: tuple[str, ...]
    requirements: tuple[str, ...]
    system_packages: dict[str, str] = field(default_factory=dict)

    def matches(self, machine: str, python: str) -> bool:
        return self.machine == machine and self.python == python


@dataclass(frozen=True, slots=True)
class Manifest:
    version: str
    commshub_version: str
    created: str
    files: dict[str, FileEntry]
    targets: tuple[TargetEntry, ...]

    def to_json(self) -> bytes:
        document = {
            "format": FORMAT,
            "version": self.version,
            "commshub_version": self.commshub_version,
            "created": self.created,
            "files": {name: {"sha256": entry.sha256, "size": entry.size} for name, entry in sorted(self.files.items())},
            "targets": [
                {
                    "name": target.name,
                    "machine": target.machine,
                    "python": target.python,
                    "wheels": list(target.wheels),
                    "requirements": list(target.requirements),
                    "system_packages": dict(target.system_packages),
                }
                for target in self.targets
            ],
        }
        return (json.dumps(document, indent=1) + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """Raises `ManifestError` naming what is wrong."""
        try:
            document = json.loads(data)
            if document.get("format") != FORMAT:
                raise ManifestError(f"manifest format {document.get('format')!r}, this installer reads {FORMAT}")
            return cls(
                version=str(document["version"]),
                commshub_version=str(document["commshub_version"]),
                created=str(document["created"]),
                files={name: FileEntry(str(e["sha256"]), int(e["size"])) for name, e in document["files"].items()},
                targets=tuple(_target(t) for t in document["targets"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if isinstance(exc, ManifestError):
                raise
            raise ManifestError(f"malformed manifest: {exc!r}") from None

    def target_for(self, machine: str | None = None, python: str | None = None) -> TargetEntry:
        """The target this interpreter (or the given machine / Python "X.Y") installs; ManifestError if none."""
        machine = machine or interpreter_machine()
        python = python or f"{sys.version_info.major}.{sys.version_info.minor}"
        for target in self.targets:
            if target.matches(machine, python):
                return target
        offered = ", ".join(f"{t.machine}/py{t.python}" for t in self.targets)
        raise ManifestError(f"bundle {self.version} has no wheels for {machine}/py{python} (it has {offered})")


def interpreter_machine(machine: str | None = None, pointer_size: int | None = None) -> str:
    """The CPU architecture a Python runs as, in `platform.machine()` words (default: this one).

    Not simply `platform.machine()`: 32-bit Raspberry Pi OS on a Pi 4 or 5 boots a 64-bit kernel,
    which reports "aarch64" while every program, Python included, is 32-bit ARM ("armv7l" wheels),
    the same correction pip's tag logic (packaging.tags) makes. `pointer_size` is the
    interpreter's `struct.calcsize("P")`.
    """
    machine = machine or platform.machine()
    if (pointer_size or struct.calcsize("P")) == 4:
        return {"aarch64": "armv7l", "arm64": "armv7l", "x86_64": "i686"}.get(machine, machine)
    return machine


#: Run by an interpreter to say what it is: `machine pointer-size X.Y`.
INTERPRETER_QUERY = (
    "import platform, struct, sys; print(platform.machine(), struct.calcsize('P'), '%d.%d' % sys.version_info[:2])"
)


def _target(item: dict[str, Any]) -> TargetEntry:
    return TargetEntry(
        name=str(item["name"]),
        machine=str(item["machine"]),
        python=str(item["python"]),
        wheels=tuple(str(w) for w in item["wheels"]),
        requirements=tuple(str(r) for r in item["requirements"]),
        system_packages={str(k): str(v) for k, v in item.get("system_packages", {}).items()},
    )
