"""KeyStore: file names, lazy loading, typed errors, roles and cached key agreement (gbcs.md 1, 2.1, 4.2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from protocols.gbcs import KeyStore, KeyStoreError, KeyUsage

ACB = bytes.fromhex("90b3d51f30000002")
SUPPLIER = bytes.fromhex("90b3d51f30010000")


def test_rtds_keystore(keystore_dir: Path) -> None:
    """gbcs.md 1: 435 files, all understood; roles from certificate OU (ACB = 04, supplier = 02)."""
    store = KeyStore.load(keystore_dir)
    assert len(store) == 435 and store.skipped == ()
    assert store.acb == ACB
    assert store.role(SUPPLIER) == 2
    assert store.private_key(SUPPLIER, KeyUsage.PP_KA) is not None  # 90b3d51f30010000-pp-ka.key
    assert store.private_key(bytes.fromhex("00db1234567890a0"), KeyUsage.KA) is None  # devices: certificates only
    bare = store.public_key(bytes.fromhex("fffffffffffffffe"), KeyUsage.KA)  # a bare public key, not a certificate
    assert isinstance(bare, ec.EllipticCurvePublicKey)
    assert store.is_device(bytes.fromhex("00db1234567890a4"))  # PPMID: a device certificate, no role
    assert not store.is_device(SUPPLIER) and not store.is_device(ACB)
    assert not store.is_device(bytes.fromhex("fffffffffffffffe")) and not store.is_device(b"\x01" * 8)


def test_quirk_key_pair_is_the_same(keystore_dir: Path) -> None:
    """gbcs.md 1: 90b3d51f30000007-ka is the same key pair as 90b3d51f30030000-ka."""
    store = KeyStore.load(keystore_dir)
    device = bytes.fromhex("00db1234567890a0")
    first = store.shared_secret(bytes.fromhex("90b3d51f30000007"), device)
    assert first is not None and first == store.shared_secret(bytes.fromhex("90b3d51f30030000"), device)


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_names_it_does_not_understand_are_skipped(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "0011223344556677-ka.key").write_bytes(_pem(key))
    for name in (
        "README.md",
        "0011-ka.key",
        "0011223344556677-xx.key",
        "0011223344556677-ka.txt",
        "zz11223344556677-ka.key",
    ):
        (tmp_path / name).write_text("not a key")
    store = KeyStore.load(tmp_path)
    assert len(store) == 1
    assert sorted(store.skipped) == sorted(
        ["README.md", "0011-ka.key", "0011223344556677-xx.key", "0011223344556677-ka.txt", "zz11223344556677-ka.key"]
    )
    eui = bytes.fromhex("0011223344556677")
    public = store.public_key(eui, KeyUsage.KA)  # derived from the private key file
    assert public is not None and public.public_numbers() == key.public_key().public_numbers()


def test_a_file_that_is_not_pem_is_named_at_load(tmp_path: Path) -> None:
    (tmp_path / "0011223344556677-ds.pem").write_bytes(b"\x00\x01garbage")
    with pytest.raises(KeyStoreError, match="0011223344556677-ds.pem"):
        KeyStore.load(tmp_path)


def test_a_corrupt_pem_body_is_recorded_once_and_treated_as_absent(tmp_path: Path) -> None:
    (tmp_path / "0011223344556677-ds.pem").write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    store = KeyStore.load(tmp_path)
    assert store.problems == []  # parsed on first use, not at load
    eui = bytes.fromhex("0011223344556677")
    assert store.public_key(eui, KeyUsage.DS) is None
    assert store.public_key(eui, KeyUsage.DS) is None and store.role(eui) is None  # not parsed again
    assert len(store.problems) == 1 and isinstance(store.problems[0], KeyStoreError)
    assert store.problems[0].path.name == "0011223344556677-ds.pem" and "not a readable key" in str(store.problems[0])


def test_missing_folder_and_a_file_instead_of_a_folder(tmp_path: Path) -> None:
    with pytest.raises(KeyStoreError, match="cannot list"):
        KeyStore.load("/nonexistent/keystore")
    (tmp_path / "keys.pem").write_text("not a folder")
    with pytest.raises(KeyStoreError, match="is not a folder"):
        KeyStore.load(tmp_path / "keys.pem")


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
