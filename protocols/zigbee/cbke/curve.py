"""Koblitz-curve point arithmetic for CBKE: sect163k1 (crypto suite 1) and sect283k1 (suite 2).

Pure Python, because `cryptography` 47+ dropped OpenSSL's binary (SECT) curves (cbke.md 9.12).
Curves are y^2 + xy = x^3 + ax^2 + 1 over GF(2^m), a in {0, 1} (cbke.md 2). Points are affine
tuples (x, y) of field elements; the point at infinity is `None`.

How a scalar multiplication runs, and why:
- the scalar becomes a width-w tau-adic NAF (`tau_adic`): about m digits, one nonzero in w+1;
- the running sum lives in Lopez-Dahab projective coordinates (x = X/Z, y = Y/Z^2): no inversion
  per step; the Frobenius map is three squarings there, and adding an affine point ("mixed
  addition") costs 8 multiplications and 5 squarings;
- the 2^(w-2) points alpha_u * P are built once per multiplication from a few Frobenius images of
  P and brought to affine together with one inversion (Montgomery's trick);
- for the generator, every tau^i * alpha_u * G is tabled once per curve (lazily, on first use),
  so a key generation is additions only;
- sums s*P + t*Q (ECMQV) share one Frobenius chain.
Every result is exact for any point on the curve, whether or not it lies in the prime-order
subgroup (the reduction is modulo tau^m - 1, see `tau_adic`).
"""

from __future__ import annotations

from collections.abc import Sequence

from protocols.zigbee.cbke.codec import exact_length
from protocols.zigbee.cbke.errors import CbkeDecodeError
from protocols.zigbee.cbke.field import BinaryField
from protocols.zigbee.cbke.tau_adic import TauAdic

AffinePoint = tuple[int, int]
_Projective = tuple[int, int, int]
_Table = dict[int, AffinePoint | None]

#: Window widths, chosen by measurement (bench.zigbee_security): wider windows cost more
#: precomputation than they save additions at these field sizes.
VARIABLE_BASE_WINDOW = 5
FIXED_BASE_WINDOW = 6


class KoblitzCurve:
    """One Koblitz curve with its group order n and cofactor h (cbke.md 2, SEC 2)."""

    __slots__ = (
        "_base_table",
        "_fixed",
        "_plain",
        "_variable",
        "a",
        "cofactor",
        "field",
        "generator",
        "name",
        "order",
    )

    def __init__(
        self,
        *,
        name: str,
        field: BinaryField,
        a: int,
        order: int,
        cofactor: int,
        generator: AffinePoint,
    ) -> None:
        self.name = name
        self.field = field
        self.a = a
        self.order = order
        self.cofactor = cofactor
        self.generator = generator
        if not self.is_on_curve(generator):
            raise ValueError(f"{name}: the generator is not on the curve")
        self._variable = TauAdic(a=a, degree=field.degree, curve_order=order * cofactor, window=VARIABLE_BASE_WINDOW)
        self._fixed = TauAdic(a=a, degree=field.degree, curve_order=order * cofactor, window=FIXED_BASE_WINDOW)
        self._plain = TauAdic(a=a, degree=field.degree, curve_order=order * cofactor, window=2)
        self._base_table: list[_Table] = []

    # -- affine arithmetic (reference formulas; used off the hot path) ------------------------

    def is_on_curve(self, point: AffinePoint | None) -> bool:
        if point is None:
            return True
        x, y = point
        field = self.field
        if x >> field.degree or y >> field.degree:
            return False
        mul, square = field.multiply, field.square
        x2 = square(x)
        return square(y) ^ mul(x, y) == mul(x2, x) ^ (x2 if self.a else 0) ^ 1

    def negate(self, point: AffinePoint | None) -> AffinePoint | None:
        return None if point is None else (point[0], point[0] ^ point[1])

    def add(self, left: AffinePoint | None, right: AffinePoint | None) -> AffinePoint | None:
        """left + right with the affine chord-and-tangent formulas (one inversion)."""
        if left is None:
            return right
        if right is None:
            return left
        field = self.field
        (x1, y1), (x2, y2) = left, right
        if x1 == x2:
            if y1 != y2 or x1 == 0:  # P + (-P), or the point of order 2 doubled
                return None
            slope = x1 ^ field.multiply(y1, field.inverse(x1))
            x3 = field.square(slope) ^ slope ^ self.a
            return x3, field.square(x1) ^ field.multiply(slope ^ 1, x3)
        slope = field.multiply(y1 ^ y2, field.inverse(x1 ^ x2))
        x3 = field.square(slope) ^ slope ^ x1 ^ x2 ^ self.a
        return x3, field.multiply(slope, x1 ^ x3) ^ x3 ^ y1

    # -- Lopez-Dahab projective arithmetic -------------------------------------------------------

    def _double(self, point: _Projective) -> _Projective | None:
        """2P in LD coordinates (b = 1): Z3 = X^2 Z^2, X3 = X^4 + Z^4, Y3 = Z^4 Z3 + X3 (aZ3 + Y^2 + Z^4)."""
        mul, square = self.field.multiply, self.field.square
        x1, y1, z1 = point
        z1_squared = square(z1)
        x1_squared = square(x1)
        z3 = mul(x1_squared, z1_squared)
        if z3 == 0:
            return None
        z1_fourth = square(z1_squared)
        x3 = square(x1_squared) ^ z1_fourth
        inner = square(y1) ^ z1_fourth
        if self.a:
            inner ^= z3
        return x3, mul(z1_fourth, z3) ^ mul(x3, inner), z3

    def _add_affine(self, total: _Projective | None, point: AffinePoint | None) -> _Projective | None:
        """total + point, total in LD coordinates and point affine (mixed addition, 8M + 5S)."""
        if point is None:
            return total
        x2, y2 = point
        if total is None:
            return x2, y2, 1
        mul, square = self.field.multiply, self.field.square
        x1, y1, z1 = total
        a_term = y1 ^ mul(y2, square(z1))
        b_term = x1 ^ mul(x2, z1)
        if b_term == 0:
            return self._double(total) if a_term == 0 else None
        c_term = mul(b_term, z1)
        z3 = square(c_term)
        inner = a_term ^ square(b_term)
        if self.a:
            inner ^= c_term
        x3 = square(a_term) ^ mul(c_term, inner)
        y3 = mul(mul(x2, z3) ^ x3, mul(a_term, c_term) ^ z3) ^ mul(y2 ^ x2, square(z3))
        return x3, y3, z3

    def _to_affine(self, point: _Projective | None) -> AffinePoint | None:
        if point is None:
            return None
        field = self.field
        x, y, z = point
        z_inverse = field.inverse(z)
        return field.multiply(x, z_inverse), field.multiply(y, field.square(z_inverse))

    def _to_affine_all(self, points: Sequence[_Projective]) -> list[AffinePoint]:
        """Many LD points (none at infinity) to affine with one inversion (Montgomery's trick)."""
        mul, square = self.field.multiply, self.field.square
        prefix = [1]
        for _, _, z in points:
            prefix.append(mul(prefix[-1], z))
        running = self.field.inverse(prefix[-1])
        result: list[AffinePoint] = [(0, 0)] * len(points)
        for index in range(len(points) - 1, -1, -1):
            x, y, z = points[index]
            z_inverse = mul(running, prefix[index])
            running = mul(running, z)
            result[index] = (mul(x, z_inverse), mul(y, square(z_inverse)))
        return result

    # -- scalar multiplication -------------------------------------------------------------------

    def _frobenius_powers(self, point: AffinePoint, count: int) -> list[AffinePoint]:
        """point, tau(point), ..., tau^(count-1)(point): squaring both coordinates each time."""
        square = self.field.square
        powers = [point]
        for _ in range(count - 1):
            x, y = powers[-1]
            powers.append((square(x), square(y)))
        return powers

    def _odd_multiples(self, point: AffinePoint, expansion: TauAdic) -> _Table:
        """{u: alpha_u * point, -u: -alpha_u * point} for the window's digits, all affine.

        alpha_u * point is a sum of a few +-tau^i * point (the plain tau-adic NAF of alpha_u), and
        tau^i * point is affine for free, so mixed additions build it; an entry is `None` only
        for points of tiny order (alpha_u * point at infinity).
        """
        built: list[_Projective] = []
        values: list[int] = []
        table: _Table = {1: point, -1: (point[0], point[0] ^ point[1])}
        for digit in expansion.digit_values[1:]:
            digits = self._plain.expand_element(*expansion.alpha(digit))
            powers = self._frobenius_powers(point, len(digits))
            total: _Projective | None = None
            for (x, y), sign in zip(powers, digits, strict=True):
                if sign:
                    total = self._add_affine(total, (x, y) if sign > 0 else (x, x ^ y))
            if total is None:
                table[digit] = table[-digit] = None
            else:
                built.append(total)
                values.append(digit)
        for digit, (x, y) in zip(values, self._to_affine_all(built), strict=True):
            table[digit] = (x, y)
            table[-digit] = (x, x ^ y)
        return table

    def _evaluate(self, terms: Sequence[tuple[list[int], _Table]]) -> AffinePoint | None:
        """sum of (digits evaluated at tau) * point, Horner's rule over one shared Frobenius chain."""
        square = self.field.square
        add = self._add_affine
        total: _Projective | None = None
        for position in range(max(len(digits) for digits, _ in terms) - 1, -1, -1):
            if total is not None:
                x, y, z = total
                total = (square(x), square(y), square(z))
            for digits, table in terms:
                if position < len(digits):
                    digit = digits[position]
                    if digit:
                        total = add(total, table[digit])
        return self._to_affine(total)

    def multiply(self, scalar: int, point: AffinePoint | None) -> AffinePoint | None:
        """scalar * point for any integer scalar and any point on the curve."""
        return self.multiply_sum([(scalar, point)])

    def multiply_sum(self, terms: Sequence[tuple[int, AffinePoint | None]]) -> AffinePoint | None:
        """sum of scalar_i * point_i over one Frobenius chain (ECMQV's s*Q2 + t*Q1)."""
        expansion = self._variable
        prepared = [
            (expansion.expand(scalar), self._odd_multiples(point, expansion))
            for scalar, point in terms
            if point is not None and scalar
        ]
        return self._evaluate(prepared) if prepared else None

    def multiply_generator(self, scalar: int) -> AffinePoint | None:
        """scalar * G from the per-curve table of tau^i * alpha_u * G: additions only, no Frobenius."""
        digits = self._fixed.expand(scalar)
        table = self._base_table
        if len(table) < len(digits):
            self._extend_base_table(len(digits))
        add = self._add_affine
        total: _Projective | None = None
        for position, digit in enumerate(digits):
            if digit:
                point = table[position][abs(digit)]
                total = add(total, point if digit > 0 or point is None else (point[0], point[0] ^ point[1]))
        return self._to_affine(total)

    def _extend_base_table(self, length: int) -> None:
        square = self.field.square
        table = self._base_table
        if not table:
            multiples = self._odd_multiples(self.generator, self._fixed)
            table.append({digit: point for digit, point in multiples.items() if digit > 0})
        while len(table) < length:
            table.append({digit: (square(point[0]), square(point[1])) for digit, point in table[-1].items() if point})

    # -- SEC 1 encodings (cbke.md 2) ---------------------------------------------------------------

    def compress(self, point: AffinePoint) -> bytes:
        """02|03 || x, the parity bit being the lowest bit of y/x (0 when x = 0): SEC 1 2.3.3."""
        field = self.field
        x, y = point
        bit = field.multiply(y, field.inverse(x)) & 1 if x else 0
        return bytes([2 | bit]) + field.to_bytes(x)

    def decompress(self, data: bytes, *, protocol: str = "zigbee.cbke.point", base: int = 0) -> AffinePoint:
        """The point `data` encodes (SEC 1 2.3.4): refuse wrong lengths, prefixes, x and non-points.

        Errors are `CbkeDecodeError` with `offset` relative to the caller's input (`base`).
        """
        field = self.field
        exact_length(data, field.size + 1, protocol, "point", base)
        if data[0] not in (2, 3):
            raise CbkeDecodeError(protocol, base, "point.prefix", f"prefix 0x{data[0]:02x} is not 02 or 03")
        x = int.from_bytes(data[1:], "big")
        if x >> field.degree:
            raise CbkeDecodeError(protocol, base + 1, "point.x", f"x has bits above degree {field.degree}")
        if x == 0:
            return 0, 1  # y = sqrt(b) = 1
        beta = x ^ self.a ^ field.square(field.inverse(x))
        root = field.solve_quadratic(beta)
        if root is None:
            raise CbkeDecodeError(protocol, base + 1, "point.x", f"x is not the x-coordinate of a {self.name} point")
        if root & 1 != data[0] & 1:
            root ^= 1
        return x, field.multiply(x, root)


SECT163K1 = KoblitzCurve(
    name="sect163k1",
    field=BinaryField(163, (3, 6, 7)),
    a=1,
    order=0x04000000000000000000020108A2E0CC0D99F8A5EF,
    cofactor=2,
    generator=(0x02FE13C0537BBC11ACAA07D793DE4E6D5E5C94EEE8, 0x0289070FB05D38FF58321F2E800536D538CCDAA3D9),
)

SECT283K1 = KoblitzCurve(
    name="sect283k1",
    field=BinaryField(283, (5, 7, 12)),
    a=0,
    order=0x01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFE9AE2ED07577265DFF7F94451E061E163C61,
    cofactor=4,
    generator=(
        0x0503213F78CA44883F1A3B8162F188E553CD265F23C1567A16876913B0C2AC2458492836,
        0x01CCDA380F1C9E318D90F95D07E5426FE87E45C0E8184698E45962364E34116177DD2259,
    ),
)
