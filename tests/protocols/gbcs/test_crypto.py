"""GBCS crypto (gbcs.md 4) against RTDS messages and the test key store (shared/gbcs/keystore).

Expected MACs are the bytes RTDS carries (made by DCC tooling, not by this codec); the
gbcs.md 3.6 worked example gives the ECS52 MAC in the primer's own text.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from hal.keystore import load_keystore
from protocols.gbcs import GbcsCryptoError, KeyStore, KeyUsage, MacKeyPair, Message, Verdict, build, crypto, parse, seal
from protocols.gbcs.envelope import decode
from tests.protocols.gbcs import corpus

ACB = bytes.fromhex("90b3d51f30000002")
SUPPLIER = bytes.fromhex("90b3d51f30010000")
ESME = bytes.fromhex("00db1234567890a0")


@pytest.fixture(scope="module")
def keystore(keystore_dir: Path) -> KeyStore:
    return load_keystore(keystore_dir)


def _rtds(rtds_dir: Path, relative: str) -> bytes:
    path = rtds_dir / relative
    if not path.is_file():
        pytest.skip(f"RTDS file {relative} not present")
    return bytes.fromhex(path.read_text().strip())


def test_ecs52_mac_from_the_primer(rtds_dir: Path, keystore: KeyStore) -> None:
    """gbcs.md 3.6 / 4.6: ECS52's MAC A25A51A93BAFA5C9E2B224BD from ECDH(ACB KA, ESME KA) and the KDF."""
    data = _rtds(rtds_dir, "11.2_ECS52/ECS52_11.2_SUCCESS_COMMAND_GBCS.HEX")
    acb_private = keystore.private_key(ACB, KeyUsage.KA)
    esme_public = keystore.public_key(ESME, KeyUsage.KA)
    assert acb_private is not None and esme_public is not None
    key = crypto.derive_key(crypto.ecdh(acb_private, esme_public), SUPPLIER, 1, 1000, ESME)
    mac = crypto.compute_mac(key, SUPPLIER, data[13:-12])  # 13-byte MAC header (gbcs.md 3.6)
    assert mac == bytes.fromhex("A25A51A93BAFA5C9E2B224BD") == data[-12:]


def test_response_mac_uses_the_recipients_key(rtds_dir: Path, keystore: KeyStore) -> None:
    """gbcs.md 4.6: the ECS52 response MAC from the supplier's KA private key and the ESME's certificate."""
    data = _rtds(rtds_dir, "11.2_ECS52/ECS52_11.2_SUCCESS_RESPONSE_GBCS.HEX")
    supplier = keystore.private_key(SUPPLIER, KeyUsage.KA)
    esme = keystore.public_key(ESME, KeyUsage.KA)
    assert supplier is not None and esme is not None
    key = crypto.derive_key(crypto.ecdh(supplier, esme), ESME, 2, 1000, SUPPLIER)
    assert crypto.mac_matches(key, ESME, data[13:-12], data[-12:])
    assert not crypto.mac_matches(key, ESME, data[13:-13] + bytes((data[-13] ^ 1,)), data[-12:])


def test_command_macs_recomputed_byte_exact(rtds_dir: Path, keystore: KeyStore) -> None:
    """gbcs.md 7 item 17: re-MAC every ACB-MACed RTDS command with 90b3d51f30000002-ka.key; bytes equal."""
    acb_private = keystore.private_key(ACB, KeyUsage.KA)
    assert acb_private is not None
    checked = 0
    for file in corpus.load(rtds_dir):
        if file.kind != "COMMAND" or file.data[0] != 0xDD or file.folder_use_case == "PCS02":
            continue
        message = parse(file.data)
        device = keystore.public_key(message.recipient, KeyUsage.KA)
        assert device is not None
        stripped = Message(**{**message.__dict__, "mac": bytes(12)})
        assert build(stripped, mac_key=MacKeyPair(acb_private, device)) == file.data, file.path.name
        checked += 1
    assert checked == 342 - 4 - 1  # 4 signature-only commands, 1 PCS02


def test_resigned_precommand_verifies(rtds_dir: Path, keystore: KeyStore) -> None:
    """gbcs.md 7 item 17: sign a pre-command with 90b3d51f30010000-ds.key; the result verifies (ECDSA is randomised)."""
    data = _rtds(rtds_dir, "1.6_ECS02/ECS02_1.6_IMMEDIATE_SINGLE_SUCCESS_PRECOMMAND_GBCS.HEX")
    precommand = parse(data)
    signing_key = keystore.private_key(SUPPLIER, KeyUsage.DS)
    assert precommand.originator == SUPPLIER and signing_key is not None
    signed = build(precommand, signing_key=signing_key)
    assert signed[: len(data)] == data and signed[len(data)] == 0x40 and len(signed) == len(data) + 65
    assert parse(signed, keystore).verdicts.signature is Verdict.VALID
    command = _rtds(rtds_dir, "1.6_ECS02/ECS02_1.6_IMMEDIATE_SINGLE_SUCCESS_COMMAND_GBCS.HEX")
    assert parse(command, keystore).signature != parse(signed).signature  # fresh randomness, same verdict


def test_urp_payload_key_uses_supplementary_counter(rtds_dir: Path, keystore: KeyStore) -> None:
    """gbcs.md 4.4/4.6: the GCS16b URP response decrypts with GITTESTSUPPLIER2's key and Other Information's counter."""
    data = _rtds(rtds_dir, "4.14_GCS16b/GCS16b_4.14_URP_SUCCESS_RESPONSE_GBCS.HEX")
    message = parse(data, keystore)
    assert message.other_information.originator_counter is not None
    assert message.other_information.remote_party_id == bytes.fromhex("90b3d51f30030000")
    assert message.payload_tree is None or [d.status for d in message.payload_tree.decryptions] == ["decrypted"] * len(
        message.payload_tree.decryptions
    )
    from protocols.gbcs.verify import payload_key

    key = payload_key(message, keystore)
    wrong = KeyStore()
    assert key is not None and payload_key(message, wrong) is None


def test_block_encryption_round_trip_and_tamper() -> None:
    """gbcs.md 4.4 block layout: 31 || 00000000 || ciphertext || 12-byte tag; any flipped bit fails."""
    key, originator = bytes(range(16)), bytes.fromhex("00db1234567890a1")
    block = crypto.encrypt_block(key, originator, b"meter reading 42")
    assert block[:5] == b"\x31\x00\x00\x00\x00" and len(block) == 5 + 16 + 12
    assert crypto.decrypt_block(key, originator, block) == b"meter reading 42"
    for offset in (0, 6, len(block) - 1):
        broken = bytearray(block)
        broken[offset] ^= 0x80
        with pytest.raises(GbcsCryptoError) as caught:
            crypto.decrypt_block(key, originator, bytes(broken))
        assert 0 <= caught.value.offset <= len(block)
    with pytest.raises(GbcsCryptoError):
        crypto.decrypt_block(key, originator, block[:10])


def test_signature_raw_form() -> None:
    """gbcs.md 4.5: signatures are raw r||s (64 bytes); a wrong length or changed byte does not verify."""
    key = ec.generate_private_key(ec.SECP256R1())
    signature = crypto.sign(key, b"grouping header")
    assert len(signature) == 64
    assert crypto.signature_matches(key.public_key(), b"grouping header", signature)
    assert not crypto.signature_matches(key.public_key(), b"grouping header!", signature)
    assert not crypto.signature_matches(key.public_key(), b"grouping header", signature[:63])


def test_sealed_new_command_verifies_and_tampering_fails() -> None:
    """A command made from fields, signed and MACed with fresh keys, parses `valid`; a changed byte, `invalid`."""
    from protocols.gbcs import Cra, OtherInformation
    from protocols.gbcs.example import ecs09_payload

    supplier_ds, acb_ka, esme_ka = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    store = KeyStore()
    store.add(SUPPLIER, KeyUsage.DS, supplier_ds.public_key())
    store.add(ACB, KeyUsage.KA, acb_ka)
    store.add(ESME, KeyUsage.KA, esme_ka.public_key())
    store.acb = ACB
    message = Message(Cra.COMMAND, 77, SUPPLIER, ESME, OtherInformation(0x0020), ecs09_payload(77), mac=bytes(12))
    sealed = seal(message, signing_key=supplier_ds, mac_key=MacKeyPair(acb_ka, esme_ka.public_key()))
    wire = build(sealed)
    parsed = parse(wire, store)
    assert parsed.verdicts.mac is Verdict.VALID and parsed.verdicts.signature is Verdict.VALID
    _, regions = decode(wire)
    tampered = bytearray(wire)
    tampered[regions.payload_end - 1] ^= 0x01  # the ACTION data value: still a well-formed payload
    again = parse(bytes(tampered), store)
    assert again.verdicts.mac is Verdict.INVALID and again.verdicts.signature is Verdict.INVALID


def test_block_decryption_statuses(rtds_dir: Path, keystore: KeyStore) -> None:
    """gbcs.md 4.6 GBZ decryption example: decrypted with the store; no-key without; invalid with a wrong key."""
    data = _rtds(rtds_dir, "4.4.3_GCS15c/GCS15c_4.4.3_SUCCESS_RESPONSE_GBCS.HEX")
    gsme = bytes.fromhex("00db1234567890a1")

    def statuses(store: KeyStore | None) -> set[str]:
        tree = parse(data, store).payload_tree
        assert tree is not None and tree.decryptions
        return {d.status for d in tree.decryptions}

    assert statuses(keystore) == {"decrypted"}
    assert statuses(None) == {"no-key"}
    impostor = KeyStore()
    impostor.add(SUPPLIER, KeyUsage.KA, ec.generate_private_key(ec.SECP256R1()))
    device_key = keystore.public_key(gsme, KeyUsage.KA)
    assert device_key is not None
    impostor.add(gsme, KeyUsage.KA, device_key)
    assert statuses(impostor) == {"invalid"}
