"""A complete signed and MACed GBCS command built with freshly generated keys: the project's main job.

Why it exists: the RTDS corpus and its keys stay outside the repository, yet
`commshub decode --example` must show the whole codec working on a clean checkout:
key generation, signing (gbcs.md 4.5), MACing for the ACB (4.2, 4.3), then decoding and
verifying with a key store read from files. This module makes the message and the
key-store files' contents; writing them to a folder is the caller's (the CLI's) I/O.

The command is ECS09 "activate emergency credit" (message code 0x0020, critical, so
signed by the supplier and MACed by the ACB): a DLMS ACTION (gbcs.md 5.2) on class 112
(Credit) 0-0:19.10.1.255 method 3 with data integer 0, the values RTDS's ECS09 uses.
Certificates carry the remote-party role in OU (gbcs.md 2.1) and fixed validity dates:
codecs read no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from protocols.gbcs.codec import MacKeyPair, build
from protocols.gbcs.keystore import ACB_ROLE
from protocols.gbcs.message import Cra, Message, OtherInformation

SUPPLIER = bytes.fromhex("90b3d51f30010000")  #: RTDS test supplier EUI (gbcs.md 2.1)
ACB = bytes.fromhex("90b3d51f30000002")  #: RTDS test Access Control Broker EUI
ESME = bytes.fromhex("00db1234567890a0")  #: RTDS test electricity meter EUI (gbcs.md 2.2)
SUPPLIER_ROLE = 2
ECS09 = 0x0020
#: DLMS ACTION class 112 (Credit), OBIS 0-0:19.10.1.255, method 3 (gbcs.md 5.2; values of RTDS ECS09).
_ACTION = bytes.fromhex("00700000130a01ff03")
_NOT_BEFORE = datetime(2015, 1, 1, tzinfo=UTC)
_NOT_AFTER = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


@dataclass(frozen=True)
class ExampleCommand:
    """The built command, and the key-store files (name -> PEM) that verify it."""

    wire: bytes
    key_files: dict[str, bytes]


def ecs09_payload(counter: int) -> bytes:
    """DLMS access-request: invoke id `20` + the counter's low 24 bits, one ACTION, data integer 0."""
    invoke = b"\x20" + (counter & 0xFFFFFF).to_bytes(3, "big")
    return b"\xd9" + invoke + b"\x00" + b"\x01\x03" + _ACTION + b"\x01" + b"\x0f\x00"


def _certificate(eui: bytes, role: int | None, key: ec.EllipticCurvePrivateKey) -> bytes:
    """A self-signed certificate naming `eui` (and `role` in OU), PEM encoded."""
    attributes = [x509.NameAttribute(NameOID.X500_UNIQUE_IDENTIFIER, eui.hex())]
    if role is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"{role:02d}"))
    name = x509.Name(attributes)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(eui, "big") or 1)
        .not_valid_before(_NOT_BEFORE)
        .not_valid_after(_NOT_AFTER)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def _private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def example_command(counter: int = 1000) -> ExampleCommand:
    """Generate keys, then build a supplier-signed, ACB-MACed ECS09 command to the ESME."""
    supplier_ds = ec.generate_private_key(ec.SECP256R1())
    acb_ka = ec.generate_private_key(ec.SECP256R1())
    esme_ka = ec.generate_private_key(ec.SECP256R1())
    message = Message(
        cra=Cra.COMMAND,
        originator_counter=counter,
        originator=SUPPLIER,
        recipient=ESME,
        other_information=OtherInformation(ECS09),
        payload=ecs09_payload(counter),
        mac=bytes(12),  # a general-ciphering message: the MAC is computed by build()
    )
    wire = build(message, signing_key=supplier_ds, mac_key=MacKeyPair(acb_ka, esme_ka.public_key()))
    key_files = {
        f"{SUPPLIER.hex()}-ds.pem": _certificate(SUPPLIER, SUPPLIER_ROLE, supplier_ds),
        f"{ACB.hex()}-ka.pem": _certificate(ACB, ACB_ROLE, acb_ka),
        f"{ACB.hex()}-ka.key": _private_pem(acb_ka),
        f"{ESME.hex()}-ka.pem": _certificate(ESME, None, esme_ka),
    }
    return ExampleCommand(wire, key_files)
