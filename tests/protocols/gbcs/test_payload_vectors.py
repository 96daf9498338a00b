"""Named values of the payload decoders checked against the primer's worked examples and RTDS files.

Sources: gbcs.md 3.6 (ECS52 payloads, typed from the primer), gbcs.md 4.4 / 5.2 / 5.3 / 5.4 / 5.5
(named RTDS files under shared/gbcs/rtds, skipped when absent), zigpy's cluster tables for names.
Decryption uses a fake `decrypt` callable that returns a plaintext made here; end-to-end
decryption with the RTDS keys is the envelope/crypto tests' job.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from zigpy.zcl.clusters.smartenergy import Metering

from protocols.gbcs import parse
from protocols.gbcs.errors import GbcsDecodeError
from protocols.gbcs.payload import DecodedPayload, Decryption, PayloadContext, decode_payload
from protocols.gbcs.payload.reader import node
from protocols.gbcs.tree import Field
from protocols.zigbee.smart_energy import SUPPLEMENTARY_ATTRIBUTES

DECRYPTED = "decrypted; offsets are into the plaintext"


def _decode(hex_payload: str, code: int, cra: int, base: int = 0, decrypt=None) -> DecodedPayload:
    return decode_payload(bytes.fromhex(hex_payload), base_offset=base, context=PayloadContext(code, cra, decrypt))


def _corpus(rtds_dir: Path, folder: str, name: str, decrypt=None) -> tuple[bytes, DecodedPayload]:
    """(message bytes, payload decoded with `decrypt`) of one RTDS file."""
    data = bytes.fromhex((rtds_dir / folder / name).read_text().strip())
    message = parse(data)
    start = message.payload_tree.root.offset
    context = PayloadContext(message.message_code, int(message.cra), decrypt)
    return data, decode_payload(message.payload, base_offset=start, context=context)


def _children(field: Field) -> dict[str, Field]:
    return {child.name: child for child in field.children}


# --- DLMS (gbcs.md 3.6, 5.2) -------------------------------------------------------------------


def test_ecs52_command_worked_example() -> None:
    """gbcs.md 3.6: GET class 1 0-0:0.2.1.255 attribute 2; the payload starts at message offset 48."""
    result = _decode("D9200003E80001010001000000 0201FF 020100".replace(" ", ""), 0x0059, 1, base=48)
    assert result.family == "dlms-access-request" and result.unparsed == 0
    root = result.root
    assert (root.offset, root.size) == (48, 19)
    assert root.find("invoke-id").value == 1000 and root.find("priority-flags").value == 0x20
    get = root.find("get")
    assert get is not None and get.offset == 55 and get.size == 10
    parts = _children(get)
    assert (parts["class-id"].value, parts["class-id"].note) == (1, "Data")
    assert parts["instance-id"].value == "0-0:0.2.1.255" and parts["instance-id"].offset == 58
    assert (parts["attribute-id"].value, parts["attribute-id"].note) == (2, "value")
    data = root.find("request-data")
    assert [child.name for child in data.children] == ["count", "null"]


def test_ecs52_response_worked_example() -> None:
    """gbcs.md 3.6: firmware version 01 23 AB CD, get-result success."""
    result = _decode("DA200003E800000109040123ABCD010100", 0x0059, 2, base=47)
    root = result.root
    assert result.family == "dlms-access-response" and result.unparsed == 0
    version = root.find("response-data").children[1]
    assert (version.name, version.value, version.offset, version.size) == ("octet-string", "0123abcd", 55, 6)
    results = root.find("response-specifications").children
    assert (results[1].name, results[1].value, results[1].note) == ("get", 0, "success")


def test_compact_array_ecs35c(rtds_dir: Path) -> None:
    """gbcs.md 5.7: ECS35c returns a compact array of { u32 time, u16 event code, octet-string }."""
    _, result = _corpus(rtds_dir, "6.13_ECS35c", "ECS35c_6.13_SUCCESS_RESPONSE_GBCS.HEX")
    array = result.root.find("compact-array")
    description, contents = array.children
    assert description.value == "structure{double-long-unsigned, long-unsigned, octet-string}"
    first = contents.children[0]
    assert [member.name for member in first.children] == ["double-long-unsigned", "long-unsigned", "octet-string"]
    assert first.children[1].value == 0x8154 and first.children[2].value == "009b"
    assert contents.note == f"{len(contents.children)} elements" and len(contents.children) > 5


def test_future_dated_dlms_alert(rtds_dir: Path) -> None:
    """gbcs.md 5.5 0x00CC: octet-string(19) = message code, counter, class, OBIS, attribute."""
    _, result = _corpus(
        rtds_dir, "1.1.1_ECS01a", "ECS01a_1.1.1_8F66_FUTURE_DATED_TOU_BLOCK_SUCCESS_ALERT_SWITCHING_TABLE_GBCS.HEX"
    )
    body = _children(result.root.find("notification-body"))
    assert body["alert-code"].value == 0x8F66
    assert "2030-01-15 09:00:00" in body["alert-time"].note
    details = _children(body["future-dated-details"])
    assert details["message-code"].value == 0x0019  # ECS01a
    assert details["originator-counter"].value == 1008
    assert details["class-id"].value == 20 and details["attribute-id"].value == 10
    assert details["instance-id"].value == "0-0:13.0.0.255"


def test_dbch10_discarded_message(rtds_dir: Path) -> None:
    """gbcs.md 5.5: DBCH10 carries originator(8) target(8) CRA(1) counter(8) as an octet string."""
    _, result = _corpus(rtds_dir, "NA_DBCH10", "DBCH10_NA_8F2C_ALERT_GBCS.HEX")
    details = _children(result.root.find("discarded-message"))
    assert details["originator"].value == "90b3d51f30010000"
    assert details["target"].value == "00db1234567890a0"
    assert (details["cra-flag"].value, details["originator-counter"].value) == (1, 1000)


def test_protected_data_without_key(rtds_dir: Path) -> None:
    """gbcs.md 4.4: ECS17b response = protection parameters, then 31 || 00000000 || ct || tag(12)."""
    data, result = _corpus(rtds_dir, "4.1.1_ECS17b", "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX")
    assert result.decryptions == (Decryption("no-key", None),)
    block = result.root.find("protected-data")
    parts = _children(block)
    assert parts["security-control"].value == 0x31 and parts["invocation-counter"].value == 0
    assert data[parts["security-control"].offset] == 0x31
    tag = parts["tag"]
    assert tag.size == 12 and data[tag.offset : tag.offset + 12].hex() == tag.value
    assert parts["ciphertext"].size == block.size - 2 - 5 - 12  # tag 09 and a one-byte length first
    assert result.root.find("octet-string").value == "04" + (1000).to_bytes(8, "big").hex()  # 04 || counter


def test_protected_data_decrypted_by_the_callable(rtds_dir: Path) -> None:
    seen: list[bytes] = []

    def decrypt(block: bytes) -> Decryption:
        seen.append(block)
        return Decryption("decrypted", bytes.fromhex("020212002A0903AABBCC"))  # structure{ 42, octet-string }

    data, result = _corpus(rtds_dir, "4.1.1_ECS17b", "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", decrypt)
    block = result.root.find("protected-data")
    assert seen == [data[block.offset + 2 : block.offset + block.size]] and seen[0][0] == 0x31
    plaintext = block.find("plaintext")
    assert plaintext.note == DECRYPTED and (plaintext.offset, plaintext.size) == (0, 10)
    structure = plaintext.children[0]
    members = [(c.name, c.value, c.offset) for c in structure.children]
    assert members == [("long-unsigned", 42, 2), ("octet-string", "aabbcc", 5)]
    assert result.decryptions[0].status == "decrypted" and result.unparsed == 0


def test_undecodable_plaintext_is_kept_as_hex(rtds_dir: Path) -> None:
    def decrypt(block: bytes) -> Decryption:
        return Decryption("decrypted", b"\xff\x01")

    _, result = _corpus(rtds_dir, "4.1.1_ECS17b", "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", decrypt)
    plaintext = result.root.find("plaintext")
    assert plaintext.value == "ff01" and plaintext.note.startswith(DECRYPTED + "; not decoded")


# --- GBZ (gbcs.md 5.3, 5.5) --------------------------------------------------------------------


def test_cs11_clear_event_log(rtds_dir: Path) -> None:
    """gbcs.md 5.3: CS11 = Events cluster cmd 01 payload 03; the response cmd 02 payload 08."""
    _, command = _corpus(rtds_dir, "3.3_CS11", "CS11_3.3_SUCCESS_COMMAND_GBCS.HEX")
    component = command.root.find("component")
    parts = _children(component)
    assert (parts["cluster-id"].value, parts["cluster-id"].note) == (0x0709, "Events")
    assert parts["command-id"].value == 0x01 and component.note == "clear_event_log_request"
    assert parts["log_id"].value == 0x03
    _, response = _corpus(rtds_dir, "3.3_CS11", "CS11_3.3_SUCCESS_RESPONSE_GBCS.HEX")
    parts = _children(response.root.find("component"))
    assert parts["command-id"].value == 0x02 and parts["cleared_event_logs"].value == 0x08
    assert parts["zcl-frame-control"].value == 0x09


def test_read_attribute_names_come_from_zigpy_and_gbs_supplement(rtds_dir: Path) -> None:
    _, result = _corpus(rtds_dir, "4.1.4_GCS13b", "GCS13b_4.1.4_SUCCESS_RELIABLE_GPF_COMMAND_GBCS.HEX")
    ids = result.root.find("attribute-ids").children
    assert [field.value for field in ids] == [0x0700, 0x0701, 0x0702, 0x0703, 0x0302, 0x0301, 0x0300]
    # multiplier, divisor, unit of measure are zigpy's; 0x07xx are GB's (meters.md 4.1), which zigpy lacks
    names = {attr.id: attr.name for attr in Metering.attributes.values()}
    names.update({attr_id: name for name, (attr_id, _kind) in SUPPLEMENTARY_ATTRIBUTES.items()})
    assert [field.note for field in ids] == [names[field.value] for field in ids]
    assert ids[0].note == "current_no_tier_block1_summ_delivered"


def test_gbz_encrypted_components(rtds_dir: Path) -> None:
    """gbcs.md 5.3/4.4: GCS15c success response has encrypted Metering and Prepayment snapshots."""
    snapshot = bytes.fromhex("07000000000000000100010200000000aabb")

    def decrypt(block: bytes) -> Decryption:
        assert block[:5] == b"\x31\x00\x00\x00\x00"
        return Decryption("decrypted", snapshot)

    _data, result = _corpus(rtds_dir, "4.4.3_GCS15c", "GCS15c_4.4.3_SUCCESS_RESPONSE_GBCS.HEX", decrypt)
    components = [child for child in result.root.children if child.name == "component"]
    encrypted = [part for part in components if part.find("extended-header-control").value & 0x02]
    assert len(components) == 24 and len(result.decryptions) == len(encrypted) == 4 and result.unparsed == 0
    for index, component in enumerate(encrypted):
        parts = _children(component)
        assert parts["extended-header-control"].value & 0x02
        assert parts["additional-frame-counter"].value == index  # 0, 1, 2... (gbcs.md 5.3)
        block = parts["encrypted-payload"]
        assert block.size == parts["ciphered-information-length"].value
        fields = _children(block.find("plaintext"))
        assert fields["snapshot_id"].value == 7 and fields["snapshot_payload"].value == "aabb"
        assert fields["snapshot_payload"].offset == 16  # offsets into the plaintext


def test_gbz_future_dated_alert(rtds_dir: Path) -> None:
    """gbcs.md 5.5 0x00CD: 0E then message code, counter, cluster, frame control, command id."""
    _, result = _corpus(rtds_dir, "1.6_GCS02", "GCS02_1.6_8F66_FUTURE_DATED_SUCCESS_ALERT_CHANGE_PAYMENT_MODE_GBCS.HEX")
    root = _children(result.root)
    assert root["alert-code"].value == 0x8F66
    details = _children(root["future-dated-details"])
    assert details["message-code"].value == 0x006C  # GCS02
    assert (details["cluster-id"].value, details["command-id"].value) == (0x0705, 0x06)


# --- ASN.1 (gbcs.md 5.4) -----------------------------------------------------------------------


def test_asn1_alert_code_is_an_integer(rtds_dir: Path) -> None:
    """gbcs.md 5.4: 0x8F66 is encoded 02 03 00 8F 66 (CS06 future-dated alert)."""
    data, result = _corpus(rtds_dir, "11.3_CS06", "CS06_11.3_8F66_FUTURE_DATED_SUCCESS_ALERT_GBCS.HEX")
    code = result.root.find("alert-code")
    assert code.value == 0x8F66 and data[code.offset : code.offset + code.size] == bytes.fromhex("0203008F66")
    assert result.root.find("alert-time").value == "20300115090000Z"
    assert result.root.find("originator-counter").value == 1001


def test_ccs08_firmware_transfer_alert(rtds_dir: Path) -> None:
    _, result = _corpus(rtds_dir, "NA_CCS08", "CCS08_NA_NA_ALERT_GBCS.HEX")
    alert = _children(result.root.children[0])
    assert alert["alert-code"].value == 0x8F8A
    assert alert["device-id"].value == "00db1234567890a4"
    assert (alert["firmware-version"].value, alert["transfer-outcome"].note) == ("0123abcd", "INTEGER: success")


def test_unknown_der_is_still_walked() -> None:
    result = _decode("3006020101810105", 0x7777, 1)  # no schema for this code
    assert result.unparsed == 0 and result.root.note.startswith("no schema")
    seq = result.root.children[0]
    assert [(c.name, c.value) for c in seq.children] == [("INTEGER", 1), ("[1]", "05")]


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hex_payload, cra, offset",
    [
        ("D9200003E80001010001000000", 1, 10),  # ECS52 command cut inside the OBIS code
        ("DA200003E800000109050123ABCD010100", 2, 16),  # octet-string of 5 eats a count: no valid result left
        ("DA200003E8000001FF", 2, 8),  # unknown DLMS data type 0xFF
        ("0F200003E80001020304", 3, 10),  # array of 2: a boolean (03 04), then nothing where the second item starts
        ("0109020007020005000000000000", 1, 13),  # count 2, one component: byte 13 is no last component
        ("01090101070200FF00", 1, 6),  # component length (at 6) past the end
        ("3080020101", 1, 1),  # indefinite length
        ("30050201", 1, 2),  # SEQUENCE longer than the payload
    ],
)
def test_malformed_payloads_raise_with_offset(hex_payload: str, cra: int, offset: int) -> None:
    with pytest.raises(GbcsDecodeError) as caught:
        _decode(hex_payload, 0x0001, cra, base=100)
    assert caught.value.offset == 100 + offset


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    payload = "0F2000000100" + "0201" * 2000 + "00"
    with pytest.raises(GbcsDecodeError, match="nesting"):
        _decode(payload, 0x1001, 3)
    der = b"\x05\x00"
    for _ in range(200):
        der = b"\x30" + (bytes([len(der)]) if len(der) < 0x80 else b"\x82" + len(der).to_bytes(2, "big")) + der
    with pytest.raises(GbcsDecodeError, match="nesting"):
        _decode(der.hex(), 0x0008, 1)


def test_fast_node_equals_field() -> None:
    assert node("a", 1, 2, "ff", (), "n") == Field("a", 1, 2, "ff", (), "n")
    assert node("a", 1, 2).to_json() == Field("a", 1, 2).to_json()


# --- alerts with their own layouts (gbcs.md 5.5) and the small helpers --------------------------


def test_gbz_generic_critical_alert(rtds_dir: Path) -> None:
    """0x1000: alert code and time only, count byte 00; 0x1C374A80 = 2015-01-01 in ZigBee UTC (gbcs.md 0)."""
    _, result = _corpus(rtds_dir, "NA_GCA-ZigBee", "GCA-ZigBee_NA_8F30_ALERT_GBCS.HEX")
    root = _children(result.root)
    assert root["component-count"].value == 0 and "component" not in root
    assert root["alert-code"].value == 0x8F30
    assert (root["alert-time"].value, root["alert-time"].note) == (0x1C374A80, "2015-01-01T00:00:00Z")


def test_gbz_firmware_receipt_hash(rtds_dir: Path) -> None:
    """0x00CF: the 32-byte calculated image hash as 09 20 + hash."""
    data, result = _corpus(rtds_dir, "NA_FDRA-ZigBee", "FDRA-ZigBee_NA_8F72_ALERT_GBCS.HEX")
    digest = result.root.find("calculated-image-hash")
    assert digest.value == "a1" * 32 and data[digest.offset : digest.offset + 2] == b"\x09\x20"


def test_ecs200_text_alert(rtds_dir: Path) -> None:
    """0x0123: alert 8F88 + time + utf8-string (JSON text in RTDS)."""
    _, result = _corpus(rtds_dir, "NA_ECS200", "ECS200_NA_8F88_ALERT_GBCS.HEX")
    text = result.root.find("text")
    assert text.note == "utf8-string" and text.value.startswith('{"outputState":"100"')


def test_unknown_zcl_command_counts_as_unparsed() -> None:
    """A cluster command nobody defines stays one opaque field and is counted in `unparsed`."""
    result = _decode("01090101FC000005010042BEEF", 0x0076, 1)
    component = result.root.find("component")
    opaque = component.find("command-payload")
    assert (opaque.value, opaque.size, result.unparsed) == ("beef", 2, 2)
    assert component.note is None


def test_zcl_names_come_from_zigpy_and_smart_energy() -> None:
    """Metering's commands are zigpy's own, Events' come from `protocols.zigbee.smart_energy`."""
    from protocols.gbcs.payload import zcl_table
    from protocols.zigbee import smart_energy

    table = zcl_table.derived()
    get_snapshot = table.commands[(0x0702, zcl_table.CLIENT_TO_SERVER, 0x06)]
    assert get_snapshot.name == Metering.server_commands[0x06].name
    clear = table.commands[(0x0709, zcl_table.CLIENT_TO_SERVER, 0x01)]
    assert clear.name == smart_energy.Events.ServerCommandDefs.clear_event_log_request.name
    assert (0x0709, zcl_table.SERVER_TO_CLIENT, 0x7F) not in table.commands
    assert table.clusters[0x0705] == "Prepayment"


@pytest.mark.parametrize(
    "raw, note",
    [
        ("07DF0101FF000000008000FF", "2015-01-01 00:00:00 status 0xFF"),  # gbcs.md 0
        ("0000000000000000008000FF", "now (all date-time fields zero)"),  # gbcs.md 5.2 IMMEDIATE
        ("FFFFFFFFFFFFFFFFFF8000FF", "never / not specified (all date-time fields FF)"),  # CANCELLATION
        ("07DE0C1FFF173B00008000FF", "2014-12-31 23:59:00 status 0xFF"),  # ECS80 RTDS alert
        ("0123456789ABCDEF01234567", None),  # month 0x45: not a date-time
    ],
)
def test_dlms_date_time_notes(raw: str, note: str | None) -> None:
    from protocols.gbcs.payload.cosem import date_time_note

    assert date_time_note(bytes.fromhex(raw)) == note
