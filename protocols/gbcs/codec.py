"""`parse`, `build` and `seal`: the GBCS codec's entry points (gbcs.md 3-5).

`parse` = envelope (wire format) + verification (MAC, signature, with a key store) +
payload decoding (the `payload` package, given a decrypt callable that uses the same
key store). `build` writes a message back byte-exact; given keys it first `seal`s it:
signs it (ECDSA, gbcs.md 4.5) and MACs it (AES-GCM, gbcs.md 4.3), so a new command
made from fields verifies as `valid` when parsed with the matching public keys.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cryptography.hazmat.primitives.asymmetric import ec

from protocols.errors import require_bytes
from protocols.gbcs import crypto, envelope, verify
from protocols.gbcs.errors import GbcsEncodeError
from protocols.gbcs.keystore import KeyStore
from protocols.gbcs.message import Message
from protocols.gbcs.payload import PayloadContext, decode_payload
from protocols.gbcs.payload.zcl_table import ZclTable


@dataclass(frozen=True)
class MacKeyPair:
    """The two KA keys a MAC key is agreed from (gbcs.md 4.2): ours (private) and the peer's (public).

    For a command: the ACB's KA private key and the recipient device's KA public key.
    """

    private_key: ec.EllipticCurvePrivateKey
    peer_public_key: ec.EllipticCurvePublicKey


#: A MAC key: the derived 16-byte AES key, or the key pair to derive it from.
MacKey = bytes | MacKeyPair


def parse(data: bytes, keystore: KeyStore | None = None, *, zcl: ZclTable | None = None) -> Message:
    """Decode one GBCS message; with a key store, verify its MAC and signature and decrypt its blocks.

    `zcl` names GBZ payloads' ZCL parts (default: the table derived from zigpy, `zcl_table.derived`).

    Raises GbcsDecodeError (offset into `data`) when the bytes are not a well-formed
    message; verification outcomes are `message.verdicts`, never exceptions. A key file
    that turns out unreadable when first needed counts as absent (`no-key`) and is
    recorded in `keystore.problems`.
    """
    data = require_bytes(data, "protocols.gbcs.parse")
    message, regions = envelope.decode(data)
    payload_tree = None
    if message.gbt is None:  # a GBT block's data is a slice of a message, not a payload
        decrypt = None if keystore is None else verify.BlockDecryptor(message, keystore)
        context = PayloadContext(message.message_code, int(message.cra), decrypt, zcl)
        payload_tree = decode_payload(message.payload, base_offset=regions.payload_start, context=context)
    verdicts = verify.verdicts(message, regions, data, keystore)
    return Message(**{**message.__dict__, "verdicts": verdicts, "payload_tree": payload_tree})  # replace(), faster


def _mac_aes_key(message: Message, key: MacKey) -> bytes:
    if isinstance(key, MacKeyPair):
        shared_secret = crypto.ecdh(key.private_key, key.peer_public_key)
        return crypto.derive_key(
            shared_secret, message.originator, int(message.cra), message.originator_counter, message.recipient
        )
    if len(key) != 16:
        raise GbcsEncodeError("mac_key", f"{len(key)} bytes: an AES-128 key is 16 bytes")
    return key


def seal(
    message: Message, *, signing_key: ec.EllipticCurvePrivateKey | None = None, mac_key: MacKey | None = None
) -> Message:
    """`message` signed with `signing_key` (sets `signature`) and MACed with `mac_key` (sets `mac`).

    The signature is computed first, because the MAC covers the signature field.
    """
    if message.gbt is not None:
        raise GbcsEncodeError("gbt", "a GBT block is not signed or MACed; seal the message before segmenting it")
    if signing_key is not None:
        unsigned = envelope.encode_signed_part(replace(message, signature=None))
        message = replace(message, signature=crypto.sign(signing_key, unsigned[1:]))
    if mac_key is not None:
        covered = envelope.encode_signed_part(message)
        message = replace(message, mac=crypto.compute_mac(_mac_aes_key(message, mac_key), message.originator, covered))
    return message


def build(
    message: Message, *, signing_key: ec.EllipticCurvePrivateKey | None = None, mac_key: MacKey | None = None
) -> bytes:
    """The wire bytes of `message`, after `seal`ing it when keys are given; `build(parse(x)) == x`."""
    if signing_key is not None or mac_key is not None:
        message = seal(message, signing_key=signing_key, mac_key=mac_key)
    return envelope.encode(message)
