"""`commshub rig keygen` and `commshub rig build` through the command line."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tools.cli import main
from tools.rig.bundle import BuiltBundle, data_file
from tools.rig.signing import KeyPairPaths, fingerprint, load_private_key, load_public_key


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rig", "keygen", "--out", str(tmp_path), "--name", "lab"]) == 0
    private, public = tmp_path / "lab.key", tmp_path / "lab.pub"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert fingerprint(load_private_key(private).public_key()) == fingerprint(load_public_key(public))
    assert fingerprint(load_public_key(public)) in capsys.readouterr().out
    first = private.read_bytes()
    assert main(["rig", "keygen", "--out", str(tmp_path), "--name", "lab"]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err and private.read_bytes() == first


def test_build_from_a_wheel_for_this_machine(
    make_bundle: Callable[..., BuiltBundle],
    hub_wheel: Path,
    rig_keys: KeyPairPaths,
    wheel_cache: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_bundle("1.0")  # the session's first bundle fills the cache (a fresh one builds crcmod there)
    code = main(
        [
            "rig",
            "build",
            "--key",
            str(rig_keys.private),
            "--wheel",
            str(hub_wheel),
            "--target",
            "host",
            "--cache",
            str(wheel_cache),
            "--out",
            str(tmp_path),
            "--version",
            "7.7",
            "--json",
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["bundle"] == str(tmp_path / "commshub-rig-7.7.tar")
    assert summary["signed_by"] == fingerprint(load_public_key(rig_keys.public))
    (name,) = summary["targets"]
    assert name.startswith("host-") and list(summary["targets"][name]["pure_builds"]) == ["crcmod"]


def test_the_rig_commands_import_without_the_hubs_dependencies() -> None:
    """`python -m tools.rig` must run where only cryptography is installed (the bootstrap venv)."""
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] in ('zigpy', 'construct', 'crcmod', 'serial', 'firmware', 'protocols'):\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from tools.rig import main\n"
        "sys.exit(main(['install', '--help']))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "--root" in result.stdout


@pytest.mark.parametrize("script", ["commshub-rig-bootstrap", "commshub-rig-firstboot"])
def test_the_shipped_shell_scripts_parse_as_posix_sh(script: str, tmp_path: Path) -> None:
    path = tmp_path / script
    path.write_bytes(data_file(script))
    result = subprocess.run(["sh", "-n", str(path)], capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (0, "")


def test_every_udev_rule_is_a_list_of_key_operator_value_pairs() -> None:
    """udev(7) syntax: `KEY[{attr}]` then `==`, `!=`, `=`, `+=` or `:=`, then a double-quoted value."""
    pair = re.compile(r'^[A-Z_]+(\{[A-Za-z0-9_]+\})?(==|!=|\+=|:=|=)"[^"]*"$')
    rules = [line for line in data_file("99-commshub-dongles.rules").decode().splitlines() if line.strip()]
    for line in rules:
        if line.startswith("#"):
            continue
        assert all(pair.match(item.strip()) for item in line.split(",")), line
    assert 'LABEL="commshub_end"' in rules
