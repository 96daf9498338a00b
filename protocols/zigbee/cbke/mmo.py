"""AES-MMO hash and its HMAC as CBKE uses them (cbke.md 5; ZigBee spec B.6 and B.1.4).

The hash is the stack's own `protocols.zigbee.security.aes_mmo_hash` (one implementation for
install codes, key-transport keys and CBKE). `hmac_mmo` adds what CBKE's HMAC needs beyond the
stack's fixed 16-octet `keyed_hash`: any key length (FIPS 198 with block size 16 - a longer key
is replaced by its digest, a shorter one padded with zeros).
"""

from __future__ import annotations

from protocols.zigbee.security import aes_mmo_hash, keyed_hash

BLOCK = 16

__all__ = ["aes_mmo_hash", "hmac_mmo"]


def hmac_mmo(key: bytes, message: bytes) -> bytes:
    """HMAC over AES-MMO: 16 octets, untruncated."""
    if len(key) > BLOCK:
        key = aes_mmo_hash(key)
    return keyed_hash(key.ljust(BLOCK, b"\x00"), message)
