"""`commshub rig image`: a Raspberry Pi OS image made into a rig's SD card image, without mounting it.

    commshub rig image --base RASPIOS.img --bundle B --key PUB --out RIG.img
                       [--hostname NAME] [--user NAME] [--ssh-key FILE.pub]
                       [--listen HOST:PORT] [--radio BAND=KIND:PATH]... [--home NAME|""] [--json]

The bundle is verified first (signature and every hash, tools.rig.verify). The base image is
copied to RIG.img (never modified), and the copy edited through tools.rig.disk:

boot FAT (mounted at /boot/firmware on Bookworm and later, /boot before):
    commshub/<bundle>.tar      the bundle itself: the FAT has room (512 MB on current images)
                               while the root file system of an image is shrunk to its contents
                               until its first boot grows it
    ssh                        Raspberry Pi OS's switch that enables the SSH server
root ext4:
    /etc/hostname, /etc/hosts  the rig's name
    /etc/commshub/hub.toml     the bundle's default config with --listen / --radio / --home set
    /etc/commshub/trusted-keys/<fingerprint>.pub    the key bundles must be signed with
    /etc/commshub/rig/authorized_keys (0600), rig/firstboot.conf    the login user and its key
    /etc/systemd/system/commshub.service            the hub's unit (enabled by the install)
    /etc/systemd/system/commshub-firstboot.service  + its multi-user.target.wants link
    /usr/local/sbin/commshub-rig-firstboot, commshub-rig-bootstrap (0755)
    /usr/lib/sysusers.d/commshub.conf, /etc/udev/rules.d/99-commshub-dongles.rules

On first boot, commshub-firstboot.service creates the user with the SSH key (password locked,
passwordless sudo), enables SSH, and installs the bundle from the boot partition into slot A
(`commshub-rig-bootstrap`, which verifies it again on the Pi), then disables itself.

Exit codes: 0 written; 2 a refused bundle, a bad option, or an image that cannot be edited.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.rig import signing
from tools.rig.disk import DiskError, Ext4Partition, FatPartition, find_partitions
from tools.rig.hubconfig import ConfigError, Radio, render
from tools.rig.verify import BundleRefused, VerifiedBundle, verify_bundle

DEFAULT_HOSTNAME = "commshub-rig"
DEFAULT_USER = "rig"

#: Bundle member -> (path in the root file system, mode).
ROOT_FILES = {
    "systemd/commshub.service": ("/etc/systemd/system/commshub.service", 0o644),
    "systemd/commshub-firstboot.service": ("/etc/systemd/system/commshub-firstboot.service", 0o644),
    "sbin/commshub-rig-firstboot": ("/usr/local/sbin/commshub-rig-firstboot", 0o755),
    "sbin/commshub-rig-bootstrap": ("/usr/local/sbin/commshub-rig-bootstrap", 0o755),
    "sysusers/commshub.conf": ("/usr/lib/sysusers.d/commshub.conf", 0o644),
    "udev/99-commshub-dongles.rules": ("/etc/udev/rules.d/99-commshub-dongles.rules", 0o644),
}
FIRSTBOOT_LINK = "/etc/systemd/system/multi-user.target.wants/commshub-firstboot.service"


@dataclass(frozen=True, slots=True)
class RigOptions:
    hostname: str = DEFAULT_HOSTNAME
    user: str = DEFAULT_USER
    ssh_key: str | None = None  # one or more authorized_keys lines
    listen: str | None = None
    radios: tuple[Radio, ...] = ()
    home: str | None = None


@dataclass(frozen=True, slots=True)
class ImageReport:
    image: Path
    bundle_version: str
    boot_mount: str
    files: tuple[str, ...]


def make_image(base: Path, bundle: Path, key: Path, out: Path, options: RigOptions) -> ImageReport:
    """Write the rig image `out` from `base` (module docstring); raises BundleRefused, DiskError, ConfigError."""
    _check_options(options)
    trusted = signing.load_public_key(key)
    with tempfile.TemporaryDirectory(prefix="commshub-image-") as temporary:
        verified = verify_bundle(bundle, [trusted], Path(temporary) / "bundle")
        config = _config(verified, options)
        partial = out.with_name(out.name + ".partial")
        shutil.copyfile(base, partial)
        try:
            boot_part, root_part = find_partitions(partial)
            boot, root = FatPartition(partial, boot_part), Ext4Partition(partial, root_part)
            boot_mount = "/boot/firmware" if root.exists("/boot/firmware") else "/boot"
            boot.mkdir("/commshub")
            boot.write(f"/commshub/{bundle.name}", bundle)
            boot.write_bytes("/ssh", b"")
            written = _edit_root(root, verified, options, config, trusted, f"{boot_mount}/commshub/{bundle.name}")
            root.apply()
            root.check()
            partial.replace(out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return ImageReport(out, verified.manifest.version, boot_mount, written)


def _check_options(options: RigOptions) -> None:
    label = options.hostname
    if not (0 < len(label) <= 63 and label.replace("-", "").isalnum() and label[0] != "-" and label[-1] != "-"):
        raise ConfigError(f"hostname {label!r}: letters, digits and inner hyphens, at most 63")
    if not (options.user.replace("-", "").replace("_", "").isalnum() and options.user[0].isalpha()):
        raise ConfigError(f"user {options.user!r}: a letter, then letters, digits, - or _")


def _config(verified: VerifiedBundle, options: RigOptions) -> str:
    template = verified.file("config/hub.toml").read_text(encoding="utf-8")
    home = options.home if options.home is not None else ("" if options.radios else None)
    return render(template, listen=options.listen, home=home, radios=options.radios or None)


def _edit_root(
    root: Ext4Partition,
    verified: VerifiedBundle,
    options: RigOptions,
    config: str,
    trusted: signing.Ed25519PublicKey,
    bundle_path: str,
) -> tuple[str, ...]:
    hosts = (root.read("/etc/hosts") or b"127.0.0.1\tlocalhost\n").decode()
    lines = [line for line in hosts.splitlines() if not line.startswith("127.0.1.1")]
    files: dict[str, tuple[bytes, int]] = {
        "/etc/hostname": (f"{options.hostname}\n".encode(), 0o644),
        "/etc/hosts": (("\n".join(lines) + f"\n127.0.1.1\t{options.hostname}\n").encode(), 0o644),
        "/etc/commshub/hub.toml": (config.encode(), 0o644),
        f"/etc/commshub/trusted-keys/{signing.fingerprint(trusted)}.pub": (signing.public_pem(trusted), 0o644),
        "/etc/commshub/rig/firstboot.conf": (
            f"RIG_USER={options.user}\nRIG_BUNDLE={bundle_path}\n".encode(),
            0o644,
        ),
        "/etc/commshub/rig/authorized_keys": ((options.ssh_key or "").encode(), 0o600),
    }
    for member, (path, mode) in ROOT_FILES.items():
        files[path] = (verified.file(member).read_bytes(), mode)
    for path, (data, mode) in files.items():
        root.write(path, data, mode)
    root.symlink(FIRSTBOOT_LINK, "/etc/systemd/system/commshub-firstboot.service")
    return (*files, FIRSTBOOT_LINK)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("image", help="make a rig SD card image from a Raspberry Pi OS image")
    parser.add_argument("--base", type=Path, required=True, help="a Raspberry Pi OS image (.img, uncompressed)")
    parser.add_argument("--bundle", type=Path, required=True, help="a bundle from `commshub rig build`")
    parser.add_argument("--key", type=Path, required=True, help="the public key the bundle is signed with")
    parser.add_argument("--out", type=Path, required=True, help="the rig image to write")
    parser.add_argument("--hostname", default=DEFAULT_HOSTNAME, help=f"(default {DEFAULT_HOSTNAME})")
    parser.add_argument("--user", default=DEFAULT_USER, help=f"login user made at first boot (default {DEFAULT_USER})")
    parser.add_argument("--ssh-key", type=Path, help="public SSH key(s) allowed to log in as --user")
    parser.add_argument("--listen", help="the hub's WAN HOST:PORT (e.g. 0.0.0.0:8765 for the lab network)")
    parser.add_argument("--radio", action="append", default=[], help="BAND=KIND:PATH, e.g. 2.4GHz=spinel:/dev/...")
    parser.add_argument("--home", help='simulated home name, or "" for none (default: none when --radio is given)')
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        options = RigOptions(
            hostname=args.hostname,
            user=args.user,
            ssh_key=args.ssh_key.read_text(encoding="utf-8") if args.ssh_key else None,
            listen=args.listen,
            radios=tuple(Radio.parse(text) for text in args.radio),
            home=args.home,
        )
        report = make_image(args.base, args.bundle, args.key, args.out, options)
    except (BundleRefused, DiskError, ConfigError, OSError, ValueError) as exc:
        print(f"commshub rig image: {exc}", file=sys.stderr)
        return 2
    if args.json:
        record = {"image": str(report.image), "bundle_version": report.bundle_version, "boot_mount": report.boot_mount}
        print(json.dumps({**record, "files": list(report.files)}))
    else:
        print(f"{report.image}: bundle {report.bundle_version}, {len(report.files)} files, boot at {report.boot_mount}")
    return 0
