"""Mutations of well-formed inputs: what a flipped bit, a cut frame or a lying length field looks like.

A plain, seeded mutator rather than a coverage-guided engine: it runs anywhere Python runs
(atheris needs a matching clang/libFuzzer build), is reproducible from its seed, and the
interesting cases of these formats (lengths, counts, tags, flags) are reached by the
"interesting values" below.
"""

from __future__ import annotations

import random

#: Octets that sit on the edges of the formats: zero, the BER long-form markers (gbcs.md 3.2),
#: sign bits, all-ones, and the tags that open constructed values (DLMS array/structure, DER SEQUENCE).
#: How many edits one mutation makes, as a weighted choice: one edit three times in five.
_EDIT_COUNTS = (1, 1, 1, 2, 4)
INTERESTING = (0x00, 0x01, 0x02, 0x7F, 0x80, 0x81, 0x82, 0x83, 0x84, 0xFE, 0xFF, 0x30, 0x09, 0x13)


def mutate(data: bytes, rng: random.Random, pool: list[bytes], max_size: int) -> bytes:
    """`data` changed by one to four random edits (splicing with another input of `pool` among them).

    Mostly one edit: formats with length fields (a GBCS envelope has two) reject nearly every
    input edited twice, and what lies past those checks is what the run is for.
    """
    buf = bytearray(data)
    for _ in range(rng.choice(_EDIT_COUNTS)):
        _edit(buf, rng, pool)
    return bytes(buf[:max_size])


def _edit(buf: bytearray, rng: random.Random, pool: list[bytes]) -> None:
    kind = rng.randrange(8)
    at = rng.randrange(len(buf) + 1)
    if kind == 0 and buf:  # flip a bit
        buf[at % len(buf)] ^= 1 << rng.randrange(8)
    elif kind == 1 and buf:  # an interesting octet
        buf[at % len(buf)] = rng.choice(INTERESTING)
    elif kind == 2:  # insert random octets
        buf[at:at] = rng.randbytes(rng.randint(1, 8))
    elif kind == 3 and buf:  # delete a range
        del buf[at : at + rng.randint(1, 8)]
    elif kind == 4 and buf:  # duplicate a range (repeated TLVs, records)
        start = rng.randrange(len(buf))
        buf[at:at] = buf[start : start + rng.randint(1, 16)]
    elif kind == 5:  # truncate
        del buf[at:]
    elif kind == 6 and pool:  # splice: our head, another input's tail
        other = rng.choice(pool)
        buf[at:] = other[rng.randrange(len(other) + 1) :]
    else:  # a random octet
        if buf:
            buf[at % len(buf)] = rng.randrange(256)
