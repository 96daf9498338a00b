"""Refusals over TCP: each bad command refused as GBCS specifies, logged, answered by an alert - and the hub serves on.

One hub for the module (`harness.RunningHub`, the RTDS key store). Each case sends a command a
real hub must refuse - a replayed counter, a flipped MAC byte, a wrong signer, a role that may
not issue the use case, an unknown recipient, a truncated message - to the CHF or, routed over
its tunnel, to the ESME. The device that refuses it writes its security log (the refusal and its
alert code, meters.md 5.3) and raises the generic critical alert 0x1000 to the head-ends
(`firmware.gbcs.intake` RULES); a refused command gets no response (gbcs.md 4.7: nothing in it can
be trusted to address one). Then the same head-end's next, good command is answered.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware.gbcs.intake import (
    COMMAND_INTEGRITY_FAILED,
    OTHER_AUTHENTICATION_FAILURE,
    SOURCE_LACKS_AUTHORITY,
    Refusal,
)
from hal.keystore import load_keystore
from protocols.gbcs import Cra, Message, OtherInformation, build
from tests.firmware.hub.harness import Exchange, RunningHub

SUPPLIER, NETWORK_OPERATOR = bytes.fromhex("90b3d51f30010000"), bytes.fromhex("90b3d51f30020000")
ESME, CHF = bytes.fromhex("00db1234567890a0"), bytes.fromhex("00db1234567890a2")
GENERIC_CRITICAL_ALERT, DELIVERY_FAILED = 0x1000, 0x00D5
DBCH01 = "6.31_DBCH01/DBCH01_6.31_SUCCESS_COMMAND_GBCS.HEX"  #: DCC-only (ACB), MACed
ECS26A = "4.13_ECS26a/ECS26a_4.13_SINGLE_SUCCESS_COMMAND_GBCS.HEX"  #: supplier, MACed
ECS09 = "2.5_ECS09/ECS09_2.5_SUCCESS_COMMAND_GBCS.HEX"  #: supplier, critical: signed and MACed


@pytest.fixture(scope="module")
def running(keystore_dir: Path) -> Iterator[RunningHub]:
    hub = RunningHub(load_keystore(keystore_dir))
    hub.run(hub.start())
    yield hub
    hub.shut()


def _command(rtds_dir: Path, name: str) -> bytes:
    return bytes.fromhex((rtds_dir / name).read_text().strip())


def _send(running: RunningHub, *messages: bytes) -> list[Exchange]:
    """Each message in turn from one head-end (alerts that follow a refusal are collected with it)."""

    async def main() -> list[Exchange]:
        client = await running.client()
        try:
            exchanges = []
            for data in messages:
                exchange = await running.exchange(client, data, wait=120.0)
                exchange.others.extend(await running.receive_all(client, 5.0))
                exchanges.append(exchange)
            return exchanges
        finally:
            await client.close()

    return running.run(main())


def _security_log(running: RunningHub, device: bytes) -> list[dict[str, object]]:
    hub = running.hub
    assert hub is not None
    endpoint = hub.chf.endpoint if device == CHF else hub.device(device).endpoint
    return endpoint.security_log()


def _refused(running: RunningHub, exchange: Exchange, device: bytes, refusal: Refusal, code: int) -> None:
    assert exchange.response is None
    alerts = [alert for alert in exchange.alerts if alert.message_code == GENERIC_CRITICAL_ALERT]
    assert [alert.originator for alert in alerts] == [device]
    last = _security_log(running, device)[-1]
    assert (last["reason"], last["code"]) == (refusal.value, code)


def _serves_on(running: RunningHub, rtds_dir: Path, exchange: Exchange) -> None:
    assert exchange.response is not None and exchange.response.cra is Cra.RESPONSE


def test_a_replayed_counter_is_refused_by_the_chf(running: RunningHub, rtds_dir: Path) -> None:
    command = running.reseal(_command(rtds_dir, DBCH01))
    first, replayed, after = _send(running, command, command, running.reseal(_command(rtds_dir, DBCH01)))
    assert first.response is not None
    _refused(running, replayed, CHF, Refusal.COUNTER_NOT_GREATER, OTHER_AUTHENTICATION_FAILURE)
    _serves_on(running, rtds_dir, after)


def test_a_replayed_counter_is_refused_by_the_esme_behind_its_tunnel(running: RunningHub, rtds_dir: Path) -> None:
    command = running.reseal(_command(rtds_dir, ECS26A))
    first, replayed, after = _send(running, command, command, running.reseal(_command(rtds_dir, ECS26A)))
    assert first.response is not None and first.response.originator == ESME
    _refused(running, replayed, ESME, Refusal.COUNTER_NOT_GREATER, OTHER_AUTHENTICATION_FAILURE)
    _serves_on(running, rtds_dir, after)


def test_a_flipped_mac_byte_is_refused(running: RunningHub, rtds_dir: Path) -> None:
    command = bytearray(running.reseal(_command(rtds_dir, DBCH01)))
    command[-1] ^= 0x01
    refused, after = _send(running, bytes(command), running.reseal(_command(rtds_dir, DBCH01)))
    _refused(running, refused, CHF, Refusal.MAC_INVALID, COMMAND_INTEGRITY_FAILED)
    _serves_on(running, rtds_dir, after)


def test_a_signature_by_the_wrong_party_is_refused(running: RunningHub, rtds_dir: Path) -> None:
    """A critical command from the supplier signed with the network operator's key (MAC still good)."""
    forged = running.reseal(_command(rtds_dir, ECS09), signer=NETWORK_OPERATOR)
    refused, after = _send(running, forged, running.reseal(_command(rtds_dir, ECS26A)))
    _refused(running, refused, ESME, Refusal.SIGNATURE_INVALID, COMMAND_INTEGRITY_FAILED)
    _serves_on(running, rtds_dir, after)


def test_a_role_that_may_not_issue_the_use_case_is_refused(running: RunningHub, rtds_dir: Path) -> None:
    """DBCH01 is the DCC's own (ACB) use case: from the supplier it is refused (registry roles)."""
    wrong_role = running.reseal(_command(rtds_dir, DBCH01), originator=SUPPLIER)
    refused, after = _send(running, wrong_role, running.reseal(_command(rtds_dir, DBCH01)))
    _refused(running, refused, CHF, Refusal.ROLE_NOT_AUTHORISED, SOURCE_LACKS_AUTHORITY)
    _serves_on(running, rtds_dir, after)


def test_an_unknown_recipient_is_refused_with_the_delivery_failure_alert(running: RunningHub, rtds_dir: Path) -> None:
    unknown = bytes.fromhex("00db1234567890ff")
    message = Message(Cra.COMMAND, 5, SUPPLIER, unknown, OtherInformation(0x003B), b"\xd9\x00", mac=bytes(12))
    refused, after = _send(running, build(message), running.reseal(_command(rtds_dir, DBCH01)))
    assert refused.response is None
    assert [alert.message_code for alert in refused.alerts] == [DELIVERY_FAILED]
    assert _security_log(running, CHF)[-1]["reason"] == "unknown-recipient"
    _serves_on(running, rtds_dir, after)


@pytest.mark.parametrize("keep", [1, 10, 40])
def test_a_truncated_message_is_refused_as_malformed(running: RunningHub, rtds_dir: Path, keep: int) -> None:
    truncated = running.reseal(_command(rtds_dir, DBCH01))[:keep]
    refused, after = _send(running, truncated, running.reseal(_command(rtds_dir, DBCH01)))
    assert refused.response is None and not refused.alerts  # nobody to answer: logged (every 10th raises 0x8F60)
    last = _security_log(running, CHF)[-1]
    assert (last["reason"], last["code"]) == (Refusal.MALFORMED.value, COMMAND_INTEGRITY_FAILED)
    _serves_on(running, rtds_dir, after)
