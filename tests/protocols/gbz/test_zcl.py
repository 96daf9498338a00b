"""Typed ZCL payloads (protocols.gbz.zcl) and alert bodies (protocols.gbz.alerts) on RTDS and by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
import zigpy.types as t

from protocols.gbz import BODY_LAYOUT_ALERTS, ZclFrame, parse, parse_alert, zcl
from protocols.gbz.alerts import FutureDatedOutcome, ImageHash, IntegrityWarning
from protocols.gbz.errors import GbzDecodeError, GbzEncodeError
from tests.protocols.gbz.vectors import gbz_messages


def _round_trip(cluster_id: int, frame: ZclFrame) -> None:
    if frame.cluster_specific:
        assert zcl.decode_command(cluster_id, frame).serialize() == frame.payload
    elif frame.command_id == zcl.READ_ATTRIBUTES:
        assert zcl.build_read_attributes(zcl.parse_read_attributes(frame.payload)) == frame.payload
    elif frame.command_id == zcl.READ_ATTRIBUTES_RESPONSE:
        assert zcl.build_read_records(zcl.parse_read_records(frame.payload)) == frame.payload
    else:
        assert frame.command_id == zcl.DEFAULT_RESPONSE
        assert zcl.build_default_response(zcl.parse_default_response(frame.payload)) == frame.payload


def test_every_rtds_component_decodes_to_typed_values_and_back(rtds_dir: Path, keystore_dir: Path) -> None:
    count = 0
    for item in gbz_messages(rtds_dir, keystore_dir):
        if item.message.cra == 3:
            if item.message.message_code in BODY_LAYOUT_ALERTS:
                continue
            components = parse_alert(item.message.payload, cipher=item.cipher).components
        else:
            components = parse(item.message.payload, cipher=item.cipher).components
        for component in components:
            _round_trip(component.cluster_id, component.frame)
            count += 1
    assert count == 746  # gbcs.md 5.3: components checked for the last-component bit


def test_future_dated_alert_bodies_of_rtds(rtds_dir: Path, keystore_dir: Path) -> None:
    bodies = [
        FutureDatedOutcome.parse(parse_alert(item.message.payload, body_layout=True).body or b"")
        for item in gbz_messages(rtds_dir, keystore_dir)
        if item.message.message_code == 0x00CD
    ]
    assert len(bodies) == 8
    # GCS02 1.6: the change payment mode command (message code 0x006C, counter 1001) ran at its date.
    assert FutureDatedOutcome(0x006C, 1001, 0x0705, 0x01, 0x06) in bodies
    for body in bodies:
        assert FutureDatedOutcome.parse(body.build()) == body


def test_read_records_by_hand() -> None:
    # ZCL 2.5.2: id 0x0000 SUCCESS uint48 5; id 0x0301 UNSUPPORTED_ATTRIBUTE (type and value omitted)
    data = bytes.fromhex("00000025050000000000010386")
    records = zcl.parse_read_records(data)
    assert records == (zcl.AttributeRecord(0x0000, 0, 0x25, 5), zcl.AttributeRecord(0x0301, 0x86))
    assert zcl.build_read_records(records) == data
    with pytest.raises(GbzDecodeError):
        zcl.parse_read_records(bytes.fromhex("000000"))
    with pytest.raises(GbzEncodeError):
        zcl.build_read_records((zcl.AttributeRecord(1, 0),))


def test_commands_come_from_zigpys_table() -> None:
    command_id, payload = zcl.encode_command(
        zcl.EVENTS, "clear_event_log_request", server_to_client=False, log_id=t.enum8(3)
    )
    assert (command_id, payload) == (0x01, b"\x03")
    value = zcl.decode_command(zcl.EVENTS, ZclFrame(0x01, 0, 0x01, payload))
    assert value.log_id == 3
    with pytest.raises(GbzDecodeError):
        zcl.decode_command(zcl.EVENTS, ZclFrame(0x01, 0, 0x01, b"\x03\x00"))  # a byte after the fields
    with pytest.raises(GbzDecodeError):
        zcl.decode_command(zcl.EVENTS, ZclFrame(0x01, 0, 0x7F, b""))
    assert zcl.attribute_type(zcl.METERING, 0x0608) is t.enum8  # smart_energy.metering adds it: zigpy 2.4 lacks it
    assert zcl.attribute_id(zcl.PREPAYMENT, "credit_remaining") == 0x0001
    assert zcl.data_type_id(t.int32s) == 0x2B


def test_other_alert_bodies() -> None:
    digest = bytes(range(32))
    assert ImageHash.parse(b"\x09\x20" + digest).build() == b"\x09\x20" + digest
    assert IntegrityWarning.parse(b"\x00\x06").reason == 6
    with pytest.raises(GbzDecodeError):
        ImageHash.parse(b"\x09\x1f" + digest[:31])
