"""`commshub ca`: issuing test certificates from a CA key kept in a file (tools/ca.py)."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from protocols.zigbee.cbke import CryptoSuite, DeviceCredentials, parse_certificate
from tools.cli import main

EUI = "00db1234567890a0"


@pytest.mark.parametrize("suite", [1, 2])
def test_issue_prints_credentials_that_verify_and_keeps_the_ca(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suite: int
) -> None:
    ca_dir = tmp_path / "ca"
    assert (
        main(["ca", "issue", "--eui", EUI, "--suite", str(suite), "--dir", str(ca_dir), "--valid-from", "1700000000"])
        == 0
    )
    table = tomllib.loads(capsys.readouterr().out)["cbke"][f"suite{suite}"]
    credentials = DeviceCredentials.from_mapping(table)
    assert credentials.subject == int(EUI, 16) and credentials.suite == CryptoSuite(suite) and credentials.verify()
    ca_file = ca_dir / f"suite{suite}-ca.toml"
    assert stat.S_IMODE(ca_file.stat().st_mode) == 0o600
    first_ca = ca_file.read_text()
    assert (
        main(["ca", "issue", "--eui", "00db0000000000aa", "--suite", str(suite), "--dir", str(ca_dir), "--json"]) == 0
    )
    record = json.loads(capsys.readouterr().out)
    assert ca_file.read_text() == first_ca and record["ca_public_key"] == table["ca_public_key"]  # the same CA
    assert main(["ca", "show", "--suite", str(suite), "--dir", str(ca_dir), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["public_key"] == table["ca_public_key"]


def test_issue_writes_the_documented_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert (
        main(
            [
                "ca",
                "issue",
                "--eui",
                EUI,
                "--dir",
                str(tmp_path / "ca"),
                "--out",
                str(out),
                "--valid-from",
                "1700000000",
            ]
        )
        == 0
    )
    capsys.readouterr()
    names = sorted(path.name for path in out.iterdir())
    assert names == [f"{EUI}-suite2.{ext}" for ext in ("ca", "cert", "key", "toml")]
    certificate = bytes.fromhex((out / f"{EUI}-suite2.cert").read_text().strip())
    parsed = parse_certificate(certificate, CryptoSuite.SUITE_2)
    assert parsed.subject == int(EUI, 16) and getattr(parsed, "valid_from", None) == 1700000000
    assert stat.S_IMODE((out / f"{EUI}-suite2.key").stat().st_mode) == 0o600
    assert DeviceCredentials.from_toml((out / f"{EUI}-suite2.toml").read_text()).verify()


def test_malformed_ca_file_is_an_error_not_a_new_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "suite2-ca.toml").write_text("suite = 2\nissuer = ")
    assert main(["ca", "issue", "--eui", EUI, "--dir", str(tmp_path)]) == 2
    assert "CA key in" in capsys.readouterr().err
    assert (tmp_path / "suite2-ca.toml").read_text() == "suite = 2\nissuer = "


@pytest.mark.parametrize("eui", ["00db12", "zz" * 8])
def test_bad_eui_is_a_usage_error(tmp_path: Path, eui: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["ca", "issue", "--eui", eui, "--dir", str(tmp_path)])
    assert exit_info.value.code == 2


def test_the_installed_script_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "commshub"
    result = subprocess.run(
        [str(script), "ca", "show", "--suite", "1", "--dir", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and tomllib.loads(result.stdout)["suite"] == 1
