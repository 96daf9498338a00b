"""The GPF (gbcs.md 6.3; meters.md 4.5): reads answered from the gas mirror with the clock-reliability status, the daily
consumption and daily read logs it keeps, tap-off after the GSME's response, GCS28's clock report, and its device log
(registrations, GCS62, GCS59)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from firmware.gpf.mirror import CLOCK_DOUBTFUL, CLOCK_GSME_BASE, CLOCK_RELIABLE
from hal.keystore import load_keystore
from protocols import gbz
from protocols.gbcs import Cra, KeyStore, Message, OtherInformation, cs, parse
from protocols.gbcs.crypto import PAYLOAD_KEY_TYPE
from protocols.gbcs.cs.common import GSME, PPMID, TYPE_2, JoinedDevice
from protocols.gbcs.cs.devices import ClockResponse
from protocols.gbcs.envelope import encode
from protocols.gbz import Component, GbzPayload, ZclFrame, zcl
from tests.firmware.chf.home import ACB, GPF_EUI, GSME_EUI, PPMID_EUI, SUPPLIER, Home

METERING, PRICE = 0x0702, 0x0700
GCS13B, GCS61, GCS23, GCS28, GCS59 = 0x00B8, 0x00A0, 0x007C, 0x007F, 0x008C
DAY = 86_400


@pytest.fixture(scope="module")
def rtds_keystore(keystore_dir: Path) -> KeyStore:
    return load_keystore(keystore_dir)


def read(cluster: int, *attributes: int) -> bytes:
    frame = ZclFrame(0x00, 0, zcl.READ_ATTRIBUTES, zcl.build_read_attributes(attributes))
    return gbz.build(GbzPayload((Component(cluster, frame),)))


def answer(home: Home, code: int, payload: bytes) -> tuple[Message, GbzPayload]:
    """Send `payload` to the GPF from the supplier; (response, its GBZ payload decrypted with the key store)."""
    home.dcc(code, payload, recipient=GPF_EUI, originator=SUPPLIER)
    response = parse(home.wan[-1].data, home.keystore)
    assert (response.cra, response.originator) == (Cra.RESPONSE, GPF_EUI)
    key = home.keystore.derived_key(
        (GPF_EUI, SUPPLIER), GPF_EUI, PAYLOAD_KEY_TYPE, response.originator_counter, SUPPLIER
    )
    return response, gbz.parse(response.payload, cipher=gbz.Cipher(key, GPF_EUI))  # type: ignore[arg-type]


def records(payload: GbzPayload) -> list[tuple[int, int, object]]:
    return [(r.attribute_id, r.status, r.value) for r in zcl.parse_read_records(payload.components[0].frame.payload)]


def test_reads_answered_from_the_mirror_with_the_clock_status(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    home.gpf.mirror_update({(METERING, 0x0000): 123_456, (METERING, 0x0300): 1}, home.now, home.utc)
    response, payload = answer(home, GCS13B, read(METERING, 0x0000, 0x0300, 0x0B15))
    assert records(payload) == [(0x0000, 0, 123_456), (0x0300, 0, 1), (0x0B15, 0x86, None)]
    assert payload.components[0].encrypted  # consumption travels encrypted (meters.md 4.3)
    assert response.date_time_raw is not None and response.date_time_raw[-1] == CLOCK_RELIABLE
    home.gpf.mirror_update({(METERING, 0x0000): 123_500}, home.now, home.utc, gsme_utc=home.utc + 5)
    response, payload = answer(home, GCS13B, read(METERING, 0x0000))
    assert records(payload) == [(0x0000, 0, 123_500)]
    assert response.date_time_raw[-1] == CLOCK_GSME_BASE  # type: ignore[index]
    home.gpf.mirror_update({}, home.now, home.utc, gsme_utc=home.utc + 60)
    response, _ = answer(home, GCS13B, read(METERING, 0x0000))
    assert response.date_time_raw[-1] == CLOCK_DOUBTFUL  # type: ignore[index]


def test_daily_consumption_and_gcs61(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore, utc=datetime(2015, 1, 1, 6, tzinfo=UTC).timestamp())
    for summation in (1000, 1500, 2600, 2700, 4100):  # 06:00 and 18:00 of three days
        home.gpf.mirror_update({(METERING, 0x0000): summation}, home.now, home.utc)
        home.advance(DAY / 2)
    midnight = 473_472_000  # 2015-01-02T00:00:00Z in ZigBee UTC
    assert home.gpf.mirror.daily_consumption() == [(midnight, 2700 - 1500)]
    fields = {"sample_id": 1, "earliest_sample_time": midnight - DAY, "sample_type": 0, "number_of_samples": 5}
    command_id, zcl_payload = zcl.encode_command(METERING, "get_sampled_data", server_to_client=False, **fields)
    frame = ZclFrame(0x01, 0, command_id, zcl_payload)
    _, payload = answer(home, GCS61, gbz.build(GbzPayload((Component(METERING, frame),))))
    published = zcl.decode_command(METERING, payload.components[0].frame)
    assert (int(published.sample_start_time), list(published.samples)) == (midnight, [1200])
    fields["earliest_sample_time"] = midnight + 10 * DAY
    command_id, zcl_payload = zcl.encode_command(METERING, "get_sampled_data", server_to_client=False, **fields)
    _, payload = answer(
        home, GCS61, gbz.build(GbzPayload((Component(METERING, ZclFrame(0x01, 0, command_id, zcl_payload)),)))
    )
    assert zcl.parse_default_response(payload.components[0].frame.payload).status == 0x8B  # NOT_FOUND


def gsme_message(cra: Cra, counter: int, code: int, payload: bytes, *, originator: bytes, recipient: bytes) -> bytes:
    return encode(
        Message(cra, counter, originator, recipient, OtherInformation(code), payload, mac=None, signature=b"")
    )


def test_tap_off_applies_what_the_gsme_confirmed(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    fields = {
        "issuer_event_id": 1,
        "start_time": 0,
        "calorific_value": 39_500,
        "calorific_value_unit": 1,
        "calorific_value_trailing_digit": 0x30,
    }
    command_id, zcl_payload = zcl.encode_command(PRICE, "publish_calorific_value", server_to_client=True, **fields)
    command = gbz.build(GbzPayload((Component(PRICE, ZclFrame(0x09, 0, command_id, zcl_payload)),)))
    success = gbz.build(GbzPayload((Component(PRICE, ZclFrame(0x00, 0, 0x0B, bytes((command_id, 0x00)))),)))
    asked = gsme_message(Cra.COMMAND, 5, GCS23, command, originator=SUPPLIER, recipient=GSME_EUI)
    told = gsme_message(Cra.RESPONSE, 5, GCS23, success, originator=GSME_EUI, recipient=SUPPLIER)
    assert home.gpf.gsme_answered(asked, told, home.now, home.utc) == []
    assert home.gpf.mirror.value(PRICE, 0x0304) == 39_500 and home.gpf.mirror.value(PRICE, 0x0306) == 0x30
    assert home.gpf.tap_off_log()[-1]["code"] == GCS23
    wrong = gbz.build(GbzPayload((Component(PRICE, ZclFrame(0x00, 1, 0x0B, bytes((command_id, 0x00)))),)))
    mismatched = gsme_message(Cra.RESPONSE, 6, GCS23, wrong, originator=GSME_EUI, recipient=SUPPLIER)
    out = home.gpf.gsme_answered(asked, mismatched, home.now, home.utc)
    alert = parse(out[0].data)
    assert (alert.cra, alert.message_code) == (Cra.ALERT, 0x1001)
    assert gbz.parse_alert(alert.payload, body_layout=True).alert_code == 0x819E


def test_gcs28_answer_sets_the_clock_status(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    asked = gsme_message(Cra.COMMAND, 9, GCS28, b"", originator=SUPPLIER, recipient=GSME_EUI)
    when = datetime.fromtimestamp(int(home.utc), UTC)
    told = gsme_message(
        Cra.RESPONSE, 9, GCS28, cs.build(ClockResponse(when, 2)), originator=GSME_EUI, recipient=SUPPLIER
    )
    home.gpf.gsme_answered(asked, told, home.now, home.utc)
    assert home.gpf.mirror.clock_status() == CLOCK_DOUBTFUL


def test_gpf_device_log_follows_registrations_and_gcs59_restores_it(rtds_keystore: KeyStore) -> None:
    home = Home(rtds_keystore)
    before = len(home.wan)
    home.commission(GSME_EUI, GSME, sleepy=True)
    home.commission(PPMID_EUI, PPMID)
    gcs62 = [parse(a.data) for a in home.wan[before:] if parse(a.data).message_code == 0x00B2]
    assert [(m.originator, m.recipient, m.cra) for m in gcs62] == [(GPF_EUI, ACB, Cra.ALERT)]  # the PPMID only
    value = cs.parse(0x00B2, cs.ALERT, gcs62[0].payload)
    assert value.header.alert_code == 0x8071 and value.devices == (JoinedDevice(PPMID_EUI, PPMID),)
    ihd, other = bytes.fromhex("00db1234567890b1"), bytes.fromhex("00db1234567890b2")
    restore = cs.RestoreDeviceLog(
        (
            JoinedDevice(ihd, TYPE_2),
            JoinedDevice(ihd, TYPE_2),
            JoinedDevice(other, GSME),
            JoinedDevice(PPMID_EUI, PPMID),
        )
    )
    home.dcc(GCS59, cs.build(restore), recipient=GPF_EUI)
    result = cs.parse(GCS59, cs.RESPONSE, parse(home.wan[-1].data).payload)
    assert [r.code for r in result.results] == [0, 3, 2, 0]
    assert [(e.eui, e.device_type) for e in home.gpf.device_log.entries()] == [(ihd, TYPE_2), (PPMID_EUI, PPMID)]
