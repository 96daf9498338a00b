"""GBCS cryptographic primitives (gbcs.md 4.1-4.5), all from the `cryptography` package.

Pure functions of keys and bytes: which keys to use for which message is decided in
`verify` and `seal`, and where keys come from in `keystore`. Nothing here is cached;
the key store caches ECDH secrets and derived keys, the expensive and reusable parts.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256

from protocols.gbcs.errors import GbcsCryptoError

#: The KDF's algorithm identifier (gbcs.md 4.1).
_ALGORITHM_ID = bytes.fromhex("60857406080300")
#: What the MAC's AAD starts with: security control 0x11 then five zero bytes (gbcs.md 4.3, checked on 539 RTDS MACs).
MAC_AAD_PREFIX = bytes.fromhex("110000000000")
#: Security control of an encrypted payload block (gbcs.md 4.4).
ENCRYPTED_BLOCK_CONTROL = 0x31
TAG_SIZE = 12
#: KDF transaction type for payload encryption keys (gbcs.md 4.4); MAC keys use the CRA flag.
PAYLOAD_KEY_TYPE = 0x04
_ECDSA = ec.ECDSA(SHA256())
_ECDH = ec.ECDH()


def ecdh(private_key: ec.EllipticCurvePrivateKey, public_key: ec.EllipticCurvePublicKey) -> bytes:
    """The 32-byte ECDH shared secret Z (x-coordinate) between a KA private and a KA public key."""
    return private_key.exchange(_ECDH, public_key)


def derive_key(shared_secret: bytes, originator: bytes, kind: int, counter: int, recipient: bytes) -> bytes:
    """K of gbcs.md 4.1: first 16 bytes of SHA-256(00000001 || Z || OtherInfo).

    `kind` is the CRA flag for MAC keys, 4 for payload encryption; titles are the
    grouping header's (or the supplementary remote party's for encryption).
    """
    other = _ALGORITHM_ID + originator + b"\x09" + bytes((kind,)) + counter.to_bytes(8, "big") + recipient
    return hashlib.sha256(b"\x00\x00\x00\x01" + shared_secret + other).digest()[:16]


def compute_mac(key: bytes, originator: bytes, covered: bytes) -> bytes:
    """The 12-byte MAC of gbcs.md 4.3 over `covered` (from `DF` to the end of the signature field).

    GCM with an empty plaintext: the output of `AESGCM.encrypt` is just the 16-byte tag.
    """
    return AESGCM(key).encrypt(originator + bytes(4), b"", MAC_AAD_PREFIX + covered)[:TAG_SIZE]


def mac_matches(key: bytes, originator: bytes, covered: bytes, mac: bytes) -> bool:
    """Whether `mac` is the MAC of `covered` under `key` (constant-time comparison)."""
    return hmac.compare_digest(compute_mac(key, originator, covered), mac)


def encrypt_block(key: bytes, originator: bytes, plaintext: bytes) -> bytes:
    """A protected payload block (gbcs.md 4.4): `31` || `00000000` || ciphertext || 12-byte tag."""
    control = bytes((ENCRYPTED_BLOCK_CONTROL,))
    sealed = AESGCM(key).encrypt(originator + bytes(4), plaintext, control)  # ciphertext || 16-byte tag
    return control + bytes(4) + sealed[:-16] + sealed[-16 : -16 + TAG_SIZE]


def decrypt_block(key: bytes, originator: bytes, block: bytes) -> bytes:
    """The plaintext of a protected payload block; GbcsCryptoError (offset into `block`) when it fails."""
    if len(block) < 5 + TAG_SIZE:
        raise GbcsCryptoError(len(block), "encrypted_block", f"{len(block)} bytes: too short for header and tag")
    if block[0] != ENCRYPTED_BLOCK_CONTROL:
        raise GbcsCryptoError(0, "security_control", f"{block[0]:#04x} is not 0x31 (authenticated and encrypted)")
    iv = originator + block[1:5]
    decryptor = Cipher(algorithms.AES(key), modes.GCM(iv, block[-TAG_SIZE:], min_tag_length=TAG_SIZE)).decryptor()
    decryptor.authenticate_additional_data(block[:1])
    plaintext = decryptor.update(block[5:-TAG_SIZE])
    try:
        return plaintext + decryptor.finalize()
    except InvalidTag:
        raise GbcsCryptoError(len(block) - TAG_SIZE, "tag", "authentication tag does not verify") from None


def sign(private_key: ec.EllipticCurvePrivateKey, signed: bytes) -> bytes:
    """ECDSA P-256/SHA-256 signature of `signed` as raw r||s (64 bytes, gbcs.md 4.5)."""
    signature_r, signature_s = decode_dss_signature(private_key.sign(signed, _ECDSA))
    return signature_r.to_bytes(32, "big") + signature_s.to_bytes(32, "big")


def signature_matches(public_key: ec.EllipticCurvePublicKey, signed: bytes, signature: bytes) -> bool:
    """Whether the raw r||s `signature` is valid for `signed` under `public_key`."""
    if len(signature) != 64:
        return False
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public_key.verify(der, signed, _ECDSA)
    except InvalidSignature:
        return False
    return True
