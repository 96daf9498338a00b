"""Certificate codecs (cbke.md 3), the CBKE usage checks, and the test CA (ECQV issuing, cbke.md 4)."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.zigbee.cbke import (
    CbkeDecodeError,
    CbkeEncodeError,
    CertificateAuthority,
    CertificateError,
    CryptoSuite,
    DeviceCredentials,
    Suite1Certificate,
    Suite2Certificate,
    build_certificate,
    check_key_agreement,
    complete_private_key,
    parse_certificate,
    public_key_of,
    reconstruct_public_key,
)
from protocols.zigbee.cbke.curve import SECT283K1
from tests.protocols.zigbee.cbke.vectors import SUITE_1_EXCHANGE, SUITE_2_EXCHANGE, unhex

SUITE_1_CERT = unhex(SUITE_1_EXCHANGE.u_cert)
SUITE_2_CERT = unhex(SUITE_2_EXCHANGE.u_cert)


def test_suite_1_fields() -> None:
    certificate = parse_certificate(SUITE_1_CERT, CryptoSuite.SUITE_1)
    assert certificate == Suite1Certificate(
        public_reconstruction_key=unhex("020615e07d30eca2dad58002e667d94bc1b422398307"),
        subject=2,
        issuer=b"TESTSECA",
        profile_attribute_data=unhex("01090006000000000000"),
    )
    assert build_certificate(certificate) == SUITE_1_CERT


def test_suite_2_fields() -> None:
    certificate = parse_certificate(SUITE_2_CERT, CryptoSuite.SUITE_2)
    assert isinstance(certificate, Suite2Certificate)
    assert (certificate.serial_number, certificate.issuer) == (unhex("84a933b37f018dec"), unhex("1112131415161718"))
    assert (certificate.valid_from, certificate.valid_to) == (0x005292A38A, 0xFFFFFFFF)  # 2013-11-25 as Unix time
    assert (certificate.subject, certificate.key_usage) == (0x0A0B0C0D0E0F1012, 0x88)
    assert (certificate.certificate_type, certificate.curve, certificate.hash) == (0, 0x0D, 0x08)
    assert build_certificate(certificate) == SUITE_2_CERT
    check_key_agreement(certificate)


@pytest.mark.parametrize(("data", "suite"), [(SUITE_1_CERT, CryptoSuite.SUITE_1), (SUITE_2_CERT, CryptoSuite.SUITE_2)])
@pytest.mark.parametrize("delta", [-1, 1, -20])
def test_wrong_lengths_are_refused(data: bytes, suite: CryptoSuite, delta: int) -> None:
    wrong = data[:delta] if delta < 0 else data + b"\x00" * delta
    with pytest.raises(CbkeDecodeError) as error:
        parse_certificate(wrong, suite)
    assert error.value.offset == min(len(wrong), len(data)) and error.value.field == "certificate"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"certificate_type": 1}, "certificate_type"),
        ({"curve": 0x0C}, "curve"),
        ({"hash": 0x01}, "hash"),
        ({"key_usage": 0x80}, "key_usage"),
    ],
)
def test_suite_2_usage_checks(change: dict[str, int], field: str) -> None:
    certificate = replace(parse_certificate(SUITE_2_CERT, CryptoSuite.SUITE_2), **change)
    with pytest.raises(CertificateError) as error:
        check_key_agreement(certificate)
    assert error.value.field == field


def test_build_refuses_fields_of_the_wrong_size() -> None:
    certificate = parse_certificate(SUITE_1_CERT, CryptoSuite.SUITE_1)
    with pytest.raises(CbkeEncodeError):
        build_certificate(replace(certificate, issuer=b"SHORT"))


@pytest.mark.parametrize("suite", [CryptoSuite.SUITE_1, CryptoSuite.SUITE_2])
@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=90))
def test_any_bytes_parse_or_fail_cleanly(suite: CryptoSuite, data: bytes) -> None:
    try:
        certificate = parse_certificate(data, suite)
    except CbkeDecodeError as error:
        assert 0 <= error.offset <= len(data)
    else:
        assert build_certificate(certificate) == data


@pytest.mark.parametrize("suite", [CryptoSuite.SUITE_1, CryptoSuite.SUITE_2])
def test_ca_issues_certificates_that_verify(suite: CryptoSuite) -> None:
    rng = random.Random(int(suite)).randbytes
    authority = CertificateAuthority.generate(suite, rng)
    credentials = authority.issue(0x00DB1234567890A0, rng, valid_from=1_700_000_000)
    assert credentials.subject == 0x00DB1234567890A0 and credentials.verify()
    assert credentials.parsed.issuer == authority.issuer
    assert DeviceCredentials.from_toml(credentials.to_toml()) == credentials
    assert CertificateAuthority.from_toml(authority.to_toml()) == authority
    other = authority.issue(0x00DB1234567890A0, rng)
    assert other.certificate != credentials.certificate  # a fresh k (and serial) per certificate


def test_two_party_issuing() -> None:
    """SEC 4 3.4-3.5: the device keeps k_U; the CA returns (cert, r); d_U = e*k_U + r checks out."""
    rng = random.Random(4).randbytes
    authority = CertificateAuthority.generate(CryptoSuite.SUITE_2, rng)
    secret = 0x1234567890ABCDEF
    certificate, contribution = authority.issue_for_request(public_key_of(secret, CryptoSuite.SUITE_2), 7, rng)
    private_key = complete_private_key(secret, contribution, certificate, CryptoSuite.SUITE_2, authority.public_key)
    assert public_key_of(private_key, CryptoSuite.SUITE_2) == reconstruct_public_key(
        certificate, CryptoSuite.SUITE_2, authority.public_key
    )
    with pytest.raises(CertificateError):
        complete_private_key(secret + 1, contribution, certificate, CryptoSuite.SUITE_2, authority.public_key)


def test_ca_file_with_a_foreign_public_key_is_refused() -> None:
    rng = random.Random(2).randbytes
    text = CertificateAuthority.generate(CryptoSuite.SUITE_2, rng).to_toml()
    other = CertificateAuthority.generate(CryptoSuite.SUITE_2, rng).trust_anchor.public_key_bytes.hex()
    lines = [f'public_key = "{other}"' if line.startswith("public_key") else line for line in text.splitlines()]
    with pytest.raises(ValueError, match="does not match"):
        CertificateAuthority.from_toml("\n".join(lines))
    with pytest.raises(ValueError, match="missing"):
        CertificateAuthority.from_toml('suite = 2\nissuer = "00"\n')


def test_certificate_with_a_point_off_the_curve_is_invalid() -> None:
    certificate = bytearray(SUITE_2_CERT)
    for candidate in range(256):  # find an x that is no x-coordinate of sect283k1
        certificate[-1] = candidate
        try:
            SECT283K1.decompress(bytes(certificate[37:]))
        except CbkeDecodeError:
            break
    with pytest.raises(CertificateError) as error:
        reconstruct_public_key(bytes(certificate), CryptoSuite.SUITE_2, SECT283K1.generator)
    assert error.value.field == "public_reconstruction_key"
