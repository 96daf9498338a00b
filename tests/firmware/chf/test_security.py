"""Security at the CHF: each bad message refused as GBCS specifies, logged in the CHF security log, the hub serving on.

Refusals at the CHF's own endpoint follow firmware.gbcs's table (docs/gbcs-endpoint.md:
security-log code, and a generic critical alert 0x1000 to the ACB where a party can be
named); a command for a device the CHF does not know is refused by the CHF itself with the
delivery-failure alert 0x00D5 / 0x8F84 (gbcs.md 6.5). After every refusal a good command is
still answered.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from firmware.chf import ToDevice
from firmware.gbcs.headend import command
from hal.keystore import load_keystore
from protocols import dlms
from protocols.dlms import AccessRequest, AttributeDescriptor, GetSpec, LongInvokeId, Obis
from protocols.gbcs import Cra, KeyStore, KeyUsage, build, parse
from tests.firmware.chf.home import ACB, CHF_EUI, ESME_EUI, SUPPLIER, Home

DBCH01 = 0x010A
SUB_GHZ_CHANNEL = Obis.of("0-0:94.44.10.2")
WAN_PROVIDER = bytes.fromhex("90b3d51f30000007")


@pytest.fixture(scope="module")
def rtds_keystore(keystore_dir: Path) -> KeyStore:
    return load_keystore(keystore_dir)


def read_channel(counter: int) -> bytes:
    """DBCH01's payload: GET class 1 0-0:94.44.10.2 attribute 2 (gbcs.md 5.7)."""
    spec = GetSpec(AttributeDescriptor(1, SUB_GHZ_CHANNEL, 2))
    return dlms.build(AccessRequest(LongInvokeId.for_counter(counter), (spec,), (dlms.NULL,)))


def good_command_answered(home: Home) -> None:
    before = len(home.wan)
    home.dcc(DBCH01, read_channel(home.acb_counter + 1))
    responses = [parse(sent.data) for sent in home.wan[before:] if parse(sent.data).cra is Cra.RESPONSE]
    assert [(r.message_code, r.originator) for r in responses] == [(DBCH01, CHF_EUI)]


def last_security(home: Home) -> dict[str, object]:
    return home.chf.endpoint.security_log()[-1]


def alerts_since(home: Home, before: int) -> list[tuple[int, bytes]]:
    found = [parse(sent.data) for sent in home.wan[before:]]
    return [(message.message_code, message.recipient) for message in found if message.cra is Cra.ALERT]


def test_replayed_counter_refused_logged_alerted(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    data = _command(home, DBCH01, read_channel(5))
    home.send(data)
    assert parse(home.wan[-1].data).cra is Cra.RESPONSE
    before = len(home.wan)
    home.send(data)
    record = last_security(home)
    assert (record["reason"], record["code"], record["counter"]) == ("counter-not-greater", 0x8F53, home.acb_counter)
    assert alerts_since(home, before) == [(0x1000, ACB)]
    good_command_answered(home)


def test_flipped_mac_byte_refused(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    data = bytearray(_command(home, DBCH01, read_channel(2)))
    data[-1] ^= 0x01
    before = len(home.wan)
    home.send(bytes(data))
    assert (last_security(home)["reason"], last_security(home)["code"]) == ("mac-invalid", 0x8F1E)
    assert alerts_since(home, before) == [(0x1000, ACB)]
    assert not [sent for sent in home.wan[before:] if parse(sent.data).cra is Cra.RESPONSE]
    good_command_answered(home)


def test_wrong_signer_refused(rtds_dir: Path, rtds_keystore: KeyStore) -> None:
    """CS02b WAN-provider-by-WAN-provider (critical) re-signed with the supplier's key instead of the WAN provider's."""
    home = Home(rtds_keystore)
    path = rtds_dir / "NA_CS02bWPByWP" / "CS02bWPByWP_NA_SUCCESS_COMMAND_GBCS.HEX"
    genuine = parse(bytes.fromhex(path.read_text()), rtds_keystore)
    signer = rtds_keystore.private_key(SUPPLIER, KeyUsage.DS)
    mac_key = rtds_keystore.derived_key((ACB, CHF_EUI), WAN_PROVIDER, 1, genuine.originator_counter, CHF_EUI)
    forged = build(replace(genuine, signature=b"", mac=bytes(12)), signing_key=signer, mac_key=mac_key)
    before = len(home.wan)
    home.send(forged)
    assert (last_security(home)["reason"], last_security(home)["code"]) == ("signature-invalid", 0x8F1E)
    assert alerts_since(home, before) == [(0x1000, ACB)]
    home.send(bytes.fromhex(path.read_text()))  # the genuine one, with the same counter: accepted
    assert parse(home.wan[-1].data).cra is Cra.RESPONSE
    good_command_answered(home)


def test_role_that_may_not_issue_the_use_case(rtds_keystore: KeyStore) -> None:
    """DBCH01 is the DCC's (ACB, role 4); the supplier sending it itself is refused: source lacks authority."""
    home = Home(rtds_keystore)
    data = command(
        rtds_keystore,
        originator=SUPPLIER,
        recipient=CHF_EUI,
        counter=7000,
        message_code=DBCH01,
        payload=read_channel(7000),
        sign=False,
    )
    before = len(home.wan)
    home.send(data)
    assert (last_security(home)["reason"], last_security(home)["code"]) == ("role-not-authorised", 0x8F30)
    assert alerts_since(home, before) == [(0x1000, ACB)]
    good_command_answered(home)


def test_unknown_recipient_refused_with_the_delivery_failure_alert(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    stranger = bytes.fromhex("00db123456789005")  # a device the key store knows, not in the log
    before = len(home.wan)
    home.dcc(0x0059, read_channel(3), recipient=stranger)
    record = last_security(home)
    assert (record["reason"], record["code"], record["message_code"]) == ("unknown-recipient", 0x8F84, 0x0059)
    alert = parse(home.wan[-1].data, rtds_keystore)
    assert alerts_since(home, before) == [(0x00D5, ACB)]
    body = dlms.parse(alert.payload)
    assert isinstance(body, dlms.DataNotification)
    identity = body.body.items[2].value  # type: ignore[union-attr]  # structure{code, time, octet-string(25)}
    assert identity == ACB + stranger + b"\x01" + home.acb_counter.to_bytes(8, "big")
    assert not [a for a in home.han if isinstance(a, ToDevice)]
    good_command_answered(home)


@pytest.mark.parametrize("keep", [0, 1, 5, 20, 40, 60])
def test_truncated_message_refused(rtds_keystore: KeyStore, keep: int) -> None:
    home = Home(rtds_keystore)
    data = _command(home, DBCH01, read_channel(2))[:keep]
    home.send(data)
    assert (last_security(home)["reason"], last_security(home)["code"]) == ("malformed", 0x8F1E)
    good_command_answered(home)


def test_device_messages_that_are_not_the_devices_own(rtds_keystore: KeyStore) -> None:
    """A HAN device may only send its own messages; garbage or another's originator is logged and dropped."""
    home = Home(rtds_keystore)
    home.commission(ESME_EUI, 1)
    command = _command(home, 0x0059, read_channel(3), recipient=ESME_EUI)
    assert home.chf.device_message(ESME_EUI, b"\xdd\x00\x01", home.now, home.utc) == []
    assert home.chf.device_message(ESME_EUI, command, home.now, home.utc) == []  # the ACB's, not the ESME's
    assert home.chf.device_message(bytes(8), command, home.now, home.utc) == []
    reasons = [entry["reason"] for entry in home.chf.endpoint.security_log()[-3:]]
    assert reasons == ["malformed-from-device", "not-from-this-device", "not-from-this-device"]
    good_command_answered(home)


def _command(home: Home, code: int, payload: bytes, *, recipient: bytes = CHF_EUI) -> bytes:
    home.acb_counter += 1
    return command(
        home.keystore,
        originator=ACB,
        recipient=recipient,
        counter=home.acb_counter,
        message_code=code,
        payload=payload,
        sign=False,
        service_user=(SUPPLIER, home.acb_counter),
    )
