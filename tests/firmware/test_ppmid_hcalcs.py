"""PPMID and HCALCS: the HAN commands the PPMID originates, its CS09 alert, the HCALCS's CS08 answer."""

from __future__ import annotations

from pathlib import Path

from firmware.devices.hcalcs import HCALCS_EUI, hcalcs
from firmware.devices.ppmid import CS09, consumer_top_up_payload, select_emergency_credit_payload
from firmware.gbcs.headend import command
from hal.nvm import NvmStore
from protocols.gbcs import Cra, cs, parse
from tests.firmware.gbcs.rig import ACB_EUI, UTC0, start_ppmid


def test_pcs02_payload_is_the_rtds_one(rtds_dir: Path) -> None:
    rtds = parse(bytes.fromhex((rtds_dir / "NA_PCS02" / "PCS02_NA_SUCCESS_COMMAND_GBCS.HEX").read_text()))
    assert select_emergency_credit_payload(None) == rtds.payload


def test_pcs01_payload_decodes_as_a_consumer_top_up() -> None:
    payload = consumer_top_up_payload("12345678901234567890")
    assert payload[:3] == b"\x01\x09\x01" and payload[4:6] == b"\x07\x05" and payload[8:11] == b"\x01\x00\x04"
    assert payload[-21:] == b"\x14" + b"12345678901234567890"


def test_ppmid_raises_cs09_to_the_acb_after_activating_an_image() -> None:
    _, device = start_ppmid(NvmStore.memory())
    device.firmware.distribute(bytes(32), b"\x09\x08\x07\x06")
    (alert,) = device.firmware_activated(bytes(32), 0, UTC0)
    message = parse(alert.data)
    assert (message.cra, message.message_code, message.recipient) == (Cra.ALERT, CS09, ACB_EUI)
    value = cs.parse(CS09, 3, message.payload)
    assert (value.header.alert_code, value.version, value.code) == (0x8F8B, b"\x09\x08\x07\x06", 0)


def test_hcalcs_answers_cs08_with_its_version() -> None:
    store = NvmStore.memory()
    pki, _ = start_ppmid(store)
    device = hcalcs(store.partition("hcalcs"), pki.keystore(), pki.parties, version=b"\x00\x00\x01\x07", authority=pki)
    data = command(
        pki.keystore(),
        originator=ACB_EUI,
        recipient=HCALCS_EUI,
        counter=3,
        message_code=0x0129,
        payload=b"\x05\x00",
        sign=False,
    )
    response = parse(device.endpoint.receive(data, 0, UTC0)[0].data)
    assert cs.parse(0x0129, 2, response.payload) == cs.FirmwareVersion(b"\x00\x00\x01\x07", 0)
