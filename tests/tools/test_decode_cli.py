"""`commshub decode` through `tools.cli.main` (and one run of the installed script)."""

from __future__ import annotations

import base64
import io
import json
import os
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
    "DD000000000000471100000000DF0901000000000000"
    "03E80890B3D51F300100000800DB1234567890A000"
    "020059"
    "13D9200003E8000101000100000002"
    "01FF020100"
    "00A25A51A93BAFA5C9E2B224BD"
)
ECS52 = bytes.fromhex(ECS52_HEX)
REPO = Path(__file__).resolve().parents[2]


def _json_lines(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in text.splitlines()]


def test_input_forms_are_detected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file of hex text (any case, with whitespace), of base64 (as DUIS carries it), of raw bytes; a hex string;
    stdin."""
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
    assert [(r["ok"], r["mac"], r["signature"], r["use_case"]) for r in records] == [
        (True, "valid", "no-key", "ECS09")
    ] * 3
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


# --jobs: the input list cut into contiguous chunks, decoded by a pool of forked workers, printed in order.


def _mixed_inputs(tmp_path: Path, count: int) -> list[str]:
    """`count` ECS52 files (gbcs.md 3.6, distinct counters) with failures spread over every chunk."""
    paths = []
    for number, wire in enumerate(_numbered(count)):
        path = tmp_path / f"{number:04}.hex"
        path.write_text(wire.hex())
        paths.append(str(path))
    (tmp_path / "broken.hex").write_text("DF09")
    for at in (3, count // 2 + 1, count - 2):
        paths.insert(at, str(tmp_path / "broken.hex"))
    return [*paths, "not-a-file"]


@pytest.mark.parametrize("as_json", [True, False])
def test_jobs_give_what_one_process_gives(tmp_path: Path, capsys: pytest.CaptureFixture[str], as_json: bool) -> None:
    """Byte for byte the same stdout and stderr, in input order, and the same exit code, for 1 to 4 processes."""
    paths = _mixed_inputs(tmp_path, 60)
    flags = ["--json"] if as_json else []
    assert main(["decode", *flags, "--jobs", "1", *paths]) == 1
    single = capsys.readouterr()
    assert single.out and (single.err if not as_json else True)
    for jobs in ("2", "3", "4"):
        assert main(["decode", *flags, "--jobs", jobs, *paths]) == 1
        assert capsys.readouterr() == single, jobs
    good = [path for path in paths if path.endswith(tuple(f"{n:04}.hex" for n in range(60)))]
    assert main(["decode", *flags, "--jobs", "3", *good]) == 0  # no failure in any chunk: exit 0
    if as_json:
        assert [r["originator_counter"] for r in _json_lines(capsys.readouterr().out)] == list(range(60))


def test_a_failure_only_in_a_worker_chunk_sets_the_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [path for path in _mixed_inputs(tmp_path, 20) if not path.endswith("broken.hex")]  # fails last only
    assert main(["decode", "--json", "--jobs", "2", *paths]) == 1
    records = _json_lines(capsys.readouterr().out)
    assert [r["source"] for r in records] == paths and [r["ok"] for r in records] == [True] * 20 + [False]


def test_a_worker_that_dies_has_its_chunk_decoded_by_the_parent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed mid-chunk (here by SIGKILL on its 5th input) leaves no trace: the parent redoes its chunk."""
    import signal

    import tools.decode as decode_module

    paths = _mixed_inputs(tmp_path, 40)
    assert main(["decode", "--json", "--jobs", "1", *paths]) == 1
    expected = capsys.readouterr()
    parent, real_decode_one, seen = os.getpid(), decode_module.decode_one, []

    def dying_in_workers(data, keystore, zcl=None):  # type: ignore[no-untyped-def]
        seen.append(1)
        if os.getpid() != parent and len(seen) == 5:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_decode_one(data, keystore, zcl)

    monkeypatch.setattr(decode_module, "decode_one", dying_in_workers)
    assert main(["decode", "--json", "--jobs", "3", *paths]) == 1
    assert capsys.readouterr() == expected
    assert len(seen) == len(paths)  # the parent decoded the whole list: its chunk and both dead workers'


def test_when_no_fork_is_possible_the_parent_decodes_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _mixed_inputs(tmp_path, 30)
    assert main(["decode", "--json", "--jobs", "1", *paths]) == 1
    expected = capsys.readouterr()
    real_fork, forks = os.fork, []

    def fork_once() -> int:  # the first fork works, later ones fail as at a process limit (the pool retries)
        forks.append(1)
        if len(forks) > 1:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return real_fork()

    monkeypatch.setattr(os, "fork", fork_once)
    assert main(["decode", "--json", "--jobs", "4", *paths]) == 1
    assert capsys.readouterr() == expected and len(forks) >= 2


def test_jobs_warn_about_a_corrupt_key_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every process meets the broken key; the warning still appears once (as in test above with one process)."""
    example = example_command()
    for name, pem in example.key_files.items():
        (tmp_path / name).write_bytes(pem)
    ds = next(tmp_path.glob("*-ds.pem"))
    ds.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    wire = example.wire.hex()
    assert main(["decode", "--json", "--jobs", "3", "--keystore", str(tmp_path), *[wire] * 6]) == 0
    captured = capsys.readouterr()
    assert [r["signature"] for r in _json_lines(captured.out)] == ["no-key"] * 6
    warnings = captured.err.splitlines()
    assert len(warnings) == 1 and "warning" in warnings[0] and ds.name in warnings[0]


def test_how_many_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    from tools.decode import AUTO_JOBS_FROM, jobs_for

    many = ["x"] * AUTO_JOBS_FROM
    assert jobs_for(many[:-1], None) == 1  # too few inputs to be worth a fork
    assert 1 <= jobs_for(many, None) <= len(os.sched_getaffinity(0))
    assert jobs_for([*many, "-"], None) == 1 and jobs_for(["-", "a"], 4) == 1  # stdin: one process
    assert jobs_for(["a", "b", "c"], 8) == 3 and jobs_for(["a"], 2) == 1  # never more processes than inputs
    assert jobs_for(many, 1) == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})  # automatic: one per core, >= 128 each
    assert jobs_for(many, None) == 2 and jobs_for(many * 2, None) == 4 and jobs_for(many * 9, None) == 4
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert jobs_for(many * 9, None) == 1 and jobs_for(many * 9, 3) == 3  # an explicit --jobs is obeyed


def test_jobs_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["decode", "--jobs", "0", ECS52_HEX])
    assert exit_info.value.code == 2 and "at least 1" in capsys.readouterr().err


def test_what_is_not_a_regular_file_is_not_read_as_one(tmp_path: Path) -> None:
    """A folder or a FIFO named as INPUT is not a file (a FIFO must not block); an unreadable file says so."""
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(InputError, match="is not a file and not a hex string"):
        read_input(str(folder))
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is not a file and not a hex string"):
        read_input(str(fifo))
    locked = tmp_path / "locked.hex"
    locked.write_text(ECS52_HEX)
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # root reads anything
        assert read_input(str(locked)) == ECS52
    else:
        with pytest.raises(InputError, match="cannot read"):
            read_input(str(locked))


def _with_date_time(deviation: bytes) -> str:
    """ECS52 (gbcs.md 3.6) carrying a grouping-header date-time whose deviation is `deviation` (gbcs.md 3.3)."""
    message, _ = decode(ECS52)
    date_time = bytes.fromhex("07E90C04040A1E0000") + deviation + b"\x00"  # 2025-12-04 10:30:00, status 0
    return encode(replace(message, date_time_raw=date_time)).hex()


def test_a_date_time_no_time_zone_can_have_decodes_with_no_instant(capsys: pytest.CaptureFixture[str]) -> None:
    """A deviation of a day or more (7FFF minutes here) names no instant: `date_time` null, not a crash, and
    the inputs after it are decoded (one record each)."""
    odd, fine = _with_date_time(b"\x7f\xff"), _with_date_time(b"\xff\xc4")  # -60 min: local = UTC + 1 h
    assert main(["decode", "--json", odd, fine, ECS52_HEX]) == 0
    records = _json_lines(capsys.readouterr().out)
    assert [(r["ok"], r["date_time"]) for r in records] == [
        (True, None),
        (True, "2025-12-04T10:30:00+01:00"),
        (True, None),
    ]
    assert main(["decode", odd]) == 0 and "not fully specified" in capsys.readouterr().out


def test_the_flipped_bit_of_the_hostile_run(rtds_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Bit 4 of byte 40 of the ECS28a immediate success response (the deviation's high octet) flipped."""
    path = rtds_dir / "6.4.1_ECS28a" / "ECS28a_6.4.1_IMMEDIATE_SUCCESS_RESPONSE_GBCS.HEX"
    wire = bytearray(bytes.fromhex(path.read_text()))
    wire[40] ^= 1 << 4
    assert main(["decode", "--json", wire.hex(), str(path)]) == 0
    assert [r["ok"] for r in _json_lines(capsys.readouterr().out)] == [True, True]


def test_a_decoder_bug_still_gives_one_record_per_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception that is not a GbcsDecodeError is ours: that input's record says so, the rest decode, exit 3."""
    import protocols.gbcs

    real_parse = protocols.gbcs.parse

    def parse_failing_on_counter_7(data, keystore=None, *, zcl=None):  # type: ignore[no-untyped-def]
        message = real_parse(data, keystore, zcl=zcl)
        if message.originator_counter == 7:
            raise ZeroDivisionError("simulated bug")
        return message

    monkeypatch.setattr(protocols.gbcs, "parse", parse_failing_on_counter_7)
    wires = [wire.hex() for wire in _numbered(10)]
    assert main(["decode", "--json", *wires]) == 3
    records = _json_lines(capsys.readouterr().out)
    assert [r["ok"] for r in records] == [True] * 7 + [False] + [True] * 2
    assert "internal error: ZeroDivisionError: simulated bug" in records[7]["error"]["message"]
    assert main(["decode", *wires]) == 3
    captured = capsys.readouterr()
    assert captured.out.count("== ") == 9 and "internal error" in captured.err


def test_whitespace_only_and_empty_files_are_not_binary(tmp_path: Path) -> None:
    (tmp_path / "blank.hex").write_text("  \n\t\n")
    (tmp_path / "empty.hex").write_bytes(b"")
    with pytest.raises(InputError, match="only whitespace"):
        read_input(str(tmp_path / "blank.hex"))
    with pytest.raises(InputError, match="empty input"):
        read_input(str(tmp_path / "empty.hex"))


class _Endless(io.RawIOBase):
    """A stream that never ends (`yes 00 |`), counting what was read from it."""

    def __init__(self, pattern: bytes) -> None:
        self.pattern, self.served = pattern, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        size = len(buffer)
        chunk = (self.pattern * (size // len(self.pattern) + 1))[:size]
        buffer[:size] = chunk
        self.served += size
        return size


def test_inputs_over_the_limit_are_refused_without_reading_them_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tools.decode import MAX_INPUT_BYTES, InputTooLargeError

    big = tmp_path / "big.bin"
    with big.open("wb") as file:
        file.truncate(MAX_INPUT_BYTES + 1)  # sparse: nothing written
    with pytest.raises(InputTooLargeError, match=f"{MAX_INPUT_BYTES + 1} bytes, at most {MAX_INPUT_BYTES}"):
        read_input(str(big))
    endless = _Endless(b"00")
    with pytest.raises(InputTooLargeError):
        read_input("-", stdin=io.BufferedReader(endless))  # type: ignore[arg-type]
    assert endless.served <= MAX_INPUT_BYTES + 64 * 1024  # read at most the limit, plus one buffer
    assert main(["decode", "--json", str(big), ECS52_HEX]) == 1
    records = _json_lines(capsys.readouterr().out)
    assert [r["ok"] for r in records] == [False, True] and "input too large" in records[0]["error"]["message"]


def test_an_endless_line_on_stdin_is_refused_and_the_next_lines_decode(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tools.decode import MAX_INPUT_BYTES

    text = ECS52_HEX.encode() + b"\n" + b"0" * (3 * MAX_INPUT_BYTES) + b"\n" + ECS52_HEX.encode() + b"\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    assert main(["decode", "--json", "--lines", "-"]) == 1
    records = _json_lines(capsys.readouterr().out)
    assert [(r["source"], r["ok"]) for r in records] == [("-:1", True), ("-:2", False), ("-:3", True)]
    assert "input too large" in records[1]["error"]["message"]


#: ECS52's envelope (gbcs.md 3.6) around a GBZ payload (gbcs.md 5.3): one Metering component holding a ZCL
#: Configure Reporting command (ZCL 2.5.7) whose record names data type 0x05, which ZCL does not define.
GBZ_UNKNOWN_TYPE_HEX = (
    "dd000000000000471100000000df090100000000000003e80890b3d51f300100000800db1234567890a000020059"
    "13" "0109" "01" "01" "0702" "000b" "000106" "00" "0000" "05" "0100" "0200"
    "00a25a51a93bafa5c9e2b224bd"
)  # fmt: skip


def test_zigpy_warnings_stay_off_stderr_unless_verbose() -> None:
    """The record decodes (its bytes shown as read); zigpy's log line about the type appears only under -v."""
    command = [sys.executable, "-m", "tools.cli", "decode", GBZ_UNKNOWN_TYPE_HEX]
    quiet = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO)
    assert quiet.returncode == 0 and "config_records" in quiet.stdout and quiet.stderr == ""
    command.insert(3, "-v")
    verbose = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO)
    assert verbose.returncode == 0 and "Unknown ZCL type 5" in verbose.stderr
