"""`commshub rig keygen`: the Ed25519 key pair that signs bundles, and the sign / verify steps.

    commshub rig keygen [--out DIR] [--name NAME]

Why Ed25519 (RFC 8032, through `cryptography`): small keys and signatures, deterministic signing
(no per-signature randomness to get wrong on a build machine), and verification in well under a
millisecond on a Pi. The private key stays on the build machine (`NAME.key`, PKCS#8 PEM, mode
0600); the public key (`NAME.pub`, SubjectPublicKeyInfo PEM) goes on every rig, in
`/etc/commshub/trusted-keys/`, where `rig install` looks for the keys it trusts.

A signature names the key that made it by fingerprint (the first 16 hex digits of the SHA-256 of
the raw 32-byte public key), so a refusal can say which key signed and which keys the rig trusts.

Exit codes: 0 done; 2 the files exist already (never overwritten) or cannot be written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

DEFAULT_NAME = "commshub-rig"


class SignatureRefused(ValueError):
    """No trusted key verifies the signature (or the signature file is malformed)."""


@dataclass(frozen=True, slots=True)
class KeyPairPaths:
    private: Path
    public: Path


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def generate_key_pair(directory: Path, name: str = DEFAULT_NAME) -> KeyPairPaths:
    """Write a fresh `name.key` (0600) and `name.pub` in `directory`; FileExistsError if either exists."""
    paths = KeyPairPaths(directory / f"{name}.key", directory / f"{name}.pub")
    for path in (paths.private, paths.public):
        if path.exists():
            raise FileExistsError(f"{path} exists: refusing to overwrite a signing key")
    directory.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(paths.private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_pem)
    paths.public.write_bytes(public_pem(key.public_key()))
    return paths


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Raises ValueError when the file is not an unencrypted Ed25519 private key in PEM."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """Raises ValueError when the file is not an Ed25519 public key in PEM."""
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path}: not an Ed25519 public key")
    return key


def sign(document: bytes, key: Ed25519PrivateKey) -> bytes:
    """The signature file's bytes for `document`: JSON naming the key, and the signature in hex."""
    record = {"algorithm": "ed25519", "key": fingerprint(key.public_key()), "signature": key.sign(document).hex()}
    return (json.dumps(record) + "\n").encode()


def verify(document: bytes, signature_file: bytes, trusted: Sequence[Ed25519PublicKey]) -> str:
    """The fingerprint of the trusted key that signed `document`; raises `SignatureRefused`."""
    try:
        record = json.loads(signature_file)
        signature = bytes.fromhex(record["signature"])
        signer = str(record["key"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SignatureRefused(f"malformed signature file ({exc!r})") from None
    if record.get("algorithm") != "ed25519":
        raise SignatureRefused(f"unsupported signature algorithm {record.get('algorithm')!r}")
    for key in trusted:
        if fingerprint(key) != signer:
            continue
        try:
            key.verify(signature, document)
        except InvalidSignature:
            raise SignatureRefused(f"signature by key {signer} does not verify: the manifest was altered") from None
        return signer
    known = ", ".join(fingerprint(key) for key in trusted) or "none"
    raise SignatureRefused(f"signed by key {signer}, which this rig does not trust (trusted: {known})")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("keygen", help="make the Ed25519 key pair that signs rig bundles")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for NAME.key and NAME.pub (default .)")
    parser.add_argument("--name", default=DEFAULT_NAME, help=f"file name stem (default {DEFAULT_NAME})")
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        paths = generate_key_pair(args.out, args.name)
    except OSError as exc:
        print(f"commshub rig keygen: {exc}", file=sys.stderr)
        return 2
    key = load_public_key(paths.public)
    print(f"private key {paths.private} (keep it on the build machine)")
    print(f"public key  {paths.public} (fingerprint {fingerprint(key)}): put it on every rig")
    return 0
