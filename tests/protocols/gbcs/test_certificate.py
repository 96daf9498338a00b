"""`protocols.gbcs.certificate` against cryptography's X.509 parser, on every RTDS certificate (gbcs.md 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from protocols.gbcs.certificate import pem_to_der, read_certificate
from protocols.gbcs.example import example_command


def _reference(pem: bytes) -> tuple[bytes, str | None]:
    """What cryptography.x509 reads: the SubjectPublicKeyInfo DER and the first OU."""
    certificate = x509.load_pem_x509_certificate(pem)
    info = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    units = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    return info, str(units[0].value) if units else None


def test_every_rtds_certificate_reads_as_x509_reads_it(keystore_dir: Path) -> None:
    pems = [path.read_bytes() for path in sorted(keystore_dir.glob("*.pem"))]
    certificates = [pem for pem in pems if b"CERTIFICATE" in pem]
    assert len(certificates) > 400
    roles = set()
    for pem in certificates:
        assert read_certificate(pem) == _reference(pem)
        roles.add(read_certificate(pem)[1])
    assert {"02", "04", None} <= roles  # suppliers, the ACB (gbcs.md 2.1), devices (no OU)


def test_generated_certificates_with_a_role() -> None:
    """The `--example` key files: certificates made by cryptography's builder, with OU roles."""
    for pem in example_command().key_files.values():
        if b"CERTIFICATE" in pem:
            assert read_certificate(pem) == _reference(pem)


def test_malformed_certificates_raise_value_error(keystore_dir: Path) -> None:
    pem = next(path for path in sorted(keystore_dir.glob("*.pem")) if b"CERTIFICATE" in path.read_bytes()).read_bytes()
    der = pem_to_der(pem)
    with pytest.raises(ValueError, match="no PEM CERTIFICATE"):
        read_certificate(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    with pytest.raises(ValueError):
        read_certificate(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    for cut in (1, 10, len(der) // 2, len(der) - 1):
        with pytest.raises(ValueError):
            read_certificate(_as_pem(der[:cut]))


def _as_pem(der: bytes) -> bytes:
    import base64

    return b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"


@given(st.binary(max_size=600))
def test_any_bytes_read_or_raise_value_error(der: bytes) -> None:
    try:
        info, unit = read_certificate(_as_pem(der))
    except ValueError:
        return
    assert isinstance(info, bytes) and (unit is None or isinstance(unit, str))
