"""KeyStore from PEM bytes: names, lazy parsing, typed errors, roles, cached key agreement (gbcs.md 1, 2.1, 4.2)."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from protocols.gbcs import KeyStore, KeyStoreError, KeyUsage
from protocols.gbcs.certificate import pem_to_der
from protocols.gbcs.example import example_command


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_names_it_does_not_understand_are_skipped() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    others = [
        "README.md",
        "0011-ka.key",
        "0011223344556677-xx.key",
        "0011223344556677-ka.txt",
        "zz11223344556677-ka.key",
    ]
    store = KeyStore.from_pem({"0011223344556677-ka.key": _pem(key), **dict.fromkeys(others, b"not a key")})
    assert len(store) == 1
    assert sorted(store.skipped) == sorted(others)
    eui = bytes.fromhex("0011223344556677")
    public = store.public_key(eui, KeyUsage.KA)  # derived from the private key file
    assert public is not None and public.public_numbers() == key.public_key().public_numbers()


def test_a_file_that_is_not_pem_is_named_at_once() -> None:
    with pytest.raises(KeyStoreError, match=r"0011223344556677-ds\.pem: not a PEM file"):
        KeyStore.from_pem({"0011223344556677-ds.pem": b"\x00\x01garbage"})


def test_a_corrupt_pem_body_is_recorded_once_and_treated_as_absent() -> None:
    pem = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    store = KeyStore.from_pem({"0011223344556677-ds.pem": pem})
    assert store.problems == []  # parsed on first use, not at load
    eui = bytes.fromhex("0011223344556677")
    assert store.public_key(eui, KeyUsage.DS) is None
    assert store.public_key(eui, KeyUsage.DS) is None and store.role(eui) is None  # not parsed again
    assert len(store.problems) == 1 and isinstance(store.problems[0], KeyStoreError)
    assert store.problems[0].path.name == "0011223344556677-ds.pem" and "not a readable key" in str(store.problems[0])


def _certificate_with(key_info_from: bytes, key_info_to: bytes) -> bytes:
    """A certificate made by cryptography's builder (the --example keys), its SubjectPublicKeyInfo bytes swapped."""
    pem = next(pem for name, pem in example_command().key_files.items() if name.endswith("-ds.pem"))
    der = pem_to_der(pem)
    assert der.count(key_info_from) == 1
    body = base64.encodebytes(der.replace(key_info_from, key_info_to))
    return b"-----BEGIN CERTIFICATE-----\n" + body + b"-----END CERTIFICATE-----\n"


#: DER of the algorithm identifier `id-ecPublicKey` with curve P-256 (RFC 5480 2.1.1).
_EC_P256 = bytes.fromhex("06072a8648ce3d020106082a8648ce3d030107")


@pytest.mark.parametrize(
    ("pem", "reason"),
    [
        (_pem(ec.generate_private_key(ec.SECP384R1())), "curve secp384r1, not secp256r1"),
        (_pem(ec.generate_private_key(ec.SECP256K1())), "curve secp256k1, not secp256r1"),
        (  # rsaEncryption's OID (1.2.840.113549.1.1.1) cut to the length of id-ecPublicKey: no known algorithm
            lambda: _certificate_with(_EC_P256, bytes.fromhex("06072a864886f70d0106082a8648ce3d030107")),
            "key algorithm not supported",
        ),
        (  # id-ecPublicKey on secp224k1 (1.3.132.0.32), a curve OpenSSL does not offer here
            lambda: _certificate_with(_EC_P256, bytes.fromhex("06072a8648ce3d020106082b81040020000000")),
            "key algorithm not supported",
        ),
    ],
    ids=["p384", "secp256k1", "unknown-algorithm", "unsupported-curve"],
)
def test_keys_gbcs_cannot_use_are_problems_not_failures(pem: bytes | Callable[[], bytes], reason: str) -> None:
    """A key on another curve, or a certificate whose key no one can read: one problem, then `no-key` (not an
    exception from ECDH or ECDSA later)."""
    pem_bytes = pem() if callable(pem) else pem
    name = "0011223344556677-ka.key" if b"PRIVATE" in pem_bytes else "0011223344556677-ka.pem"
    store = KeyStore.from_pem({name: pem_bytes})
    eui = bytes.fromhex("0011223344556677")
    other = ec.generate_private_key(ec.SECP256R1())
    store.add(b"\x02" * 8, KeyUsage.KA, other)
    assert store.public_key(eui, KeyUsage.KA) is None and store.private_key(eui, KeyUsage.KA) is None
    assert store.shared_secret(eui, b"\x02" * 8) is None
    assert len(store.problems) == 1 and reason in str(store.problems[0])


def test_shared_secret_is_symmetric_cached_and_none_without_a_private_key() -> None:
    a, b = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    eui_a, eui_b, eui_c = b"\x01" * 8, b"\x02" * 8, b"\x03" * 8
    store = KeyStore()
    store.add(eui_a, KeyUsage.KA, a)
    store.add(eui_b, KeyUsage.KA, b.public_key())
    store.add(eui_c, KeyUsage.KA, b.public_key())
    secret = store.shared_secret(eui_b, eui_a)
    assert secret == b.exchange(ec.ECDH(), a.public_key())  # computed from the other side's private key
    assert store.shared_secret(eui_a, eui_b) is secret  # cached per unordered pair
    assert store.shared_secret(eui_b, eui_c) is None  # neither side's private key is held
    key = store.derived_key((eui_a, eui_b), eui_a, 1, 5, eui_b)
    assert key is not None and len(key) == 16 and store.derived_key((eui_a, eui_b), eui_a, 1, 6, eui_b) != key
