"""Editing the partitions of a disk image file in place, without mounting anything.

Why without mounting: mounting needs root, loop devices and a kernel that knows the file
system, none of which a CI runner or a build container can count on; and a mount that dies
half-way leaves a dirty file system. Instead:

- the partition table is read from the file: an MBR (the 64 bytes at offset 446, four 16-byte
  entries: status, CHS start, type, CHS end, LBA start, sector count, little-endian; signature
  55 AA at 510), which is what Raspberry Pi OS images use;
- the boot FAT is edited with mtools, which address a partition inside an image as
  `IMAGE@@OFFSET` (`mmd`, `mcopy`, `mdir`, `mtype`);
- the root ext4 is edited with e2fsprogs' debugfs, which opens a file system inside an image as
  `IMAGE?offset=OFFSET`: one `debugfs -w -f COMMANDS` run per batch of edits (`mkdir`, `write`,
  `symlink`, `set_inode_field` for mode and owner), read back with `debugfs -R stat/cat`.

debugfs reports a failed command on stderr but exits 0, so `Ext4Partition.apply` reads its
output and raises `DiskError` on any line that is not an expected one; callers also read back
what they wrote.
"""

from __future__ import annotations

import os
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

SECTOR = 512
FAT_TYPES = {0x0B, 0x0C, 0x0E, 0x06}
LINUX_TYPE = 0x83


class DiskError(RuntimeError):
    """The image or a partition cannot be read or edited as asked (names the image and what)."""


@dataclass(frozen=True, slots=True)
class Partition:
    index: int  # 1-based, as Linux names them (p1, p2)
    kind: int  # MBR partition type byte
    start: int  # bytes from the start of the image
    size: int  # bytes


def read_mbr(image: Path) -> list[Partition]:
    """The primary partitions of an MBR disk image; DiskError if there is no valid MBR."""
    with image.open("rb") as handle:
        sector = handle.read(SECTOR)
        image_size = os.fstat(handle.fileno()).st_size
    if len(sector) < SECTOR or sector[510:512] != b"\x55\xaa":
        raise DiskError(f"{image}: no MBR partition table (no 55 AA signature at byte 510)")
    partitions = []
    for index in range(4):
        entry = sector[446 + 16 * index : 446 + 16 * (index + 1)]
        kind = entry[4]
        lba, count = struct.unpack_from("<II", entry, 8)
        if kind == 0 or count == 0:
            continue
        if kind == 0xEE:
            raise DiskError(f"{image}: a GPT disk (protective MBR); Raspberry Pi OS images are MBR")
        partition = Partition(index + 1, kind, lba * SECTOR, count * SECTOR)
        if partition.start + partition.size > image_size:
            raise DiskError(f"{image}: partition {index + 1} ends past the end of the file (truncated image?)")
        partitions.append(partition)
    return partitions


def find_partitions(image: Path) -> tuple[Partition, Partition]:
    """(boot FAT, root Linux) partitions: the first of each kind."""
    partitions = read_mbr(image)
    boot = next((p for p in partitions if p.kind in FAT_TYPES), None)
    root = next((p for p in partitions if p.kind == LINUX_TYPE), None)
    if boot is None or root is None:
        kinds = ", ".join(f"{p.index}: 0x{p.kind:02x}" for p in partitions) or "none"
        raise DiskError(f"{image}: expected a FAT boot and a Linux root partition, found {kinds}")
    return boot, root


def _run(command: Sequence[str], what: str, env: dict[str, str] | None = None) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    except FileNotFoundError:
        raise DiskError(f"{command[0]} is not installed (apt-get install mtools e2fsprogs)") from None
    if result.returncode != 0:
        raise DiskError(f"{what}: {command[0]} failed: {(result.stderr or result.stdout).strip()}")
    return result.stdout


@dataclass(slots=True)
class FatPartition:
    """A FAT file system inside an image, through mtools."""

    image: Path
    partition: Partition

    @property
    def drive(self) -> str:
        return f"{self.image}@@{self.partition.start}"

    def _mtools(self, tool: str, *arguments: str) -> str:
        env = {**os.environ, "MTOOLS_SKIP_CHECK": "1", "MTOOLS_NO_VFAT": "0"}
        return _run([tool, "-i", self.drive, *arguments], f"{self.image} boot partition", env)

    def mkdir(self, path: str) -> None:
        if not self.exists(path):
            self._mtools("mmd", f"::{path}")

    def exists(self, path: str) -> bool:
        env = {**os.environ, "MTOOLS_SKIP_CHECK": "1"}
        result = subprocess.run(["mdir", "-i", self.drive, "-b", f"::{path}"], capture_output=True, env=env)
        return result.returncode == 0

    def write(self, path: str, source: Path) -> None:
        self._mtools("mcopy", "-o", "-m", str(source), f"::{path}")

    def write_bytes(self, path: str, data: bytes) -> None:
        with tempfile.NamedTemporaryFile() as temporary:
            temporary.write(data)
            temporary.flush()
            self.write(path, Path(temporary.name))

    def read(self, path: str) -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "out"
            self._mtools("mcopy", f"::{path}", str(target))
            return target.read_bytes()


@dataclass(slots=True)
class Ext4Partition:
    """An ext2/3/4 file system inside an image, through debugfs; edits are batched, then `apply`-ed."""

    image: Path
    partition: Partition
    _commands: list[str] = field(default_factory=list)
    _sources: list[Path] = field(default_factory=list)
    _folder: tempfile.TemporaryDirectory[str] | None = None

    @property
    def device(self) -> str:
        return f"{self.image}?offset={self.partition.start}"

    def read(self, path: str) -> bytes | None:
        """The file's content, None when it does not exist."""
        if not self.exists(path):
            return None
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "out"
            _run(["debugfs", "-R", f"dump {_quote(path)} {target}", self.device], f"{self.image} root partition")
            return target.read_bytes()

    def stat(self, path: str) -> str:
        return _run(["debugfs", "-R", f"stat {_quote(path)}", self.device], f"{self.image} root partition")

    def exists(self, path: str) -> bool:
        result = subprocess.run(["debugfs", "-R", f"stat {_quote(path)}", self.device], capture_output=True, text=True)
        return result.returncode == 0 and "File not found" not in result.stderr and "Inode:" in result.stdout

    def mkdirs(self, path: str, mode: int = 0o755) -> None:
        """Queue the creation of `path` and its missing parents (root-owned, `mode`)."""
        missing = []
        current = PurePosixPath(path)
        while str(current) != "/" and not self.exists(str(current)) and str(current) not in self._queued_dirs():
            missing.append(str(current))
            current = current.parent
        for directory in reversed(missing):
            self._commands.append(f"mkdir {_quote(directory)}")
            self._owner_mode(directory, 0o040000 | mode)

    def _queued_dirs(self) -> set[str]:
        return {command.split(" ", 1)[1] for command in self._commands if command.startswith("mkdir ")}

    def write(self, path: str, data: bytes, mode: int = 0o644) -> None:
        """Queue writing `data` at `path` (replacing a file there), root-owned, `mode`."""
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="commshub-image-")
        source = Path(self._folder.name) / f"{len(self._sources)}"
        source.write_bytes(data)
        self._sources.append(source)
        self.mkdirs(str(PurePosixPath(path).parent))
        self._commands.append(f"rm {_quote(path)}")
        self._commands.append(f"write {_quote(str(source))} {_quote(path)}")
        self._owner_mode(path, 0o100000 | mode)

    def symlink(self, path: str, target: str) -> None:
        self.mkdirs(str(PurePosixPath(path).parent))
        self._commands.append(f"rm {_quote(path)}")
        self._commands.append(f"symlink {_quote(path)} {_quote(target)}")

    def _owner_mode(self, path: str, mode: int) -> None:
        self._commands.append(f"set_inode_field {_quote(path)} mode 0{mode:o}")
        self._commands.append(f"set_inode_field {_quote(path)} uid 0")
        self._commands.append(f"set_inode_field {_quote(path)} gid 0")

    def apply(self) -> None:
        """Run the queued edits in one debugfs session; DiskError on any failed command."""
        if not self._commands:
            return
        with tempfile.NamedTemporaryFile("w", suffix=".debugfs") as script:
            script.write("\n".join(self._commands) + "\n")
            script.flush()
            result = subprocess.run(["debugfs", "-w", "-f", script.name, self.device], capture_output=True, text=True)
        errors = [line for line in result.stderr.splitlines() if _is_error(line)]
        self._commands.clear()
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
            self._sources.clear()
        if result.returncode != 0 or errors:
            raise DiskError(f"{self.image} root partition: debugfs: {'; '.join(errors) or result.stderr.strip()}")

    def check(self) -> None:
        """`e2fsck -fn`: DiskError unless the file system is clean."""
        _run(["e2fsck", "-fn", self.device], f"{self.image} root partition check")


def _is_error(line: str) -> bool:
    """A debugfs stderr line that reports a real failure (not its banner, nor `rm` of a missing file)."""
    if not line.strip() or line.startswith(("debugfs ", "Allocated inode")):
        return False
    return not (line.startswith("rm: ") and "File not found" in line)


def _quote(path: str) -> str:
    """debugfs splits its command lines on blanks: the paths we write never hold any (refused if they do)."""
    if any(char.isspace() or char in "\"'" for char in path):
        raise DiskError(f"unsupported character in path {path!r}")
    return path
