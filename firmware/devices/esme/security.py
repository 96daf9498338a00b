"""The two things the ESME's payloads need its keys for: UTRN checks and encrypted (protected) data.

Why an object passed in, not a key folder: keys belong to the device's credentials, which
`firmware.gbcs` manages (and a key folder is I/O); the payload side only asks two questions
(gbcs.md 4.4, 4.8):

- is this 20-digit UTRN authentic for this meter, from this supplier, with this counter?
- encrypt this plaintext for this recipient with this counter (the GBCS payload block
  `31 || 00000000 || ciphertext || tag`).

`KeyStoreSecurity` answers both from a `protocols.gbcs.KeyStore` holding either side of each
key agreement (the device's own private key, or - with the RTDS key store - the remote
party's, since ECDH is symmetric). `CredentialsSecurity` answers them from the device's
`firmware.gbcs` credentials, so a meter whose keys were generated (kept in its NVM) can
verify UTRNs and protect data too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from protocols.gbcs import KeyStore, KeyUsage, Verdict, crypto, utrn

if TYPE_CHECKING:
    from firmware.gbcs.credentials import Credentials


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


class CredentialsSecurity:
    """`PayloadSecurity` from the device's `firmware.gbcs` credentials (own keys, trust anchors, key store)."""

    def __init__(self, credentials: Credentials, keystore: KeyStore) -> None:
        self._credentials = credentials
        self._keystore = keystore

    def utrn_valid(self, token: str, *, supplier: bytes, counter: int) -> bool:
        device, credentials = self._credentials.eui, self._credentials
        pair = KeyStore()
        own_private = credentials.private_key(KeyUsage.KA)
        prepayment_public = credentials.peer_public_key(supplier, KeyUsage.PP_KA)
        if own_private is not None and prepayment_public is not None:
            pair.add(device, KeyUsage.KA, own_private)
            pair.add(supplier, KeyUsage.PP_KA, prepayment_public)
        else:  # a rig meter without its private key: the supplier's side of the agreement (gbcs.md 4.8)
            prepayment_private = self._keystore.private_key(supplier, KeyUsage.PP_KA)
            own_public = credentials.public_key(KeyUsage.KA)
            if prepayment_private is None or own_public is None:
                return False
            pair.add(device, KeyUsage.KA, own_public)
            pair.add(supplier, KeyUsage.PP_KA, prepayment_private)
        return utrn.verify(token, supplier=supplier, device=device, counter=counter, keystore=pair) is Verdict.VALID

    def encrypt(self, plaintext: bytes, *, recipient: bytes, counter: int) -> bytes | None:
        secret = self._credentials.shared_secret(recipient)
        if secret is None:
            return None
        device = self._credentials.eui
        key = crypto.derive_key(secret, device, crypto.PAYLOAD_KEY_TYPE, counter, recipient)
        return crypto.encrypt_block(key, device, plaintext)
