"""Refused bundles: a tampered file, a wrong signature, a truncated archive, an extra or missing
member, a path outside the bundle: each refused naming the file, with nothing changed on the rig."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tools.cli import main
from tools.rig import signing
from tools.rig.bundle import BuiltBundle
from tools.rig.manifest import Manifest
from tools.rig.slots import RigLayout


def tree(root: Path) -> dict[str, str]:
    """Every file under `root` with its SHA-256 (the lock file aside: taking the lock is not a change)."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != ".lock"
    }


def members(bundle: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(bundle) as archive:
        return [(info, archive.extractfile(info).read()) for info in archive.getmembers()]  # type: ignore[union-attr]


def write_tar(path: Path, items: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as archive:
        for info, data in items:
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def replaced(items: list[tuple[tarfile.TarInfo, bytes]], name: str, data: bytes) -> list[tuple[tarfile.TarInfo, bytes]]:
    return [(info, data if info.name == name else content) for info, content in items]


def flip_byte_in_file(bundle: Path, out: Path, needle: bytes) -> Path:
    data = bytearray(bundle.read_bytes())
    data[data.index(needle)] ^= 0x01
    out.write_bytes(bytes(data))
    return out


def truncated(bundle: Path, out: Path) -> Path:
    """The first two thirds of the bundle: it ends inside a wheel."""
    out.write_bytes(bundle.read_bytes()[: bundle.stat().st_size * 2 // 3])
    return out


@pytest.fixture
def bundle(make_bundle: Callable[..., BuiltBundle]) -> Path:
    return make_bundle("1.0").path


def wheel_name(bundle: Path) -> str:
    return next(info.name for info, _ in members(bundle) if info.name.startswith("wheels/construct-"))


def resigned(items: list[tuple[tarfile.TarInfo, bytes]], key_path: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    """The members with a manifest re-signed by `key_path` (so only the change under test is wrong)."""
    manifest = next(data for info, data in items if info.name == "manifest.json")
    return replaced(items, "manifest.sig", signing.sign(manifest, signing.load_private_key(key_path)))


CASES: dict[str, tuple[Callable[[Path, Path, signing.KeyPairPaths], Path], str, str]] = {
    "tampered wheel": (
        lambda b, d, k: write_tar(d / "x.tar", replaced(members(b), wheel_name(b), b"not a wheel")),
        "wheels/construct-",
        "the manifest says",  # a different size is caught before the hash
    ),
    "tampered byte": (
        lambda b, d, k: flip_byte_in_file(b, d / "x.tar", b"Type=notify"),
        "systemd/commshub.service",
        "SHA-256 differs from the signed manifest",
    ),
    "wrong signature": (
        lambda b, d, k: write_tar(
            d / "x.tar", resigned(members(b), signing.generate_key_pair(d / "other", "intruder").private)
        ),
        "manifest.sig",
        "which this rig does not trust",
    ),
    "altered manifest": (
        lambda b, d, k: flip_byte_in_file(b, d / "x.tar", b'"commshub_version"'),
        "manifest.sig",
        "does not verify",
    ),
    "truncated": (
        lambda b, d, k: truncated(b, d / "x.tar"),
        "wheels/",
        "truncated or corrupt archive",
    ),
    "extra file": (
        lambda b, d, k: write_tar(
            d / "x.tar", [*members(b), (tarfile.TarInfo("wheels/evil-1.0-py3-none-any.whl"), b"x")]
        ),
        "wheels/evil-1.0-py3-none-any.whl",
        "not listed in the signed manifest",
    ),
    "missing file": (
        lambda b, d, k: write_tar(
            d / "x.tar", [m for m in members(b) if m[0].name != "udev/99-commshub-dongles.rules"]
        ),
        "udev/99-commshub-dongles.rules",
        "listed in the manifest but missing",
    ),
    "path outside": (
        lambda b, d, k: write_tar(d / "x.tar", [*members(b), (tarfile.TarInfo("../../etc/passwd"), b"x")]),
        "../../etc/passwd",
        "a name outside the bundle",
    ),
    "manifest not first": (
        lambda b, d, k: write_tar(d / "x.tar", list(reversed(members(b)))),
        "manifest.json",
        "expected as the next member",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_bundle_is_refused_naming_the_file_and_nothing_changes(
    case: str,
    bundle: Path,
    rig_root: RigLayout,
    rig_keys: signing.KeyPairPaths,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make, member, reason = CASES[case]
    bad = make(bundle, tmp_path, rig_keys)
    before = tree(rig_root.root)
    code = main(
        [
            "rig",
            "install",
            str(bad),
            "--root",
            str(rig_root.root),
            "--key",
            str(rig_keys.public),
            "--service",
            "process",
            "--json",
        ]
    )
    assert code == 2
    report = json.loads(capsys.readouterr().out)
    assert report["result"] == "refused"
    assert f": {member}" in report["detail"] and reason in report["detail"], report["detail"]
    assert tree(rig_root.root) == before  # no slot, no key enrolled, no staging left
    assert not (rig_root.base / "slots").exists()


def test_the_signed_manifest_lists_every_member_with_its_hash(bundle: Path, rig_keys: signing.KeyPairPaths) -> None:
    items = members(bundle)
    assert [info.name for info, _ in items[:2]] == ["manifest.json", "manifest.sig"]
    document, signature = items[0][1], items[1][1]
    assert signing.verify(document, signature, [signing.load_public_key(rig_keys.public)])
    manifest = Manifest.from_json(document)
    listed = {name: entry.sha256 for name, entry in manifest.files.items()}
    assert listed == {info.name: hashlib.sha256(data).hexdigest() for info, data in items[2:]}
    (target,) = manifest.targets
    assert set(target.wheels) <= set(listed) and any(name.startswith("wheels/commshub-") for name in target.wheels)


def test_verify_command_checks_a_bundle_before_it_ships(
    bundle: Path, rig_keys: signing.KeyPairPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rig", "verify", str(bundle), "--key", str(rig_keys.public), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["version"], summary["signed_by"]) == (
        "1.0",
        signing.fingerprint(signing.load_public_key(rig_keys.public)),
    )
    bad = flip_byte_in_file(bundle, tmp_path / "bad.tar", b"Type=notify")
    assert main(["rig", "verify", str(bad), "--key", str(rig_keys.public)]) == 2
    assert "systemd/commshub.service: SHA-256 differs" in capsys.readouterr().err
