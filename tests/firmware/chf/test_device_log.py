"""The CHF device log (gbcs.md 5.7, 6.4): CCS01 / CCS02 / CCS03 change it - joining by install code, removals, restores,
each change reported by CS14 - and CCS04-07 read it; the HAN side's joins and link statistics fill it in."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware.chf import PermitJoin, RemoveDevice, ToWan
from firmware.chf.han_time import time_attributes
from hal.keystore import load_keystore
from hal.nvm import NvmStore
from protocols import dlms
from protocols.dlms import (
    AccessRequest,
    ActionSpec,
    AttributeDescriptor,
    GetSpec,
    GetWithSelectionSpec,
    LongInvokeId,
    MethodDescriptor,
    Obis,
    SetSpec,
)
from protocols.dlms.selective import CaptureObject, RangeDescriptor
from protocols.gbcs import Cra, KeyStore, parse
from protocols.gbcs.cs.common import ESME, GSME, PPMID
from tests.firmware.chf.home import (
    CHF_EUI,
    ESME_EUI,
    GSME_EUI,
    INSTALL_CODES,
    PPMID_EUI,
    SUPPLIER,
    Home,
    register_payload,
)

DEVICE_LOG = Obis.of("0-0:30.3.0.255")
GPF_LOG = Obis.of("0-0:30.3.1.255")
EVENT_LOG = Obis.of("0-0:99.98.0.255")
#: radio.md 5.7: the ZigBee SE test install code and the link key it gives.
TEST_INSTALL_CODE_KEY = bytes.fromhex("66B6900981E1EE3CA4206B6B861C02BB")


@pytest.fixture(scope="module")
def rtds_keystore(keystore_dir: Path) -> KeyStore:
    return load_keystore(keystore_dir)


def request(*specs: dlms.RequestSpec, data: tuple[dlms.Data, ...] | None = None) -> bytes:
    return dlms.build(AccessRequest(LongInvokeId.for_counter(1), specs, data or (dlms.NULL,) * len(specs)))


def response(home: Home) -> dlms.AccessResponse:
    answers = [parse(sent.data) for sent in home.wan if parse(sent.data).cra is Cra.RESPONSE]
    apdu = dlms.parse(answers[-1].payload)
    assert isinstance(apdu, dlms.AccessResponse)
    return apdu


def cs14_backups(home: Home, since: int) -> list[dlms.Data]:
    out = []
    for sent in home.wan[since:]:
        message = parse(sent.data)
        if message.cra is Cra.ALERT and message.message_code == 0x0018:
            body = dlms.parse(message.payload)
            assert isinstance(body, dlms.DataNotification) and isinstance(body.body, dlms.Structure)
            assert body.body.items[0] == dlms.u16(0x8F12)
            out.append(body.body.items[2])
    return out


def pairs(backup: dlms.Data) -> list[tuple[bytes, bytes]]:
    assert isinstance(backup, dlms.Structure) and isinstance(backup.items[2], dlms.Array)
    return [(item.items[0].value, item.items[1].value) for item in backup.items[2].items]  # type: ignore[union-attr]


def test_ccs01_registers_permits_the_join_with_the_install_code_key_and_reports_cs14(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    home.dcc(0x0001, register_payload(2, ESME_EUI, ESME, INSTALL_CODES[ESME_EUI], join_minutes=90))
    assert [r.result for r in response(home).results] == [0, 0, 0]
    assert home.han == [PermitJoin(ESME_EUI, INSTALL_CODES[ESME_EUI], TEST_INSTALL_CODE_KEY, 90 * 60)]
    assert [pairs(backup) for backup in cs14_backups(home, 0)] == [[(ESME_EUI, INSTALL_CODES[ESME_EUI])]]
    assert home.chf.deadline() == pytest.approx(home.now + 90 * 60)  # the join window lapses then
    home.take(home.chf.device_joined(ESME_EUI, home.now, home.utc, application_version=3, stack_version=2))
    entry = home.chf.device_log.entry(ESME_EUI)
    assert entry is not None and entry.joined and entry.join_until is None


def test_active_devices_report_the_link_statistics(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    home.commission(ESME_EUI, ESME)
    home.take(home.chf.device_joined(ESME_EUI, home.now, home.utc, application_version=3, stack_version=2))
    for rssi, lqi, delivered in ((-40, 200, True), (-60, 150, True), (-80, 100, False), (-50, 250, True)):
        home.take(home.chf.link_statistics(ESME_EUI, home.now, home.utc, rssi=rssi, lqi=lqi, delivered=delivered))
    home.dcc(0x0004, request(GetSpec(AttributeDescriptor(104, DEVICE_LOG, 4))))
    (devices,) = response(home).data
    assert isinstance(devices, dlms.Array)
    assert devices.items == (
        dlms.structure(
            dlms.octets(ESME_EUI),
            dlms.bits(8, 0xC8),  # in the log, joined, heard from
            dlms.i8(-40),
            dlms.i8(-58),  # (-40 - 60 - 80 - 50) / 4 = -57.5, rounded half to even
            dlms.i8(-80),
            dlms.u8(250),
            dlms.u8(175),
            dlms.u8(100),
            dlms.octets(bytes.fromhex("07df0101ff000000008000ff")),  # 2015-01-01T00:00:00Z
            dlms.u8(1),
            dlms.u8(25),
            dlms.u8(75),
            dlms.u8(3),
            dlms.u8(2),
        ),
    )


def test_ccs02_unregisters_removes_and_fails_what_waited(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    home.commission(GSME_EUI, GSME, sleepy=True)
    home.dcc(0x00B8, b"\x01\x09\x00", recipient=GSME_EUI, originator=SUPPLIER)
    assert home.chf.queues.count(GSME_EUI) == 1
    before = len(home.wan)
    unregister = request(ActionSpec(MethodDescriptor(104, DEVICE_LOG, 2)), data=(dlms.octets(GSME_EUI),))
    home.dcc(0x0002, unregister)
    assert [r.result for r in response(home).results] == [0]
    assert RemoveDevice(GSME_EUI) in home.han
    codes = [parse(sent.data).message_code for sent in home.wan[before:] if parse(sent.data).cra is Cra.ALERT]
    assert sorted(codes) == [0x0018, 0x00D5]  # the log changed; the queued command can no longer be delivered
    assert home.chf.queues.count(GSME_EUI) == 0 and home.chf.device_log.entry(GSME_EUI) is None
    home.dcc(0x0002, unregister)
    assert [r.result for r in response(home).results] == [dlms.ActionResult.OTHER_REASON]


def test_ccs03_restore_replaces_the_log_and_ccs07_reads_both_logs(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    home.commission(ESME_EUI, ESME)
    home.commission(PPMID_EUI, PPMID)
    home.han.clear()
    network = bytes.fromhex("0000000000000140")
    code = bytes.fromhex("00112233445566778899aabbccddeeff")
    restore = dlms.structure(
        dlms.octets(network), dlms.array([dlms.structure(dlms.octets(GSME_EUI), dlms.octets(code))])
    )
    home.dcc(0x0003, request(ActionSpec(MethodDescriptor(104, DEVICE_LOG, 5)), data=(restore,)))
    assert [r.result for r in response(home).results] == [0]
    assert RemoveDevice(ESME_EUI) in home.han and RemoveDevice(PPMID_EUI) in home.han
    permits = [a for a in home.han if isinstance(a, PermitJoin)]
    assert [(p.eui, p.install_code, p.seconds) for p in permits] == [(GSME_EUI, code, 3600)]
    home.dcc(0x00FE, request(*(ActionSpec(MethodDescriptor(104, log, 4)) for log in (DEVICE_LOG, GPF_LOG))))
    chf_log, gpf_log = response(home).data
    assert isinstance(chf_log, dlms.Structure) and chf_log.items[1] == dlms.octets(network)
    assert pairs(chf_log) == [(GSME_EUI, code)]
    assert pairs(gpf_log) == []  # the PPMID left with the CHF log's restore


def test_a_device_not_in_the_log_is_removed_when_it_joins(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    assert home.chf.device_joined(ESME_EUI, home.now, home.utc) == [RemoveDevice(ESME_EUI)]
    assert home.chf.endpoint.security_log()[-1]["reason"] == "join-not-in-device-log"


def test_disabling_joining_withdraws_open_windows_and_windows_lapse(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    home.dcc(0x0001, register_payload(2, ESME_EUI, ESME, INSTALL_CODES[ESME_EUI], join_minutes=10))
    home.han.clear()
    disable = request(SetSpec(AttributeDescriptor(104, DEVICE_LOG, 2)), data=(dlms.Boolean(False),))
    home.dcc(0x0001, disable)
    assert [(a.eui, a.seconds) for a in home.han if isinstance(a, PermitJoin)] == [(ESME_EUI, 0)]
    enable = request(SetSpec(AttributeDescriptor(104, DEVICE_LOG, 2)), data=(dlms.Boolean(True),))
    home.dcc(0x0001, enable)
    assert [(a.eui, a.seconds) for a in home.han if isinstance(a, PermitJoin)][-1] == (ESME_EUI, 600)
    home.advance(600)
    home.take(home.chf.timer_fired(home.now, home.utc))
    entry = home.chf.device_log.entry(ESME_EUI)
    assert entry is not None and entry.join_until is None and home.chf.deadline() is None


def test_restart_resumes_join_windows_and_the_channel(rtds_keystore: KeyStore, tmp_path: Path) -> None:
    store = NvmStore.open(tmp_path / "hub.sqlite")
    home = Home(rtds_keystore, store=store)
    home.dcc(0x0001, register_payload(2, ESME_EUI, ESME, INSTALL_CODES[ESME_EUI], join_minutes=10))
    store.close()
    again = Home(rtds_keystore, store=NvmStore.open(tmp_path / "hub.sqlite"), utc=home.utc + 120)
    actions = again.chf.resume(again.now, again.utc)
    assert PermitJoin(ESME_EUI, INSTALL_CODES[ESME_EUI], TEST_INSTALL_CODE_KEY, 480) in actions
    assert not [a for a in actions if isinstance(a, ToWan)]
    assert again.chf.device_log.entry(ESME_EUI) is not None
    again.store.close()


def test_event_log_read_by_range(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    home.commission(ESME_EUI, ESME)  # a CS14 event at 2015-01-01T00:00:00Z
    home.advance(86_400)
    home.commission(GSME_EUI, GSME, sleepy=True)  # another a day later
    zigbee_day_1 = 473_385_600  # 2015-01-01T00:00:00Z in ZigBee UTC
    restricting = CaptureObject(8, Obis.of("0-0:1.0.0.255"), 2)
    for first, last, expected in ((zigbee_day_1, zigbee_day_1 + 3600, 1), (zigbee_day_1, zigbee_day_1 + 86_400, 2)):
        access = RangeDescriptor(restricting, dlms.u32(first), dlms.u32(last))
        spec = GetWithSelectionSpec(AttributeDescriptor(7, EVENT_LOG, 2), 1, access.to_data())
        home.dcc(0x0093, request(spec))
        (entries,) = response(home).data
        assert isinstance(entries, dlms.CompactArray)
        assert [entry.items[1] for entry in entries.elements] == [dlms.u16(0x8F12)] * expected  # type: ignore[attr-defined]


def test_identity_read(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    names = [Obis.of(f"0-0:96.1.{n}.255") for n in (1, 4, 6)]
    home.dcc(0x0092, request(*(GetSpec(AttributeDescriptor(1, name, 2)) for name in names)))
    assert response(home).data == (dlms.octets(CHF_EUI), dlms.octets(b"COMMSHUB"), dlms.octets(b"CMH"))


def test_han_time_follows_uk_summer_time() -> None:
    """ZigBee Time cluster values; UK summer time 2015: 29 March and 25 October at 01:00 UTC (ZigBee UTC epoch 2000)."""
    winter = 1_420_070_400  # 2015-01-01T00:00:00Z
    summer = 1_435_708_800  # 2015-07-01T00:00:00Z
    values = time_attributes(summer)
    assert values[0x0000] == summer - 946_684_800
    assert values[0x0003] == 1_427_590_800 - 946_684_800  # 2015-03-29T01:00:00Z
    assert values[0x0004] == 1_445_734_800 - 946_684_800  # 2015-10-25T01:00:00Z
    assert values[0x0007] == values[0x0000] + 3600 and values[0x0001] == 0x0F
    assert time_attributes(winter)[0x0007] == winter - 946_684_800
