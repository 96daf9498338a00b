"""Key material modes, certificates shaped like RTDS, and the exported key store folder."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from firmware.devices.ppmid import PPMID_EUI, ppmid
from firmware.gbcs import certificates
from firmware.gbcs.credentials import Credentials, KeyMode
from firmware.gbcs.headend import command
from hal.keystore import load_keystore
from hal.nvm import NvmStore
from protocols.gbcs import Cra, KeyUsage, Verdict, cs, parse
from protocols.gbcs.certificate import read_certificate
from tests.firmware.gbcs.rig import SUPPLIER_EUI, UTC0, read_firmware_version, start_ppmid
from tests.firmware.gbcs.rtds import PARTIES


def test_key_identifiers_follow_the_rtds_rule(keystore_dir: Path) -> None:
    for path in sorted(keystore_dir.glob("*.pem"))[:40]:
        try:
            certificate = x509.load_pem_x509_certificate(path.read_bytes())
        except ValueError:
            continue  # fffffffffffffffe-ka.pem is a bare public key (gbcs.md 1)
        found = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        assert certificates.key_identifier(certificate.public_key()) == found, path.name  # type: ignore[arg-type]


def test_identity_reads_rtds_device_and_remote_party_certificates(keystore_dir: Path) -> None:
    device = x509.load_pem_x509_certificate((keystore_dir / "00db1234567890a0-ka.pem").read_bytes())
    named = certificates.identity(device.public_bytes(Encoding.DER))
    assert (named.eui, named.role, named.usage) == (bytes.fromhex("00db1234567890a0"), None, KeyUsage.KA)
    party = x509.load_pem_x509_certificate((keystore_dir / "90b3d51f30010000-ds.pem").read_bytes())
    named = certificates.identity(party.public_bytes(Encoding.DER))
    assert (named.eui, named.role, named.usage) == (SUPPLIER_EUI, 2, KeyUsage.DS)


def test_issued_certificates_have_the_rtds_shape() -> None:
    store = NvmStore.memory()
    pki, device = start_ppmid(store)
    party = x509.load_der_x509_certificate(pki.party_certificate(2, KeyUsage.DS))
    assert party.subject.rfc4514_string() == "2.5.4.45=#0090b3d51f30010000,OU=02,CN=TESTSUPPLIER"
    assert party.issuer.rfc4514_string() == "OU=07,CN=commshub test CA"
    assert read_certificate(certificates.pem(pki.party_certificate(2, KeyUsage.DS)))[1] == "02"
    own = device.device.credentials.own_certificate(KeyUsage.KA)
    assert own is not None and certificates.identity(own).eui == PPMID_EUI
    assert certificates.verifies(certificates.identity(own).certificate, pki.issuer.certificate())


def test_generated_mode_keeps_its_keys_across_restarts() -> None:
    store = NvmStore.memory()
    _, first = start_ppmid(store)
    _, second = start_ppmid(store)
    assert first.device.credentials.mode is KeyMode.GENERATED
    key_one = first.device.credentials.public_key(KeyUsage.DS)
    key_two = second.device.credentials.public_key(KeyUsage.DS)
    assert key_one is not None and key_two is not None
    assert key_one.public_numbers() == key_two.public_numbers()


def test_exported_folder_loads_and_verifies_a_signed_response(tmp_path: Path) -> None:
    pki, device = start_ppmid(NvmStore.memory())

    def write(name: str, contents: bytes) -> None:
        (tmp_path / name).write_bytes(contents)

    pki.export(write)
    exported = load_keystore(tmp_path)
    assert exported.role(SUPPLIER_EUI) == 2 and exported.acb == bytes.fromhex("90b3d51f30000002")
    join = cs.build(cs.JoinCommand(1, bytes.fromhex("00db1234567890a0"), 1))
    data = command(
        exported, originator=SUPPLIER_EUI, recipient=PPMID_EUI, counter=9, message_code=0x00AB, payload=join, sign=True
    )
    response = parse(device.device.endpoint.receive(data, 0, UTC0)[0].data, exported)
    assert (response.cra, response.verdicts.signature, response.mac) == (Cra.RESPONSE, Verdict.VALID, None)


def test_rig_mode_macs_with_the_remote_party_key_and_generates_a_signing_key(keystore_dir: Path) -> None:
    rtds = load_keystore(keystore_dir)
    store = NvmStore.memory()
    device = ppmid(store.partition("ppmid"), rtds, PARTIES)
    credentials = device.device.credentials
    assert credentials.mode is KeyMode.RIG and credentials.own_certificate(KeyUsage.DS) is None
    response = parse(device.device.endpoint.receive(read_firmware_version(rtds, 5), 0, UTC0)[0].data, rtds)
    assert response.verdicts.mac is Verdict.VALID  # computed with the ACB's private key and our certificate
    key = credentials.signing_key()
    files = credentials.exported_certificates()
    assert list(files) == [f"{PPMID_EUI.hex()}-ds.pem"]
    exported = x509.load_pem_x509_certificate(files[f"{PPMID_EUI.hex()}-ds.pem"])
    assert exported.public_key().public_numbers() == key.public_key().public_numbers()  # type: ignore[union-attr]
    assert Credentials(PPMID_EUI, store.partition("ppmid"), rtds, PARTIES).signing_key().private_numbers() == (
        key.private_numbers()
    )
