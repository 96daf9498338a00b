"""Every special alert layout GBCS defines decodes to the last byte (gbcs.md 5.4-5.5; meters.md 5.1-5.2).

Each payload is built from the layout's definition with the typed codecs (`protocols.dlms`,
`protocols.gbz`, `protocols.gbcs.cs`), never from corpus bytes; the decoder must name every
field the definition gives, leave no byte undecoded (`unparsed == 0`, children contiguous),
and give back the values the payload was built from. The table in docs/gbcs-payloads.md is
the one `alerts.LAYOUTS` generates.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest

from protocols import dlms, gbz
from protocols.gbcs import alert_records, cs
from protocols.gbcs.payload import DecodedPayload, Decryption, PayloadContext, alerts, decode_payload
from protocols.gbcs.tree import Field
from protocols.gbz import alerts as gbz_alerts
from protocols.gbz import zcl

DOCS = Path(__file__).resolve().parents[3] / "docs" / "gbcs-payloads.md"
#: A COSEM date-time (gbcs.md 0): 2014-12-31 23:50:00, deviation unspecified (8000), status FF.
DATE_TIME = bytes.fromhex("07de0c1fff173200008000ff")
LATER = bytes.fromhex("07de0c1fff173b00008000ff")
ZIGBEE_TIME = 473385600  #: 2015-01-01T00:00:00Z in ZigBee UTC (seconds since 2000)
EUI_A, EUI_B = bytes.fromhex("00db1234567890a0"), bytes.fromhex("90b3d51f30010000")
DIGEST = bytes(range(32))
#: A gbcs.md 4.4 block: security control 31, invocation counter 0, 5 bytes of ciphertext, 12-byte tag.
BLOCK = b"\x31" + bytes(4) + bytes.fromhex("0102030405") + bytes(range(12))
ALERT = 3


def _decode(payload: bytes, message_code: int, decrypt=None) -> DecodedPayload:
    result = decode_payload(payload, base_offset=40, context=PayloadContext(message_code, ALERT, decrypt))
    assert result.unparsed == 0
    assert result.root.offset == 40 and result.root.size == len(payload)
    _contiguous(result.root)
    return result


def _contiguous(field: Field) -> None:
    """Children follow each other without a gap and end with their parent: every byte is in a named field."""
    inner = [child for child in field.children if not (child.note or "").startswith("decrypted")]
    for before, after in itertools.pairwise(inner):
        assert before.offset + before.size == after.offset, (field.name, before.name, after.name)
    if inner:
        assert inner[-1].offset + inner[-1].size == field.offset + field.size, (field.name, inner[-1].name)
        for child in inner:
            _contiguous(child)


def _named(field: Field) -> dict[str, Field]:
    return {child.name: child for child in field.children}


# --- DLMS (ESME, CHF) ------------------------------------------------------------------------


def _dlms_alert(alert_code: int, *members: dlms.Data) -> bytes:
    """meters.md 5.1: data-notification, structure{ alert code, date-time, use-case members }."""
    body = dlms.structure(dlms.u16(alert_code), dlms.octets(DATE_TIME), *members)
    return dlms.build(dlms.DataNotification(dlms.LongInvokeId.for_counter(0x1234), body))


def _dlms_members(payload: bytes, message_code: int) -> dict[str, Field]:
    body = _decode(payload, message_code).root.find("notification-body")
    assert body is not None
    members = _named(body)
    assert members["alert-time"].value == DATE_TIME.hex()
    return members


def test_future_dated_outcome_dlms_0x00cc() -> None:
    record = alert_records.FutureDatedExecution(0x0019, 1001, 9, dlms.Obis.of("0-0:10.0.100.255").raw, 1)
    members = _dlms_members(_dlms_alert(0x8F66, dlms.octets(record.build())), 0x00CC)
    assert members["alert-code"].value == 0x8F66
    details = _named(members["future-dated-details"])
    assert {name: field.value for name, field in details.items()} == {
        "message-code": 0x0019,
        "originator-counter": 1001,
        "class-id": 9,
        "instance-id": "0-0:10.0.100.255",
        "attribute-id": 1,
    }


def test_firmware_receipt_dlms_0x00ce() -> None:
    members = _dlms_members(_dlms_alert(0x8F1C, dlms.octets(DIGEST)), 0x00CE)
    assert members["calculated-image-hash"].value == DIGEST.hex()


@pytest.mark.parametrize(("message_code", "name"), [(0x00D5, "undelivered-message"), (0x0114, "discarded-message")])
def test_undelivered_message_records(message_code: int, name: str) -> None:
    record = alert_records.UndeliveredMessage(EUI_A, EUI_B, 1, 0x0100_0000_0000_0042)
    members = _dlms_members(_dlms_alert(0x8F84, dlms.octets(record.build())), message_code)
    fields = _named(members[name])
    assert fields["originator"].value == EUI_A.hex() and fields["target"].value == EUI_B.hex()
    assert (fields["cra-flag"].value, fields["originator-counter"].value) == (1, 0x0100_0000_0000_0042)


def test_integrity_warning_dlms_0x00f0() -> None:
    members = _dlms_members(_dlms_alert(0x81A0, dlms.octets(alert_records.IntegrityWarning(6).build())), 0x00F0)
    assert _named(members["integrity-reason"])["integrity-reason"].value == 6


def test_supply_outage_restored_0x0067() -> None:
    members = _dlms_members(_dlms_alert(0x8F36, dlms.octets(DATE_TIME), dlms.octets(LATER)), 0x0067)
    assert members["interruption-date-time"].value == DATE_TIME.hex()
    assert members["restoration-date-time"].value == LATER.hex()
    assert "2014-12-31 23:59:00" in (members["restoration-date-time"].note or "")


def test_apc_limit_processed_0x0121_and_level_0x0122() -> None:
    limit = _dlms_alert(0x8F86, dlms.u8(0x21), dlms.octets(DATE_TIME), dlms.octets(LATER), dlms.u8(60))
    members = _dlms_members(limit, 0x0121)
    assert members["apc-direction-and-number"].value == 0x21 and members["resulting-level"].value == 60
    assert (members["limit-period-start"].value, members["limit-period-end"].value) == (DATE_TIME.hex(), LATER.hex())
    level = _dlms_members(_dlms_alert(0x8F86, dlms.u8(0x12), dlms.u8(40)), 0x0122)
    assert (level["apc-direction-and-number"].value, level["resulting-level"].value) == (0x12, 40)


def test_manufacturer_text_0x0123() -> None:
    members = _dlms_members(_dlms_alert(0x8F88, dlms.Utf8String(b'{"temp": 21}')), 0x0123)
    assert members["text"].value == '{"temp": 21}'


def test_billing_data_log_0x0061_with_its_protected_entry() -> None:
    """ECS68: protection parameters, then the block (gbcs.md 4.4) whose plaintext is one data item."""
    parameters = dlms.array([dlms.structure(dlms.enum_(1), dlms.structure(dlms.octets(b"\x00" * 8)))])
    plaintext = dlms.axdr.build(dlms.structure(dlms.u32(12345), dlms.octets(DATE_TIME)))
    payload = _dlms_alert(0x8F0A, parameters, dlms.octets(BLOCK))
    result = _decode(payload, 0x0061, decrypt=lambda block: Decryption("decrypted", plaintext))
    members = _named(result.root.find("notification-body") or Field("", 0, 0))
    assert members["protection-parameters"].note == "array"
    block = members["protected-data"]
    assert block.note == "encrypted: decrypted"
    entry = block.find("plaintext")
    assert entry is not None and entry.children[0].children[0].value == 12345
    assert result.decryptions == (Decryption("decrypted", plaintext),)


@pytest.mark.parametrize(
    ("message_code", "alert_code", "members", "names"),
    [
        (0x0018, 0x8F12, (dlms.array([dlms.structure(dlms.octets(EUI_A), dlms.u8(0))]),), ("device-log-change",)),
        (0x0110, 0x8F20, (dlms.octets(EUI_A),), ("device-id",)),
        (0x0111, 0x8F26, (dlms.structure(dlms.u8(1), dlms.u8(2)),), ("channel-change",)),
        (0x0112, 0x8F28, (dlms.array([dlms.u8(3)]),), ("scan-assessment",)),
        (0x0113, 0x8F2A, (dlms.structure(dlms.u16(1)),), ("sub-ghz-configuration",)),
        (0x0115, 0x8F2D, (dlms.octets(EUI_B),), ("device-id",)),
    ],
)
def test_chf_and_dual_band_alerts(message_code: int, alert_code: int, members: tuple, names: tuple) -> None:
    named = _dlms_members(_dlms_alert(alert_code, *members), message_code)
    assert list(named) == ["alert-code", "alert-time", *names]


@pytest.mark.parametrize("message_code", [0x1000, 0x1001])
def test_generic_user_interface_alert_dlms(message_code: int) -> None:
    members = _dlms_members(_dlms_alert(0x8162, dlms.u16(0x0005)), message_code)
    assert members["user-interface-command"].value == 5
    assert members["user-interface-command"].note == "long-unsigned: add credit"


def test_generic_alert_without_members_keeps_code_and_time() -> None:
    assert list(_dlms_members(_dlms_alert(0x8F30), 0x1000)) == ["alert-code", "alert-time"]


# --- GBZ (GSME, GPF) ---------------------------------------------------------------------------


def _gbz_header(result: DecodedPayload, alert_code: int) -> dict[str, Field]:
    fields = _named(result.root)
    assert (fields["alert-code"].value, fields["alert-time"].value) == (alert_code, ZIGBEE_TIME)
    return fields


def test_future_dated_outcome_gbz_0x00cd() -> None:
    body = gbz_alerts.FutureDatedOutcome(0x006C, 1001, zcl.PRICE, 0x01, 0x04)
    payload = gbz.build_alert(gbz.GbzAlert(0x8F67, ZIGBEE_TIME, body=body.build(), count=1))
    fields = _gbz_header(_decode(payload, 0x00CD), 0x8F67)
    details = {field.name: field.value for field in fields["future-dated-details"].children}
    assert details == {
        "length": 14,
        "message-code": 0x006C,
        "originator-counter": 1001,
        "cluster-id": zcl.PRICE,
        "zcl-frame-control": 0x01,
        "command-id": 0x04,
    }


@pytest.mark.parametrize("alert_code", [gbz_alerts.FIRMWARE_VERIFIED, gbz_alerts.FIRMWARE_VERIFICATION_FAILED])
def test_firmware_receipt_gbz_0x00cf(alert_code: int) -> None:
    payload = gbz.build_alert(gbz.GbzAlert(alert_code, ZIGBEE_TIME, body=gbz_alerts.ImageHash(DIGEST).build()))
    fields = _gbz_header(_decode(payload, 0x00CF), alert_code)
    assert fields["calculated-image-hash"].value == DIGEST.hex()


def test_integrity_warning_gbz_0x00f2() -> None:
    """The GSME integrity alert (meters.md 5.2): alert 0x81A0 then a 2-byte reason, no components."""
    body = gbz_alerts.IntegrityWarning(gbz_alerts.IntegrityReason.PROGRAM_STORAGE).build()
    payload = gbz.build_alert(gbz.GbzAlert(gbz_alerts.INTEGRITY_WARNING, ZIGBEE_TIME, body=body, count=0))
    fields = _gbz_header(_decode(payload, 0x00F2), gbz_alerts.INTEGRITY_WARNING)
    assert (fields["integrity-reason"].value, fields["integrity-reason"].note) == (3, "program storage")


@pytest.mark.parametrize("message_code", [0x1000, 0x1001])
@pytest.mark.parametrize("alert_code", [gbz_alerts.UI_COMMAND_ACTIONED, gbz_alerts.UI_COMMAND_NOT_ACTIONED])
def test_user_interface_alert_gbz(message_code: int, alert_code: int) -> None:
    """Generic alerts 0x8161 / 0x8162 carry the user-interface command id after the header (meters.md 5.2)."""
    body = gbz_alerts.UserInterfaceAlert(gbz_alerts.UserInterfaceCommand.TEST_VALVE).build()
    payload = gbz.build_alert(gbz.GbzAlert(alert_code, ZIGBEE_TIME, body=body, count=0))
    fields = _gbz_header(_decode(payload, message_code), alert_code)
    assert (fields["user-interface-command"].value, fields["user-interface-command"].note) == (0x18, "test valve")


def test_generic_gbz_alert_is_header_only() -> None:
    payload = gbz.build_alert(gbz.GbzAlert(0x8F30, ZIGBEE_TIME))
    assert list(_gbz_header(_decode(payload, 0x1000), 0x8F30)) == [
        "profile-id",
        "component-count",
        "alert-code",
        "alert-time",
    ]


def test_billing_data_log_gbz_0x008b_component_and_plaintext() -> None:
    """GCS53: alert 0x8F0A then one encrypted Metering Publish Snapshot component (meters.md 5.2)."""
    command_id, snapshot = zcl.encode_command(
        zcl.METERING,
        "publish_snapshot",
        server_to_client=True,
        snapshot_id=1,
        snapshot_time=ZIGBEE_TIME,
        total_snapshots_found=1,
        command_index=0,
        total_number_of_commands=1,
        snapshot_cause=1,
        snapshot_payload_type=0,
        snapshot_payload=b"\x00\x01",
    )
    frame = gbz.ZclFrame(0x09, 0, command_id, snapshot)
    component = gbz.Component(zcl.METERING, frame, encrypted=True, sealed=BLOCK)
    payload = gbz.build_alert(gbz.GbzAlert(0x8F0A, ZIGBEE_TIME, (component,)))
    result = _decode(payload, 0x008B, decrypt=lambda block: Decryption("decrypted", snapshot))
    fields = _gbz_header(result, 0x8F0A)
    assert fields["component-count"].value == 1
    decoded = fields["component"].find("plaintext")
    assert decoded is not None
    assert {child.name: child.value for child in decoded.children}["snapshot_time"] == ZIGBEE_TIME


# --- ASN.1 (CS alerts) ---------------------------------------------------------------------------

_HEADER = cs.AlertHeader(0x8F66, datetime(2015, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("message_code", "value", "root", "names"),
    [
        (
            0x00CA,
            cs.FirmwareActivationAlert(_HEADER, 1001, cs.ActivationOutcome(0, b"\x01\x02")),
            "firmware-activation-alert",
            ["alert-code", "alert-time", "originator-counter", "activation-outcome"],
        ),
        (
            0x00CB,
            cs.CredentialsUpdateAlert(_HEADER, cs.ExecutionOutcome(7, 2, (cs.RoleFloor(2, 8),), ())),
            "credentials-update-alert",
            ["alert-code", "alert-time", "execution-outcome"],
        ),
        (
            0x012B,
            cs.FirmwareVersionAlert(cs.AlertHeader(0x8F8B, _HEADER.time), b"\x00\x01", 0),
            "firmware-version-alert",
            ["alert-code", "alert-time", "firmware-version", "code"],
        ),
        (
            0x0128,
            cs.FirmwareTransferAlert(cs.AlertHeader(0x8F8A, _HEADER.time), EUI_A, b"\x00\x01", 3),
            "firmware-transfer-alert",
            ["alert-code", "alert-time", "device-id", "firmware-version", "transfer-outcome"],
        ),
        (
            0x00B2,
            cs.DeviceLogBackupAlert(cs.AlertHeader(0x8071, _HEADER.time), (cs.JoinedDevice(EUI_A, 0),)),
            "gpf-device-log-backup-alert",
            ["alert-code", "alert-time", "devices"],
        ),
    ],
)
def test_asn1_alerts(message_code: int, value: object, root: str, names: list[str]) -> None:
    sequence = _decode(cs.build(value), message_code).root.children[0]
    assert sequence.name == root
    assert [child.name for child in sequence.children] == names


# --- the table -----------------------------------------------------------------------------------


def test_every_layout_in_the_table_is_decoded_here() -> None:
    """Each message code of `alerts.LAYOUTS` has a test above (by family)."""
    tested = {0x00CC, 0x00CE, 0x00D5, 0x0114, 0x00F0, 0x0067, 0x0121, 0x0122, 0x0123, 0x0061, 0x0018, 0x0110}
    tested |= {0x0111, 0x0112, 0x0113, 0x0115, 0x1000, 0x1001, 0x00CD, 0x00CF, 0x00F2, 0x008B}
    tested |= {0x00CA, 0x00CB, 0x012B, 0x0128, 0x00B2}
    in_table = {code for layout in alerts.LAYOUTS for code in layout.message_codes}
    assert in_table - tested == {0x0124}  # CS02g: the same schema as 0x00CB
    assert tested <= in_table


def test_docs_show_the_table() -> None:
    assert alerts.layout_table() in DOCS.read_text(encoding="utf-8")
