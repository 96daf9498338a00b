"""Byte stuffing shared by HDLC-lite and ASH: a reserved byte goes out as 0x7D, byte ^ 0x20.

Both framings use the same escape byte and XOR but reserve different sets
(spinel.md 1; UG101 / radio.md 6.1), so the set is a parameter. Decoding
XORs whatever follows an escape (both decoders accept bytes that did not
need escaping).
"""

from __future__ import annotations

import re

ESCAPE = 0x7D
FLAG = 0x7E
XOR = 0x20

_PATTERNS: dict[frozenset[int], re.Pattern[bytes]] = {}


def _pattern(reserved: frozenset[int]) -> re.Pattern[bytes]:
    found = _PATTERNS.get(reserved)
    if found is None:
        found = re.compile(b"[" + b"".join(re.escape(bytes((b,))) for b in sorted(reserved)) + b"]")
        _PATTERNS[reserved] = found
    return found


def _escape(match: re.Match[bytes]) -> bytes:
    return bytes((ESCAPE, match[0][0] ^ XOR))


def stuff(data: bytes, reserved: frozenset[int]) -> bytes:
    """`data` with every byte of `reserved` replaced by 0x7D, byte ^ 0x20."""
    return _pattern(reserved).sub(_escape, data)
