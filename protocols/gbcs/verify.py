"""Which keys check what (gbcs.md 4.2-4.5): MAC and signature verdicts, payload-block decryption.

Why separate from `crypto`: the primitives do not know GBCS roles. This module holds
the rules - a command is MACed between the ACB and its recipient unless a HAN device
originated it; a response or alert between its originator and recipient; a signature
is the originator's; an encrypted block is keyed between the originator and the
supplementary remote party (else the recipient) with the supplementary originator
counter (else the header's) - and turns missing keys into `no-key` verdicts.
"""

from __future__ import annotations

from protocols.gbcs import crypto, registry
from protocols.gbcs.envelope import Regions
from protocols.gbcs.errors import GbcsCryptoError
from protocols.gbcs.keystore import KeyStore, KeyUsage
from protocols.gbcs.message import Cra, Message, Verdict, Verdicts
from protocols.gbcs.payload import Decryption


def mac_parties(message: Message, keystore: KeyStore) -> tuple[bytes, bytes] | None:
    """The two EUIs whose KA keys agree the MAC key of `message`; None when the ACB is unknown.

    A command is MACed by the ACB for its recipient, unless a HAN device sent it: the
    registry says so for PCS/PECS/HECS codes, and the key store when the originator's
    certificate is a device's (no remote-party role).
    """
    if message.cra is Cra.COMMAND:
        info = registry.lookup(message.message_code)
        from_device = (info is not None and info.han_originated) or keystore.is_device(message.originator)
        if not from_device:
            acb = keystore.acb
            return None if acb is None else (acb, message.recipient)
    return message.originator, message.recipient


def mac_key(message: Message, keystore: KeyStore) -> bytes | None:
    """The AES key of the message's MAC (gbcs.md 4.1, T = CRA), or None without the keys for it."""
    parties = mac_parties(message, keystore)
    if parties is None:
        return None
    return keystore.derived_key(
        parties, message.originator, int(message.cra), message.originator_counter, message.recipient
    )


def payload_key(message: Message, keystore: KeyStore) -> bytes | None:
    """The AES key of the message's encrypted payload blocks (gbcs.md 4.4), or None without keys."""
    info = message.other_information
    party = info.remote_party_id or message.recipient
    counter = message.originator_counter if info.originator_counter is None else info.originator_counter
    return keystore.derived_key(
        (message.originator, party), message.originator, crypto.PAYLOAD_KEY_TYPE, counter, party
    )


def verdicts(message: Message, regions: Regions, data: bytes, keystore: KeyStore | None) -> Verdicts:
    """MAC and signature verdicts of a parsed message, over its wire bytes `data`."""
    return Verdicts(
        mac=_mac_verdict(message, regions, data, keystore),
        signature=_signature_verdict(message, regions, data, keystore),
    )


def _mac_verdict(message: Message, regions: Regions, data: bytes, keystore: KeyStore | None) -> Verdict:
    if message.mac is None:
        return Verdict.ABSENT
    key = None if keystore is None else mac_key(message, keystore)
    if key is None:
        return Verdict.NO_KEY
    covered = data[regions.header_start : regions.signature_end]
    return Verdict.VALID if crypto.mac_matches(key, message.originator, covered, message.mac) else Verdict.INVALID


def _signature_verdict(message: Message, regions: Regions, data: bytes, keystore: KeyStore | None) -> Verdict:
    if not message.signature:
        return Verdict.ABSENT
    public = None if keystore is None else keystore.public_key(message.originator, KeyUsage.DS)
    if public is None:
        return Verdict.NO_KEY
    signed = data[regions.header_start + 1 : regions.payload_end]
    return Verdict.VALID if crypto.signature_matches(public, signed, message.signature) else Verdict.INVALID


class BlockDecryptor:
    """The `PayloadContext.decrypt` callable for one message; the key is derived once, on first use."""

    def __init__(self, message: Message, keystore: KeyStore) -> None:
        self._message = message
        self._keystore = keystore
        self._key: bytes | None = None
        self._looked_up = False

    def __call__(self, block: bytes) -> Decryption:
        if not self._looked_up:
            self._key, self._looked_up = payload_key(self._message, self._keystore), True
        if self._key is None:
            return Decryption("no-key", None)
        try:
            return Decryption("decrypted", crypto.decrypt_block(self._key, self._message.originator, block))
        except GbcsCryptoError:
            return Decryption("invalid", None)
