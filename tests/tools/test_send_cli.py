"""`commshub send` through `tools.cli.main`, against a hub on a real TCP socket (tests/tools/wan_hub.py).

The hub behind the socket is the real CHF, GPF and meter models with generated keys (the test PKI
exports the head-end's key store to a folder, as a hub started without one does), or an RTDS
meter with the RTDS key store, or a hub that never answers.
"""

from __future__ import annotations

import base64
import json
import random
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware.devices.esme import Esme, KeyStoreSecurity, shipped_profile
from firmware.gbcs.assembly import assemble
from hal.keystore import load_keystore
from hal.nvm import NvmStore
from protocols.gbcs import parse
from protocols.gbcs.cs.common import ESME as ESME_TYPE
from protocols.gbcs.envelope import decode
from tests.firmware.headend.rig import Home
from tests.tools.wan_hub import Answer, RunningHub, home_hub, running_hub
from tools.cli import main

ESME = bytes.fromhex("00db1234567890a0")
RTDS_PARTIES = {1: "90b3d51f30000001", 2: "90b3d51f30010000", 3: "90b3d51f30020000", 4: "90b3d51f30000002"}
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the head-end's default state folder (counters, exported keys) out of the user's home."""
    monkeypatch.setenv("COMMSHUB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("COMMSHUB_KEYSTORE", raising=False)


@pytest.fixture
def hub() -> Iterator[RunningHub]:
    with running_hub(home_hub) as running:
        yield running


def _home(hub: RunningHub) -> Home:
    assert hub.home is not None
    return hub.home


@pytest.fixture
def keys(hub: RunningHub, tmp_path: Path) -> Path:
    """The key store folder the test PKI exports (what `commshub run` without a key store writes)."""
    folder = tmp_path / "keys"
    folder.mkdir()
    hub.call(lambda: _home(hub).pki.export(lambda name, contents: (folder / name).write_bytes(contents)))
    return folder


def _send(hub: RunningHub, keys: Path | None, tmp_path: Path, *args: str) -> list[str]:
    argv = ["send", "--to", f"127.0.0.1:{hub.port}", "--state", str(tmp_path / "headend.sqlite")]
    if keys is not None:
        argv += ["--keystore", str(keys)]
    return [*argv, *args]


def _records(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in text.splitlines()]


def test_use_case_answered_printed_as_decode_json(
    hub: RunningHub, keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(_send(hub, keys, tmp_path, "--json", "--use-case", "ECS17b"))
    out = capsys.readouterr().out
    assert code == 0
    [record] = _records(out)
    assert (record["cra"], record["use_case"], record["mac"], record["decryptions"]) == (
        "response", "ECS17b", "valid", ["decrypted"],
    )  # fmt: skip
    # exactly what `commshub decode --json` prints for the same bytes, but for the source
    [response] = hub.sent
    (tmp_path / "response.hex").write_text(response.hex())
    assert main(["decode", "--json", "--keystore", str(keys), str(tmp_path / "response.hex")]) == 0
    [decoded] = _records(capsys.readouterr().out)
    assert list(decoded) == list(record)
    assert {**decoded, "source": None} == {**record, "source": None}
    assert record["source"] == "use-case:ECS17b"


def test_several_use_cases_in_order_with_parameters_and_their_alerts(
    hub: RunningHub, keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--json", "--use-case", "CCS01", "--set", "device=00db1234567890b0", "--use-case", "ECS52"]
    assert main(_send(hub, keys, tmp_path, *args)) == 0
    records = _records(capsys.readouterr().out)
    assert [(r["cra"], r["use_case"]) for r in records] == [
        ("response", "CCS01"),
        ("alert", "CS14"),
        ("response", "ECS52"),
    ]
    assert [decode(data)[0].message_code for data in hub.received] == [0x0001, 0x0059]
    assert parse(hub.received[0], load_keystore(tmp_path / "keys")).payload.find(bytes.fromhex("00db1234567890b0")) > 0


def test_text_output_is_the_decode_tree(
    hub: RunningHub, keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_send(hub, keys, tmp_path, "--use-case", "ECS52")) == 0
    out = capsys.readouterr().out
    (tmp_path / "response.hex").write_text(hub.sent[0].hex())
    main(["decode", "--keystore", str(keys), str(tmp_path / "response.hex")])
    tree = capsys.readouterr().out
    assert out.replace("== use-case:ECS52", "== x") == tree.replace(f"== {tmp_path / 'response.hex'}", "== x")


def test_files_go_byte_for_byte_in_any_form(
    hub: RunningHub, keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commands = hub.call(lambda: [_home(hub).build("ECS52").data for _ in range(3)])

    (tmp_path / "a.hex").write_text(commands[0].hex().upper())
    (tmp_path / "b.b64").write_text(base64.b64encode(commands[1]).decode())
    (tmp_path / "c.bin").write_bytes(commands[2])
    files = [str(tmp_path / name) for name in ("a.hex", "b.b64", "c.bin")]
    assert main(_send(hub, keys, tmp_path, "--json", *files)) == 0
    assert hub.received == commands
    assert [r["source"] for r in _records(capsys.readouterr().out)] == files


def test_counters_never_repeat_across_runs(
    hub: RunningHub, keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for _run in range(3):
        assert main(_send(hub, keys, tmp_path, "--use-case", "ECS52", "--use-case", "ECS26m")) == 0
    counters = [decode(data)[0].originator_counter for data in hub.received]
    assert len(counters) == 6 and counters == sorted(set(counters))


def test_refused_command_is_no_response_not_a_hang(
    hub: RunningHub, keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_send(hub, keys, tmp_path, "--use-case", "ECS52")) == 0
    counter = decode(hub.received[0])[0].originator_counter
    capsys.readouterr()
    replay = ["--json", "--timeout", "60", "--use-case", "ECS52", "--set", f"counter={counter}"]
    assert main(_send(hub, keys, tmp_path, *replay)) == 1  # answered within the refusal grace, not 60 s
    captured = capsys.readouterr()
    assert "use-case:ECS52: no response (refused by 00db1234567890a0: alert 0x8F53)" in captured.err
    [alert] = _records(captured.out)
    assert (alert["cra"], alert["message_code"], alert["signature"]) == ("alert", 0x1000, "valid")


def test_hub_that_never_answers(tmp_path: Path, keys: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with running_hub(lambda hub: lambda data: []) as silent:
        assert main(_send(silent, keys, tmp_path, "--timeout", "0.3", "--use-case", "ECS52")) == 1
    assert "use-case:ECS52: no response (nothing within 0.3 s)" in capsys.readouterr().err


def test_rtds_command_file_through_an_rtds_meter(
    rtds_dir: Path, keystore_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An RTDS COMMAND file crosses byte for byte and is answered by a meter keyed from the RTDS key store."""

    def rtds_meter(hub: RunningHub) -> Answer:
        keystore = load_keystore(keystore_dir)
        nvm = NvmStore.memory().partition("esme")
        security = KeyStoreSecurity(keystore, ESME)
        esme = Esme(nvm, shipped_profile("credit-single"), random.Random(1), security=security)
        parties = {role: bytes.fromhex(eui) for role, eui in RTDS_PARTIES.items()}
        device = assemble(ESME, nvm, keystore, parties, device_type=ESME_TYPE, alert_family="dlms", handler=esme)
        return lambda data: [out.data for out in device.endpoint.receive(data, 0.0, 1_420_070_400.0)]

    command = rtds_dir / "11.2_ECS52" / "ECS52_11.2_SUCCESS_COMMAND_GBCS.HEX"
    with running_hub(rtds_meter) as meter:
        assert main(_send(meter, keystore_dir, tmp_path, "--json", str(command))) == 0
    assert meter.received == [bytes.fromhex(command.read_text())]
    [record] = _records(capsys.readouterr().out)
    assert (record["cra"], record["message_code"], record["originator_counter"], record["mac"]) == (
        "response", 0x0059, 1000, "valid",
    )  # fmt: skip


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_refused_connection_names_host_and_port(keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = _closed_port()
    argv = ["send", "--to", f"127.0.0.1:{port}", "--keystore", str(keys), "--use-case", "ECS52"]
    assert main(argv) == 1
    assert f"cannot connect to 127.0.0.1:{port}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give INPUT files or --use-case NAME"),
        (["--use-case", "ECS17x"], "unknown use case 'ECS17x' (nearest: ECS17e, ECS17d, ECS17c, ECS17b)"),
        (["--use-case", "ECS01a", "--set", "prices=cheap"], "parameter 'prices': 'cheap' is not a whole number"),
        (["--use-case", "ECS52", "--set", "nothing"], "parameter 'nothing': expected key=value"),
        (["no-such-file.hex"], "'no-such-file.hex' is not a file and not a hex string"),
        (["--to", "localhost", "--use-case", "ECS52"], "--to 'localhost': expected HOST:PORT"),
    ],
)
def test_bad_inputs_are_usage_errors(
    keys: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["send", "--keystore", str(keys), *args]) == 2
    assert message in capsys.readouterr().err


def test_missing_key_store_and_missing_key_are_named(keys: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["send", "--use-case", "ECS52"]) == 2
    assert "no key store: give --keystore DIR" in capsys.readouterr().err
    (keys / "90b3d51f30010000-ds.key").unlink()  # the supplier's signing key
    assert main(["send", "--keystore", str(keys), "--use-case", "ECS42"]) == 2
    assert "no ds key of 90b3d51f30010000: needed to sign ECS42 (critical)" in capsys.readouterr().err


def test_set_before_use_case_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["send", "--set", "a=b", "--use-case", "ECS52"])
    assert exited.value.code == 2
    assert "--set a=b comes before any --use-case" in capsys.readouterr().err


def test_list_use_cases(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["send", "--list-use-cases"]) == 0
    text = capsys.readouterr().out
    assert "ECS01a   0x0019 esme   critical     Set tariff and price (sent by supplier)" in text
    assert "    execute_at=now  when the new tariff takes effect;" in text
    assert main(["send", "--list-use-cases", "--json"]) == 0
    listed = {record["name"]: record for record in _records(capsys.readouterr().out)}
    assert listed["CS01a"]["critical"] is False and listed["CS01a"]["target"] == "esme"
    assert [p["name"] for p in listed["CCS01"]["parameters"]] == [
        "device", "device_type", "install_code", "join_timeout", "enable_joining",
    ]  # fmt: skip


def test_installed_script_lists_use_cases() -> None:
    script = Path(sys.executable).parent / "commshub"
    done = subprocess.run([str(script), "send", "--list-use-cases"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "CS01b" in done.stdout
