"""`commshub decode` through `tools.cli.main` (and one run of the installed script)."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from protocols.gbcs.envelope import decode, encode
from protocols.gbcs.example import example_command
from tools.cli import main
from tools.decode import InputError, read_input

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
    assert "not a file and not a hex string" in capsys.readouterr().err
    (tmp_path / "keys.pem").write_text("a file")
    assert main(["decode", "--keystore", str(tmp_path / "keys.pem"), ECS52_HEX]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_installed_script_runs_the_main_job() -> None:
    """The primer's first decode command (docs/gbcs-codec.md): `.venv/bin/commshub decode --example`."""
    script = Path(sys.executable).parent / "commshub"
    if not script.exists():
        pytest.skip(f"{script} is not installed (pip install -e .)")
    result = subprocess.run([str(script), "decode", "--example"], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert "mac @" in result.stdout and "(valid)" in result.stdout


def test_text_mode_failures_are_one_line_each_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", "DF09", ECS52_HEX, "not-a-file"]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(f"== {ECS52_HEX}\n") and captured.out.count("== ") == 1  # only the good message
    assert "error" not in captured.out
    lines = captured.err.splitlines()
    assert len(lines) == 2 and lines[0].startswith("commshub decode: DF09: gbcs: ") and "byte offset 2" in lines[0]
    assert lines[1].startswith("commshub decode: not-a-file: ")


def test_broken_hex_files_are_named_as_such(tmp_path: Path) -> None:
    """The review's files: a hex file with an odd digit count, and one ending in `ZZ` (valid base64 characters)."""
    (tmp_path / "odd.hex").write_text(ECS52_HEX + "0\n")
    (tmp_path / "junk.hex").write_text(ECS52_HEX[:40] + "\n" + ECS52_HEX[40:] + "ZZ\n")
    with pytest.raises(InputError, match=f"odd number of digits \\({len(ECS52_HEX) + 1}\\)"):
        read_input(str(tmp_path / "odd.hex"))
    with pytest.raises(InputError, match=f"bad character 'Z' at position {len(ECS52_HEX) + 1}"):
        read_input(str(tmp_path / "junk.hex"))
    with pytest.raises(InputError, match="not a file and not valid hex: odd number of digits"):
        read_input(ECS52_HEX[:-1])


def test_a_corrupt_key_file_gives_no_key_and_one_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = example_command()
    for name, pem in example.key_files.items():
        (tmp_path / name).write_bytes(pem)
    ds = next(tmp_path.glob("*-ds.pem"))
    ds.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    wire = example.wire.hex()
    assert main(["decode", "--json", "--keystore", str(tmp_path), wire, wire, wire]) == 0
    captured = capsys.readouterr()
    records = _json_lines(captured.out)
    assert [(r["ok"], r["mac"], r["signature"], r["use_case"]) for r in records] == [(True, "valid", "no-key", "ECS09")] * 3
    warnings = captured.err.splitlines()
    assert len(warnings) == 1 and "warning" in warnings[0] and ds.name in warnings[0]


def test_failure_records_have_the_same_keys_as_successes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", "--json", ECS52_HEX, "DF09", "not-a-file"]) == 1
    good, *bad = _json_lines(capsys.readouterr().out)
    assert good["ok"] and good["error"] is None
    for record in bad:
        assert list(record) == list(good) and record["ok"] is False and record["error"]["message"]
        assert all(value is None for key, value in record.items() if key not in ("source", "ok", "error"))


def _numbered(count: int) -> list[bytes]:
    """`count` distinct messages: ECS52 (gbcs.md 3.6) with originator counters 0..count-1."""
    message, _ = decode(ECS52)
    return [encode(replace(message, originator_counter=number)) for number in range(count)]


def test_two_thousand_files_in_one_call(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = []
    for number, wire in enumerate(_numbered(2000)):
        path = tmp_path / f"{number:04}.hex"
        path.write_text(wire.hex())
        paths.append(str(path))
    (tmp_path / "broken.hex").write_text("DF09")
    paths.insert(1000, str(tmp_path / "broken.hex"))
    assert main(["decode", "--json", *paths]) == 1
    records = _json_lines(capsys.readouterr().out)
    assert [r["source"] for r in records] == paths
    assert [r["originator_counter"] for r in records] == [*range(1000), None, *range(1000, 2000)]


def test_lines_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`--lines`: each non-empty stdin line is one message, hex or base64, named `-:<line number>`."""
    wires = _numbered(2000)
    lines = [wire.hex() if number % 2 else base64.b64encode(wire).decode() for number, wire in enumerate(wires)]
    lines[7] = ECS52_HEX + "0"  # broken hex: one failure record, in its place
    text = "\n".join(lines[:10]) + "\n\n" + "\n".join(lines[10:]) + "\n"  # a blank line 11 is skipped
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert main(["decode", "--json", "--lines", "-"]) == 1
    records = _json_lines(capsys.readouterr().out)
    assert [r["source"] for r in records] == [f"-:{n}" for n in [*range(1, 11), *range(12, 2002)]]
    assert [r["originator_counter"] for r in records] == [*range(7), None, *range(8, 2000)]
    assert "odd number of digits" in records[7]["error"]["message"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\n" + ECS52_HEX.encode() + b"\n")))
    assert main(["decode", "--lines", "-"]) == 0 and capsys.readouterr().out.startswith("== -:2\n")
