"""Durability on one NVM across restarts, and the CS use cases' behaviour over (virtual) time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from firmware.devices.ppmid import PCS02, select_emergency_credit_payload
from firmware.gbcs.headend import command
from firmware.gbcs.intake import Refusal
from hal.nvm import NvmStore
from protocols.gbcs import Cra, KeyStore, KeyUsage, Verdict, cs, parse
from protocols.gbcs.cs.common import DIGITAL_SIGNATURE, ESME, GSME, SUPPLIER, AlertHeader, TrustAnchorCell
from tests.firmware.gbcs.rig import (
    ACB_EUI,
    CS07,
    GSME_EUI,
    SUPPLIER_EUI,
    UTC0,
    read_firmware_version,
    start_ppmid,
)

PPMID_EUI = bytes.fromhex("00db1234567890a4")
ESME_EUI = bytes.fromhex("00db1234567890a0")


def _join(headend, counter: int, payload: cs.JoinCommand, code: int = 0x00AF) -> bytes:  # type: ignore[no-untyped-def]
    return command(
        headend,
        originator=SUPPLIER_EUI,
        recipient=PPMID_EUI,
        counter=counter,
        message_code=code,
        payload=cs.build(payload),
        sign=True,
    )


def test_counters_and_join_list_survive_a_restart(tmp_path: Path) -> None:
    store = NvmStore.open(tmp_path / "state.sqlite")
    pki, device = start_ppmid(store)
    headend = pki.keystore()
    gsme_key = ec.generate_private_key(ec.SECP256R1())
    certificate = pki.issuer.device(GSME_EUI, KeyUsage.KA, gsme_key.public_key())
    joined = device.device.endpoint.receive(_join(headend, 10, cs.JoinCommand(3, GSME_EUI, GSME, certificate)), 0, UTC0)
    assert cs.parse(0x00AF, 2, parse(joined[0].data).payload) == cs.ResponseCode(0)
    device.device.endpoint.receive(read_firmware_version(headend, 20), 0, UTC0)
    store.close()

    store = NvmStore.open(tmp_path / "state.sqlite")  # the same SQLite file: a power cut and a new start
    pki, restarted = start_ppmid(store)
    endpoint = restarted.device.endpoint
    assert endpoint.receive(read_firmware_version(headend, 20), 0, UTC0)[0].cra is Cra.ALERT  # counter kept
    assert endpoint.security_log()[-1]["reason"] == Refusal.COUNTER_NOT_GREATER.value
    replay = endpoint.receive(_join(headend, 10, cs.JoinCommand(3, GSME_EUI, GSME, certificate)), 0, UTC0)
    assert replay[0].cra is Cra.ALERT
    read = command(
        headend, originator=ACB_EUI, recipient=PPMID_EUI, counter=21, message_code=CS07, payload=b"\x05\x00", sign=False
    )
    details = cs.parse(CS07, 2, parse(endpoint.receive(read, 0, UTC0)[0].data).payload)
    assert details == cs.JoinDetails(0, (cs.JoinedDevice(GSME_EUI, GSME),))
    # The join list's certificate gives the GSME's KA key back after the restart: PCS02 MACs verify with it.
    sent = restarted.activate_emergency_credit(GSME_EUI, 0, UTC0)
    message = parse(sent.data)
    assert (message.message_code, message.recipient, message.payload) == (
        PCS02,
        GSME_EUI,
        select_emergency_credit_payload(None),
    )
    ppmid_public = restarted.device.credentials.public_key(KeyUsage.KA)
    assert ppmid_public is not None
    gsme_side = KeyStore()
    gsme_side.add(GSME_EUI, KeyUsage.KA, gsme_key)
    gsme_side.add(PPMID_EUI, KeyUsage.KA, ppmid_public)
    assert parse(sent.data, gsme_side).verdicts.mac is Verdict.VALID


def test_a_failed_handler_leaves_no_trace_of_the_command() -> None:
    store = NvmStore.memory()
    pki, device = start_ppmid(store)

    def broken(payload, context):  # type: ignore[no-untyped-def]
        device.device.common.nvm.put("half-written", True)
        raise RuntimeError("bug")

    device.device.endpoint.handler.handle = broken  # type: ignore[method-assign]
    assert device.device.endpoint.receive(read_firmware_version(pki.keystore(), 5), 0, UTC0) == []
    assert device.device.common.nvm.get("half-written") is None and device.device.endpoint.pending() == []
    assert device.device.common.nvm.get("gbcs.counter." + ACB_EUI.hex()) is None


def test_join_rules_answer_rtds_codes() -> None:
    pki, device = start_ppmid(NvmStore.memory())
    headend, endpoint = pki.keystore(), device.device.endpoint

    def answer(counter: int, join: cs.JoinCommand, code: int = 0x00AF) -> int:
        out = endpoint.receive(_join(headend, counter, join, code), 0, UTC0)
        return cs.parse(code, 2, parse(out[0].data).payload).code

    assert answer(1, cs.JoinCommand(3, GSME_EUI, GSME)) == 11  # method C without certificate
    assert answer(2, cs.JoinCommand(2, GSME_EUI, GSME), 0x000E) == 2  # a PPMID does not join by method B
    assert answer(3, cs.JoinCommand(1, ESME_EUI, ESME), 0x00AB) == 0
    assert answer(4, cs.JoinCommand(1, ESME_EUI, ESME), 0x00AB) == 3  # already joined


def test_future_dated_credential_update_raises_its_alert_at_its_time() -> None:
    pki, device = start_ppmid(NvmStore.memory())
    headend, endpoint = pki.keystore(), device.device.endpoint
    new_key = ec.generate_private_key(ec.SECP256R1())
    new_certificate = pki.issuer.remote_party(SUPPLIER_EUI, SUPPLIER, KeyUsage.DS, new_key.public_key())
    execution = datetime.fromtimestamp(UTC0 + 3600, UTC)
    update = cs.UpdateCredentialsCommand(
        cs.credentials.AuthorisingControl(2, 77, TrustAnchorCell(SUPPLIER, DIGITAL_SIGNATURE), floor=0),
        (cs.Replacement(new_certificate, TrustAnchorCell(SUPPLIER, DIGITAL_SIGNATURE)),),
        (pki.issuer.certificate(),),
        execution,
    )
    data = command(
        headend,
        originator=SUPPLIER_EUI,
        recipient=PPMID_EUI,
        counter=77,
        message_code=0x0102,
        payload=cs.build(update),
        sign=True,
    )
    out = endpoint.receive(data, 100.0, UTC0)
    response = parse(out[0].data)
    assert cs.parse(0x0102, 2, response.payload) == cs.UpdateCredentialsResponse(None)
    assert response.date_time_raw is not None  # registry: CS02b responses carry the date-time
    assert endpoint.deadline() == 100.0 + 3600
    assert endpoint.timer_fired(100.0 + 3599, UTC0 + 3599) == []
    alerts = endpoint.timer_fired(100.0 + 3600, UTC0 + 3600)
    alert = cs.parse(0x00CB, 3, parse(alerts[0].data).payload)
    assert alert.header == AlertHeader(0x8F66, execution)
    assert [o.status for o in alert.outcome.outcomes] == [0]
    anchor = device.device.credentials.anchor(SUPPLIER, KeyUsage.DS)
    assert anchor is not None and anchor.key.public_numbers() == new_key.public_key().public_numbers()
    assert endpoint.deadline() is None


def test_firmware_activation_future_dated_and_immediate() -> None:
    pki, device = start_ppmid(NvmStore.memory())
    headend, endpoint = pki.keystore(), device.device.endpoint
    image = bytes(range(32))
    device.firmware.distribute(image, b"\x02\x00\x00\x00")

    def activate(counter: int, execution: datetime | None) -> bytes:
        payload = cs.build(cs.ActivateFirmware(image, counter, execution))
        data = command(
            headend,
            originator=SUPPLIER_EUI,
            recipient=PPMID_EUI,
            counter=counter,
            message_code=0x0012,
            payload=payload,
            sign=True,
        )
        return parse(endpoint.receive(data, 0.0, UTC0)[0].data).payload

    assert cs.parse(0x0012, 2, activate(1, datetime.fromtimestamp(UTC0 + 60, UTC))) == cs.Empty()
    alerts = endpoint.timer_fired(60.0, UTC0 + 60)
    alert = cs.parse(0x00CA, 3, parse(alerts[0].data).payload)
    assert (alert.header.alert_code, alert.counter, alert.outcome) == (
        0x8F66,
        1,
        cs.ActivationOutcome(0, b"\x02\x00\x00\x00"),
    )
    assert parse(alerts[0].data).recipient == SUPPLIER_EUI
    assert cs.parse(0x0012, 2, activate(2, None)) == cs.ActivationOutcome(1, b"\x02\x00\x00\x00")  # already consumed
