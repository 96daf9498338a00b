"""The two CBKE crypto suites and their sizes (cbke.md 2, 7.1; radio.md 5.7).

The Key Establishment cluster names suites by bit in a 16-bit bitmap: bit 0 = suite 1
(CBKE-ECMQV on sect163k1, 48-octet certificates), bit 1 = suite 2 (sect283k1, 74-octet
certificates, what GB uses). Every length in a certificate or a KE payload follows from the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntFlag

from protocols.zigbee.cbke.curve import SECT163K1, SECT283K1, KoblitzCurve
from protocols.zigbee.cbke.errors import CbkeDecodeError, UnsupportedSuiteError

#: Where randomness comes from: `rng(n)` returns n random octets (`secrets.token_bytes` in
#: production, `random.Random(seed).randbytes` in tests, so exchanges are reproducible).
RandomBytes = Callable[[int], bytes]


class CryptoSuite(IntFlag):
    """KeyEstablishmentSuite bits (cbke.md 7.1). Unknown bits are kept, so bitmaps round-trip."""

    SUITE_1 = 0x0001
    SUITE_2 = 0x0002


@dataclass(frozen=True, slots=True)
class SuiteParameters:
    """What a suite fixes: the curve and the octet lengths derived from it (cbke.md 2 table)."""

    suite: CryptoSuite
    curve: KoblitzCurve
    certificate_length: int

    @property
    def point_length(self) -> int:
        """A compressed point: prefix octet + x."""
        return self.curve.field.size + 1

    @property
    def scalar_length(self) -> int:
        """A private key or the shared secret Z: one field element's octets."""
        return self.curve.field.size


SUITE_PARAMETERS = {
    CryptoSuite.SUITE_1: SuiteParameters(CryptoSuite.SUITE_1, SECT163K1, 48),
    CryptoSuite.SUITE_2: SuiteParameters(CryptoSuite.SUITE_2, SECT283K1, 74),
}


def suite_parameters(bitmap: int, *, protocol: str = "zigbee.cbke", offset: int = 0) -> SuiteParameters:
    """The parameters of the one suite `bitmap` names.

    Several bits (or none) is a malformed request, `CbkeDecodeError` (BAD_MESSAGE); one bit we do
    not implement is `UnsupportedSuiteError` (UNSUPPORTED_SUITE), as cbke.md 7.3 assigns them.
    """
    if bitmap <= 0 or bitmap & (bitmap - 1):
        raise CbkeDecodeError(protocol, offset, "suite", f"suite bitmap 0x{bitmap:04x} must name exactly one suite")
    parameters = SUITE_PARAMETERS.get(CryptoSuite(bitmap))
    if parameters is None:
        raise UnsupportedSuiteError(protocol, offset, "suite", f"crypto suite bit 0x{bitmap:04x} is not supported")
    return parameters


def random_scalar(rng: RandomBytes, order: int) -> int:
    """A uniform integer in [1, order - 1] from `rng`, by rejection (no modulo bias)."""
    length = (order.bit_length() + 7) // 8
    mask = (1 << order.bit_length()) - 1
    while True:
        candidate = int.from_bytes(rng(length), "big") & mask
        if 0 < candidate < order:
            return candidate
