"""Frobenius (tau-adic) expansions of scalars on Koblitz curves: what makes scalar multiplication cheap.

On a Koblitz curve y^2 + xy = x^3 + ax^2 + 1 over GF(2^m) the Frobenius map tau(x, y) = (x^2, y^2)
is an endomorphism with tau^2 - mu*tau + 2 = 0, mu = (-1)^(1-a) (Solinas 2000; Hankerson, Menezes,
Vanstone, "Guide to ECC" 3.4). Writing the scalar in base tau replaces each point doubling (4
multiplications and 5 squarings) with one Frobenius (3 squarings in Lopez-Dahab coordinates).

Elements of Z[tau] are pairs (c0, c1) meaning c0 + c1*tau. A scalar k is first reduced modulo
tau^m - 1 (rounded division in Z[tau]): tau^m acts as the identity on every point over GF(2^m), so
the remainder acts exactly like k on every point of the curve - also on points outside the
prime-order subgroup (the reduction modulo the smaller delta = (tau^m - 1)/(tau - 1) would be exact
only inside it), and it has about m + log2(h) digits. The remainder is then written as a width-w
tau-adic NAF: digits 0 or odd u with |u| < 2^(w-1), each nonzero digit followed by at least w-1
zeros, digit u standing for the small element alpha_u = u mods tau^w (Solinas' Algorithm 3.69 in
the Guide). A caller precomputes alpha_u * P once per point and adds one per nonzero digit.
"""

from __future__ import annotations

Element = tuple[int, int]


def _round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer (denominator > 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


class TauAdic:
    """Arithmetic in Z[tau] for one Koblitz curve, and its width-`window` tau-adic NAF."""

    __slots__ = ("_alphas", "_curve_order", "_tau_m_minus_1", "mu", "window", "window_root")

    def __init__(self, *, a: int, degree: int, curve_order: int, window: int) -> None:
        if a not in (0, 1) or window < 2:
            raise ValueError("Koblitz curves have a in {0, 1}; the window is at least 2")
        self.mu = 1 if a == 1 else -1
        self.window = window
        lucas = [0, 1]  # U_0, U_1, U_(k+1) = mu*U_k - 2*U_(k-1); tau^k = U_k*tau - 2*U_(k-1)
        while len(lucas) <= max(degree, window):
            lucas.append(self.mu * lucas[-1] - 2 * lucas[-2])
        self._tau_m_minus_1 = (-2 * lucas[degree - 1] - 1, lucas[degree])
        if self.norm(self._tau_m_minus_1) != curve_order:
            raise ValueError("N(tau^m - 1) must equal the number of points h*n: wrong curve parameters")
        self._curve_order = curve_order
        modulus = 1 << window
        #: t_w: the image of tau in Z / 2^w under Z[tau] -> Z[tau]/tau^w (Solinas: 2*U_(w-1)/U_w).
        self.window_root = 2 * lucas[window - 1] * pow(lucas[window], -1, modulus) % modulus
        tau_w = (-2 * lucas[window - 1], lucas[window])
        #: alpha_u = u mods tau^w for the odd u below 2^(w-1), indexed by u.
        self._alphas: dict[int, Element] = {u: self.remainder((u, 0), tau_w) for u in range(1, modulus // 2, 2)}

    def multiply(self, left: Element, right: Element) -> Element:
        a0, a1 = left
        b0, b1 = right
        return a0 * b0 - 2 * a1 * b1, a0 * b1 + a1 * b0 + self.mu * a1 * b1

    def conjugate(self, value: Element) -> Element:
        c0, c1 = value
        return c0 + self.mu * c1, -c1

    def norm(self, value: Element) -> int:
        c0, c1 = value
        return c0 * c0 + self.mu * c0 * c1 + 2 * c1 * c1

    def remainder(self, value: Element, divisor: Element) -> Element:
        """value - q*divisor, q = value/divisor rounded coordinate-wise: a remainder of small norm."""
        n0, n1 = self.multiply(value, self.conjugate(divisor))
        norm = self.norm(divisor)
        quotient = (_round_div(n0, norm), _round_div(n1, norm))
        q0, q1 = self.multiply(quotient, divisor)
        return value[0] - q0, value[1] - q1

    def alpha(self, digit: int) -> Element:
        """alpha_u for an odd digit u with |u| < 2^(w-1) (negative digits give -alpha_|u|)."""
        c0, c1 = self._alphas[abs(digit)]
        return (c0, c1) if digit > 0 else (-c0, -c1)

    @property
    def digit_values(self) -> tuple[int, ...]:
        """The positive digit values u of this window (alpha_u * P is what a caller precomputes)."""
        return tuple(self._alphas)

    def expand(self, scalar: int) -> list[int]:
        """The width-w tau-adic NAF of `scalar` reduced modulo tau^m - 1, least significant digit first."""
        r0, r1 = self.remainder((scalar, 0), self._tau_m_minus_1)
        return self.expand_element(r0, r1)

    def expand_element(self, r0: int, r1: int) -> list[int]:
        """The width-w tau-adic NAF of r0 + r1*tau itself (no reduction), least significant first."""
        mu, alphas, root = self.mu, self._alphas, self.window_root
        modulus = 1 << self.window
        half, mask = modulus >> 1, modulus - 1
        digits = []
        while r0 or r1:
            if r0 & 1:
                digit = (r0 + r1 * root) & mask
                if digit >= half:
                    digit -= modulus
                if digit > 0:
                    b0, b1 = alphas[digit]
                    r0 -= b0
                    r1 -= b1
                else:
                    b0, b1 = alphas[-digit]
                    r0 += b0
                    r1 += b1
                digits.append(digit)
            else:
                digits.append(0)
            half_r0 = r0 >> 1  # exact: r0 is even here
            r0, r1 = r1 + mu * half_r0, -half_r0
        return digits
