"""Reading a bundle: signature first, then every file against its hash, into a staging folder.

    commshub rig verify BUNDLE --key PUB... [--json]     (check a bundle before shipping it)

Why a stream and a staging folder: the tar is read once, front to back (`tarfile` stream mode),
so what is checked is exactly what is used: there is no second read of a file that could have
changed in between. `manifest.json` and `manifest.sig` must be the first two members; the
signature is checked against the rig's trusted keys before any other byte is read. Each later
member is written to the staging folder while its SHA-256 is computed, and compared with the
manifest when it ends. Anything wrong (a member that is not a plain file, a name outside the
bundle, a file not in the manifest, a listed file that is missing, a hash or size that differs,
an archive that ends early) refuses the whole bundle with `BundleRefused` naming the file; the
caller deletes the staging folder, so nothing on the rig has changed.

Exit codes of `rig verify`: 0 the bundle verifies; 2 it is refused (the message names the file).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tools.rig import signing
from tools.rig.manifest import MANIFEST_NAME, SIGNATURE_NAME, Manifest, ManifestError

#: The manifest and signature are read into memory: bound them.
MAX_MANIFEST_SIZE = 16 * 1024 * 1024
CHUNK = 1024 * 1024


class BundleRefused(Exception):
    """The bundle fails verification; `member` is the file at fault (None: the archive as a whole)."""

    def __init__(self, bundle: Path, member: str | None, reason: str) -> None:
        self.bundle, self.member, self.reason = bundle, member, reason
        where = f"{bundle}: {member}" if member else str(bundle)
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True, slots=True)
class VerifiedBundle:
    path: Path
    manifest: Manifest
    signer: str
    directory: Path

    def file(self, member: str) -> Path:
        return self.directory / member


def verify_bundle(path: Path, trusted: Sequence[Ed25519PublicKey], staging: Path) -> VerifiedBundle:
    """Verify `path` and write its files under `staging` (created; must not exist).

    Raises `BundleRefused`; on a refusal, `staging` may hold partial files: delete it.
    """
    if not trusted:
        raise BundleRefused(path, None, "no trusted public key: pass --key or install one in trusted-keys/")
    staging.mkdir(parents=True)
    member_name: str | None = None
    try:
        with tarfile.open(path, "r|") as archive:
            manifest_bytes = _small_member(path, archive, MANIFEST_NAME)
            signature_bytes = _small_member(path, archive, SIGNATURE_NAME)
            try:
                signer = signing.verify(manifest_bytes, signature_bytes, trusted)
            except signing.SignatureRefused as exc:
                raise BundleRefused(path, SIGNATURE_NAME, str(exc)) from None
            try:
                manifest = Manifest.from_json(manifest_bytes)
            except ManifestError as exc:
                raise BundleRefused(path, MANIFEST_NAME, str(exc)) from None
            seen: set[str] = set()
            while (info := archive.next()) is not None:
                member_name = info.name
                _check_member(path, info, manifest, seen)
                _extract_checked(path, archive, info, manifest, staging)
                seen.add(info.name)
            member_name = None
    except (tarfile.TarError, EOFError, OSError) as exc:
        if isinstance(exc, FileNotFoundError) and member_name is None and not path.exists():
            raise BundleRefused(path, None, "no such file") from None
        raise BundleRefused(path, member_name, f"truncated or corrupt archive ({exc})") from None
    missing = sorted(set(manifest.files) - seen)
    if missing:
        raise BundleRefused(path, missing[0], f"listed in the manifest but missing ({len(missing)} missing in all)")
    return VerifiedBundle(path, manifest, signer, staging)


def _small_member(bundle: Path, archive: tarfile.TarFile, expected: str) -> bytes:
    info = archive.next()
    if info is None or info.name != expected:
        found = "the end of the archive" if info is None else info.name
        raise BundleRefused(bundle, expected, f"expected as the next member, found {found}")
    if not info.isfile() or info.size > MAX_MANIFEST_SIZE:
        raise BundleRefused(bundle, expected, "not a plain file of a sane size")
    handle = archive.extractfile(info)
    assert handle is not None  # a regular file always has a reader
    data = handle.read()
    if len(data) != info.size:
        raise BundleRefused(bundle, expected, "truncated")
    return data


def _check_member(bundle: Path, info: tarfile.TarInfo, manifest: Manifest, seen: set[str]) -> None:
    name = PurePosixPath(info.name)
    if name.is_absolute() or ".." in name.parts or str(name) != info.name:
        raise BundleRefused(bundle, info.name, "a name outside the bundle")
    if not info.isfile():
        raise BundleRefused(bundle, info.name, "not a plain file (links and devices are refused)")
    if info.name not in manifest.files:
        raise BundleRefused(bundle, info.name, "not listed in the signed manifest")
    if info.name in seen:
        raise BundleRefused(bundle, info.name, "appears twice")


def _extract_checked(
    bundle: Path, archive: tarfile.TarFile, info: tarfile.TarInfo, manifest: Manifest, staging: Path
) -> None:
    expected = manifest.files[info.name]
    if info.size != expected.size:
        raise BundleRefused(bundle, info.name, f"size {info.size}, the manifest says {expected.size}")
    source = archive.extractfile(info)
    assert source is not None  # checked isfile() above
    target = staging / info.name
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    written = 0
    with target.open("wb") as sink:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            sink.write(chunk)
            written += len(chunk)
    if written != expected.size:
        raise BundleRefused(bundle, info.name, f"truncated: {written} of {expected.size} bytes")
    if digest.hexdigest() != expected.sha256:
        raise BundleRefused(bundle, info.name, "SHA-256 differs from the signed manifest: the file was altered")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("verify", help="check a bundle's signature and every file's hash")
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--key", type=Path, action="append", required=True, help="a trusted public key (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    return parser


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="commshub-verify-") as folder:
        try:
            keys = [signing.load_public_key(path) for path in args.key]
            verified = verify_bundle(args.bundle, keys, Path(folder) / "bundle")
        except (BundleRefused, OSError, ValueError) as exc:
            print(f"commshub rig verify: refused: {exc}", file=sys.stderr)
            return 2
    manifest = verified.manifest
    targets = [target.name for target in manifest.targets]
    summary: dict[str, Any] = {
        "bundle": str(args.bundle),
        "version": manifest.version,
        "commshub_version": manifest.commshub_version,
        "signed_by": verified.signer,
        "files": len(manifest.files),
        "targets": targets,
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"{args.bundle}: verified, version {manifest.version} (commshub {manifest.commshub_version}), "
            f"signed by {verified.signer}, {len(manifest.files)} files, targets {', '.join(targets)}"
        )
    return 0
