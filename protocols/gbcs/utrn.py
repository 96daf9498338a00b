"""UTRN, the 20-digit prepayment top-up code (gbcs.md 4.8): decode, check, verify and make.

Why here: a UTRN is authenticated with the same GBCS KDF and AES-GCM as MACs, keyed by the
supplier's separate *prepayment* key-agreement pair, and a meter must refuse a token whose
check digit or tag is wrong. It travels inside CS01a (DLMS) and CS01b (GBZ) payloads.

Layout: UTRN = PPTD (19 digits) || check digit; PPTD = PTUT + 7 394 156 990 786 306 048;
PTUT high 32 bits = 7 zero bits, bits 32-41 of the originator counter, 2-bit value class
(0 pennies, 1 pounds), 13-bit value; low 32 bits = the last 4 bytes of the GCM tag.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from protocols.gbcs import crypto
from protocols.gbcs.errors import GbcsDecodeError, GbcsEncodeError
from protocols.gbcs.keystore import KeyStore, KeyUsage
from protocols.gbcs.message import Verdict

PPTD_OFFSET = 7_394_156_990_786_306_048
UTRN_DIGITS = 20
#: KDF transaction type of a UTRN key (gbcs.md 4.8).
UTRN_KEY_TYPE = 0x01

# Verhoeff tables: the dihedral group D5 multiplication table and the permutation table.
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5), (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7), (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3), (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)  # fmt: skip
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4), (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7), (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)  # fmt: skip
#: GBCS's final mapping of the Verhoeff accumulator to the check digit (gbcs.md 4.8).
_CHECK = (1, 2, 6, 7, 5, 8, 3, 0, 9, 4)


def check_digit(pptd: str) -> int:
    """The check digit of a 19-digit PPTD: Verhoeff, permutation row 4 for the left-most digit, +1 per digit."""
    acc = 0
    for index, digit in enumerate(pptd):
        acc = _D[acc][_P[(4 + index) % 8][int(digit)]]
    return _CHECK[acc]


@dataclass(frozen=True)
class Utrn:
    """The fields of a UTRN."""

    counter_bits: int  #: bits 32-41 of the originator counter
    value_class: int  #: 0 pennies, 1 pounds
    value: int  #: 13 bits
    tag: bytes  #: the last 4 bytes of the GCM tag

    @property
    def ptut_high(self) -> int:
        return (self.counter_bits << 15) | (self.value_class << 13) | self.value

    def digits(self) -> str:
        """The 20-digit token."""
        pptd = str(((self.ptut_high << 32) | int.from_bytes(self.tag, "big")) + PPTD_OFFSET)
        return pptd + str(check_digit(pptd))


def decode(token: str) -> Utrn:
    """The fields of a 20-digit UTRN; GbcsDecodeError (offset into the token) when it is malformed."""
    if len(token) != UTRN_DIGITS or not token.isascii() or not token.isdigit():
        raise GbcsDecodeError(0, "utrn", f"{token!r} is not {UTRN_DIGITS} decimal digits")
    if check_digit(token[:19]) != int(token[19]):
        raise GbcsDecodeError(19, "utrn.check_digit", f"check digit {token[19]} should be {check_digit(token[:19])}")
    ptut = int(token[:19]) - PPTD_OFFSET
    if not 0 <= ptut < 1 << 57:
        raise GbcsDecodeError(0, "utrn.pptd", "PPTD is outside the range a PTUT can produce")
    high = ptut >> 32
    return Utrn((high >> 15) & 0x3FF, (high >> 13) & 0x3, high & 0x1FFF, (ptut & 0xFFFFFFFF).to_bytes(4, "big"))


def _tag(key: bytes, supplier: bytes, device: bytes, counter: int, ptut_high: int) -> bytes:
    aad = (
        crypto.MAC_AAD_PREFIX + supplier + device + b"\x01" + counter.to_bytes(8, "big") + ptut_high.to_bytes(4, "big")
    )
    return AESGCM(key).encrypt(supplier + bytes(4), b"", aad)[-4:]


def _key(shared_secret: bytes, supplier: bytes, device: bytes, counter: int) -> bytes:
    return crypto.derive_key(shared_secret, supplier, UTRN_KEY_TYPE, counter, device)


def make(
    *,
    supplier: bytes,
    device: bytes,
    counter: int,
    value: int,
    value_class: int,
    prepayment_key: ec.EllipticCurvePrivateKey,
    device_public_key: ec.EllipticCurvePublicKey,
) -> str:
    """A UTRN for `value` (pennies if `value_class` is 0, pounds if 1) from supplier to device."""
    if not 0 <= value < 1 << 13 or value_class not in (0, 1):
        raise GbcsEncodeError("utrn.value", "value is 13 bits, value class 0 (pennies) or 1 (pounds)")
    partial = Utrn((counter >> 32) & 0x3FF, value_class, value, b"")
    key = _key(crypto.ecdh(prepayment_key, device_public_key), supplier, device, counter)
    tag = _tag(key, supplier, device, counter, partial.ptut_high)
    return Utrn(partial.counter_bits, value_class, value, tag).digits()


def verify(token: str, *, supplier: bytes, device: bytes, counter: int, keystore: KeyStore) -> Verdict:
    """Check a UTRN (check digit, counter bits, tag) with either side's keys from `keystore`."""
    try:
        utrn = decode(token)
    except GbcsDecodeError:
        return Verdict.INVALID
    pairs = (
        (keystore.private_key(supplier, KeyUsage.PP_KA), keystore.public_key(device, KeyUsage.KA)),
        (keystore.private_key(device, KeyUsage.KA), keystore.public_key(supplier, KeyUsage.PP_KA)),
    )
    shared_secret = next((crypto.ecdh(private, public) for private, public in pairs if private and public), None)
    if shared_secret is None:
        return Verdict.NO_KEY
    if utrn.counter_bits != (counter >> 32) & 0x3FF:
        return Verdict.INVALID
    tag = _tag(_key(shared_secret, supplier, device, counter), supplier, device, counter, utrn.ptut_high)
    return Verdict.VALID if tag == utrn.tag else Verdict.INVALID
