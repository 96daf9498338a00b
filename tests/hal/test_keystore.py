"""`hal.keystore.load_keystore`: a folder of key files read into a KeyStore (gbcs.md 1), and what a bad folder gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hal.keystore import MAX_KEY_FILE_BYTES, load_keystore
from protocols.gbcs import KeyStoreError, KeyUsage

ACB = bytes.fromhex("90b3d51f30000002")
SUPPLIER = bytes.fromhex("90b3d51f30010000")
EUI = bytes.fromhex("0011223344556677")


def test_rtds_keystore(keystore_dir: Path) -> None:
    """gbcs.md 1: 435 files, all understood; roles from certificate OU (ACB = 04, supplier = 02)."""
    store = load_keystore(keystore_dir)
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
    store = load_keystore(keystore_dir)
    device = bytes.fromhex("00db1234567890a0")
    first = store.shared_secret(bytes.fromhex("90b3d51f30000007"), device)
    assert first is not None and first == store.shared_secret(bytes.fromhex("90b3d51f30030000"), device)


def test_missing_folder_and_a_file_instead_of_a_folder(tmp_path: Path) -> None:
    with pytest.raises(KeyStoreError, match="cannot list"):
        load_keystore("/nonexistent/keystore")
    (tmp_path / "keys.pem").write_text("not a folder")
    with pytest.raises(KeyStoreError, match="is not a folder"):
        load_keystore(tmp_path / "keys.pem")


def _private_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_a_file_that_is_not_pem_is_named_at_load(tmp_path: Path) -> None:
    (tmp_path / "0011223344556677-ds.pem").write_bytes(b"\x00\x01garbage")
    with pytest.raises(KeyStoreError, match=r"0011223344556677-ds\.pem: not a PEM file"):
        load_keystore(tmp_path)


def test_unreadable_key_files_are_problems_and_the_rest_loads(tmp_path: Path) -> None:
    """A symlink loop, a dangling link and an oversized file named like key files: each one problem at load,
    naming the file; the other keys load; other names (a folder, a FIFO, a README) are skipped."""
    (tmp_path / "0011223344556677-ka.key").write_bytes(_private_pem())
    loop = tmp_path / "0011223344556677-ds.pem"
    loop.symlink_to(loop.name)  # points at itself: ELOOP
    (tmp_path / "0011223344556677-pp-ka.pem").symlink_to("missing.pem")
    (tmp_path / "1111111111111111-ka.pem").write_bytes(b"-----BEGIN" + b"x" * MAX_KEY_FILE_BYTES)
    (tmp_path / "sub").mkdir()
    os.mkfifo(tmp_path / "2222222222222222-ka.pem")
    (tmp_path / "README").write_text("keys")
    store = load_keystore(tmp_path)
    named = sorted(problem.path.name for problem in store.problems)
    assert named == ["0011223344556677-ds.pem", "0011223344556677-pp-ka.pem", "1111111111111111-ka.pem"]
    assert all("cannot be read" in str(problem) for problem in store.problems)
    assert "symbolic links" in str(next(p for p in store.problems if p.path.name == loop.name))
    assert sorted(store.skipped) == ["2222222222222222-ka.pem", "README", "sub"]
    assert store.private_key(EUI, KeyUsage.KA) is not None and store.public_key(EUI, KeyUsage.DS) is None
