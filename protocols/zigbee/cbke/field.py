"""Binary-field arithmetic GF(2^m) in a polynomial basis, for the Koblitz curves of CBKE (cbke.md 2).

Elements are Python ints whose bit i is the coefficient of x^i; that is also the big-endian octet
string of SEC 1 (`int.from_bytes(octets, "big")`), so encodings need no bit shuffling.

Why it is shaped like this (each choice measured on CPython 3.11, see docs/cbke.md):
- Multiplication is a left-to-right comb over the bytes of one operand with a 16-entry table of
  the other operand's small multiples: two table reads, one shift and two XORs per byte, the
  nibbles split by `bytes.translate` in C. About 6 us for m = 283, against 8.5 us for the
  "integer multiply with holes" trick and 60+ us for bit-serial shift-and-add.
- Squaring is linear in GF(2): it spreads the bits apart (bit i to bit 2i) with the classic
  interleave masks, then reduces; about 1.3 us for m = 283.
- Inversion is the binary-polynomial extended Euclid driven by `int.bit_length`, about 70 us;
  Itoh-Tsujii with plain squarings measured 7x slower.
- Reduction uses the sparse (pentanomial) field polynomial: two folds of the high half.
- z^2 + z = beta (point decompression) is solved with a precomputed echelon basis of that
  linear map, not the half-trace sum.
"""

from __future__ import annotations

_NIBBLE_HIGH = bytes(value >> 4 for value in range(256))
_NIBBLE_LOW = bytes(value & 0x0F for value in range(256))


def _small_multiples(a: int) -> tuple[int, ...]:
    """u * a for the 16 polynomials u of degree < 4: the comb's table (carry-less, unreduced)."""
    a2 = a << 1
    a3 = a2 ^ a
    a4 = a << 2
    a5 = a4 ^ a
    a6 = a4 ^ a2
    a7 = a4 ^ a3
    a8 = a << 3
    return (0, a, a2, a3, a4, a5, a6, a7, a8, a8 ^ a, a8 ^ a2, a8 ^ a3, a8 ^ a4, a8 ^ a5, a8 ^ a6, a8 ^ a7)


def _spread_masks(width: int) -> tuple[tuple[int, int], ...]:
    """(shift, mask) steps that move bit i of a `width`-bit int to bit 2i (bit interleaving)."""
    steps = []
    shift = 1 << (width - 1).bit_length()
    while shift > 1:
        shift //= 2
        mask = 0
        for block in range(0, 4 * width, 2 * shift):
            mask |= ((1 << shift) - 1) << block
        steps.append((shift, mask))
    return tuple(steps)


class BinaryField:
    """GF(2^m) modulo the pentanomial x^m + x^k3 + x^k2 + x^k1 + 1 (both CBKE curves use one)."""

    __slots__ = ("_fold", "_solver", "_spread", "degree", "mask", "modulus", "size")

    def __init__(self, degree: int, middle_terms: tuple[int, int, int]) -> None:
        if not degree > max(middle_terms) * 2:
            raise ValueError("the two-fold reduction needs the middle terms below m/2")
        self.degree = degree
        self.modulus = (1 << degree) | sum(1 << term for term in middle_terms) | 1
        self.mask = (1 << degree) - 1
        #: Octets of one encoded element (SEC 1 field-element-to-octet-string).
        self.size = (degree + 7) // 8
        self._fold = middle_terms
        self._spread = _spread_masks(degree)
        self._solver: list[tuple[int, int, int]] = []

    def reduce(self, value: int) -> int:
        """`value` (degree < 2m) modulo the field polynomial."""
        degree, mask = self.degree, self.mask
        k1, k2, k3 = self._fold
        high = value >> degree
        value = (value & mask) ^ high ^ (high << k1) ^ (high << k2) ^ (high << k3)
        high = value >> degree
        return (value & mask) ^ high ^ (high << k1) ^ (high << k2) ^ (high << k3)

    def multiply(self, a: int, b: int) -> int:
        """a * b: comb over b's octets with the 16 small multiples of a (see the module notes)."""
        low = _small_multiples(a)
        high = _small_multiples(a << 4)
        octets = b.to_bytes(self.size, "big")
        product = 0
        for nibble_high, nibble_low in zip(octets.translate(_NIBBLE_HIGH), octets.translate(_NIBBLE_LOW), strict=True):
            product = (product << 8) ^ high[nibble_high] ^ low[nibble_low]
        return self.reduce(product)

    def square(self, a: int) -> int:
        """a^2: spread the bits (bit i to bit 2i), then reduce."""
        for shift, mask in self._spread:
            a = (a | (a << shift)) & mask
        return self.reduce(a)

    def inverse(self, a: int) -> int:
        """a^-1 by the extended Euclidean algorithm on binary polynomials; a must be non-zero."""
        if a == 0:
            raise ZeroDivisionError("0 has no inverse in GF(2^m)")
        u, v, g1, g2 = a, self.modulus, 1, 0
        while u != 1:
            shift = u.bit_length() - v.bit_length()
            if shift < 0:
                u, v, g1, g2 = v, u, g2, g1
                shift = -shift
            u ^= v << shift
            g1 ^= g2 << shift
        return g1

    def solve_quadratic(self, beta: int) -> int | None:
        """A root z of z^2 + z = beta, or None when there is none (Tr(beta) = 1).

        The other root is z + 1. Used by point decompression (SEC 1 2.3.4 on binary curves,
        cbke.md 2). z -> z^2 + z is linear with kernel {0, 1}, so the images of x, x^2, ...,
        x^(m-1) span its image; they are kept in echelon form (built once per field, on first
        use), and solving is one pass over the pivots: about 50 us for m = 283, against 370 us
        for the half-trace sum of (m-1)/2 double squarings.
        """
        if not self._solver:
            self._solver.extend(self._echelon_images())
        root = 0
        for pivot, image, preimage in self._solver:
            if beta >> pivot & 1:
                beta ^= image
                root ^= preimage
        return root if beta == 0 else None

    def _echelon_images(self) -> list[tuple[int, int, int]]:
        """(leading bit, z^2 + z, z) rows for z = x^i, i = 1..m-1, reduced to distinct leading bits."""
        rows: dict[int, tuple[int, int]] = {}
        for exponent in range(1, self.degree):
            preimage = 1 << exponent
            image = self.square(preimage) ^ preimage
            while image:
                pivot = image.bit_length() - 1
                if pivot not in rows:
                    rows[pivot] = (image, preimage)
                    break
                image ^= rows[pivot][0]
                preimage ^= rows[pivot][1]
        return [(pivot, *rows[pivot]) for pivot in sorted(rows, reverse=True)]

    def to_bytes(self, a: int) -> bytes:
        """The SEC 1 octet string of a field element: big-endian, `size` octets (leading zeros kept)."""
        return a.to_bytes(self.size, "big")
