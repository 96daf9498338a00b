"""ZigBee frame security: CCM* at level 5 (ENC-MIC-32) for NWK and APS frames, the AES-MMO hash
and the keyed hashes that turn a link key into key-transport / key-load keys (radio.md 5.2, 5.3).

CCM* with a 4-octet MIC is plain AES-128-CCM with a 13-octet nonce, so `cryptography`'s `AESCCM`
does the work. What is ZigBee-specific, and therefore lives here:

- nonce = source EUI-64 (LSB first, as on the air) || frame counter (LE) || security control with
  the level set to 5 - although the level field on the air is 0;
- a-data = the layer's header || the auxiliary header, again with the level patched to 5;
- APS frames protected with key id 2 or 3 use a hash of the link key, not the key itself.

`secure_*` take an open frame (value or bytes) and return the protected bytes; `unsecure_*` take
protected bytes and return the frame, the plaintext payload and the auxiliary header, or raise
`ZigbeeSecurityError` (a verdict: drop the frame). Frame-counter freshness is the caller's state,
not a codec matter: the stack compares `aux.frame_counter` with what it last accepted.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import zigpy.util
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from protocols.zigbee.aps import ApsFrame, build_aps, parse_aps
from protocols.zigbee.aux_header import MIC_LENGTH, SECURITY_LEVEL, AuxHeader, KeyId
from protocols.zigbee.errors import ZigbeeEncodeError, ZigbeeSecurityError
from protocols.zigbee.nwk import NwkFrame, build_nwk_with, parse_nwk

KEY_LENGTH = 16
#: AES-MMO's block and digest size (ZigBee spec B.6).
MMO_BLOCK = 16
_IPAD, _OPAD = 0x36, 0x5C
#: Inputs of the keyed hash that derive the APS key-transport and key-load keys from a link key.
KEY_TRANSPORT_HASH_INPUT = 0x00
KEY_LOAD_HASH_INPUT = 0x02


class UnsecuredNwk(NamedTuple):
    """A NWK frame that authenticated: the frame as received (aux set, payload still ciphertext),
    the decrypted payload and the auxiliary header (for the frame-counter check)."""

    frame: NwkFrame
    payload: bytes
    aux: AuxHeader


class UnsecuredAps(NamedTuple):
    """An APS frame that authenticated (as `UnsecuredNwk`)."""

    frame: ApsFrame
    payload: bytes
    aux: AuxHeader


def _check_key(key: bytes, field: str) -> None:
    if len(key) != KEY_LENGTH:
        raise ZigbeeEncodeError("zigbee.security", field, f"a key is {KEY_LENGTH} octets, got {len(key)}")


def aes_mmo_hash(data: bytes) -> bytes:
    """The Matyas-Meyer-Oseas hash over AES-128 (ZigBee spec B.6): 16 octets, computed by zigpy.

    `zigpy.util.aes_mmo_hash` (what zigpy's install-code conversion uses) pads with the 16-bit
    bit length, the form B.6 gives for messages under 2**16 bits. Longer messages take B.6's
    other trailer (the 32-bit bit length, then 16 zero bits), padded here and chained through
    zigpy's own block step, `aes_mmo_hash_update`; cbke.md 8.1's 8192-octet vectors check it.
    """
    bits = len(data) * 8
    if bits < 1 << 16:
        return bytes(zigpy.util.aes_mmo_hash(data))
    if bits >= 1 << 32:
        raise ZigbeeEncodeError("zigbee.security", "data", f"AES-MMO hashes under 2**32 bits, got {bits}")
    trailer = bits.to_bytes(4, "big") + bytes(2)
    padded = data + b"\x80"
    padded += bytes((-len(padded) - len(trailer)) % MMO_BLOCK) + trailer
    _, digest = zigpy.util.aes_mmo_hash_update(0, bytes(MMO_BLOCK), padded)
    return bytes(digest)


def keyed_hash(key: bytes, data: bytes) -> bytes:
    """HMAC over AES-MMO (ZigBee spec B.1.4), as used for the key-transport and key-load keys."""
    _check_key(key, "key")
    inner = aes_mmo_hash(bytes(k ^ _IPAD for k in key) + data)
    return aes_mmo_hash(bytes(k ^ _OPAD for k in key) + inner)


def key_transport_key(link_key: bytes) -> bytes:
    """The key that protects an APS Transport Key of the network key / TC link key (key id 2)."""
    return keyed_hash(link_key, bytes([KEY_TRANSPORT_HASH_INPUT]))


def key_load_key(link_key: bytes) -> bytes:
    """The key that protects an APS Transport Key of an application link key (key id 3)."""
    return keyed_hash(link_key, bytes([KEY_LOAD_HASH_INPUT]))


def _nonce(source: int, aux: AuxHeader, control: int) -> bytes:
    return source.to_bytes(8, "little") + aux.frame_counter.to_bytes(4, "little") + bytes([control])


def _level5(header: bytes, aux_start: int) -> tuple[bytes, int]:
    """`header` with the security level at `aux_start` set to 5, and that security control octet."""
    control = (header[aux_start] & ~0x07) | SECURITY_LEVEL
    return header[:aux_start] + bytes([control]) + header[aux_start + 1 :], control


def _seal(key: bytes, header: bytes, aux: AuxHeader, source: int, plaintext: bytes) -> bytes:
    a_data, control = _level5(header, len(header) - aux.size)
    return header + AESCCM(key, tag_length=MIC_LENGTH).encrypt(_nonce(source, aux, control), plaintext, a_data)


def _open(key: bytes, data: bytes, protected_at: int, aux: AuxHeader, source: int, protocol: str, base: int) -> bytes:
    if len(key) != KEY_LENGTH:
        raise ZigbeeSecurityError(protocol, base + protected_at, "key", f"key must be {KEY_LENGTH} octets")
    if len(data) - protected_at < MIC_LENGTH:
        raise ZigbeeSecurityError(protocol, base + len(data), "mic", "protected part shorter than the MIC")
    a_data, control = _level5(data[:protected_at], protected_at - aux.size)
    try:
        return AESCCM(key, tag_length=MIC_LENGTH).decrypt(_nonce(source, aux, control), data[protected_at:], a_data)
    except InvalidTag:
        raise ZigbeeSecurityError(protocol, base + protected_at, "mic", "MIC does not verify") from None


def secure_nwk(frame: NwkFrame | bytes, *, key: bytes, src_ieee: int, frame_counter: int, key_seq: int) -> bytes:
    """Protect an open NWK frame with the network key: set the security bit, add an auxiliary
    header (network key, extended nonce with `src_ieee`), encrypt the payload and append the MIC."""
    _check_key(key, "key")
    open_frame = parse_nwk(frame) if isinstance(frame, bytes) else frame
    if open_frame.secured:
        raise ZigbeeEncodeError("zigbee.nwk", "aux", "frame is already secured")
    aux = AuxHeader(KeyId.NETWORK, frame_counter, source=src_ieee, key_seq=key_seq)
    header = build_nwk_with(open_frame, aux=aux, payload=b"")
    return _seal(key, header, aux, src_ieee, open_frame.payload)


def unsecure_nwk(data: bytes, *, key: bytes, base: int = 0, frame: NwkFrame | None = None) -> UnsecuredNwk:
    """Authenticate and decrypt a secured NWK frame with the network key.

    Raises `ZigbeeDecodeError` when the bytes do not parse or the frame is not secured, and
    `ZigbeeSecurityError` when the MIC does not verify. The nonce source is the auxiliary header's
    extended source (NWK frames always carry it; without it the frame is refused). A caller that
    has already parsed `data` passes the result as `frame`, so it is not parsed twice.
    """
    if frame is None:
        frame = parse_nwk(data, base=base)
    protected_at = len(data) - len(frame.payload)
    if frame.aux is None:
        raise ZigbeeSecurityError("zigbee.nwk", base + 1, "fcf.security", "frame is not secured")
    source = frame.aux.source if frame.aux.source is not None else frame.src_ieee
    if source is None:
        raise ZigbeeSecurityError("zigbee.nwk", base + protected_at, "aux.source", "no source EUI-64 for the nonce")
    plaintext = _open(key, data, protected_at, frame.aux, source, "zigbee.nwk", base)
    return UnsecuredNwk(frame, plaintext, frame.aux)


def _aps_key(link_key: bytes, key_id: KeyId) -> bytes:
    if key_id == KeyId.KEY_TRANSPORT:
        return key_transport_key(link_key)
    if key_id == KeyId.KEY_LOAD:
        return key_load_key(link_key)
    return link_key


def secure_aps(
    frame: ApsFrame | bytes,
    *,
    key: bytes,
    src_ieee: int,
    frame_counter: int,
    key_id: KeyId = KeyId.DATA,
    extended_nonce: bool = True,
    key_seq: int | None = None,
) -> bytes:
    """Protect an open APS frame. `key` is the link key (hashed here for key ids KEY_TRANSPORT and
    KEY_LOAD) or, for key id NETWORK, the network key (then `key_seq` is required). With
    `extended_nonce` the auxiliary header carries `src_ieee`; without it the receiver must know
    the sender's EUI-64 from the NWK layer."""
    _check_key(key, "key")
    open_frame = parse_aps(frame) if isinstance(frame, bytes) else frame
    if open_frame.secured:
        raise ZigbeeEncodeError("zigbee.aps", "aux", "frame is already secured")
    aux = AuxHeader(KeyId(key_id), frame_counter, source=src_ieee if extended_nonce else None, key_seq=key_seq)
    header = build_aps(replace(open_frame, aux=aux, payload=b""))
    return _seal(_aps_key(key, aux.key_id), header, aux, src_ieee, open_frame.payload)


def unsecure_aps(data: bytes, *, key: bytes, src_ieee: int | None = None, base: int = 0) -> UnsecuredAps:
    """Authenticate and decrypt a secured APS frame. `key` is the link key (or the network key when
    the frame says key id NETWORK); `src_ieee` is the sender's EUI-64 from the NWK layer, used
    when the auxiliary header has no extended source. Errors as `unsecure_nwk`."""
    frame = parse_aps(data, base=base)
    protected_at = len(data) - len(frame.payload)
    if frame.aux is None:
        raise ZigbeeSecurityError("zigbee.aps", base, "fcf.security", "frame is not secured")
    source = frame.aux.source if frame.aux.source is not None else src_ieee
    if source is None:
        raise ZigbeeSecurityError("zigbee.aps", base + protected_at, "aux.source", "no source EUI-64 for the nonce")
    if len(key) != KEY_LENGTH:
        raise ZigbeeSecurityError("zigbee.aps", base + protected_at, "key", f"key must be {KEY_LENGTH} octets")
    plaintext = _open(_aps_key(key, frame.aux.key_id), data, protected_at, frame.aux, source, "zigbee.aps", base)
    return UnsecuredAps(frame, plaintext, frame.aux)
