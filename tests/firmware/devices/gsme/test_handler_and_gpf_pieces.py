"""The contract adapter, the mirror push, the GPF's read answering and its tap-off rule."""

from __future__ import annotations

import dataclasses
import random

import zigpy.types as t

from firmware.devices.gsme import Fault, load_profile
from firmware.devices.gsme.handler import GsmePayloadHandler
from firmware.devices.gsme.reads import answer_reads
from firmware.devices.gsme.tap_off import is_tap_off, tap_off_components
from firmware.gbcs.contract import CommandContext, HandlerResult, RaisedAlert
from hal.nvm import NvmStore
from protocols import gbz
from protocols.gbz import Cipher, GbzPayload, zcl
from tests.firmware.devices.gsme.helpers import START, SUPPLIER, answer, command, fresh, payload, read, statuses


def _context(utc: float) -> CommandContext:
    return CommandContext(0x008D, SUPPLIER, bytes.fromhex("00db1234567890a1"), 1000, 2, False, None, 0.0, utc)


def test_handler_speaks_the_contract_and_encrypts_with_the_key_it_is_given() -> None:
    cipher = Cipher(bytes(range(16)), bytes.fromhex("00db1234567890a1"))
    handler = GsmePayloadHandler(
        NvmStore.memory().partition("gsme"),
        load_profile("prepayment"),
        random.Random(1),
        cipher_for=lambda context: cipher,
    )
    result = handler.handle(payload(read(zcl.METERING, 0x0000, 0x0300)), _context(START))
    assert isinstance(result, HandlerResult)
    assert all(isinstance(alert, RaisedAlert) for alert in result.alerts)
    response = gbz.parse(result.response or b"", cipher=cipher)
    assert response.components[0].encrypted  # consumption is sent encrypted (meters.md 4.3)
    assert statuses(response) == [(0, (0, 0))]
    assert handler.deadline() is not None
    assert isinstance(handler.timer_fired(1e6, START + 1e6), tuple)


def test_mirror_values_answer_the_gpf_reads() -> None:
    meter = fresh()
    values, _alerts = meter.mirror_values(0.0, START)
    assert values[(zcl.METERING, 0x0000)] > 0  # the history since commissioning is in the registers
    assert (
        values[(zcl.PREPAYMENT, 0x0001)]
        == values[(zcl.PREPAYMENT, zcl.attribute_id(zcl.PREPAYMENT, "credit_remaining"))]
    )
    gcs60 = GbzPayload((read(zcl.METERING, 0x0A00), read(zcl.PREPAYMENT, 0x0001, seq=1)))
    response = answer_reads(gcs60, values)
    assert statuses(response) == [(0, (0,)), (1, (0,))]
    mirrored = answer_reads(GbzPayload((read(zcl.METERING, 0x0000),)), values)
    gsme_answer, _ = answer(meter, read(zcl.METERING, 0x0000), utc=START)
    assert mirrored.components[0].frame.payload == gsme_answer.components[0].frame.payload  # same value, same record
    assert mirrored.components[0].encrypted
    failing = answer_reads(GbzPayload((read(zcl.METERING, 0x7777), read(zcl.METERING, 0x0000, seq=1))), values)
    assert statuses(failing) == [(0, (0x86,)), (1, (0x01,))]


def _conversion_factor(seq: int) -> gbz.Component:
    return command(
        zcl.PRICE,
        "publish_conversion_factor",
        seq=seq,
        issuer_event_id=1,
        start_time=t.UTCTime(0),
        conversion_factor=10300,
        conversion_factor_trailing_digit=t.bitmap8(0x40),
    )


def test_tap_off_takes_the_successful_components_of_a_matching_response() -> None:
    assert is_tap_off(0x007C) and not is_tap_off(0x008D)  # GCS23 is a tap-off use case, GCS60 is not
    calorific = command(
        zcl.PRICE,
        "publish_calorific_value",
        seq=1,
        issuer_event_id=1,
        start_time=t.UTCTime(0),
        calorific_value=400,
        calorific_value_unit=t.enum8(1),
        calorific_value_trailing_digit=t.bitmap8(0x10),
    )
    request = GbzPayload((_conversion_factor(0), calorific))
    meter = fresh(dataclasses.replace(load_profile("prepayment"), commissioned=None))
    meter.add_fault(Fault(zcl.PRICE, 0xC0, command_id=0x03))  # the calorific value fails in the meter
    response, _ = answer(meter, *request.components)
    assert statuses(response) == [(0, (0,)), (1, (0xC0,))]
    assert tap_off_components(request, response) == (request.components[0],)
    assert tap_off_components(request, GbzPayload(response.components[:1])) is None  # counts differ
    shifted = GbzPayload((response.components[1], response.components[0]))
    assert tap_off_components(request, shifted) is None  # sequence numbers do not match
    mirror = fresh(dataclasses.replace(load_profile("prepayment"), commissioned=None))
    answer(mirror, *tap_off_components(request, response) or ())
    assert mirror.state.attribute(zcl.PRICE, 0x0302) == 10300 and mirror.state.attribute(zcl.PRICE, 0x0304) == 395
