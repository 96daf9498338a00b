"""ECMQV with cofactor, the KDF and the key-confirmation MACs of CBKE (cbke.md 6).

Each side, calling itself A and the partner B, combines its static (certificate) private key d1A,
its ephemeral pair (d2A, Q2A) and the partner's static key Q1B and ephemeral key Q2B:

    avf(Q) = (x(Q) mod 2^h) + 2^h,  h = ceil(f/2), f = bit length of n  (82 / 141: cbke.md 9.2)
    s      = d2A + avf(Q2A) * d1A  mod n
    P      = cofactor * s * (Q2B + avf(Q2B) * Q1B),  Z = x(P)

P is evaluated as one sum (hs)*Q2B + (hs*avf(Q2B))*Q1B over a shared Frobenius chain (three
terms when Q1B comes as its certificate's parts e*P + Q_CA, see `ImplicitPublicKey`);
the scalars stay integers (no reduction mod n), so the cofactor still clears any small-order
component of a hostile partner's points. Then MacKey || KeyData = AES-MMO(Z || counter) for
counters 1 and 2 (X9.63 KDF), and MACU / MACV are HMACs over the IDs and ephemeral keys in
opposite orders (cbke.md 6.3, 9.10).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from protocols.zigbee.cbke.curve import AffinePoint, KoblitzCurve
from protocols.zigbee.cbke.ecqv import ImplicitPublicKey
from protocols.zigbee.cbke.errors import CbkeDecodeError
from protocols.zigbee.cbke.mmo import aes_mmo_hash, hmac_mmo

PROTOCOL = "zigbee.cbke.ecmqv"
#: First octet of the MAC inputs (cbke.md 6.3).
MACU_TAG = 0x02
MACV_TAG = 0x03


def associate_value(curve: KoblitzCurve, point: AffinePoint) -> int:
    """avf(Q): the low ceil(f/2) bits of x(Q) as an integer, with bit ceil(f/2) set (SEC 1 3.4)."""
    half = (curve.order.bit_length() + 1) // 2
    return (point[0] & ((1 << half) - 1)) | (1 << half)


def ecmqv(
    curve: KoblitzCurve,
    *,
    static_private: int,
    ephemeral_private: int,
    ephemeral_public: AffinePoint,
    partner_static: AffinePoint | ImplicitPublicKey,
    partner_ephemeral: AffinePoint,
) -> bytes:
    """Z, the shared secret as a full-length big-endian field element (leading zeros kept).

    `partner_static` may be the partner's key or its certificate's parts e*P + Q_CA, which are
    then folded into the same sum: (hs)*Q2B + (hs*avf*e)*P + (hs*avf)*Q_CA.
    `CbkeDecodeError` if P is the point at infinity (only a hostile partner's keys give that).
    """
    implicit = (ephemeral_private + associate_value(curve, ephemeral_public) * static_private) % curve.order
    scaled = curve.cofactor * implicit
    static_scalar = scaled * associate_value(curve, partner_ephemeral)
    if isinstance(partner_static, ImplicitPublicKey):
        static_terms = [
            (static_scalar * partner_static.digest, partner_static.reconstruction),
            (static_scalar, partner_static.ca_public_key),
        ]
    else:
        static_terms = [(static_scalar, partner_static)]
    shared = curve.multiply_sum([(scaled, partner_ephemeral), *static_terms])
    if shared is None:
        raise CbkeDecodeError(PROTOCOL, 0, "ephemeral_key", "the ECMQV result is the point at infinity")
    return curve.field.to_bytes(shared[0])


@dataclass(frozen=True, slots=True)
class DerivedKeys:
    """The KDF output: MacKey (for the confirmation MACs) and KeyData (the new link key)."""

    mac_key: bytes
    key_data: bytes


def derive_keys(shared_secret: bytes) -> DerivedKeys:
    """X9.63 KDF over AES-MMO, 32-bit big-endian counter from 1, no shared info (cbke.md 6.2)."""
    return DerivedKeys(
        mac_key=aes_mmo_hash(shared_secret + (1).to_bytes(4, "big")),
        key_data=aes_mmo_hash(shared_secret + (2).to_bytes(4, "big")),
    )


def initiator_mac(
    mac_key: bytes, initiator: int, responder: int, initiator_ephemeral: bytes, responder_ephemeral: bytes
) -> bytes:
    """MACU = HMAC(MacKey, 02 || ID_U || ID_V || QE_U || QE_V), IDs big-endian EUI-64s."""
    return hmac_mmo(
        mac_key,
        bytes([MACU_TAG])
        + initiator.to_bytes(8, "big")
        + responder.to_bytes(8, "big")
        + initiator_ephemeral
        + responder_ephemeral,
    )


def responder_mac(
    mac_key: bytes, initiator: int, responder: int, initiator_ephemeral: bytes, responder_ephemeral: bytes
) -> bytes:
    """MACV = HMAC(MacKey, 03 || ID_V || ID_U || QE_V || QE_U): not MACU with another tag."""
    return hmac_mmo(
        mac_key,
        bytes([MACV_TAG])
        + responder.to_bytes(8, "big")
        + initiator.to_bytes(8, "big")
        + responder_ephemeral
        + initiator_ephemeral,
    )


def macs_equal(received: bytes, expected: bytes) -> bool:
    """Constant-time comparison of a received MAC (cbke.md 6.3)."""
    return hmac.compare_digest(received, expected)
