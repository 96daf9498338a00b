"""`commshub decode` through `tools.cli.main` (and one run of the installed script)."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools.cli import main
from tools.decode import read_input

# gbcs.md 3.6: the ECS52 command.
ECS52_HEX = (
    "DD000000000000471100000000DF0901000000000000" "03E80890B3D51F300100000800DB1234567890A000"
    "020059" "13D9200003E8000101000100000002" "01FF020100" "00A25A51A93BAFA5C9E2B224BD"
)
ECS52 = bytes.fromhex(ECS52_HEX)
REPO = Path(__file__).resolve().parents[2]


def _json_lines(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in text.splitlines()]


def test_input_forms_are_detected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file of hex text (any case, with whitespace), of base64 (as DUIS carries it), of raw bytes; a hex string; stdin."""
    (tmp_path / "hex.txt").write_text(ECS52_HEX.lower()[:40] + "\n" + ECS52_HEX[40:] + "\n")
    (tmp_path / "b64.txt").write_text(base64.b64encode(ECS52).decode() + "\n")
    (tmp_path / "raw.bin").write_bytes(ECS52)
    for name in ("hex.txt", "b64.txt", "raw.bin"):
        assert read_input(str(tmp_path / name)) == ECS52
    assert read_input(ECS52_HEX) == ECS52
    long_hex = ECS52_HEX * 60  # longer than any file name may be (ENAMETOOLONG), still a hex string
    assert read_input(long_hex) == ECS52 * 60
    assert read_input("-", stdin=io.BytesIO(ECS52_HEX.encode())) == ECS52


def test_json_lines_keys_and_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.hex").write_text(ECS52_HEX)
    code = main(["decode", "--json", str(tmp_path / "a.hex"), "DF09", ECS52_HEX])
    records = _json_lines(capsys.readouterr().out)
    assert code == 1 and [r["ok"] for r in records] == [True, False, True]
    assert [r["source"] for r in records] == [str(tmp_path / "a.hex"), "DF09", ECS52_HEX]
    first = records[0]
    assert {k: first[k] for k in ("frame", "cra", "originator_counter", "originator", "recipient", "date_time")} == {
        "frame": "general-ciphering",
        "cra": "command",
        "originator_counter": 1000,
        "originator": "90b3d51f30010000",
        "recipient": "00db1234567890a0",
        "date_time": None,
    }
    assert (first["message_code"], first["use_case"], first["content_length"]) == (0x59, "ECS52", 19)
    assert (first["mac"], first["signature"]) == ("no-key", "absent")
    assert "payload" in first and "unparsed" in first
    assert records[1]["error"]["offset"] == 2 and "gbcs" in records[1]["error"]["message"]


def test_keystore_verifies(rtds_dir: Path, keystore_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted((rtds_dir / "11.2_ECS52").glob("*.HEX"))
    assert main(["decode", "--json", "--keystore", str(keystore_dir), *map(str, files)]) == 0
    records = _json_lines(capsys.readouterr().out)
    assert len(records) == len(files) and all(r["ok"] and r["mac"] == "valid" for r in records)
    assert all(r["unparsed"] == 0 for r in records if r["payload"] is not None)


def test_text_tree(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", ECS52_HEX]) == 0
    out = capsys.readouterr().out
    assert "originator-counter @16+8 = 1000" in out
    assert "message-code @44+2 = 89  (ECS52)" in out
    assert "mac @67+12 = a25a51a93bafa5c9e2b224bd  (no-key)" in out


def test_example_builds_and_verifies(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", "--example", "--json"]) == 0
    record = _json_lines(capsys.readouterr().out)[0]
    assert (record["mac"], record["signature"], record["use_case"]) == ("valid", "valid", "ECS09")


def test_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["decode"]) == 2
    assert main(["decode", "--example", ECS52_HEX]) == 2
    assert main(["decode", "--keystore", str(tmp_path / "missing"), ECS52_HEX]) == 2
    assert "missing" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("not a key")
    assert main(["decode", "--keystore", str(tmp_path), ECS52_HEX]) == 0
    err = capsys.readouterr().err
    assert "skipped (" in err and "notes.txt" in err
    assert main(["decode", "not-hex-not-a-file"]) == 1
    assert "not a file and not a hex string" in capsys.readouterr().out


def test_installed_script_runs_the_main_job() -> None:
    """The README's first command: `.venv/bin/commshub decode --example`."""
    script = Path(sys.executable).parent / "commshub"
    if not script.exists():
        pytest.skip(f"{script} is not installed (pip install -e .)")
    result = subprocess.run([str(script), "decode", "--example"], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert "mac @" in result.stdout and "(valid)" in result.stdout
