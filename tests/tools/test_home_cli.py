"""`commshub home` through `tools.cli.main`: table, JSON, pcap (read back by protocols.pcap), exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from protocols.pcap import LINKTYPE_IEEE802_15_4_TAP, read
from tools.cli import main

from .file_limit import run_limited


def test_table_and_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["home", "--hours", "0.05"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert out.startswith("home 'semi-detached', seed 0: 0.05 simulated h of readings")
    for heading in (
        "node",
        "role",
        "EUI-64",
        "NWK",
        "band",
        "joined s",
        "reads ok",
        "failed",
        "last value",
        "RSSI dBm",
    ):
        assert heading in out
    rows = {
        line.split()[0]: line.split()
        for line in out.splitlines()
        if line.startswith("  ") and line.split()[0] in ("esme", "gsme", "ihd", "ppmid")
    }
    assert rows["ihd"][7] == "18" and rows["ihd"][8] == "0"  # 180 s, a read every 10 s, none failed
    assert rows["ihd"][9] == rows["esme"][9]  # the IHD shows the meter's register
    assert "no emulated device" in " ".join(rows["ppmid"])
    assert "result: OK" in out and captured.err == ""  # short run: no progress lines


def test_json_structure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["home", "--home", "flats", "--hub", "hub-1", "--hours", "0.02", "--json", "--seed", "0"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= {
        "home",
        "hubs",
        "devices",
        "simulated_s",
        "day_s",
        "frames_on_air",
        "duty_cycle_s",
        "ok",
        "problems",
        "seed",
        "wall_s",
    }
    assert report["ok"] is True and report["problems"] == [] and report["home"] == "flats"
    assert report["hubs"][0]["node"] == "hub-1" and report["hubs"][0]["bands"] == ["2.4GHz", "868MHz"]
    ihd = next(d for d in report["devices"] if d["node"] == "ihd-1")
    assert set(ihd) == {
        "node",
        "role",
        "hub",
        "eui64",
        "nwk",
        "band",
        "joined_at_s",
        "reads_ok",
        "reads_failed",
        "last_value",
        "mean_rssi_dbm",
        "mac_frames_sent",
        "error",
        "skipped",
    }
    assert ihd["band"] == "868MHz" and ihd["reads_ok"] > 0 and isinstance(ihd["nwk"], int)
    assert report["duty_cycle_s"]["hub-1"] > 0


def test_pcap_written_and_readable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "home.pcap"
    assert main(["home", "--hours", "0.01", "--json", "--pcap", str(path)]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    linktype, records = read(path.read_bytes())
    assert linktype == LINKTYPE_IEEE802_15_4_TAP
    assert len(records) == report["frames_on_air"] > 50  # every frame the air carried
    assert {r.channel for r in records} == {15}  # the hub's 2.4 GHz channel (single band)
    assert f"wrote {len(records)} frames to {path}" in captured.err


def test_same_seed_same_report(capsys: pytest.CaptureFixture[str]) -> None:
    outputs = []
    for _ in range(2):
        assert main(["home", "--hours", "0.01", "--seed", "5", "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        del report["wall_s"]
        outputs.append(report)
    assert outputs[0] == outputs[1]


def test_unreachable_ihd_exits_1_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["home", "--home", "flats", "--hub", "hub-4", "--hours", "0.01"]) == 1
    captured = capsys.readouterr()
    assert "result: FAILED - 1 problem(s)" in captured.out
    assert captured.err.strip() == (
        "commshub home: ihd-4 (ihd) did not join: JoinError: no joinable network "
        "heard on 2.4GHz; no joinable network heard on 868MHz"
    )


def test_bad_home_file_and_unknown_hub_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\nsize = [5.0, 5.0]\n[[walls]]\nfrom = [0.0, 0.0]\nto = [1.0, 0.0]\nmaterial = "cheese"\n'
    )
    assert main(["home", "--home", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("commshub home: ") and "bad.toml" in err and err.count("\n") == 1
    assert main(["home", "--home", "flats", "--hub", "hub-9"]) == 2
    err = capsys.readouterr().err
    assert "no hub node 'hub-9'" in err and err.count("\n") == 1
    with pytest.raises(SystemExit) as exc:
        main(["home", "--hours", "0"])
    assert exc.value.code == 2


def test_installed_script_runs_the_main_job() -> None:
    script = Path(sys.executable).with_name("commshub")
    result = subprocess.run([str(script), "home", "--hours", "0.01"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "result: OK" in result.stdout


@pytest.mark.parametrize("where", ["missing-dir/x.pcap", "."])
def test_unwritable_pcap_exits_2_with_one_line(where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / where  # a directory that is not there, or a directory
    assert main(["home", "--hours", "0.01", "--pcap", str(target)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"commshub home: --pcap {target}: cannot write (")
    assert captured.err.count("\n") == 1


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark (Wireshark) is not installed")
def test_reported_network_key_decrypts_the_capture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "home.pcap"
    assert main(["home", "--hours", "0.01", "--json", "--pcap", str(path)]) == 0
    key = json.loads(capsys.readouterr().out)["hubs"][0]["network_key"]
    assert main(["home", "--hours", "0.01"]) == 0
    assert f"network key {key}" in capsys.readouterr().out  # the table's hub line says it too
    keys = f'uat:zigbee_pc_keys:"{key}","Normal","hub network key"'
    zcl = subprocess.run(
        [str(shutil.which("tshark")), "-n", "-r", str(path), "-o", keys, "-Y", "zbee_zcl"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "Read Attributes Response" in zcl  # the meter reads, decrypted


def test_a_full_disk_while_writing_the_pcap_exits_1_naming_the_file_with_whole_frames(tmp_path: Path) -> None:
    """The file may not grow past 20,000 octets: writing fails mid-run with a real EFBIG; the run goes on."""
    path = tmp_path / "home.pcap"
    done = run_limited(["home", "--hours", "0.01", "--pcap", str(path)], 20_000)
    assert done.returncode == 1, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"commshub home: --pcap {path}: File too large (")
    assert "result: OK - every emulated device joined and every read succeeded" in done.stdout
    data = path.read_bytes()
    assert 0 < len(data) <= 20_000
    linktype, records = read(data)  # whole records only
    assert linktype == LINKTYPE_IEEE802_15_4_TAP and f"({len(records)} whole frames written" in line


def test_an_empty_pcap_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["home", "--pcap", " "])
    assert stop.value.code == 2 and "--pcap: an empty path names no file" in capsys.readouterr().err


def test_home_files_that_cannot_be_read_whole_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    for path, problem in ((deep, "nested too deeply"), (Path("/dev/zero"), "larger than")):
        assert main(["home", "--home", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"commshub home: {path}: ") and problem in err and err.count("\n") == 1
