"""`rig install` / `status` / `rollback` into a temporary root, hubs started from the installed slots.

The slots' venvs are built offline from the bundles' wheels with the real pip; the hubs are real
processes run from those venvs (`commshub run` through `current`, as the unit runs it), told to
report over a real notify socket, and reached over TCP on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from hal.nvm import NvmStore
from tests.tools.rig.conftest import REAL_HUB, wan_answer
from tools.cli import main
from tools.rig.bundle import BuiltBundle
from tools.rig.hubconfig import read_settings
from tools.rig.signing import KeyPairPaths, fingerprint, load_public_key
from tools.rig.slots import RigLayout


def install(
    layout: RigLayout, bundle: BuiltBundle, capsys: pytest.CaptureFixture[str], key: Path | None = None
) -> tuple[int, dict]:
    """`rig install` with the stand-in hub run by the installer; (exit code, the JSON report)."""
    trust = ["--key", str(key)] if key else []
    code = main(
        [
            "rig",
            "install",
            str(bundle.path),
            "--root",
            str(layout.root),
            *trust,
            "--service",
            "process",
            "--no-compile",
            "--timeout",
            "60",
            "--json",
        ]
    )
    return code, json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def normalise(pin: str) -> str:
    """`Name_x==1` and `name-x==1` are the same distribution (PEP 503)."""
    return re.sub(r"[-_.]+", "-", pin).lower()


def state(layout: RigLayout) -> dict:
    store = NvmStore.open(read_settings(layout.config).state_file)
    try:
        return store.partition("hub").items()
    finally:
        store.close()


def digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_install_update_rollback_then_a_failed_update_rolls_back(
    make_bundle: Callable[..., BuiltBundle],
    rig_root: RigLayout,
    rig_keys: KeyPairPaths,
    capsys: pytest.CaptureFixture[str],
) -> None:
    layout = rig_root
    code, report = install(layout, make_bundle("1.0"), capsys, key=rig_keys.public)
    assert (code, report["result"], report["slot"], report["previous"]) == (0, "installed", "a", None)
    assert report["health"].startswith("READY") and "accepts connections" in report["health"]
    assert wan_answer(layout) == "1.0"
    trusted = load_public_key(rig_keys.public)
    assert (layout.trusted_keys / f"{fingerprint(trusted)}.pub").is_file()  # enrolled: later installs need no --key
    bundle_pins = set(make_bundle("1.0").manifest.targets[0].requirements)
    frozen = subprocess.run(
        [str(layout.venv("a") / "bin" / "python"), "-m", "pip", "freeze", "--all"], capture_output=True, text=True
    ).stdout.split()
    assert {normalise(line) for line in frozen} == {normalise(pin) for pin in bundle_pins}  # the bundle's, no more

    code, report = install(layout, make_bundle("2.0"), capsys)
    assert (code, report["result"], report["slot"], report["previous"]) == (0, "installed", "b", "a")
    assert wan_answer(layout) == "2.0"
    if not REAL_HUB:
        assert state(layout) == {"first_version": "1.0"}  # the state lives outside the slots

    assert main(["rig", "rollback", "--root", str(layout.root), "--service", "process", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["result"], report["slot"], report["version"]) == ("rolled-back", "a", "1.0")
    assert wan_answer(layout) == "1.0" and layout.active() == "a"
    state_file = read_settings(layout.config).state_file
    before = digest(state_file)

    code, report = install(layout, make_bundle("3.0", "fail"), capsys)
    assert (code, report["result"], report["slot"], report["previous"]) == (1, "rolled-back", "b", "a")
    assert "exited with status 1 before READY" in report["health"]
    assert report["state"] == "restored"  # the failed hub wrote to it; the snapshot was put back
    if not REAL_HUB:  # the stand-in writes nothing while it serves: the file is byte for byte as before
        assert digest(state_file) == before
        # (the real hub holds the state file's lock while it serves: it cannot be opened beside it)
        assert "schema" not in state(layout)  # what the failed version wrote is gone
    assert wan_answer(layout) == "1.0"  # still serving, from slot a
    assert layout.active() == "a"
    failed = layout.record("b")
    assert failed is not None and (failed.version, failed.state) == ("3.0", "failed")

    assert main(["rig", "status", "--root", str(layout.root), "--service", "process", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["active"] == "a" and status["running"] is True and status["healthy"] is True
    assert [event["result"] for event in status["history"]] == ["installed", "installed", "rolled-back", "rolled-back"]
    assert main(["rig", "rollback", "--root", str(layout.root), "--service", "process"]) == 2  # slot b failed
    assert "no healthy slot" in capsys.readouterr().err

    assert_unit_verifies(layout)


def assert_unit_verifies(layout: RigLayout) -> None:
    """The unit as installed passes `systemd-analyze verify` (its ExecStart exists in the root)."""
    unit = layout.root / "etc/systemd/system/commshub.service"
    assert unit.is_file() and (layout.root / "etc/udev/rules.d/99-commshub-dongles.rules").is_file()
    systemd_units = Path("/usr/lib/systemd/system")
    if shutil.which("systemd-analyze") is None or not systemd_units.is_dir():
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    shutil.copytree(systemd_units, layout.root / "usr/lib/systemd/system", symlinks=True)
    verified = subprocess.run(
        ["systemd-analyze", "verify", f"--root={layout.root}", "/etc/systemd/system/commshub.service"],
        capture_output=True,
        text=True,
    )
    assert (verified.returncode, verified.stderr) == (0, "")  # no unknown key, no bad value, ExecStart exists
