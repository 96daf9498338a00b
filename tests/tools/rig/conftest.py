"""Fixtures of the rig tests: a signing key, bundles built once per session, rig roots, free ports.

Bundles are built for this machine's platform only ("host" target), with the wheel downloads
cached in pytest's cache folder (`.pytest_cache/d/commshub-rig-wheels`): the first run fetches
them from PyPI, later runs are offline.

Until `commshub run` exists, the bundles' commshub wheel is built from a copy of the project
with `fake_hub.py` (this folder) as `tools/run.py`; a bundle whose hub must fail its health check
always carries that stand-in with BEHAVIOUR = "fail".
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import socket
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tools.rig import signing
from tools.rig.bundle import BuiltBundle, build_bundle
from tools.rig.hubconfig import read_settings, render
from tools.rig.slots import RigLayout
from tools.rig.supervisor import ProcessSupervisor
from tools.rig.wheels import build_commshub_wheel

FAKE_HUB = Path(__file__).with_name("fake_hub.py")
REAL_HUB = (REPO / "tools" / "run.py").is_file()


def project_copy(destination: Path) -> Path:
    """A copy of the project whose `commshub run` is the stand-in hub (unless the real one exists)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", ".*")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, destination / name)
    for package in ("protocols", "hal", "firmware", "tools"):
        shutil.copytree(REPO / package, destination / package, ignore=ignore)
    if REAL_HUB:
        return destination
    shutil.copy2(FAKE_HUB, destination / "tools" / "run.py")
    cli = destination / "tools" / "cli.py"
    source = cli.read_text()
    assert "SUBCOMMANDS = (" in source, "tools/cli.py changed shape: register the stand-in hub another way"
    cli.write_text(source.replace("SUBCOMMANDS = (", 'SUBCOMMANDS = ("run", ', 1))
    return destination


def failing_wheel(wheel: Path, destination: Path) -> Path:
    """A copy of `wheel` whose `tools/run.py` is the stand-in hub with BEHAVIOUR = "fail".

    Rewriting one file of the zip (and its RECORD line) is quicker than a second wheel build.
    """
    text = FAKE_HUB.read_text().replace('BEHAVIOUR = "serve"', 'BEHAVIOUR = "fail"').encode()
    digest = base64.urlsafe_b64encode(hashlib.sha256(text).digest()).rstrip(b"=").decode()
    out = destination / wheel.name
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "tools/run.py":
                data = text
            elif item.filename.endswith(".dist-info/RECORD"):
                lines = [
                    f"tools/run.py,sha256={digest},{len(text)}" if line.startswith("tools/run.py,") else line
                    for line in data.decode().splitlines()
                ]
                data = ("\n".join(lines) + "\n").encode()
            target.writestr(item, data)
    return out


@pytest.fixture(scope="session")
def rig_keys(tmp_path_factory: pytest.TempPathFactory) -> signing.KeyPairPaths:
    return signing.generate_key_pair(tmp_path_factory.mktemp("rig-keys"))


@pytest.fixture(scope="session")
def wheel_cache(pytestconfig: pytest.Config) -> Path:
    assert pytestconfig.cache is not None
    return Path(pytestconfig.cache.mkdir("commshub-rig-wheels"))


@pytest.fixture(scope="session")
def hub_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The commshub wheel whose `commshub run` serves (built once per session from a project copy)."""
    source = project_copy(tmp_path_factory.mktemp("src"))
    return build_commshub_wheel(source, tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def make_bundle(
    tmp_path_factory: pytest.TempPathFactory, rig_keys: signing.KeyPairPaths, wheel_cache: Path, hub_wheel: Path
) -> Callable[..., BuiltBundle]:
    """`make_bundle(version, behaviour="serve")`: a signed host-platform bundle, built once per session."""
    built: dict[tuple[str, str], BuiltBundle] = {}
    wheels = {"serve": hub_wheel}
    key = signing.load_private_key(rig_keys.private)

    def make(version: str, behaviour: str = "serve") -> BuiltBundle:
        if behaviour not in wheels:
            wheels[behaviour] = failing_wheel(hub_wheel, tmp_path_factory.mktemp(f"wheel-{behaviour}"))
        if (version, behaviour) not in built:
            built[(version, behaviour)] = build_bundle(
                out=tmp_path_factory.mktemp("bundles"),
                key=key,
                commshub_wheel=wheels[behaviour],
                targets=["host"],
                version=version,
                cache=wheel_cache,
            )
        return built[(version, behaviour)]

    return make


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def hub_config(root: Path, port: int) -> str:
    """The packaged default config with this rig's port and a state file under its root."""
    template = (REPO / "tools" / "rig" / "data" / "hub.toml").read_text()
    return render(template, listen=f"127.0.0.1:{port}", state_file=str(root / "var/lib/commshub/hub.sqlite"))


def wan_answer(layout: RigLayout) -> str:
    """The bundle version of the hub answering on the WAN port.

    The stand-in hub says its slot's version on connect; the real hub says nothing, so once its
    port accepts a connection it is identified by the active slot.
    """
    host, port = read_settings(layout.config).probe_address()
    with socket.create_connection((host, port), timeout=10) as connection:
        if REAL_HUB:
            active = layout.active()
            record = layout.record(active) if active else None
            return record.version if record else "none"
        return connection.makefile().readline().strip()


@pytest.fixture
def rig_root(tmp_path: Path) -> Iterator[RigLayout]:
    """An empty rig root with its config written; whatever hub runs in it is stopped afterwards."""
    layout = RigLayout(tmp_path / "root")
    layout.config.parent.mkdir(parents=True)
    layout.config.write_text(hub_config(layout.root, free_port()))
    yield layout
    ProcessSupervisor(layout).stop()
