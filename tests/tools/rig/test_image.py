"""`rig image` on a small fake Raspberry Pi OS image, read back with independent tools.

The fake image is laid out like Raspberry Pi OS: an MBR (written by sfdisk) with a FAT32 boot
partition (type 0x0c, mkfs.vfat) and an ext4 root (type 0x83, `mkfs.ext4 -d` from a folder with
/etc/hostname, /etc/hosts and /boot/firmware). The result is read back by other means than the
writer's: sfdisk's JSON for the partition table, each partition cut out to its own file, `mcopy`
and e2tools' `e2ls -l` / `e2cp` for the files and their modes, `fsck.vfat -n` and `e2fsck -fn`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from tools.cli import main
from tools.rig.bundle import BuiltBundle
from tools.rig.signing import KeyPairPaths, fingerprint, load_public_key

TOOLS = ("sfdisk", "mkfs.vfat", "fsck.vfat", "mcopy", "mkfs.ext4", "e2fsck", "debugfs", "e2ls", "e2cp")
pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in TOOLS),
    reason="needs mtools, dosfstools, e2fsprogs, e2tools and fdisk (apt-get install mtools dosfstools e2tools fdisk)",
)
MIB = 1024 * 1024


def run(*command: str, stdin: str | None = None) -> str:
    return subprocess.run(command, input=stdin, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def fake_raspios(tmp_path: Path) -> Path:
    """A 70 MiB MBR image: 1 MiB gap, 40 MiB FAT32 "bootfs", 29 MiB ext4 "rootfs" (sparse files)."""
    tree = tmp_path / "rootfs"
    (tree / "etc").mkdir(parents=True)
    (tree / "boot" / "firmware").mkdir(parents=True)
    (tree / "etc" / "hostname").write_text("raspberrypi\n")
    (tree / "etc" / "hosts").write_text("127.0.0.1\tlocalhost\n::1\t\tlocalhost\n127.0.1.1\traspberrypi\n")
    boot, root, image = tmp_path / "boot.fat", tmp_path / "root.ext4", tmp_path / "raspios.img"
    for path, size in ((boot, 40 * MIB), (root, 29 * MIB), (image, 70 * MIB)):
        with path.open("wb") as handle:
            handle.truncate(size)
    run("mkfs.vfat", "-F", "32", "-n", "BOOTFS", str(boot))
    run("mkfs.ext4", "-q", "-L", "rootfs", "-d", str(tree), str(root))
    run("sfdisk", "-q", str(image), stdin="label: dos\nstart=2048, size=81920, type=c\nstart=83968, type=83\n")
    with image.open("r+b") as handle:
        for path, offset in ((boot, 2048 * 512), (root, 83968 * 512)):
            handle.seek(offset)
            handle.write(path.read_bytes())
    return image


def cut_partitions(image: Path, folder: Path) -> tuple[Path, Path]:
    """Each partition of `image` as its own file, located through sfdisk's reading of the table."""
    table = json.loads(run("sfdisk", "--json", str(image)))["partitiontable"]
    files = []
    data = image.read_bytes()
    for number, entry in enumerate(table["partitions"], start=1):
        start, size = entry["start"] * table["sectorsize"], entry["size"] * table["sectorsize"]
        path = folder / f"part{number}"
        path.write_bytes(data[start : start + size])
        files.append(path)
    return files[0], files[1]


def e2_listing(root: Path, folder: str) -> dict[str, tuple[str, str, str]]:
    """`e2ls -l` of a folder: name -> (mode, user, group)."""
    listing = {}
    for line in run("e2ls", "-l", f"{root}:{folder}").splitlines():
        fields = line.split()
        if len(fields) >= 8:
            listing[fields[-1]] = (fields[1], fields[2], fields[3])
    return listing


def test_image_holds_the_bundle_the_service_and_the_rigs_settings(
    fake_raspios: Path,
    make_bundle: Callable[..., BuiltBundle],
    rig_keys: KeyPairPaths,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle = make_bundle("1.0").path
    ssh_key = tmp_path / "id.pub"
    ssh_key.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDt2sZQ8Ye0kq3QmQ lab@bench\n")
    base_digest = hashlib.sha256(fake_raspios.read_bytes()).hexdigest()
    out = tmp_path / "rig.img"
    radio = "/dev/serial/by-id/usb-Nordic_Semiconductor_nRF528xx_OpenThread_Device_E1A2-if00"
    code = main(
        [
            "rig",
            "image",
            "--base",
            str(fake_raspios),
            "--bundle",
            str(bundle),
            "--key",
            str(rig_keys.public),
            "--out",
            str(out),
            "--hostname",
            "rig-07",
            "--ssh-key",
            str(ssh_key),
            "--listen",
            "0.0.0.0:8765",
            "--radio",
            f"2.4GHz=spinel:{radio}",
            "--json",
        ]
    )
    assert code == 0, capsys.readouterr().err
    report = json.loads(capsys.readouterr().out)
    assert report["boot_mount"] == "/boot/firmware"
    assert hashlib.sha256(fake_raspios.read_bytes()).hexdigest() == base_digest  # the base is never modified

    boot, root = cut_partitions(out, tmp_path)
    subprocess.run(["fsck.vfat", "-n", str(boot)], check=True, capture_output=True)
    subprocess.run(["e2fsck", "-fn", str(root)], check=True, capture_output=True)

    copied = tmp_path / "bundle-from-card.tar"
    run("mcopy", "-i", str(boot), f"::/commshub/{bundle.name}", str(copied))
    assert copied.read_bytes() == bundle.read_bytes()
    assert "ssh" in run("mdir", "-i", str(boot), "-b", "::/").lower()

    def read(path: str) -> str:
        return run("e2cp", f"{root}:{path}", "-")

    assert read("/etc/hostname") == "rig-07\n"
    assert "127.0.1.1\trig-07" in read("/etc/hosts") and "raspberrypi" not in read("/etc/hosts")
    config = tomllib.loads(read("/etc/commshub/hub.toml"))
    assert config["wan"]["listen"] == "0.0.0.0:8765"
    assert config["han"] == {"home": "", "radios": [{"band": "2.4GHz", "kind": "spinel", "path": radio}]}
    assert read("/etc/commshub/rig/authorized_keys") == ssh_key.read_text()
    assert "RIG_USER=rig\n" in read("/etc/commshub/rig/firstboot.conf")
    assert f"RIG_BUNDLE=/boot/firmware/commshub/{bundle.name}\n" in read("/etc/commshub/rig/firstboot.conf")
    unit = read("/etc/systemd/system/commshub.service")
    assert "Type=notify" in unit and "WatchdogSec=" in unit and "User=commshub" in unit
    key_name = f"{fingerprint(load_public_key(rig_keys.public))}.pub"
    assert read(f"/etc/commshub/trusted-keys/{key_name}") == rig_keys.public.read_text()

    expected = {
        "/etc/commshub": {"hub.toml": "-rw-r--r--"},
        "/etc/commshub/rig": {"authorized_keys": "-rw-------", "firstboot.conf": "-rw-r--r--"},
        "/etc/systemd/system": {"commshub.service": "-rw-r--r--", "commshub-firstboot.service": "-rw-r--r--"},
        "/usr/local/sbin": {"commshub-rig-firstboot": "-rwxr-xr-x", "commshub-rig-bootstrap": "-rwxr-xr-x"},
        "/etc/udev/rules.d": {"99-commshub-dongles.rules": "-rw-r--r--"},
        "/usr/lib/sysusers.d": {"commshub.conf": "-rw-r--r--"},
    }
    for folder, files in expected.items():
        listing = e2_listing(root, folder)
        for name, mode in files.items():
            assert listing[name] == (mode, "root", "root"), f"{folder}/{name}"
    link = run(
        "debugfs", "-R", "stat /etc/systemd/system/multi-user.target.wants/commshub-firstboot.service", str(root)
    )
    assert "Type: symlink" in link and "/etc/systemd/system/commshub-firstboot.service" in link


def test_image_refuses_a_tampered_bundle_and_writes_nothing(
    fake_raspios: Path,
    make_bundle: Callable[..., BuiltBundle],
    rig_keys: KeyPairPaths,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = bytearray(make_bundle("1.0").path.read_bytes())
    position = data.index(b"[wan]")  # inside config/hub.toml
    data[position + 1] ^= 0x20
    tampered = tmp_path / "tampered.tar"
    tampered.write_bytes(bytes(data))
    out = tmp_path / "rig.img"
    code = main(
        [
            "rig",
            "image",
            "--base",
            str(fake_raspios),
            "--bundle",
            str(tampered),
            "--key",
            str(rig_keys.public),
            "--out",
            str(out),
        ]
    )
    assert code == 2
    assert "config/hub.toml: SHA-256 differs" in capsys.readouterr().err
    assert not out.exists() and not out.with_name("rig.img.partial").exists()
