"""Hypothesis strategies for NVM values, and an exact comparison (type, float bits, key order)."""

from __future__ import annotations

import struct
from typing import Any

from hypothesis import strategies as st

# every code point, lone surrogates included (they must survive too)
TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=20)

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**200), max_value=2**200)
    | st.sampled_from([0, -1, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1])
    | st.floats(allow_nan=True, allow_infinity=True)
    | TEXT
    | st.binary(max_size=40)
)

VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(TEXT, children, max_size=5),
    max_leaves=25,
)


def same(left: Any, right: Any) -> bool:
    """True when `right` is exactly `left`: same types, same float bits, same dict key order."""
    if type(left) is not type(right):
        return False
    if isinstance(left, float):
        return struct.pack(">d", left) == struct.pack(">d", right)
    if isinstance(left, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict):
        return list(left) == list(right) and all(same(left[key], right[key]) for key in left)
    return bool(left == right)
