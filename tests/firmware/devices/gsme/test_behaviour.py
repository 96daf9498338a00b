"""GSME behaviour in virtual time: future dating, tariff switching, credit, valve and top-ups, restarts."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from pathlib import Path

import zigpy.types as t
from cryptography.hazmat.primitives.asymmetric import ec

from firmware.devices.gsme import Gsme, load_profile
from firmware.devices.gsme.profile import LoadModel
from hal.nvm import Nvm, NvmStore
from protocols.gbcs import KeyStore, KeyUsage, utrn
from protocols.gbcs.message import Verdict
from protocols.gbz import parse_alert, zcl
from protocols.gbz.alerts import FutureDatedOutcome, ImageHash
from tests.firmware.devices.gsme.helpers import (
    GSME_EUI,
    START,
    SUPPLIER,
    answer,
    command,
    fresh,
    read_value,
    statuses,
    zigbee,
)

HOUR, DAY = 3600, 86400


def _tariff(start: float, standing_charge: int) -> object:
    return command(
        zcl.PRICE,
        "publish_tariff_information",
        provider_id=0,
        issuer_event_id=1,
        issuer_tariff_id=2,
        start_time=t.UTCTime(zigbee(start)),
        tariff_type_charging_scheme=t.bitmap8(0),
        tariff_label=t.LVBytes(b"NEW"),
        number_of_price_tiers_in_use=2,
        number_of_block_thresholds_in_use=0,
        unit_of_measure=t.enum8(0),
        currency=826,
        price_trailing_digit=t.bitmap8(0x50),
        standing_charge=standing_charge,
        tier_block_mode=t.enum8(0),
        block_threshold_multiplier=t.uint24_t(1),
        block_threshold_divisor=t.uint24_t(1000),
    )


def test_future_dated_tariff_fires_at_its_time_and_not_before() -> None:
    meter = fresh()
    due = START + 2 * DAY + 9 * HOUR
    response, _ = answer(meter, _tariff(due, 33333), message_code=0x00A3, counter=4242)
    assert statuses(response) == [(0, (0,))]  # accepted at once
    assert read_value(meter, zcl.PRICE, "standing_charge", START + 60) == 22465
    early = meter.timer_fired(due - START - 1, due - 1)  # loop time = utc - START in this test
    assert not [a for a in early if a.message_code == 0x00CD]
    assert meter.deadline() == due - START  # the held tariff is the next event
    assert read_value(meter, zcl.PRICE, "standing_charge", due - 1) == 22465  # one second early: not yet
    alerts = meter.timer_fired(due - START, due)
    outcomes = [a for a in alerts if a.message_code == 0x00CD]
    assert len(outcomes) == 1
    alert = parse_alert(outcomes[0].payload, body_layout=True)
    assert (alert.alert_code, alert.timestamp) == (0x8F66, zigbee(due))
    assert FutureDatedOutcome.parse(alert.body or b"") == FutureDatedOutcome(0x00A3, 4242, zcl.PRICE, 0x01, 0x04)
    assert read_value(meter, zcl.PRICE, "standing_charge", due + 1) == 33333


def test_cancelled_future_dated_command_never_runs() -> None:
    meter = fresh()
    due = START + DAY
    answer(meter, _tariff(due, 44444), message_code=0x00A3)
    answer(meter, _tariff(START + 0xFFFFFFFF - zigbee(START), 55555), message_code=0x00A3, utc=START + 10)
    alerts = meter.timer_fired(2 * DAY, START + 2 * DAY)
    assert not [a for a in alerts if a.message_code == 0x00CD]
    assert read_value(meter, zcl.PRICE, "standing_charge", START + 2 * DAY) == 22465


def test_tariff_tier_switches_at_the_calendar_boundary() -> None:
    profile = dataclasses.replace(load_profile("prepayment"), commissioned=None)  # no history: registers at 0
    meter = fresh(profile)  # summer weekdays: tier 3 until 07:00, tier 4 from 07:00 (profiles/prepayment.toml)
    read_value(meter, zcl.METERING, "current_tier3_summ_delivered", START)
    before = [read_value(meter, zcl.METERING, f"current_tier{n}_summ_delivered", START + 7 * HOUR) for n in (3, 4)]
    after = [read_value(meter, zcl.METERING, f"current_tier{n}_summ_delivered", START + 9 * HOUR) for n in (3, 4)]
    assert before[0] > 0 and before[1] == 0  # night rate only before 07:00
    assert after[0] == before[0] and after[1] > 0  # day rate only after


def _dry_meter(nvm: Nvm | None = None) -> tuple[Gsme, object]:
    base = load_profile("prepayment")
    attributes = {**base.attributes, zcl.PREPAYMENT: {**base.attributes[zcl.PREPAYMENT], "credit_remaining": 800000}}
    profile = dataclasses.replace(base, attributes=attributes, load=LoadModel(top_up_amount=0), commissioned=None)
    return fresh(profile, nvm), profile


def _alert_codes(alerts: list) -> list[int]:
    codes = []
    for alert in alerts:
        if alert.message_code in (0x1000, 0x1001):
            codes.append(parse_alert(alert.payload).alert_code)
    return codes


def test_credit_running_out_closes_the_valve_and_a_top_up_rearms_it() -> None:
    meter, _profile = _dry_meter()
    assert read_value(meter, zcl.METERING, "supply_status", START) == 2
    alerts = meter.timer_fired(3 * DAY, START + 3 * DAY)
    codes = _alert_codes(alerts)
    assert 0x810D in codes and 0x8119 in codes and 0x8F0F in codes  # low credit, EC available, disabled
    assert codes.index(0x810D) < codes.index(0x8F0F)
    assert read_value(meter, zcl.METERING, "supply_status", START + 3 * DAY) == 0

    supplier_pp = ec.generate_private_key(ec.SECP256R1())
    device = ec.generate_private_key(ec.SECP256R1())
    keys = KeyStore()
    keys.add(SUPPLIER, KeyUsage.PP_KA, supplier_pp.public_key())
    keys.add(GSME_EUI, KeyUsage.KA, device)

    def check(token: str, supplier: bytes, counter: int) -> bool:
        verdict = utrn.verify(token, supplier=supplier, device=GSME_EUI, counter=counter, keystore=keys)
        return verdict is Verdict.VALID

    meter._utrn_check = check
    counter = 7 << 32  # top-up counters have their low 32 bits zero (gbcs.md 4.7)
    token = utrn.make(
        supplier=SUPPLIER,
        device=GSME_EUI,
        counter=counter,
        value=20,
        value_class=1,
        prepayment_key=supplier_pp,
        device_public_key=device.public_key(),
    )
    top_up = command(
        zcl.PREPAYMENT, "consumer_top_up", originating_device=t.enum8(0), top_up_code=t.LVBytes(token.encode())
    )
    response, alerts = answer(meter, top_up, message_code=0x0097, counter=counter, utc=START + 3 * DAY + 60)
    result = zcl.decode_command(zcl.PREPAYMENT, response.components[0].frame)
    assert (int(result.result_type), int(result.top_up_value)) == (0, 2_000_000)  # £20 in 1/100000 £
    assert 0x8F32 in _alert_codes(alerts)  # supply armed
    assert read_value(meter, zcl.METERING, "supply_status", START + 3 * DAY + 120) == 1
    local = command(zcl.METERING, "local_change_supply", proposed_supply_status=2)  # the consumer opens it
    opened, _ = answer(meter, local, utc=START + 3 * DAY + 150)
    assert statuses(opened) == [(0, (0,))]
    assert read_value(meter, zcl.METERING, "supply_status", START + 3 * DAY + 160) == 2
    again, _ = answer(meter, top_up, message_code=0x0097, counter=counter, utc=START + 3 * DAY + 180)
    assert int(zcl.decode_command(zcl.PREPAYMENT, again.components[0].frame).result_type) == 2  # duplicate
    forged = command(
        zcl.PREPAYMENT, "consumer_top_up", originating_device=t.enum8(0), top_up_code=t.LVBytes(b"12345678901234567890")
    )
    refused, _ = answer(meter, forged, message_code=0x0097, counter=8 << 32, utc=START + 3 * DAY + 240)
    assert int(zcl.decode_command(zcl.PREPAYMENT, refused.components[0].frame).result_type) == 1  # invalid


def test_emergency_credit_can_be_selected_only_below_its_threshold() -> None:
    meter, _profile = _dry_meter()
    select = command(
        zcl.PREPAYMENT,
        "select_available_emergency_credit",
        command_issue_date_time=t.UTCTime(0),
        originating_device=t.enum8(2),
    )
    response, _ = answer(meter, select, utc=START)
    assert statuses(response) == [(0, (0x01,))]  # credit still above the threshold: FAILURE
    meter.timer_fired(3 * DAY, START + 3 * DAY)
    response, alerts = answer(meter, select, utc=START + 3 * DAY + 1)
    assert statuses(response) == [(0, (0x00,))]
    assert 0x81AB in _alert_codes(alerts)
    assert read_value(meter, zcl.METERING, "supply_status", START + 3 * DAY + 2) == 1  # armed on EC


def test_state_survives_a_restart_on_the_same_nvm(tmp_path: Path) -> None:
    store = NvmStore.open(tmp_path / "gsme.sqlite")  # a real SQLite file
    meter = fresh(nvm=store.partition("device/00db1234567890a1"))
    due = START + 5 * DAY
    debt = command(
        zcl.PREPAYMENT,
        "change_debt",
        issuer_event_id=1,
        debt_label=t.LVBytes(b""),
        debt_amount=123456,
        debt_recovery_method=t.enum8(0),
        debt_amount_type=t.enum8(0),
        debt_recovery_start_time=t.UTCTime(0),
        debt_recovery_collection_time=0,
        debt_recovery_frequency=t.enum8(1),
        debt_recovery_amount=1000,
        debt_recovery_balance_percentage=0,
    )
    answer(meter, debt, _tariff(due, 777), utc=START + 10)
    summation = read_value(meter, zcl.METERING, "current_summ_delivered", START + DAY)
    store.close()  # a power cut: a new store on the same file, a new model on the same partition
    store = NvmStore.open(tmp_path / "gsme.sqlite")
    restarted = fresh(nvm=store.partition("device/00db1234567890a1"), seed=99)
    assert read_value(restarted, zcl.PREPAYMENT, "debt_amount_1", START + DAY) == 123456
    assert read_value(restarted, zcl.METERING, "current_summ_delivered", START + DAY) == summation
    alerts = restarted.timer_fired(6 * DAY, START + 6 * DAY)
    assert [a.message_code for a in alerts].count(0x00CD) == 1  # the held tariff still runs after the restart
    assert read_value(restarted, zcl.PRICE, "standing_charge", START + 6 * DAY) == 777
    store.close()


def test_network_data_log_samples_and_refuses_a_second_start() -> None:
    meter = fresh()
    start = command(
        zcl.METERING,
        "start_sampling",
        issuer_event_id=1,
        start_sampling_time=t.UTCTime(0),
        sample_type=0,
        sample_request_interval=360,
        max_number_of_samples=10,
    )
    response, _ = answer(meter, start, utc=START)
    assert int(zcl.decode_command(zcl.METERING, response.components[0].frame).sample_id) == 2
    again, _ = answer(meter, start, utc=START + 60)
    assert int(zcl.decode_command(zcl.METERING, again.components[0].frame).sample_id) == 0xFFFF
    get = command(
        zcl.METERING,
        "get_sampled_data",
        sample_id=2,
        earliest_sample_time=t.UTCTime(0),
        sample_type=0,
        number_of_samples=0,
    )
    samples, _ = answer(meter, get, utc=START + 2 * HOUR)
    data = zcl.decode_command(zcl.METERING, samples.components[0].frame)
    assert int(data.number_of_samples) == 10 and int(data.sample_request_interval) == 360
    assert samples.components[0].encrypted is False  # no cipher given to this model: sent in clear


async def _drive(meter: Gsme, seconds: float) -> list:
    """What an asyncio adapter does: sleep until `deadline()`, call `timer_fired`, for `seconds` of loop time."""
    from hal import clock

    alerts = list(meter.timer_fired(clock.now(), clock.utc_now().timestamp()))
    end = clock.now() + seconds
    while (deadline := meter.deadline()) is not None and deadline <= end:
        await asyncio.sleep(max(0.0, deadline - clock.now()))
        alerts += meter.timer_fired(clock.now(), clock.utc_now().timestamp())
    return alerts


def test_driven_by_the_virtual_clock_alerts_come_at_their_time() -> None:
    from hal import clock

    async def scenario() -> tuple[list, float]:
        meter, _profile = _dry_meter()
        epoch = clock.utc_now().timestamp() - clock.now()
        due = epoch + DAY + 9 * HOUR
        meter.timer_fired(clock.now(), clock.utc_now().timestamp())
        answer(meter, _tariff(due, 30000), utc=clock.utc_now().timestamp(), now=clock.now())
        return await _drive(meter, 5 * DAY), due

    alerts, due = clock.run(scenario(), virtual=True)
    held = [parse_alert(a.payload, body_layout=True) for a in alerts if a.message_code == 0x00CD]
    assert [(a.alert_code, a.timestamp) for a in held] == [(0x8F66, zigbee(due))]  # at its second, once
    closed = [parse_alert(a.payload) for a in alerts if a.message_code == 0x1000]
    assert any(a.alert_code == 0x8F0F for a in closed)  # the valve closed when credit ran out
    assert all(a.timestamp % 1800 == 0 for a in closed)  # accounted on half-hour boundaries


def test_alert_behaviour_set_by_the_supplier() -> None:
    meter, _profile = _dry_meter()
    quiet = command(
        zcl.DEVICE_MANAGEMENT,
        "set_event_configuration",
        issuer_event_id=1,
        start_date_time=t.UTCTime(0),
        event_configuration=t.bitmap8(0x03),  # log it, do not push it to the WAN
        configuration_control=t.enum8(0),
        event_configuration_payload=t.Bytes(bytes.fromhex("010d81")),  # a list of one id: 0x810D
    )
    response, _ = answer(meter, quiet, utc=START)
    assert statuses(response) == [(0, (0,))]
    codes = _alert_codes(meter.timer_fired(3 * DAY, START + 3 * DAY))
    assert 0x810D not in codes and 0x8F0F in codes  # the low-credit alert is silenced, critical ones are not
    get = command(zcl.DEVICE_MANAGEMENT, "get_event_configuration", event_id=0x81FF)
    report, _ = answer(meter, get, utc=START + 3 * DAY)
    entries = zcl.decode_command(zcl.DEVICE_MANAGEMENT, report.components[0].frame).event_configuration_payload
    configured = {int(entry.event_id): int(entry.event_configuration) for entry in entries}
    assert configured[0x810D] == 0x03 and configured[0x8119] == 0x0B
    log = command(
        zcl.EVENTS,
        "get_event_log",
        event_control_log_id=t.bitmap8(3),
        event_id=0x810D,
        start_time=t.UTCTime(0),
        end_time=t.UTCTime(0xFFFFFFFE),
        number_of_events=0,
        event_offset=0,
    )
    published, _ = answer(meter, log, utc=START + 3 * DAY)
    assert zcl.decode_command(zcl.EVENTS, published.components[0].frame).total_number_of_events == 1  # still logged


def test_time_cluster_and_firmware_receipt() -> None:
    meter = fresh()
    assert read_value(meter, zcl.TIME, "time", START + 5) == zigbee(START + 5)
    image = bytes(range(256)) * 4
    (receipt,) = meter.firmware_image_received(image, 0.0, START)
    alert = parse_alert(receipt.payload, body_layout=True)
    assert receipt.message_code == 0x00CF and alert.alert_code == 0x8F72
    assert ImageHash.parse(alert.body or b"").digest == hashlib.sha256(image).digest()
    failing = fresh(dataclasses.replace(load_profile("prepayment"), fail_image_check=True))
    (refused,) = failing.firmware_image_received(image, 0.0, START)
    assert parse_alert(refused.payload, body_layout=True).alert_code == 0x8F1C


def test_friendly_credit_keeps_the_valve_open_until_the_period_ends() -> None:
    base = load_profile("prepayment")
    attributes = {**base.attributes, zcl.PREPAYMENT: {**base.attributes[zcl.PREPAYMENT], "credit_remaining": 1000}}
    profile = dataclasses.replace(base, attributes=attributes, load=LoadModel(top_up_amount=0), commissioned=None)
    meter = fresh(profile)
    saturday = START - 2 * DAY  # friendly credit all weekend (profiles/prepayment.toml)
    meter.timer_fired(0.0, saturday + 10 * HOUR)
    codes = _alert_codes(meter.timer_fired(DAY, saturday + DAY + 10 * HOUR))
    assert 0x8F0F not in codes
    assert read_value(meter, zcl.PREPAYMENT, "credit_remaining", saturday + DAY + 10 * HOUR) < 0  # in debt, gas on
    assert read_value(meter, zcl.METERING, "supply_status", saturday + DAY + 10 * HOUR) == 2
    alerts = meter.timer_fired(2 * DAY, START + HOUR)  # Monday 01:00: friendly credit ended at midnight
    closed = [parse_alert(a.payload) for a in alerts if a.message_code == 0x1000]
    assert [a.timestamp for a in closed if a.alert_code == 0x8F0F] == [zigbee(START)]  # at the first charge after


def test_an_enclosing_rollback_undoes_the_command_and_the_model_sees_it() -> None:
    """The envelope layer runs the handler inside its own transaction (interfaces.md); if that rolls back,
    the model must not keep the command's effects in any cache."""
    store = NvmStore.memory()
    meter = fresh(nvm=store.partition("device/00db1234567890a1"))
    read_value(meter, zcl.PREPAYMENT, "low_credit_warning", START)  # cached before the command
    lower = command(zcl.PREPAYMENT, "set_low_credit_warning_level", low_credit_warning_level=123)
    try:
        with store.transaction():
            response, _ = answer(meter, lower, utc=START + 1)
            assert statuses(response) == [(0, (0,))]
            raise RuntimeError("the envelope layer failed to seal the response")
    except RuntimeError:
        pass
    assert read_value(meter, zcl.PREPAYMENT, "low_credit_warning", START + 2) == 500000
