"""Per-target wheel resolution (pip's own resolver, offline from a cache) and the manifest's targets."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tools.rig.manifest import FileEntry, Manifest, ManifestError, TargetEntry, interpreter_machine
from tools.rig.wheels import TargetSpec, manylinux_tags, resolve_target, wheel_name_version


def fake_wheel(folder: Path, filename: str, requires: tuple[str, ...] = ()) -> Path:
    """A metadata-only wheel: enough for pip's resolver, which never opens the code."""
    name, version = filename.split("-")[:2]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {requirement}\n" for requirement in requires
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{info}/METADATA", metadata)
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp311-abi3-any\n")
        archive.writestr(f"{info}/RECORD", "")
    return path


def test_an_os_provided_package_steers_the_resolution_and_is_not_shipped(tmp_path: Path) -> None:
    """32-bit ARM: no cffi wheel exists, the OS's cffi 1.15 is used, so cryptography must accept it."""
    cache = tmp_path / "cache"
    fake_wheel(cache / "wheels", "cryptography-48.0.1-cp311-abi3-manylinux_2_34_armv7l.whl", ("cffi>=2.0.0",))
    fake_wheel(cache / "wheels", "cryptography-45.0.7-cp311-abi3-manylinux_2_31_armv7l.whl", ("cffi>=1.14",))
    fake_wheel(cache / "wheels", "cryptography-45.0.7-cp311-abi3-manylinux_2_34_aarch64.whl", ("cffi>=1.14",))
    fake_wheel(cache / "pure", "crcmod-1.7-py3-none-any.whl")
    spec = TargetSpec(
        "test-armhf", "armv7l", "3.11", manylinux_tags("armv7l", 36), {"cffi": ("1.15.1", "python3-cffi")}
    )
    resolved = resolve_target(spec, ["cryptography", "crcmod"], cache)
    assert resolved.requirements == ("crcmod==1.7", "cryptography==45.0.7")
    assert [wheel.name for wheel in resolved.wheels] == [
        "crcmod-1.7-py3-none-any.whl",
        "cryptography-45.0.7-cp311-abi3-manylinux_2_31_armv7l.whl",
    ]
    assert resolved.system_packages == {"cffi": "python3-cffi"}
    assert all(wheel.is_file() for wheel in resolved.wheels)


def test_manylinux_tags_cover_every_glibc_from_2_17() -> None:
    tags = manylinux_tags("aarch64", 36)
    assert tags[0] == "manylinux_2_36_aarch64" and tags[-2] == "manylinux_2_17_aarch64"
    assert tags[-1] == "manylinux2014_aarch64" and len(tags) == 36 - 17 + 2


@pytest.mark.parametrize(
    "filename, expected",
    [
        ("typing_extensions-4.16.0-py3-none-any.whl", ("typing-extensions", "4.16.0")),
        ("cryptography-48.0.1-cp311-abi3-manylinux_2_34_x86_64.whl", ("cryptography", "48.0.1")),
        ("pyserial-3.5-py2.py3-none-any.whl", ("pyserial", "3.5")),
        ("Foo.Bar-1.0-1build-py3-none-any.whl", ("foo-bar", "1.0")),
    ],
)
def test_wheel_file_names(filename: str, expected: tuple[str, str]) -> None:
    assert wheel_name_version(filename) == expected


@pytest.mark.parametrize(
    "machine, pointer_size, expected",
    [("aarch64", 8, "aarch64"), ("aarch64", 4, "armv7l"), ("armv7l", 4, "armv7l"), ("x86_64", 8, "x86_64")],
)
def test_a_32_bit_userland_on_a_64_bit_kernel_installs_32_bit_wheels(
    machine: str, pointer_size: int, expected: str
) -> None:
    assert interpreter_machine(machine, pointer_size) == expected


def test_manifest_round_trips_and_names_the_missing_platform() -> None:
    target = TargetEntry("bookworm-arm64", "aarch64", "3.11", ("wheels/a.whl",), ("a==1",), {})
    manifest = Manifest("1.0", "0.1.0", "2026-01-01T00:00:00Z", {"wheels/a.whl": FileEntry("00" * 32, 3)}, (target,))
    assert Manifest.from_json(manifest.to_json()) == manifest
    assert manifest.target_for("aarch64", "3.11") == target
    with pytest.raises(ManifestError, match=r"no wheels for armv7l/py3.11 \(it has aarch64/py3.11\)"):
        manifest.target_for("armv7l", "3.11")
    with pytest.raises(ManifestError, match="format"):
        Manifest.from_json(b'{"format": 99}')
    with pytest.raises(ManifestError, match="malformed"):
        Manifest.from_json(b"[1, 2]")
