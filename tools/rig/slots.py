"""The rig's file layout and its two A/B slots.

    /opt/commshub/slots/a, slots/b     each: venv/ (built from the bundle) and slot.json
    /opt/commshub/current -> slots/X   the active slot: what the service runs
    /opt/commshub/history.jsonl        one line per install / rollback
    /opt/commshub/state-snapshot/      the hub state as it was before the last switch
    /etc/commshub/hub.toml             the hub's configuration (outside the slots)
    /etc/commshub/trusted-keys/*.pub   the Ed25519 keys bundles must be signed with
    /var/lib/commshub/hub.sqlite       the hub state (the config's [state] file; outside the slots)

Why A/B: an update is built beside the running version, never over it, so the switch is one
atomic `rename(2)` of a symlink (`current.new` -> `current`), and going back is the same rename
the other way. Every path hangs under a root (`/` on a Pi; a folder for tests, containers or a
root being prepared), and `current` is a relative link, so a root can be moved as a whole.

A slot records its state in slot.json: "installing" while being built, "healthy" once its hub
passed the health check, "failed" when it did not, "staged" when installed without a start.
Only a healthy slot is a rollback target.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

SLOT_NAMES = ("a", "b")


@dataclass(frozen=True, slots=True)
class SlotRecord:
    """What slot.json says about one slot."""

    version: str
    target: str
    signer: str
    state: str  # "installing" | "healthy" | "failed" | "staged"
    installed: str  # UTC ISO 8601
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RigLayout:
    """Every path of a rig under `root`."""

    root: Path

    @property
    def base(self) -> Path:
        return self.root / "opt" / "commshub"

    @property
    def current(self) -> Path:
        return self.base / "current"

    @property
    def config(self) -> Path:
        return self.root / "etc" / "commshub" / "hub.toml"

    @property
    def trusted_keys(self) -> Path:
        return self.root / "etc" / "commshub" / "trusted-keys"

    @property
    def history(self) -> Path:
        return self.base / "history.jsonl"

    @property
    def snapshot(self) -> Path:
        return self.base / "state-snapshot"

    @property
    def run_dir(self) -> Path:
        return self.root / "run" / "commshub"

    @property
    def log_dir(self) -> Path:
        return self.root / "var" / "log" / "commshub"

    def slot(self, name: str) -> Path:
        return self.base / "slots" / name

    def venv(self, name: str) -> Path:
        return self.slot(name) / "venv"

    def hub_command(self) -> Path:
        """The hub as the service runs it: through `current`, like the unit's ExecStart."""
        return self.current / "venv" / "bin" / "commshub"

    def active(self) -> str | None:
        """The slot `current` points at, or None before the first install."""
        try:
            target = os.readlink(self.current)
        except FileNotFoundError:
            return None
        name = Path(target).name
        return name if name in SLOT_NAMES else None

    def inactive(self) -> str:
        active = self.active()
        return "b" if active == "a" else "a"

    def other(self, name: str) -> str:
        return "b" if name == "a" else "a"

    def record(self, name: str) -> SlotRecord | None:
        path = self.slot(name) / "slot.json"
        try:
            return SlotRecord(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def write_record(self, name: str, record: SlotRecord) -> None:
        path = self.slot(name) / "slot.json"
        write_atomically(path, json.dumps(asdict(record), indent=1) + "\n")

    def mark(self, name: str, state: str, detail: str = "") -> None:
        record = self.record(name)
        if record is not None:
            self.write_record(
                name,
                SlotRecord(record.version, record.target, record.signer, state, record.installed, detail),
            )

    def switch_to(self, name: str) -> None:
        """Point `current` at slot `name` in one atomic rename."""
        self.base.mkdir(parents=True, exist_ok=True)
        staged = self.base / "current.new"
        staged.unlink(missing_ok=True)
        os.symlink(f"slots/{name}", staged)
        os.replace(staged, self.current)
        _sync_directory(self.base)

    def clear_slot(self, name: str) -> Path:
        slot = self.slot(name)
        if slot.exists():
            shutil.rmtree(slot)
        slot.mkdir(parents=True)
        return slot

    def log_event(self, **fields: object) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"time": utc_timestamp(), **fields}) + "\n"
        with self.history.open("a", encoding="utf-8") as handle:
            handle.write(line)

    def events(self, last: int = 10) -> list[dict[str, object]]:
        try:
            lines = self.history.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines[-last:] if line.strip()]

    @contextmanager
    def locked(self) -> Iterator[None]:
        """One install / rollback at a time on a rig (an advisory lock on opt/commshub/.lock)."""
        self.base.mkdir(parents=True, exist_ok=True)
        with (self.base / ".lock").open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RuntimeError(f"another install or rollback is running on {self.root}") from None
            yield


def utc_timestamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def write_atomically(path: Path, text: str, mode: int = 0o644) -> None:
    """Write `path` through a temporary file renamed over it: readers see the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.new")
    temporary.write_text(text, encoding="utf-8")
    os.chmod(temporary, mode)
    os.replace(temporary, path)


def _sync_directory(directory: Path) -> None:
    """fsync a directory so a rename in it survives a power cut (the SD card of a rig)."""
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
