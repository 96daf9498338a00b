"""Installing a bundle on a rig that has no commshub yet (first boot, `rig deploy` to a new Pi).

    PYTHONPATH=<bundle's commshub wheel> python3 -m tools.rig.bootstrap --work DIR BUNDLE [rig install options]

Run by `commshub-rig-bootstrap` with the Pi's own `python3` and nothing but the standard library
(the commshub wheel is pure Python, so it imports straight from the zip). It unpacks the
bundle's manifest and wheels into DIR, builds there a throwaway venv holding just what the
installer needs (commshub without its dependencies, and `cryptography` for the signature),
and runs that venv's `python -m tools.rig install BUNDLE ...`, which verifies the whole bundle
before it changes anything. DIR is the caller's to delete.

Exit codes: those of `rig install`; 2 when the bundle cannot even be unpacked.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
from pathlib import Path, PurePosixPath

from tools.rig.manifest import MANIFEST_NAME, Manifest, ManifestError
from tools.rig.venv import VenvError, create_venv, pip_install

#: What the installer imports beyond the standard library and commshub itself.
INSTALLER_NEEDS = ("cryptography",)


def unpack(bundle: Path, work: Path) -> Manifest:
    """The manifest, and the wheels written to `work`/wheels (read once, front to back)."""
    manifest: Manifest | None = None
    (work / "wheels").mkdir(parents=True, exist_ok=True)
    with tarfile.open(bundle, "r|") as archive:
        while (info := archive.next()) is not None:
            name = PurePosixPath(info.name)
            if not info.isfile() or name.is_absolute() or ".." in name.parts:
                continue  # rig install refuses such a bundle; here it is simply not unpacked
            handle = archive.extractfile(info)
            assert handle is not None  # a regular file always has a reader
            if info.name == MANIFEST_NAME:
                manifest = Manifest.from_json(handle.read())
            elif name.parent == PurePosixPath("wheels"):
                (work / "wheels" / name.name).write_bytes(handle.read())
    if manifest is None:
        raise ManifestError(f"{bundle}: no {MANIFEST_NAME}")
    return manifest


def bootstrap(bundle: Path, work: Path, install_arguments: list[str]) -> int:
    manifest = unpack(bundle, work)
    target = manifest.target_for()
    pins = {requirement.split("==")[0]: requirement for requirement in target.requirements}
    venv = work / "venv"
    create_venv(venv, python=sys.executable, system_site_packages=bool(target.system_packages))
    wheels = work / "wheels"
    pip_install(venv, wheels=wheels, requirements=[pins[name] for name in INSTALLER_NEEDS], compile_bytecode=False)
    pip_install(venv, wheels=wheels, requirements=[pins["commshub"]], no_deps=True, compile_bytecode=False)
    command = [str(venv / "bin" / "python"), "-m", "tools.rig", "install", str(bundle), *install_arguments]
    return subprocess.run(command, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="commshub-rig-bootstrap")
    parser.add_argument("--work", type=Path, required=True, help="scratch folder (the caller deletes it)")
    parser.add_argument("bundle", type=Path)
    args, install_arguments = parser.parse_known_args(argv)
    try:
        return bootstrap(args.bundle.resolve(), args.work, install_arguments)
    except (OSError, tarfile.TarError, ManifestError, VenvError) as exc:
        print(f"commshub-rig-bootstrap: {args.bundle}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
