"""The ESME behind the real envelope side (`firmware.gbcs`): whole RTDS messages in, sealed messages out.

Per ESME folder a fresh device - `firmware.gbcs.assembly.assemble` with the RTDS key store (RIG
key mode) and an `Esme` as its payload handler - takes the folder's COMMAND files as bytes, in
counter order. Each response must verify (MAC or signature) with the RTDS key store and agree
with the RTDS RESPONSE on what shared/tools/rtds_replay.py compares: message code, CRA flag,
payload family and per-item outcome. Future-dated alerts come out sealed as GBCS alerts.
Signed messages are signed with a key the rig device generated (the RTDS key store holds no
device private keys), so only MACs are checked against the RTDS keys.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from firmware.devices.esme import CredentialsSecurity, Esme, KeyStoreSecurity
from firmware.gbcs.assembly import assemble
from firmware.gbcs.credentials import Credentials
from hal.keystore import load_keystore
from hal.nvm import NvmStore
from protocols.gbcs import Cra, KeyStore, Verdict, parse, utrn
from protocols.gbcs.cs.common import ESME as ESME_TYPE
from protocols.gbcs.keystore import KeyUsage
from tests.firmware.devices.esme import rtds
from tests.firmware.gbcs.rtds import PARTIES, summary  # RTDS identities; what rtds_replay.py compares


@pytest.fixture(scope="module")
def keystore(keystore_dir: Path) -> KeyStore:
    return load_keystore(keystore_dir)


def test_rtds_esme_messages_through_the_envelope(rtds_dir: Path, keystore: KeyStore) -> None:
    differences: dict[str, tuple[Any, Any]] = {}
    answered = alerts = 0
    for folder in rtds.esme_folders(rtds_dir, keystore):
        messages = rtds.folder_messages(folder, keystore)
        commands = sorted(
            (name for name in messages if name.endswith("_COMMAND_GBCS.HEX") and "PRECOMMAND" not in name),
            key=lambda name: (messages[name].originator_counter, name),
        )
        nvm = NvmStore.memory().partition(rtds.ESME.hex())
        esme = Esme(nvm, rtds.profile_for(folder), random.Random(3), security=KeyStoreSecurity(keystore, rtds.ESME))
        device = assemble(rtds.ESME, nvm, keystore, PARTIES, device_type=ESME_TYPE, alert_family="dlms", handler=esme)
        clock = rtds.Clock()
        for name in commands:
            expected = messages[name.replace("_COMMAND_", "_RESPONSE_")]
            fault = rtds.device_fault(messages[name].payload, expected.payload) if "_ERROR_" in name else None
            if fault is not None:
                esme.faults.add(fault)
            out = device.endpoint.receive(bytes.fromhex((folder / name).read_text()), clock.now, clock.utc)
            esme.faults.clear()
            [response] = [parse(o.data, keystore) for o in out if o.cra is Cra.RESPONSE]
            if not response.signature:  # MACed for the remote party: verifies with the RTDS keys
                assert response.verdicts.mac is Verdict.VALID, name
            answered += 1
            if summary(response) != summary(expected):
                differences[name] = (summary(response), summary(expected))
            for due, _ in esme.pending_activations():
                clock.to(due - esme.meter_time(0.0) + 1)
                for sealed in device.endpoint.timer_fired(clock.now, clock.utc):
                    alert = parse(sealed.data, keystore)
                    assert alert.cra is Cra.ALERT and alert.originator == rtds.ESME
                    alerts += alert.message_code == 0x00CC
    assert differences == {}
    assert answered == 168 and alerts == 35


def test_credentials_security_agrees_with_the_key_store(keystore: KeyStore) -> None:
    """The device's credentials (RIG mode here) verify a UTRN and protect data as the key store does."""
    supplier = PARTIES[2]
    credentials = Credentials(rtds.ESME, NvmStore.memory().partition("esme"), keystore, PARTIES)
    from_credentials = CredentialsSecurity(credentials, keystore)
    from_keystore = KeyStoreSecurity(keystore, rtds.ESME)
    counter = 7 << 32
    token = utrn.make(
        supplier=supplier,
        device=rtds.ESME,
        counter=counter,
        value=10,
        value_class=1,
        prepayment_key=keystore.private_key(supplier, KeyUsage.PP_KA),  # type: ignore[arg-type]
        device_public_key=keystore.public_key(rtds.ESME, KeyUsage.KA),  # type: ignore[arg-type]
    )
    for security in (from_credentials, from_keystore):
        assert security.utrn_valid(token, supplier=supplier, counter=counter)
        assert not security.utrn_valid(token, supplier=supplier, counter=counter + (1 << 32))
    plaintext = b"\x02\x01\x06\x00\x00\x00\x0a"
    assert from_credentials.encrypt(plaintext, recipient=supplier, counter=1000) == from_keystore.encrypt(
        plaintext, recipient=supplier, counter=1000
    )
