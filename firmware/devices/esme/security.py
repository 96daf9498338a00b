"""The two things the ESME's payloads need its keys for: UTRN checks and encrypted (protected) data.

Why an object passed in, not a key folder: keys belong to the device's credentials, which
`firmware.gbcs` manages (and a key folder is I/O); the payload side only asks two questions
(gbcs.md 4.4, 4.8):

- is this 20-digit UTRN authentic for this meter, from this supplier, with this counter?
- encrypt this plaintext for this recipient with this counter (the GBCS payload block
  `31 || 00000000 || ciphertext || tag`).

`KeyStoreSecurity` answers both from a `protocols.gbcs.KeyStore` holding either side of each
key agreement (the device's own private key, or - with the RTDS key store - the remote
party's, since ECDH is symmetric).
"""

from __future__ import annotations

from typing import Protocol

from protocols.gbcs import KeyStore, KeyUsage, Verdict, crypto, utrn


class PayloadSecurity(Protocol):
    def utrn_valid(self, token: str, *, supplier: bytes, counter: int) -> bool:
        """Whether `token` is an authentic UTRN from `supplier` to this meter for `counter`."""
        ...

    def encrypt(self, plaintext: bytes, *, recipient: bytes, counter: int) -> bytes | None:
        """The encrypted block for `recipient`, or None when the key is not available."""
        ...


class KeyStoreSecurity:
    """`PayloadSecurity` from a key store, for the meter `device` (its 8-byte EUI)."""

    def __init__(self, keystore: KeyStore, device: bytes) -> None:
        self._keystore = keystore
        self._device = device

    def utrn_valid(self, token: str, *, supplier: bytes, counter: int) -> bool:
        verdict = utrn.verify(token, supplier=supplier, device=self._device, counter=counter, keystore=self._keystore)
        return verdict is Verdict.VALID

    def encrypt(self, plaintext: bytes, *, recipient: bytes, counter: int) -> bytes | None:
        key = self._keystore.derived_key(
            (self._device, recipient), self._device, crypto.PAYLOAD_KEY_TYPE, counter, recipient, KeyUsage.KA
        )
        if key is None:
            return None
        return crypto.encrypt_block(key, self._device, plaintext)
