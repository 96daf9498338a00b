"""`commshub run`: a real process serving a real TCP port; its options, key export, log and exit codes."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from firmware.chf.device_log import DeviceLog
from hal.keystore import load_keystore
from hal.nvm import NvmStore
from hal.wan import WanClient
from protocols.gbcs import Cra, KeyStore, Message, Verdict, parse
from tests.firmware.hub.harness import reseal
from tests.tools.hub_process import REPO, HubProcess, free_port, no_history
from tools.cli import main

DBCH01 = "6.31_DBCH01/DBCH01_6.31_SUCCESS_COMMAND_GBCS.HEX"
CHF = bytes.fromhex("00db1234567890a2")


async def _ask(port: int, data: bytes, keystore: KeyStore) -> list[Message]:
    """Send one command, read until its response (real seconds, bounded)."""
    client = await WanClient.connect("127.0.0.1", port)
    try:
        await client.send(data)
        got = []
        while True:
            message = parse(await client.receive(60.0), keystore)
            got.append(message)
            if message.cra is Cra.RESPONSE:
                return got
    finally:
        await client.close()


def test_the_hub_serves_rtds_commands_over_tcp_and_stops_cleanly(
    tmp_path: Path, rtds_dir: Path, keystore_dir: Path
) -> None:
    keystore = load_keystore(keystore_dir)
    state, port = tmp_path / "hub.sqlite", free_port()
    args = ["--fast", "--keystore", str(keystore_dir), "--state", str(state), "--config", str(no_history(tmp_path))]
    hub = HubProcess(args, tmp_path / "hub.log", port)
    try:
        assert hub.listening(), hub.output()
        command = bytes.fromhex((rtds_dir / DBCH01).read_text().strip())
        got = asyncio.run(_ask(port, command, keystore))
    finally:
        code = hub.stop(signal.SIGTERM)
    assert code == 0, hub.output()
    response = got[-1]
    assert (response.message_code, response.originator, response.originator_counter) == (0x010A, CHF, 1300)
    log = hub.output()
    for line in (
        r"commissioned ESME 00db1234567890a0",
        r"hub ready: 6 devices joined",
        r"WAN <- head-end \d+: command 0x010A DBCH01 90b3d51f30000002 -> 00db1234567890a2 #1300",
        r"WAN -> head-end \d+: response 0x010A DBCH01 00db1234567890a2 -> 90b3d51f30000002 #1300",
        r"stopping",
    ):
        assert re.search(line, log), line
    with NvmStore.open(state) as store:  # closed cleanly: the lock is free, the device log kept
        log_entries = DeviceLog(store.partition("chf"), capacity=32, network_id=bytes(8)).entries()
        assert {entry.eui.hex()[-2:] for entry in log_entries if entry.joined} == {"a0", "a1", "a4", "a5", "a6", "b0"}


def test_without_a_key_store_the_hub_generates_keys_and_exports_a_head_ends_key_store(
    tmp_path: Path, rtds_dir: Path
) -> None:
    """A fresh machine: test keys generated on first start; a command sealed with the exported key store is
    accepted, and the hub's response verifies with it."""
    exported, state, port = tmp_path / "keys", tmp_path / "hub.sqlite", free_port()
    args = ["--fast", "--state", str(state), "--export-keys", str(exported), "--config", str(no_history(tmp_path))]
    hub = HubProcess(args, tmp_path / "hub.log", port)
    try:
        assert hub.listening(), hub.output()
        keys = load_keystore(exported)
        rtds_command = bytes.fromhex((rtds_dir / DBCH01).read_text().strip())
        ours = reseal(keys, rtds_command, 1400)  # the RTDS command's payload, sealed with this hub's keys
        got = asyncio.run(_ask(port, ours, keys))
    finally:
        assert hub.stop() == 0, hub.output()
    assert {path.name for path in exported.iterdir()} >= {"90b3d51f30000002-ka.key", "00db1234567890a2-ka.pem"}
    response = got[-1]
    assert response.originator == CHF and response.verdicts.mac is Verdict.VALID


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--home", "no-such-home"], "no-such-home"),
        (["--listen", "nowhere"], "--listen"),
        (["--keystore", "/nonexistent/keys"], "--keystore"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    assert main(["run", "--fast", "--state", str(tmp_path / "s.sqlite"), *options]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("commshub run: ") and message in err[0]


def test_a_bad_configuration_key_exits_2_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('[han]\nchannel = 9\n[wan]\nlisten = "127.0.0.1:1"\n')
    assert main(["run", "--config", str(config)]) == 2
    assert "han.channel" in capsys.readouterr().err


def test_a_port_in_use_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        options = ["--config", str(no_history(tmp_path)), "--state", str(tmp_path / "s.sqlite")]
        assert main(["run", "--fast", "--listen", f"127.0.0.1:{port}", *options]) == 2
    assert "cannot listen" in capsys.readouterr().err


def test_an_unknown_device_profile_in_the_home_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home.toml"
    home.write_text(
        'name = "h"\nsize = [4.0, 4.0]\n[[levels]]\nlevel = 0\nheight = 2.5\n'
        '[[nodes]]\nname = "hub"\nrole = "hub"\nlevel = 0\nat = [1.0, 1.0]\n'
        '[[nodes]]\nname = "meter"\nrole = "esme"\nlevel = 0\nat = [2.0, 1.0]\nprofile = "no-such-profile"\n'
    )
    options = ["--config", str(no_history(tmp_path)), "--state", str(tmp_path / "s.sqlite"), "--home", str(home)]
    assert main(["run", "--fast", *options]) == 2
    err = capsys.readouterr().err
    assert "meter" in err and "no-such-profile" in err


def test_the_rigs_real_radio_configuration_serves_from_a_spinel_rcp(tmp_path: Path, rtds_dir: Path) -> None:
    """`[han] home = ""` and a radio: the hub forms its HAN on a Spinel RCP (here the virtual one on a pty,
    `commshub dongle --protocol spinel`) and serves its own use cases over TCP."""
    link = tmp_path / "usb-commshub_RCP-if00"
    dongle = subprocess.Popen(
        [sys.executable, "-m", "tools.cli", "dongle", "--protocol", "spinel", "--link", str(link), "--no-devices"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert dongle.stdout is not None and "dongle at" in dongle.stdout.readline().decode()
        config = tmp_path / "hub.toml"
        config.write_text(f'[han]\nhome = ""\nradios = [{{ band = "2.4GHz", kind = "spinel", path = "{link}" }}]\n')
        keys = rtds_dir.parent / "keystore"
        options = ["--config", str(config), "--state", str(tmp_path / "hub.sqlite"), "--keystore", str(keys)]
        hub = HubProcess(options, tmp_path / "hub.log", free_port())
        try:
            assert hub.listening(), hub.output()
            command = bytes.fromhex((rtds_dir / DBCH01).read_text().strip())
            got = asyncio.run(_ask(hub.port, command, load_keystore(keys)))
        finally:
            assert hub.stop() == 0, hub.output()
    finally:
        dongle.terminate()
        dongle.wait(30)
    assert got[-1].message_code == 0x010A and got[-1].originator == CHF
