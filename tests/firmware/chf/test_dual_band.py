"""The 868 MHz duty-cycle levels (radio.md 3.2-3.3) with exact thresholds, their alerts and actions, and the other
dual-band use cases: scan and channel change (DBCH05, DBCH07, DBCH08, DBCH02), configuration (DBCH04, DBCH09),
discarded messages (DBCH10) and sub-GHz capacity (DBCH11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware.chf import ChangeSubGhzChannel, ChfConfig, RemoveDevice, StartEnergyScan, SuspendZclMessages, ToDevice
from firmware.chf.dual_band import Level
from firmware.chf.sub_ghz import SubGhzConfiguration, all_channels_mask, channel_mask, mask_channels
from hal.duty_cycle import regulated_limit
from hal.keystore import load_keystore
from hal.radio import Channel
from protocols import dlms
from protocols.dlms import AccessRequest, AttributeDescriptor, GetWithSelectionSpec, LongInvokeId, Obis, SetSpec
from protocols.dlms.selective import CaptureObject, RangeDescriptor
from protocols.gbcs import Cra, KeyStore, parse
from protocols.gbcs.cs.common import ESME, GSME
from tests.firmware.chf.home import ACB, ESME_EUI, GSME_EUI, SUPPLIER, Home

CONFIGURATION = Obis.of("0-0:94.44.10.0")
SCAN = Obis.of("0-0:94.44.10.1")
CHANNEL_LOG = Obis.of("0-0:94.44.10.3")


@pytest.fixture(scope="module")
def rtds_keystore(keystore_dir: Path) -> KeyStore:
    return load_keystore(keystore_dir)


def alert_codes(home: Home, before: int) -> list[tuple[int, int]]:
    """(message code, alert code) of each alert sent since `before`."""
    out = []
    for sent in home.wan[before:]:
        message = parse(sent.data)
        if message.cra is Cra.ALERT:
            body = dlms.parse(message.payload)
            assert isinstance(body, dlms.DataNotification) and isinstance(body.body, dlms.Structure)
            code = body.body.items[0]
            assert isinstance(code, dlms.Integer)
            out.append((message.message_code, code.value))
            assert message.recipient == ACB
    return out


def reading(home: Home, used: float, busiest: bytes | None = GSME_EUI) -> tuple[list[object], list[tuple[int, int]]]:
    before = len(home.wan)
    actions = home.take(home.chf.duty_cycle(used, home.now, home.utc, busiest=busiest))
    return [a for a in actions if not hasattr(a, "seq")], alert_codes(home, before)


def test_levels_step_up_and_down_at_the_exact_thresholds(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    regulated = regulated_limit(28)  # 100 s of the hour on page 28
    assert home.chf.dual_band.thresholds() == {
        Level.LIMITED: 0.0150,
        Level.CRITICAL: 0.0208,
        Level.REGULATED: regulated,
    }
    assert reading(home, 0.0149) == ([], [])
    assert reading(home, 0.0150) == ([SuspendZclMessages(GSME_EUI, 15)], [(0x0110, 0x8F20)])
    assert reading(home, 0.0207) == ([], [])
    assert reading(home, 0.0208) == ([SuspendZclMessages(None, 15)], [(0x1000, 0x8F22)])
    assert reading(home, regulated - 1e-9) == ([], [])
    assert reading(home, regulated) == ([], [(0x1000, 0x8F24)])
    assert home.chf.dual_band.level is Level.REGULATED
    assert reading(home, regulated - 1e-9) == ([], [(0x1000, 0x8F25)])
    assert reading(home, 0.0) == ([], [(0x1000, 0x8F23), (0x1000, 0x8F21)])
    assert home.chf.dual_band.level is Level.NORMAL


def test_one_reading_crossing_every_threshold_takes_each_step(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    actions, codes = reading(home, 0.05)
    assert codes == [(0x0110, 0x8F20), (0x1000, 0x8F22), (0x1000, 0x8F24)]
    assert actions == [SuspendZclMessages(GSME_EUI, 15), SuspendZclMessages(None, 15)]


def test_dbch06_names_the_busiest_device(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    before = len(home.wan)
    home.take(home.chf.duty_cycle(0.02, home.now, home.utc, busiest=ESME_EUI))
    body = dlms.parse(parse(home.wan[before].data).payload)
    assert isinstance(body, dlms.DataNotification) and isinstance(body.body, dlms.Structure)
    assert body.body.items[2] == dlms.octets(ESME_EUI)


def set_configuration(home: Home, configuration: SubGhzConfiguration) -> list[tuple[int, int]]:
    spec = SetSpec(AttributeDescriptor(1, CONFIGURATION, 2))
    request = AccessRequest(LongInvokeId.for_counter(1), (spec,), (configuration.to_data(),))
    before = len(home.wan)
    home.dcc(0x010D, dlms.build(request))
    return alert_codes(home, before)


def test_thresholds_follow_the_dbch04_configuration(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    masks = tuple(all_channels_mask(page) for page in (28, 29, 30, 31))
    new = SubGhzConfiguration(masks, 130, 220, (5, 7, 7, 12, 6000, 130, 100, 4000, 3000))  # type: ignore[arg-type]
    assert set_configuration(home, new) == [(0x0113, 0x8F2A)]
    assert home.chf.dual_band.configuration() == new
    assert reading(home, 0.0129)[1] == []
    assert reading(home, 0.0130)[1] == [(0x0110, 0x8F20)]
    assert reading(home, 0.0220)[1] == [(0x1000, 0x8F22)]


def test_a_configuration_of_the_wrong_shape_is_refused(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    spec = SetSpec(AttributeDescriptor(1, CONFIGURATION, 2))
    request = AccessRequest(LongInvokeId.for_counter(1), (spec,), (dlms.structure(dlms.u8(1)),))
    home.dcc(0x010D, dlms.build(request))
    response = dlms.parse(parse(home.wan[-1].data).payload)
    assert isinstance(response, dlms.AccessResponse)
    assert [r.result for r in response.results] == [dlms.DataAccessResult.TYPE_UNMATCHED]


def test_regulated_level_discards_messages_for_sub_ghz_devices_only(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    home.commission(ESME_EUI, ESME)  # on 2.4 GHz
    home.commission(GSME_EUI, GSME, sleepy=True, sub_ghz=True)
    reading(home, 0.03)
    before = len(home.wan)
    home.dcc(0x00B8, b"\x01\x09\x00", recipient=GSME_EUI, originator=SUPPLIER)
    assert alert_codes(home, before) == [(0x0114, 0x8F2C)]
    discarded = dlms.parse(parse(home.wan[-1].data).payload)
    assert isinstance(discarded, dlms.DataNotification) and isinstance(discarded.body, dlms.Structure)
    counter = home.counters[SUPPLIER]
    assert discarded.body.items[2] == dlms.octets(SUPPLIER + GSME_EUI + b"\x01" + counter.to_bytes(8, "big"))
    assert home.chf.queues.count(GSME_EUI) == 0
    home.dcc(0x0059, b"\xd9", recipient=ESME_EUI, originator=SUPPLIER)
    assert isinstance(home.han[-1], ToDevice) and home.han[-1].eui == ESME_EUI
    reading(home, 0.0)
    home.dcc(0x00B8, b"\x01\x09\x00", recipient=GSME_EUI, originator=SUPPLIER)
    assert home.chf.queues.count(GSME_EUI) == 1


def test_sub_ghz_capacity(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore, config=ChfConfig(sub_ghz_capacity=1))
    home.commission(GSME_EUI, GSME, sleepy=True, sub_ghz=True)
    before = len(home.wan)
    home.commission(ESME_EUI, ESME, sub_ghz=True)
    assert RemoveDevice(ESME_EUI) in home.han
    assert (0x0115, 0x8F2D) in alert_codes(home, before)
    entry = home.chf.device_log.entry(ESME_EUI)
    assert entry is not None and not entry.joined


def test_scan_moves_to_a_quieter_allowed_channel_and_logs_it(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    spec = SetSpec(AttributeDescriptor(1, SCAN, 2))
    home.dcc(0x010E, dlms.build(AccessRequest(LongInvokeId.for_counter(1), (spec,), (dlms.u8(0),))))
    scans = [a for a in home.han if isinstance(a, StartEnergyScan)]
    assert (
        len(scans) == 1 and Channel(28, 0) in scans[0].channels and not [c for c in scans[0].channels if c.page == 31]
    )
    energies = dict.fromkeys(scans[0].channels, -70.0)
    energies[Channel(30, 40)] = -77.0  # quieter by 7 dB: more than the 6 dB margin
    energies[Channel(28, 3)] = -75.0
    before = len(home.wan)
    actions = home.take(home.chf.energy_scan_result(energies, home.now, home.utc))
    assert ChangeSubGhzChannel(Channel(30, 40)) in actions
    assert alert_codes(home, before) == [(0x0111, 0x8F26), (0x0112, 0x8F28)]
    assert home.chf.sub_ghz_channel == Channel(30, 40)
    assert home.chf.dual_band.thresholds()[Level.REGULATED] == regulated_limit(30)
    log = read_channel_log(home)
    assert [(entry.items[1], entry.items[2].value[:4]) for entry in log] == [  # type: ignore[attr-defined]
        (dlms.u16(0x8F26), channel_mask(Channel(28, 0)).to_bytes(4, "big")),
        (dlms.u16(0x8F26), channel_mask(Channel(30, 40)).to_bytes(4, "big")),
    ]


def test_scan_keeps_the_channel_within_the_margin(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    energies = {Channel(28, 0): -70.0, Channel(28, 1): -75.0}
    before = len(home.wan)
    actions = home.take(home.chf.energy_scan_result(energies, home.now, home.utc))
    assert not [a for a in actions if isinstance(a, ChangeSubGhzChannel)]
    assert alert_codes(home, before) == [(0x0112, 0x8F28)]


def read_channel_log(home: Home) -> tuple[dlms.Data, ...]:
    restricting = CaptureObject(8, Obis.of("0-0:1.0.0.255"), 2)
    access = RangeDescriptor(restricting, dlms.u32(0), dlms.u32(0xFFFFFFFF))
    spec = GetWithSelectionSpec(AttributeDescriptor(7, CHANNEL_LOG, 2), 1, access.to_data())
    home.dcc(0x010B, dlms.build(AccessRequest(LongInvokeId.for_counter(1), (spec,), (dlms.NULL,))))
    response = dlms.parse(parse(home.wan[-1].data).payload)
    assert isinstance(response, dlms.AccessResponse) and isinstance(response.data[0], dlms.CompactArray)
    return response.data[0].elements


def test_masks_and_channels() -> None:
    """radio.md 1.2: page 28 ch 0 = E0000001; page 29 bit 8 = channel 62; page 30 bit 0 = channel 35."""
    assert channel_mask(Channel(28, 0)) == 0xE0000001
    assert channel_mask(Channel(29, 62)) == 0xE8000100
    assert channel_mask(Channel(30, 35)) == 0xF0000001
    assert mask_channels(0xE0000003) == (Channel(28, 0), Channel(28, 1))
    assert mask_channels(0xE8000101) == (Channel(29, 27), Channel(29, 62))
    with pytest.raises(ValueError):
        channel_mask(Channel(11, 0))
