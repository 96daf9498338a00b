"""Routing through the CHF (gbcs.md 2.3, 6.5): commands forwarded whole over the device's tunnel, responses back to the
head-end that asked (same counter, originator and recipient swapped), alerts to every head-end, undeliverable
messages answered with the delivery-failure alert, HAN-originated commands answered over the HAN."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware.chf import ChfConfig, SetTunnelMessagePending, ToDevice, ToWan
from hal.keystore import load_keystore
from protocols import dlms
from protocols.gbcs import Cra, KeyStore, Message, OtherInformation, cs, parse
from protocols.gbcs.cs.common import ESME, GSME, PPMID
from protocols.gbcs.envelope import encode
from tests.firmware.chf.home import ACB, ESME_EUI, GSME_EUI, PPMID_EUI, SUPPLIER, Home

ECS52 = 0x0059


@pytest.fixture(scope="module")
def rtds_keystore(keystore_dir: Path) -> KeyStore:
    return load_keystore(keystore_dir)


def from_device(cra: Cra, device: bytes, recipient: bytes, counter: int, code: int, payload: bytes = b"\x00") -> bytes:
    """A message as a HAN device sends it (the CHF forwards it unchanged and does not check its protection)."""
    message = Message(cra, counter, device, recipient, OtherInformation(code), payload, mac=None, signature=b"")
    return encode(message)


def alerts(home: Home, before: int) -> list[int]:
    return [parse(a.data).message_code for a in home.wan[before:] if parse(a.data).cra is Cra.ALERT]


def test_esme_command_forwarded_and_answered_to_its_head_end(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    home.commission(ESME_EUI, ESME)
    home.han.clear()
    home.dcc(ECS52, b"\xd9", recipient=ESME_EUI, originator=SUPPLIER, connection_id=7)
    assert home.han == [ToDevice(ESME_EUI, home.sent[-1])]
    counter = home.counters[SUPPLIER]
    reply = from_device(Cra.RESPONSE, ESME_EUI, SUPPLIER, counter, ECS52)
    actions = home.take(home.chf.device_message(ESME_EUI, reply, home.now, home.utc))
    assert [(a.connection_id, a.data) for a in actions if isinstance(a, ToWan)] == [(7, reply)]
    alert = from_device(Cra.ALERT, ESME_EUI, SUPPLIER, 4000, 0x1001)
    actions = home.take(home.chf.device_message(ESME_EUI, alert, home.now, home.utc))
    assert [(a.connection_id, a.data) for a in actions if isinstance(a, ToWan)] == [(None, alert)]
    stray = from_device(Cra.RESPONSE, ESME_EUI, SUPPLIER, counter + 99, ECS52)  # nothing awaits it
    actions = home.take(home.chf.device_message(ESME_EUI, stray, home.now, home.utc))
    assert [(a.connection_id, a.data) for a in actions if isinstance(a, ToWan)] == [(None, stray)]
    events = [code for _, code, _ in home.chf.alerts.events()]
    assert 0x8154 in events  # "immediate HAN command received and actioned"


def test_a_device_that_has_not_joined_cannot_be_reached(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    home.commission(ESME_EUI, ESME)
    home.take(home.chf.device_left(ESME_EUI, home.now, home.utc))
    before = len(home.wan)
    home.dcc(ECS52, b"\xd9", recipient=ESME_EUI, originator=SUPPLIER)
    assert alerts(home, before) == [0x00D5]
    assert not [a for a in home.han if isinstance(a, ToDevice)]


def test_a_tunnel_send_failure_is_answered(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    home.commission(ESME_EUI, ESME)
    home.dcc(ECS52, b"\xd9", recipient=ESME_EUI, originator=SUPPLIER)
    before = len(home.wan)
    home.take(home.chf.tunnel_send_failed(ESME_EUI, home.sent[-1], home.now, home.utc))
    assert alerts(home, before) == [0x00D5]
    assert home.chf.pending.entries() == []


def test_han_command_from_a_ppmid_to_the_gsme_and_its_answer(rtds_keystore: KeyStore) -> None:
    """PCS02 (PPMID -> GSME, gbcs.md 2.4): queued for the sleepy GSME; the GSME's response goes back to the PPMID."""
    home = Home(rtds_keystore)
    home.commission(PPMID_EUI, PPMID)
    home.commission(GSME_EUI, GSME, sleepy=True)
    home.han.clear()
    pcs02 = from_device(Cra.COMMAND, PPMID_EUI, GSME_EUI, 77, 0x0090)
    actions = home.take(home.chf.device_message(PPMID_EUI, pcs02, home.now, home.utc))
    assert actions == [SetTunnelMessagePending(GSME_EUI, True)]
    taken = home.take(home.chf.tunnel_data(GSME_EUI, b"\x01", home.now, home.utc))
    assert [a.data for a in taken if isinstance(a, ToDevice)] == [b"\x02\x00" + pcs02]
    answer = from_device(Cra.RESPONSE, GSME_EUI, PPMID_EUI, 77, 0x0090)
    actions = home.take(home.chf.tunnel_data(GSME_EUI, b"\x03" + answer, home.now, home.utc))
    assert actions == [ToDevice(PPMID_EUI, answer)]


def test_ccs08_firmware_transfer_alert(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    before = len(home.wan)
    home.take(home.chf.firmware_transferred(PPMID_EUI, b"\x01\x23\xab\xcd", 3, home.now, home.utc))
    message = parse(home.wan[before].data)
    assert (message.cra, message.message_code, message.recipient) == (Cra.ALERT, 0x0128, ACB)
    assert message.signature  # CCS08 alerts are signed (gbcs.md 5.6: A:S)
    value = cs.parse(0x0128, cs.ALERT, message.payload)
    assert (value.header.alert_code, value.device, value.version, value.outcome) == (
        0x8F89,
        PPMID_EUI,
        b"\x01\x23\xab\xcd",
        3,
    )


def test_chf_alert_invoke_id_carries_its_counter(rtds_keystore: KeyStore) -> None:
    """gbcs.md 5.2: a DLMS payload's invoke id is 0x20 and the low 24 bits of the grouping-header counter."""
    home = Home(rtds_keystore)
    home.commission(ESME_EUI, ESME)
    for sent in home.wan:
        message = parse(sent.data)
        if message.cra is Cra.ALERT:
            notification = dlms.parse(message.payload)
            assert isinstance(notification, dlms.DataNotification)
            assert notification.invoke.value == 0x20000000 | (message.originator_counter & 0xFFFFFF)


def test_the_wan_outbox_keeps_the_newest_when_full(rtds_keystore: KeyStore) -> None:
    """No head-end takes anything: past the limit the oldest message is dropped, the newest kept (in NVM)."""
    home = Home(rtds_keystore, config=ChfConfig(wan_outbox_limit=3))
    sent = [home.chf.outbox.wan(bytes((n,)), None) for n in range(5)]
    assert [message.data for message in home.chf.outbox.unsent()] == [b"\x02", b"\x03", b"\x04"]
    assert [message.seq for message in home.chf.outbox.unsent()] == [m.seq for m in sent[2:]]
