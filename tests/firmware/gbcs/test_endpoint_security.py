"""Intake security of a GbcsEndpoint with generated keys (test PKI): every refusal answered, logged, survived.

Each case sends one bad command, then checks: no response; the security log names the
refusal with its alert code (firmware.gbcs.intake.RULES); the generic critical alert it
raises verifies with the exported key store and carries that alert code; and a good
command right after is still answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from firmware.devices.ppmid import Ppmid, ppmid
from firmware.gbcs import intake
from firmware.gbcs.endpoint import GbcsEndpoint
from firmware.gbcs.headend import command
from firmware.gbcs.pki import TestPki
from hal.keystore import load_keystore
from hal.nvm import NvmStore
from protocols.gbcs import Cra, KeyStore, KeyUsage, OtherInformation, Verdict, build, cs, parse, seal
from protocols.gbcs.envelope import decode, encode
from protocols.gbcs.message import Message
from tests.firmware.gbcs.rig import (
    ACB_EUI,
    CS07,
    CS08,
    NETWORK_OPERATOR_EUI,
    SUPPLIER_EUI,
    UTC0,
    read_firmware_version,
    start_ppmid,
)

PPMID_EUI = bytes.fromhex("00db1234567890a4")


@dataclass
class Rig:
    pki: TestPki
    device: Ppmid
    exported: KeyStore  #: what a head-end loads from the folder the test PKI exported

    @property
    def endpoint(self) -> GbcsEndpoint:
        return self.device.device.endpoint


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    pki, device = start_ppmid(NvmStore.memory())
    for name, contents in pki.key_files().items():
        (tmp_path / name).write_bytes(contents)
    return Rig(pki, device, load_keystore(tmp_path))


def _answered(rig: Rig, counter: int) -> None:
    out = rig.endpoint.receive(read_firmware_version(rig.pki.keystore(), counter), 1.0, UTC0)
    assert [o.cra for o in out] == [Cra.RESPONSE]


def _refused(rig: Rig, data: bytes, refusal: intake.Refusal, next_counter: int) -> None:
    endpoint = rig.endpoint
    out = endpoint.receive(data, 1.0, UTC0)
    rule = intake.RULES[refusal]
    assert [o.cra for o in out] == ([Cra.ALERT] if rule.alert else [])
    record = endpoint.security_log()[-1]
    assert (record["reason"], record["code"]) == (refusal.value, rule.code)
    if rule.alert:
        alert = parse(out[0].data, rig.exported)
        assert alert.verdicts.signature is Verdict.VALID
        assert alert.message_code == 0x1000 and alert.recipient == SUPPLIER_EUI
        assert alert.payload[3:5] == rule.code.to_bytes(2, "big")  # GBZ alert header: profile, count, code
    _answered(rig, next_counter)


def test_good_command_accepted_once_and_response_verifies_with_exported_keystore(rig: Rig) -> None:
    data = read_firmware_version(rig.pki.keystore(), 1000)
    out = rig.endpoint.receive(data, 1.0, UTC0)
    assert len(out) == 1 and out[0].destination == ACB_EUI
    response = parse(out[0].data, rig.exported)
    assert response.verdicts.mac is Verdict.VALID
    assert (response.cra, response.originator_counter, response.message_code) == (Cra.RESPONSE, 1000, CS08)
    assert (response.originator, response.recipient) == (PPMID_EUI, ACB_EUI)
    assert cs.parse(CS08, 2, response.payload) == cs.FirmwareVersion(b"\x01\x00\x00\x00", 0)
    _refused(rig, data, intake.Refusal.COUNTER_NOT_GREATER, 1001)


def test_lower_counter_refused(rig: Rig) -> None:
    _answered(rig, 2000)
    _refused(rig, read_firmware_version(rig.pki.keystore(), 1999), intake.Refusal.COUNTER_NOT_GREATER, 2001)


def test_flipped_mac_byte_refused(rig: Rig) -> None:
    data = bytearray(read_firmware_version(rig.pki.keystore(), 1000))
    data[-3] ^= 0x01
    _refused(rig, bytes(data), intake.Refusal.MAC_INVALID, 1000)  # the counter was not consumed


def test_wrong_signer_refused(rig: Rig) -> None:
    headend = rig.pki.keystore()
    # CS03A2 is critical: signed by the supplier. Signed here with the network operator's key under the supplier's name.
    join = cs.build(cs.JoinCommand(1, bytes.fromhex("00db1234567890a0"), 1))
    good = command(
        headend, originator=SUPPLIER_EUI, recipient=PPMID_EUI, counter=500, message_code=0x00AB, payload=join, sign=True
    )
    message, _ = decode(good)
    forged = seal(
        Message(**{**message.__dict__, "signature": None}),
        signing_key=rig.pki.party_key(3, KeyUsage.DS),
        mac_key=headend.derived_key((ACB_EUI, PPMID_EUI), SUPPLIER_EUI, 1, 500, PPMID_EUI),
    )
    _refused(rig, encode(forged), intake.Refusal.SIGNATURE_INVALID, 1000)


def test_critical_use_case_without_signature_refused(rig: Rig) -> None:
    join = cs.build(cs.JoinCommand(1, bytes.fromhex("00db1234567890a0"), 1))
    data = command(
        rig.pki.keystore(),
        originator=SUPPLIER_EUI,
        recipient=PPMID_EUI,
        counter=500,
        message_code=0x00AB,
        payload=join,
        sign=False,
    )
    _refused(rig, data, intake.Refusal.SIGNATURE_MISSING, 1000)


def test_role_that_may_not_issue_the_use_case_refused(rig: Rig) -> None:
    # CS08 may come from the supplier or the ACB (registry roles); not from the network operator.
    data = read_firmware_version(rig.pki.keystore(), 1000, originator=NETWORK_OPERATOR_EUI)
    _refused(rig, data, intake.Refusal.ROLE_NOT_AUTHORISED, 1000)


def test_unknown_recipient_refused_without_alert(rig: Rig) -> None:
    # No key store knows this device: the MAC key is any 16 bytes; the endpoint refuses before checking it.
    message = Message(
        Cra.COMMAND, 1000, ACB_EUI, bytes.fromhex("00db1234567890ff"), OtherInformation(CS07), b"\x05\x00"
    )
    data = build(Message(**{**message.__dict__, "mac": bytes(12)}), mac_key=bytes(range(16)))
    _refused(rig, data, intake.Refusal.WRONG_RECIPIENT, 1000)


@pytest.mark.parametrize("cut", [1, 13, 40, -1])
def test_truncated_message_refused(rig: Rig, cut: int) -> None:
    data = read_firmware_version(rig.pki.keystore(), 1000)
    _refused(rig, data[:cut], intake.Refusal.MALFORMED, 1000)


def test_every_tenth_malformed_command_raises_8f60(rig: Rig) -> None:
    endpoint = rig.endpoint
    raised = [endpoint.receive(b"\xdf\x09", 1.0, UTC0) for _ in range(intake.MALFORMED_ALERT_EVERY)]
    assert [len(out) for out in raised] == [0] * (intake.MALFORMED_ALERT_EVERY - 1) + [1]
    alert = parse(raised[-1][0].data, rig.exported)
    assert alert.payload[3:5] == intake.MALFORMED_COMMANDS.to_bytes(2, "big")


def test_response_or_alert_sent_to_a_device_refused(rig: Rig) -> None:
    out = rig.endpoint.receive(read_firmware_version(rig.pki.keystore(), 1000), 1.0, UTC0)
    _refused(rig, out[0].data, intake.Refusal.NOT_A_COMMAND, 1001)


def test_refusals_leave_counters_and_outbox_consistent(rig: Rig) -> None:
    endpoint = rig.endpoint
    endpoint.receive(b"garbage", 1.0, UTC0)
    data = bytearray(read_firmware_version(rig.pki.keystore(), 7))
    data[-1] ^= 0xFF
    alerts = endpoint.receive(bytes(data), 1.0, UTC0)
    assert [o.seq for o in endpoint.pending()] == [o.seq for o in alerts]
    endpoint.sent(alerts[0].seq)
    assert endpoint.pending() == []
    _answered(rig, 7)  # the refused counter 7 was never stored


def test_a_device_with_no_anchors_logs_refusals_without_alerting(rig: Rig) -> None:
    lonely = ppmid(NvmStore.memory().partition("ppmid"), KeyStore(), {})
    out = lonely.device.endpoint.receive(read_firmware_version(rig.pki.keystore(), 1), 0, UTC0)
    assert out == [] and lonely.device.endpoint.security_log()[-1]["reason"] == intake.Refusal.MAC_INVALID.value
