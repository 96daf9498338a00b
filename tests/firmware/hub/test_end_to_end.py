"""The hub end to end over a real TCP socket: RTDS commands in, answers out, through the virtual HAN.

One hub for the module (`harness.RunningHub`: the semi-detached home, the RTDS key store, virtual
time from 2015-01-02): the CHF answers its own use case, an ESME command crosses a GB-HRGP
tunnel on the virtual HAN, a GSME command waits for the meter's wake-up, a message longer than
a tunnel transfer crosses as GBT blocks, and an alert reaches every connected head-end. The
expected answers are the RTDS RESPONSE files' (`summary`: message code, CRA, family, outcomes).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware.devices.gsme_node import GsmeNode
from firmware.devices.ihd_node import IhdNode
from firmware.han.frames import MAX_TRANSFER
from hal.keystore import load_keystore
from protocols.gbcs import Cra, KeyStore, Message, OtherInformation, build, parse
from tests.firmware.gbcs.rtds import summary
from tests.firmware.hub.harness import RunningHub

SUPPLIER = bytes.fromhex("90b3d51f30010000")
ESME, GSME, CHF = (bytes.fromhex(f"00db1234567890a{n}") for n in (0, 1, 2))


@pytest.fixture(scope="module")
def keystore(keystore_dir: Path) -> KeyStore:
    return load_keystore(keystore_dir)


@pytest.fixture(scope="module")
def running(keystore: KeyStore) -> Iterator[RunningHub]:
    hub = RunningHub(keystore)
    hub.run(hub.start())
    yield hub
    hub.shut()


def _rtds(rtds_dir: Path, folder: str, name: str) -> tuple[bytes, bytes]:
    """(COMMAND bytes, RESPONSE bytes) of an RTDS scenario."""
    stem = rtds_dir / folder / name
    command_file = stem.with_name(f"{name}_COMMAND_GBCS.HEX")
    response_file = stem.with_name(f"{name}_RESPONSE_GBCS.HEX")
    return bytes.fromhex(command_file.read_text().strip()), bytes.fromhex(response_file.read_text().strip())


def _answered_as_rtds(running: RunningHub, folder: str, name: str, rtds_dir: Path) -> tuple[Message, float]:
    """The RTDS command (resealed with a fresh counter: the hub is shared) answered as the RTDS response."""
    original, expected = _rtds(rtds_dir, folder, name)
    data = running.reseal(original)

    async def main() -> tuple[Message | None, float]:
        client = await running.client()
        try:
            exchange = await running.exchange(client, data)
        finally:
            await client.close()
        return exchange.response, exchange.elapsed

    response, elapsed = running.run(main())
    assert response is not None, f"no response to {name}"
    assert summary(response) == summary(parse(expected, running.keystore))
    return response, elapsed


def test_the_chf_answers_its_own_use_case(running: RunningHub, rtds_dir: Path) -> None:
    response, _ = _answered_as_rtds(running, "6.31_DBCH01", "DBCH01_6.31_SUCCESS", rtds_dir)
    assert response.originator == CHF


def test_an_esme_command_crosses_a_tunnel_on_the_virtual_han(running: RunningHub, rtds_dir: Path) -> None:
    assert running.hub is not None
    esme = running.hub.device(ESME)
    response, elapsed = _answered_as_rtds(running, "4.13_ECS26a", "ECS26a_4.13_SINGLE_SUCCESS", rtds_dir)
    assert response.originator == ESME
    assert running.hub.runtime.tunnels.is_open(int.from_bytes(ESME, "big"))  # the hub is its tunnel's client
    assert esme.tunnels.serves(int.from_bytes(CHF, "big"))  # and the ESME serves it
    assert 0 < elapsed < 5.0  # radio frames took virtual time; nothing waited for a wake-up


def test_a_gsme_command_waits_for_the_wake_up(running: RunningHub, rtds_dir: Path) -> None:
    assert running.hub is not None
    gsme = running.hub.device(GSME)
    assert isinstance(gsme, GsmeNode)
    wakes = gsme.wakes
    response, elapsed = _answered_as_rtds(running, "6.2.4_GCS21e", "GCS21e_6.2.4_SUCCESS", rtds_dir)
    assert response.originator == GSME
    assert gsme.wakes == wakes + 1  # fetched at the meter's next wake-up, and only then
    assert 0 < elapsed <= gsme.wake_interval + 60


def test_a_message_longer_than_a_tunnel_transfer_crosses_in_gbt_blocks(running: RunningHub, rtds_dir: Path) -> None:
    data, _ = _rtds(rtds_dir, "6.15.1_CS02bSupplierBySupplier", "CS02bSupplierBySupplier_6.15.1_IMMEDIATE_SUCCESS")
    assert len(data) > MAX_TRANSFER
    response, _ = _answered_as_rtds(
        running, "6.15.1_CS02bSupplierBySupplier", "CS02bSupplierBySupplier_6.15.1_IMMEDIATE_SUCCESS", rtds_dir
    )
    assert response.originator == ESME


def test_an_alert_reaches_every_connected_head_end(running: RunningHub) -> None:
    """A command for a device the hub does not know: refused with alert 0x00D5 (gbcs.md 6.5) to every head-end.

    Nobody holds keys for that recipient, so its MAC is any 12 bytes: the hub refuses on the recipient."""
    unknown = bytes.fromhex("00db1234567890ff")
    message = Message(Cra.COMMAND, 1, SUPPLIER, unknown, OtherInformation(0x003B), b"\xd9\x00", mac=bytes(12))
    data = build(message)

    async def main() -> tuple[list[Message], list[Message]]:
        first, second = await running.client(), await running.client()
        try:
            await first.send(data)
            return await running.receive_all(first, 30.0), await running.receive_all(second, 1.0)
        finally:
            await first.close()
            await second.close()

    to_sender, to_other = running.run(main())
    for received in (to_sender, to_other):
        alerts = [message for message in received if message.cra is Cra.ALERT and message.message_code == 0x00D5]
        assert len(alerts) == 1 and alerts[0].originator == CHF
        assert not [message for message in received if message.cra is Cra.RESPONSE]


def test_the_in_home_display_reads_the_meters_over_zcl(running: RunningHub) -> None:
    """The IHD (a Type 2 device in the device log) found the ESME and the gas mirror, and shows the GPF's
    mirror values - the sleeping gas meter's, as its last wake-up pushed them."""
    assert running.hub is not None
    display = next(node for node in running.hub.devices if isinstance(node, IhdNode))
    shown = running.run(display.read())
    mirror = running.hub.gpf.mirror
    assert shown["gas_summation"] == mirror.value(0x0702, 0x0000)
    assert shown["gas_credit"] == mirror.value(0x0705, 0x0001)
    assert shown["gas_price"] == mirror.value(0x0700, 0x0400)
    assert "electricity_summation" in shown
    assert running.hub.chf.device_log.entry(display.eui) is not None
