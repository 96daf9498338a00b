"""ECQV implicit certificates of ZigBee Smart Energy: the 48-octet suite-1 and 74-octet suite-2
layouts (cbke.md 3), as construct structs with `parse_certificate` / `build_certificate`.

Everything is big-endian, the subject EUI-64 included (it is little-endian in ZigBee frames, so a
stack compares `certificate.subject` with its IEEE address as an int). Parsing accepts every
well-formed certificate and rebuilds it byte-exact; whether a certificate may be used for key
agreement is a separate check (`check_key_agreement`), because the maths (reconstruction, the
published vectors of cbke.md 8.4) applies to certificates that CBKE must refuse.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar

from construct import Bytes, BytesInteger, Int8ub, Int32ub, Int64ub, Struct, Terminated

from protocols.zigbee.cbke.codec import build_struct, exact_length, parse_struct
from protocols.zigbee.cbke.errors import CertificateError
from protocols.zigbee.cbke.suites import CryptoSuite, suite_parameters

PROTOCOL = "zigbee.cbke.certificate"
#: Suite-2 field values CBKE requires (cbke.md 3.2).
IMPLICIT_NO_EXTENSIONS = 0x00
CURVE_SECT283K1 = 0x0D
HASH_AES_MMO = 0x08
KEY_USAGE_KEY_AGREEMENT = 0x08
KEY_USAGE_DIGITAL_SIGNATURE = 0x80
NO_EXPIRY = 0xFFFFFFFF
#: First two octets of suite-1 ProfileAttributeData: the Smart Energy profile ID.
SMART_ENERGY_PROFILE = b"\x01\x09"

_SUITE_1 = Struct(
    "public_reconstruction_key" / Bytes(22),
    "subject" / Int64ub,
    "issuer" / Bytes(8),
    "profile_attribute_data" / Bytes(10),
    Terminated,
)

_SUITE_2 = Struct(
    "certificate_type" / Int8ub,
    "serial_number" / Bytes(8),
    "curve" / Int8ub,
    "hash" / Int8ub,
    "issuer" / Bytes(8),
    "valid_from" / BytesInteger(5),
    "valid_to" / Int32ub,
    "subject" / Int64ub,
    "key_usage" / Int8ub,
    "public_reconstruction_key" / Bytes(37),
    Terminated,
)


@dataclass(frozen=True, slots=True)
class Suite1Certificate:
    """48 octets: P_U (compressed), subject, issuer, profile attribute data (cbke.md 3.1)."""

    suite: ClassVar[CryptoSuite] = CryptoSuite.SUITE_1
    public_reconstruction_key: bytes
    subject: int
    issuer: bytes
    profile_attribute_data: bytes = SMART_ENERGY_PROFILE + bytes(8)


@dataclass(frozen=True, slots=True)
class Suite2Certificate:
    """74 octets (cbke.md 3.2). `valid_from` is Unix seconds as the published vectors read;
    `valid_to` 0xFFFFFFFF means no expiry."""

    suite: ClassVar[CryptoSuite] = CryptoSuite.SUITE_2
    serial_number: bytes
    issuer: bytes
    valid_from: int
    subject: int
    public_reconstruction_key: bytes
    valid_to: int = NO_EXPIRY
    key_usage: int = KEY_USAGE_KEY_AGREEMENT | KEY_USAGE_DIGITAL_SIGNATURE
    certificate_type: int = IMPLICIT_NO_EXTENSIONS
    curve: int = CURVE_SECT283K1
    hash: int = HASH_AES_MMO


Certificate = Suite1Certificate | Suite2Certificate


def parse_certificate(data: bytes, suite: CryptoSuite, *, base: int = 0) -> Certificate:
    """The certificate in `data` for `suite`; `CbkeDecodeError` if it is not exactly that suite's length."""
    length = suite_parameters(suite, protocol=PROTOCOL).certificate_length
    exact_length(data, length, PROTOCOL, "certificate", base)
    if suite == CryptoSuite.SUITE_1:
        raw = parse_struct(_SUITE_1, data, PROTOCOL, base)
        return Suite1Certificate(
            public_reconstruction_key=raw.public_reconstruction_key,
            subject=raw.subject,
            issuer=raw.issuer,
            profile_attribute_data=raw.profile_attribute_data,
        )
    raw = parse_struct(_SUITE_2, data, PROTOCOL, base)
    return Suite2Certificate(
        serial_number=raw.serial_number,
        issuer=raw.issuer,
        valid_from=raw.valid_from,
        subject=raw.subject,
        public_reconstruction_key=raw.public_reconstruction_key,
        valid_to=raw.valid_to,
        key_usage=raw.key_usage,
        certificate_type=raw.certificate_type,
        curve=raw.curve,
        hash=raw.hash,
    )


def build_certificate(certificate: Certificate) -> bytes:
    """The octets of `certificate`; `CbkeEncodeError` for a field of the wrong size."""
    layout = _SUITE_1 if isinstance(certificate, Suite1Certificate) else _SUITE_2
    return build_struct(layout, asdict(certificate), PROTOCOL)


def check_key_agreement(certificate: Certificate, *, base: int = 0) -> None:
    """Refuse (`CertificateError`, status INVALID_CERTIFICATE) a suite-2 certificate that is not an
    implicit sect283k1 / AES-MMO certificate with the key-agreement usage bit (cbke.md 3.2)."""
    if not isinstance(certificate, Suite2Certificate):
        return
    expected = (
        ("certificate_type", 0, IMPLICIT_NO_EXTENSIONS),
        ("curve", 9, CURVE_SECT283K1),
        ("hash", 10, HASH_AES_MMO),
    )
    for field, offset, value in expected:
        if getattr(certificate, field) != value:
            raise CertificateError(
                PROTOCOL, base + offset, field, f"{field} 0x{getattr(certificate, field):02x}, expected 0x{value:02x}"
            )
    if not certificate.key_usage & KEY_USAGE_KEY_AGREEMENT:
        raise CertificateError(
            PROTOCOL, base + 36, "key_usage", f"key usage 0x{certificate.key_usage:02x} lacks key agreement (0x08)"
        )
