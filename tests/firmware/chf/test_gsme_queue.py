"""The sleepy GSME's queue (gbcs.md 6.2-6.3): queued with the tunnel-pending flag, one command per GET with the count
left, PUT answers to the head-end that asked, "GSME command not retrieved" after the timeout and not before, and a
restart (the same SQLite file) that loses nothing and doubles nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware.chf import ChfConfig, SetTunnelMessagePending, ToDevice, ToWan
from firmware.gbcs.alerts import GBZ, generic_alert_payload
from firmware.gbcs.contract import RaisedAlert
from hal.keystore import load_keystore
from hal.nvm import NvmStore
from protocols import dlms, gbz
from protocols.gbcs import Cra, KeyStore, parse
from protocols.gbcs.cs.common import GSME
from tests.firmware.chf.home import ACB, GSME_EUI, SUPPLIER, Home

GCS60A = 0x012A  #: Read meter balance (GSME): Metering BillToDateDelivered, Prepayment CreditRemaining


@pytest.fixture(scope="module")
def rtds_keystore(keystore_dir: Path) -> KeyStore:
    return load_keystore(keystore_dir)


def balance_read() -> bytes:
    frames = [(0x0702, 0, bytes.fromhex("000a")), (0x0705, 1, bytes.fromhex("0100"))]
    components = tuple(gbz.Component(cluster, gbz.ZclFrame(0x00, seq, 0x00, ids)) for cluster, seq, ids in frames)
    return gbz.build(gbz.GbzPayload(components))


def gsme_home(keystore: KeyStore, store: NvmStore | None = None, config: ChfConfig | None = None) -> Home:
    home = Home(keystore, **({"store": store} if store is not None else {}), config=config or ChfConfig())
    home.add_gsme()
    home.commission(GSME_EUI, GSME, sleepy=True)
    home.han.clear()
    return home


def queue_commands(home: Home, count: int) -> list[bytes]:
    """`count` GCS60a commands, each from its own head-end connection (1, 2, ...); the bytes sent."""
    sent = []
    for connection in range(1, count + 1):
        before = len(home.sent)
        home.dcc(GCS60A, balance_read(), recipient=GSME_EUI, connection_id=connection, originator=SUPPLIER)
        sent.append(home.sent[before])
    return sent


def get(home: Home) -> tuple[int, bytes]:
    """A GET: (count still queued, message handed over)."""
    actions = home.take(home.chf.gsme_get(GSME_EUI, home.now, home.utc))
    data = next(a.data for a in actions if isinstance(a, ToDevice))
    assert data[0] == 0x02
    return data[1], data[2:]


def flags(home: Home) -> list[bool]:
    return [a.pending for a in home.han if isinstance(a, SetTunnelMessagePending) and a.eui == GSME_EUI]


def test_queue_get_counts_and_put_to_the_asking_head_end(rtds_keystore: KeyStore) -> None:
    home = gsme_home(rtds_keystore)
    sent = queue_commands(home, 3)
    assert flags(home) == [True]
    assert not [a for a in home.han if isinstance(a, ToDevice)]
    assert home.chf.queues.count(GSME_EUI) == 3
    taken = [get(home) for _ in range(3)]
    assert taken == [(2, sent[0]), (1, sent[1]), (0, sent[2])]
    assert flags(home) == [True, False]
    assert get(home) == (0, b"")
    responses = [home.gsme_answer(message) for _, message in taken]  # the meter answers in the order it took them
    before = len(home.wan)
    for response in (responses[1], responses[0], responses[2]):  # and PUTs them back in any order
        assert response is not None
        home.take(home.chf.gsme_put(GSME_EUI, response, home.now, home.utc))
    answers = [(a.connection_id, parse(a.data)) for a in home.wan[before:]]
    assert [(connection, m.cra, m.message_code, m.originator_counter) for connection, m in answers] == [
        (2, Cra.RESPONSE, GCS60A, parse(sent[1]).originator_counter),
        (1, Cra.RESPONSE, GCS60A, parse(sent[0]).originator_counter),
        (3, Cra.RESPONSE, GCS60A, parse(sent[2]).originator_counter),
    ]
    assert all(m.originator == GSME_EUI and m.recipient == SUPPLIER for _, m in answers)
    assert home.chf.pending.entries() == []


def test_gsme_alert_goes_to_every_head_end(rtds_keystore: KeyStore) -> None:
    home = gsme_home(rtds_keystore)
    assert home.gsme is not None
    payload = generic_alert_payload(GBZ, 0x8F1D, home.utc, 0)  # GSME power supply loss (meters.md 5.3)
    sealed = home.gsme.endpoint.raise_alerts([RaisedAlert(0x1000, payload)], home.now, home.utc)
    actions = home.take(home.chf.gsme_put(GSME_EUI, sealed[0].data, home.now, home.utc))
    assert actions == [ToWan(None, sealed[0].data, actions[0].seq)]  # type: ignore[union-attr]


def test_not_retrieved_alert_after_the_timeout_and_not_before(rtds_keystore: KeyStore) -> None:
    config = ChfConfig(gsme_retrieval_timeout=3600.0)
    home = gsme_home(rtds_keystore, config=config)
    queued_at_now, queued_at_utc = home.now, home.utc
    queue_commands(home, 1)
    assert home.chf.deadline() == pytest.approx(queued_at_now + 3600.0)
    home.advance(3599.0)
    before = len(home.wan)
    assert home.take(home.chf.timer_fired(home.now, home.utc)) == []
    assert home.chf.queues.count(GSME_EUI) == 1
    home.advance(1.0)
    assert home.utc == queued_at_utc + 3600.0
    actions = home.take(home.chf.timer_fired(home.now, home.utc))
    assert SetTunnelMessagePending(GSME_EUI, False) in actions
    alerts = [parse(a.data) for a in home.wan[before:]]
    assert [(m.cra, m.message_code, m.recipient) for m in alerts] == [(Cra.ALERT, 0x1001, ACB)]
    notification = dlms.parse(alerts[0].payload)
    assert isinstance(notification, dlms.DataNotification)
    assert notification.body.items[0] == dlms.u16(0x819D)  # type: ignore[union-attr]
    assert get(home) == (0, b"")
    assert home.chf.pending.entries() == []
    assert home.chf.deadline() is None or home.chf.deadline() > home.now


def test_queue_full_answers_with_the_delivery_failure_alert(rtds_keystore: KeyStore) -> None:
    home = gsme_home(rtds_keystore, config=ChfConfig(gsme_queue_limit=2))
    before = len(home.wan)
    queue_commands(home, 3)
    alerts = [parse(a.data) for a in home.wan[before:]]
    assert [(m.cra, m.message_code) for m in alerts] == [(Cra.ALERT, 0x00D5)]
    assert home.chf.queues.count(GSME_EUI) == 2


def test_restart_mid_queue_loses_nothing_and_doubles_nothing(rtds_keystore: KeyStore, tmp_path: Path) -> None:
    path = tmp_path / "hub.sqlite"
    store = NvmStore.open(path)
    home = gsme_home(rtds_keystore, store=store)
    sent = queue_commands(home, 3)
    first = get(home)
    assert first == (2, sent[0])
    store.close()

    store = NvmStore.open(path)  # power back: the same file
    again = Home(rtds_keystore, store=store, now=0.0, utc=home.utc + 60)
    again.add_gsme()
    resumed = again.take(again.chf.resume(again.now, again.utc))
    assert SetTunnelMessagePending(GSME_EUI, True) in resumed
    assert not [a for a in resumed if isinstance(a, ToWan)]  # everything owed to the WAN was confirmed sent
    assert [get(again), get(again), get(again)] == [(1, sent[1]), (0, sent[2]), (0, b"")]
    response = again.gsme_answer(first[1])
    assert response is not None
    before = len(again.wan)
    again.take(again.chf.gsme_put(GSME_EUI, response, again.now, again.utc))
    delivered = again.wan[before:]
    assert [(a.connection_id, parse(a.data).originator_counter) for a in delivered] == [
        (None, parse(sent[0]).originator_counter)  # its head-end connection did not survive the restart
    ]
    store.close()


def test_a_get_response_the_power_cut_short_is_offered_again(rtds_keystore: KeyStore, tmp_path: Path) -> None:
    """The command handed to a GET but not yet confirmed on the tunnel when the power failed waits again after the
    restart; a confirmed one does not come back."""
    path = tmp_path / "hub.sqlite"
    store = NvmStore.open(path)
    home = gsme_home(rtds_keystore, store=store)
    sent = queue_commands(home, 2)
    assert get(home) == (1, sent[0])  # confirmed on the tunnel
    home.confirm_tunnel = False
    assert get(home) == (0, sent[1])  # handed over; the power fails before the tunnel took it
    store.close()
    again = Home(rtds_keystore, store=NvmStore.open(path), utc=home.utc + 60)
    resumed = again.take(again.chf.resume(again.now, again.utc))
    assert SetTunnelMessagePending(GSME_EUI, True) in resumed
    assert [get(again), get(again)] == [(0, sent[1]), (0, b"")]
    again.store.close()


def test_a_failed_get_response_waits_for_the_next_get(rtds_keystore: KeyStore) -> None:
    home = gsme_home(rtds_keystore)
    home.confirm_tunnel = False
    sent = queue_commands(home, 1)
    assert get(home) == (0, sent[0])
    message = sent[0]
    actions = home.take(home.chf.tunnel_send_failed(GSME_EUI, b"\x02\x00" + message, home.now, home.utc))
    assert actions == [SetTunnelMessagePending(GSME_EUI, True)]
    home.confirm_tunnel = True
    assert get(home) == (0, sent[0])
    assert get(home) == (0, b"")
