"""Building a slot's virtual environment from bundled wheels only (no network, no index).

Standard library only: the first-boot bootstrap runs this with the Pi's bare `python3`.

Why this shape: the venv is made `--without-pip` (no `ensurepip` needed, and nothing is fetched);
the bundle's own pip wheel then installs into it, run straight from the wheel file as pip
supports (`python pip.whl/pip install ...`). pip reads no configuration (`PIP_CONFIG_FILE` is
the null device) and no index (`--no-index`, `--find-links` the bundle's wheels), and installs
the exact pins of the target, so a slot holds what the signed manifest lists and nothing else.
A target that takes a package from the OS (32-bit ARM's `cffi`) gets a venv that sees the
system site-packages.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path


class VenvError(RuntimeError):
    """Building the venv failed; the message carries pip's or venv's own last lines."""


def build_venv(
    venv: Path,
    *,
    python: str,
    wheels: Path,
    requirements: Sequence[str],
    system_site_packages: bool = False,
    compile_bytecode: bool = True,
) -> None:
    """Create `venv` with `python` and install `requirements` (exact pins) from the folder `wheels`."""
    create_venv(venv, python=python, system_site_packages=system_site_packages)
    pip_install(venv, wheels=wheels, requirements=requirements, compile_bytecode=compile_bytecode)


def create_venv(venv: Path, *, python: str, system_site_packages: bool = False) -> None:
    """An empty venv (no pip: the bundle's pip wheel does the installing)."""
    create = [python, "-m", "venv", "--without-pip"]
    if system_site_packages:
        create.append("--system-site-packages")
    _run([*create, str(venv)], "creating the venv")


def pip_install(
    venv: Path, *, wheels: Path, requirements: Sequence[str], no_deps: bool = False, compile_bytecode: bool = True
) -> None:
    """Install `requirements` into `venv` from the folder `wheels` only, with the bundle's pip."""
    pip_wheels = sorted(wheels.glob("pip-*.whl"))
    if not pip_wheels:
        raise VenvError(f"no pip wheel in {wheels}")
    requirements_file = venv / "commshub-requirements.txt"
    requirements_file.write_text("".join(f"{line}\n" for line in requirements), encoding="utf-8")
    install = [
        str(venv / "bin" / "python"),
        str(pip_wheels[-1] / "pip"),
        "install",
        "--no-index",
        "--find-links",
        str(wheels),
        "--no-warn-script-location",
        "--disable-pip-version-check",
        "--quiet",
        "--requirement",
        str(requirements_file),
    ]
    if no_deps:
        install.append("--no-deps")
    if not compile_bytecode:
        install.append("--no-compile")
    _run(install, "installing the bundled wheels")


def _run(command: list[str], what: str) -> None:
    environment = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    environment.pop("PYTHONPATH", None)
    result = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-12:])
        raise VenvError(f"{what} failed (exit {result.returncode}):\n{tail}")
