"""GF(2^m) and Koblitz-curve arithmetic against slow textbook references (bit-serial multiply,
affine double-and-add), on both curves, inside and outside the prime-order subgroup."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.zigbee.cbke import SECT163K1, SECT283K1, CbkeDecodeError, KoblitzCurve
from protocols.zigbee.cbke.curve import AffinePoint

CURVES = [SECT163K1, SECT283K1]
IDS = [curve.name for curve in CURVES]


def slow_multiply(curve: KoblitzCurve, a: int, b: int) -> int:
    """Shift-and-add carry-less product, then reduction bit by bit from the top."""
    product = 0
    while b:
        if b & 1:
            product ^= a
        a <<= 1
        b >>= 1
    modulus, degree = curve.field.modulus, curve.field.degree
    for bit in range(product.bit_length() - 1, degree - 1, -1):
        if product >> bit & 1:
            product ^= modulus << (bit - degree)
    return product


def slow_scalar(curve: KoblitzCurve, scalar: int, point: AffinePoint | None) -> AffinePoint | None:
    """Affine double-and-add (no tau-adic, no projective coordinates)."""
    total = None
    while scalar:
        if scalar & 1:
            total = curve.add(total, point)
        point = curve.add(point, point)
        scalar >>= 1
    return total


def random_point(curve: KoblitzCurve, rnd: random.Random) -> AffinePoint:
    """A random curve point (not necessarily in the prime-order subgroup)."""
    while True:
        try:
            return curve.decompress(
                bytes([2 + rnd.getrandbits(1)]) + curve.field.to_bytes(rnd.getrandbits(curve.field.degree))
            )
        except CbkeDecodeError:
            continue


@pytest.mark.parametrize("curve", CURVES, ids=IDS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_field_operations_match_the_textbook(curve: KoblitzCurve, data: st.DataObject) -> None:
    field = curve.field
    a = data.draw(st.integers(min_value=1, max_value=field.mask))
    b = data.draw(st.integers(min_value=0, max_value=field.mask))
    assert field.multiply(a, b) == slow_multiply(curve, a, b)
    assert field.square(a) == slow_multiply(curve, a, a)
    assert field.multiply(field.inverse(a), a) == 1
    trace, power = 0, a  # Tr(a) = a + a^2 + ... + a^(2^(m-1)), 0 or 1
    for _ in range(field.degree):
        trace ^= power
        power = slow_multiply(curve, power, power)
    root = field.solve_quadratic(a)
    assert (root is not None) == (trace == 0)
    if root is not None:
        assert field.square(root) ^ root == a


@pytest.mark.parametrize("curve", CURVES, ids=IDS)
def test_generator_has_order_n_and_curve_order_is_hn(curve: KoblitzCurve) -> None:
    assert curve.is_on_curve(curve.generator)
    assert curve.multiply(curve.order, curve.generator) is None
    assert curve.multiply(curve.order - 1, curve.generator) == curve.negate(curve.generator)
    point = random_point(curve, random.Random(7))
    assert curve.multiply(curve.order * curve.cofactor, point) is None


@pytest.mark.parametrize("curve", CURVES, ids=IDS)
def test_scalar_multiplication_matches_double_and_add(curve: KoblitzCurve) -> None:
    rnd = random.Random(curve.field.degree)
    for scalar in [1, 2, 3, 5, 16, 31, 33, 1 << 128, *(rnd.randrange(curve.order) for _ in range(4))]:
        expected = slow_scalar(curve, scalar, curve.generator)
        assert curve.multiply(scalar, curve.generator) == expected
        assert curve.multiply_generator(scalar) == expected


@pytest.mark.parametrize("curve", CURVES, ids=IDS)
def test_exact_outside_the_subgroup_and_on_small_order_points(curve: KoblitzCurve) -> None:
    """The tau^m - 1 reduction keeps k*P exact for points of order h*n, h and 2."""
    rnd = random.Random(3)
    point = random_point(curve, rnd)
    small = curve.multiply(curve.order, point)  # order divides h
    for scalar in (rnd.randrange(curve.order * 8), rnd.getrandbits(128), 6, 7):
        assert curve.multiply(scalar, point) == slow_scalar(curve, scalar, point)
        assert curve.multiply(scalar, small) == slow_scalar(curve, scalar, small)
    order_two = (0, 1)
    assert curve.is_on_curve(order_two)
    assert curve.multiply(5, order_two) == order_two and curve.multiply(4, order_two) is None


@pytest.mark.parametrize("curve", CURVES, ids=IDS)
def test_multiply_sum_is_the_sum_of_products(curve: KoblitzCurve) -> None:
    rnd = random.Random(11)
    first, second = random_point(curve, rnd), curve.multiply_generator(rnd.randrange(1, curve.order))
    s, t = rnd.randrange(curve.order * 4), rnd.getrandbits(420)
    expected = curve.add(curve.multiply(s, first), curve.multiply(t, second))
    assert curve.multiply_sum([(s, first), (t, second)]) == expected
    assert curve.multiply_sum([(s, first), (s, curve.negate(first))]) is None


@pytest.mark.parametrize("curve", CURVES, ids=IDS)
def test_compression_round_trips_and_uses_y_over_x(curve: KoblitzCurve) -> None:
    rnd = random.Random(5)
    differs = 0
    for _ in range(30):
        point = curve.multiply_generator(rnd.randrange(1, curve.order))
        assert point is not None
        encoded = curve.compress(point)
        assert len(encoded) == curve.field.size + 1 and curve.decompress(encoded) == point
        differs += (encoded[0] & 1) != (point[1] & 1)
    assert differs > 0  # the prime-curve rule (low bit of y) would get these wrong (cbke.md 9.3)
    assert curve.decompress(b"\x02" + bytes(curve.field.size)) == (0, 1)


@pytest.mark.parametrize("curve", CURVES, ids=IDS)
def test_decompression_refuses_what_is_not_a_point(curve: KoblitzCurve) -> None:
    size = curve.field.size
    good = curve.compress(curve.generator)
    with pytest.raises(CbkeDecodeError) as wrong_length:
        curve.decompress(good[:-1])
    assert wrong_length.value.offset == size
    with pytest.raises(CbkeDecodeError) as prefix:
        curve.decompress(b"\x04" + good[1:])
    assert prefix.value.field == "point.prefix"
    with pytest.raises(CbkeDecodeError) as high:
        curve.decompress(b"\x02" + b"\xff" * size)
    assert high.value.field == "point.x"
    rnd = random.Random(9)
    refused = 0
    for _ in range(20):
        try:
            point = curve.decompress(b"\x03" + curve.field.to_bytes(rnd.getrandbits(curve.field.degree)))
        except CbkeDecodeError:
            refused += 1
        else:
            assert curve.is_on_curve(point)
    assert 0 < refused < 20  # about half of all x are not x-coordinates


@pytest.mark.parametrize("curve", CURVES, ids=IDS)
def test_tau_adic_digits_are_sparse(curve: KoblitzCurve) -> None:
    """Width-w NAF: each nonzero digit odd, below 2^(w-1), followed by w-1 zeros; about m digits."""
    from protocols.zigbee.cbke.curve import VARIABLE_BASE_WINDOW
    from protocols.zigbee.cbke.tau_adic import TauAdic

    expansion = TauAdic(
        a=curve.a, degree=curve.field.degree, curve_order=curve.order * curve.cofactor, window=VARIABLE_BASE_WINDOW
    )
    digits = expansion.expand(random.Random(1).randrange(curve.order))
    assert len(digits) <= curve.field.degree + 6
    nonzero = [index for index, digit in enumerate(digits) if digit]
    assert all(digits[i] % 2 and abs(digits[i]) < 1 << (VARIABLE_BASE_WINDOW - 1) for i in nonzero)
    assert all(later - earlier >= VARIABLE_BASE_WINDOW for earlier, later in itertools.pairwise(nonzero))
