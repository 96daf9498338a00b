"""Wheels for every platform a rig runs: the commshub wheel and its whole dependency closure.

Why like this: a rig has no network (and piwheels is out of reach even here), so the bundle
carries a wheel for every package, per target platform, resolved by pip itself
(`pip download --only-binary=:all: --platform ... --python-version ...`), the one resolver that
knows every package's markers and tags:

- Raspberry Pi OS targets: Bookworm ships Python 3.11 and glibc 2.36, Trixie Python 3.13 and glibc
  2.41; 64-bit is `aarch64`, 32-bit is `armv7l` (ARMv7 hard-float: Pi 2 and later; the ARMv6
  Pi Zero / Pi 1 have no manylinux wheels at all). pip does not widen a manylinux tag to older
  glibc versions by itself, so every `manylinux_2_17` .. `manylinux_2_<glibc>` tag is listed.
- A package with only an sdist, whose C extension is an optional accelerator, is built here as a
  pure-Python wheel with its documented switch (`PURE_FALLBACKS`: what each one costs is said
  there and in docs/rig.md).
- A package with neither a wheel nor a pure fallback is taken from the OS (`TargetSpec.
  system_packages`): today only `cffi` on 32-bit ARM (cryptography's Rust core imports
  `_cffi_backend`; PyPI has no armv7l cffi wheel). Resolution then runs against a metadata-only
  placeholder carrying the OS package's version, so pip picks the newest cryptography that
  accepts it (one asking cffi>=1.14 rather than cffi>=2); the placeholder is never shipped, and
  the slot's venv sees the system site-packages, where `python3-cffi` lives.

Downloads are cached in a folder (`--cache`): each target is first resolved offline from the
cache, and only what is missing is fetched, so a second build needs no network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tools.rig.manifest import interpreter_machine

#: sdist-only (or not-everywhere) packages whose C extension is optional: the environment that
#: makes their build skip it, and what running without it costs.
PURE_FALLBACKS: dict[str, tuple[dict[str, str], str]] = {
    "crcmod": ({"CC": "false"}, "CRCs (every frame's FCS) in pure Python: about 11x slower per CRC"),
    "aiohttp": ({"AIOHTTP_NO_EXTENSIONS": "1"}, "pure-Python HTTP parser (zigpy's OTA downloads only)"),
    "multidict": ({"MULTIDICT_NO_EXTENSIONS": "1"}, "pure-Python multidict (aiohttp headers)"),
    "yarl": ({"YARL_NO_EXTENSIONS": "1"}, "pure-Python URL parsing (aiohttp)"),
    "frozenlist": ({"FROZENLIST_NO_EXTENSIONS": "1"}, "pure-Python frozen list (aiohttp)"),
    "propcache": ({"PROPCACHE_NO_EXTENSIONS": "1"}, "pure-Python cached properties (yarl)"),
}

_MISSING = re.compile(r"No matching distribution found for ([A-Za-z0-9._-]+)")
_WHEEL_NAME = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")


class WheelError(RuntimeError):
    """A target's dependency closure cannot be put together (names the target and the package)."""


def manylinux_tags(machine: str, glibc_minor: int) -> tuple[str, ...]:
    """Every manylinux tag a glibc 2.<glibc_minor> system on `machine` accepts, newest first."""
    tags = [f"manylinux_2_{minor}_{machine}" for minor in range(glibc_minor, 16, -1)]
    return (*tags, f"manylinux2014_{machine}")


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """One platform the bundle serves. `platforms` empty: the build machine's own interpreter.

    `system_packages`: distribution -> (version the OS ships, OS package that provides it).
    """

    name: str
    machine: str
    python: str
    platforms: tuple[str, ...] = ()
    system_packages: dict[str, tuple[str, str]] = field(default_factory=dict)


PI_TARGETS = (
    TargetSpec("bookworm-arm64", "aarch64", "3.11", manylinux_tags("aarch64", 36)),
    TargetSpec("bookworm-armhf", "armv7l", "3.11", manylinux_tags("armv7l", 36), {"cffi": ("1.15.1", "python3-cffi")}),
    TargetSpec("trixie-arm64", "aarch64", "3.13", manylinux_tags("aarch64", 41)),
    TargetSpec("trixie-armhf", "armv7l", "3.13", manylinux_tags("armv7l", 41), {"cffi": ("1.17.1", "python3-cffi")}),
)


def host_target() -> TargetSpec:
    """The build machine's own platform (what tests and an x86 lab server install)."""
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return TargetSpec(f"host-{interpreter_machine()}-py{python}", interpreter_machine(), python)


def known_targets() -> dict[str, TargetSpec]:
    host = host_target()
    return {"host": host, **{target.name: target for target in PI_TARGETS}}


@dataclass(frozen=True, slots=True)
class ResolvedTarget:
    spec: TargetSpec
    wheels: tuple[Path, ...]
    requirements: tuple[str, ...]
    system_packages: dict[str, str]
    pure_builds: tuple[str, ...]


def wheel_name_version(filename: str) -> tuple[str, str]:
    """(normalised distribution name, version) from a wheel file name (PEP 427 / PEP 503)."""
    match = _WHEEL_NAME.match(filename)
    if match is None:
        raise WheelError(f"not a wheel file name: {filename}")
    return re.sub(r"[-_.]+", "-", match["name"]).lower(), match["version"]


def pip_environment() -> dict[str, str]:
    """pip reads no configuration file (a machine's extra indexes or constraints stay out of bundles)."""
    return {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def _pip(arguments: Sequence[str], *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", *arguments],
        capture_output=True,
        text=True,
        env=env or pip_environment(),
        check=False,
    )


def build_commshub_wheel(source: Path, out: Path) -> Path:
    """The commshub wheel built from the project folder `source` (a clean copy: the tree stays untouched)."""
    with tempfile.TemporaryDirectory(prefix="commshub-src-") as temporary:
        copy = Path(temporary) / "src"
        ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "dist", ".*")
        copy.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            if (source / name).exists():
                shutil.copy2(source / name, copy / name)
        for package in ("protocols", "hal", "firmware", "tools"):
            shutil.copytree(source / package, copy / package, ignore=ignore)
        out.mkdir(parents=True, exist_ok=True)
        before = set(out.glob("commshub-*.whl"))
        result = _pip(["wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(copy)], env=dict(os.environ))
        if result.returncode != 0:
            raise WheelError(f"building the commshub wheel from {source} failed:\n{result.stderr.strip()}")
        built = sorted(set(out.glob("commshub-*.whl")) - before) or sorted(out.glob("commshub-*.whl"))
        return max(built, key=lambda path: path.stat().st_mtime)


def placeholder_wheel(directory: Path, name: str, version: str) -> Path:
    """A metadata-only wheel standing for an OS-provided package during resolution (never shipped)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        archive.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: commshub-rig\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        archive.writestr(f"{info}/RECORD", "")
    return path


def build_pure_wheel(name: str, out: Path) -> Path:
    """Build `name`'s newest sdist without its C extension; WheelError unless the result is pure."""
    environment, _cost = PURE_FALLBACKS[name]
    with tempfile.TemporaryDirectory(prefix="commshub-pure-") as temporary:
        result = _pip(
            ["wheel", "--no-deps", "--no-binary", ":all:", "--no-cache-dir", "--quiet", "--wheel-dir", temporary, name],
            env={**pip_environment(), **environment},
        )
        built = list(Path(temporary).glob("*.whl"))
        if result.returncode != 0 or len(built) != 1:
            raise WheelError(f"building {name} without its C extension failed:\n{result.stderr.strip()}")
        if not built[0].name.endswith("-none-any.whl"):
            raise WheelError(f"{name} built as {built[0].name}, not a pure-Python wheel")
        out.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy2(built[0], out / built[0].name))


def resolve_target(spec: TargetSpec, requirements: Sequence[str], cache: Path) -> ResolvedTarget:
    """Download (or take from `cache`) every wheel `requirements` need on `spec`'s platform."""
    downloads, pure, placeholders = cache / "wheels", cache / "pure", cache / "placeholders" / spec.name
    downloads.mkdir(parents=True, exist_ok=True)
    system: dict[str, str] = {}
    for name, (version, os_package) in spec.system_packages.items():
        placeholder_wheel(placeholders, name, version)
        system[name] = os_package
    pure_builds: list[str] = []
    target_args = ["--only-binary", ":all:"]
    for tag in spec.platforms:
        target_args += ["--platform", tag]
    if spec.platforms:
        target_args += ["--python-version", spec.python, "--implementation", "cp"]
    links = ["--find-links", str(downloads), "--find-links", str(pure), "--find-links", str(placeholders)]
    while True:
        with tempfile.TemporaryDirectory(prefix="commshub-resolve-") as temporary:
            dest = Path(temporary)
            offline = _pip(
                ["download", "--quiet", "--no-index", *links, *target_args, "--dest", temporary, *requirements]
            )
            result = offline
            if offline.returncode != 0:
                result = _pip(["download", "--quiet", *links, *target_args, "--dest", temporary, *requirements])
            if result.returncode == 0:
                return _collect(spec, dest, cache, system)
        missing = _MISSING.search(result.stderr)
        package = missing[1].lower() if missing else None
        if package is None or package not in PURE_FALLBACKS or package in pure_builds:
            raise WheelError(f"target {spec.name}: no wheel set resolves:\n{result.stderr.strip()}")
        build_pure_wheel(package, pure)
        pure_builds.append(package)


def _collect(spec: TargetSpec, dest: Path, cache: Path, system: dict[str, str]) -> ResolvedTarget:
    wheels: list[Path] = []
    pins: list[str] = []
    pure_builds: list[str] = []
    for path in sorted(dest.glob("*.whl")):
        name, version = wheel_name_version(path.name)
        if name in system:
            continue  # the placeholder of an OS package: resolution only
        if (cache / "pure" / path.name).exists():
            pure_builds.append(name)
        kept = cache / "wheels" / path.name
        if not kept.exists():
            shutil.copy2(path, kept)
        wheels.append(kept)
        pins.append(f"{name}=={version}")
    return ResolvedTarget(spec, tuple(wheels), tuple(pins), system, tuple(pure_builds))
