"""One entry per parser: how to call it, how to rebuild what it returns, which errors are its own.

Why a registry: the invariants (`invariants.py`) are the same for every codec, so a new parser
(WAN framing, HDLC-lite/Spinel/ASH/EZSP, DLMS, GBZ, DER, CBKE certificates...) joins the habit by
adding one `Target` (`fuzz/targets*.py`), with seeds made from the specification or the primers' worked examples
(never from corpus bytes the repo cannot ship).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Target:
    """A parser under test.

    `parse(data)` either returns a value or raises one of `errors` (a `DecodeError` must also
    carry an offset within the input); when `rebuild` is given, `rebuild(value)` must give `data`
    back byte for byte - or, for a format whose reader accepts several spellings of one value
    (`exact=False`: HDLC-lite and ASH escape any byte, Spinel packed integers may be wider than
    needed, EZSP headers and CS payloads drop reserved bits and length forms, EZSP booleans read any
    non-zero octet as true, NVM values read lengths and
    integers in any width), its canonical spelling: bytes that parse and rebuild to themselves.
    `seeds()` gives well-formed inputs to mutate from.
    """

    name: str
    parse: Callable[[bytes], object]
    errors: tuple[type[BaseException], ...]
    seeds: Callable[[], Iterable[bytes]]
    rebuild: Callable[[Any], bytes] | None = None
    exact: bool = True
    #: Share of a run's time, relative to other targets (1): more for a parser whose inputs are slow.
    weight: float = 1.0
    #: Largest input worth generating: the format's own bound, or what keeps one run quick.
    max_size: int = 4096
    notes: str = field(default="", compare=False)


TARGETS: dict[str, Target] = {}


def register(target: Target) -> Target:
    """Add `target` under its name (a name may be registered once)."""
    if target.name in TARGETS:
        raise ValueError(f"fuzz target {target.name!r} is registered twice")
    TARGETS[target.name] = target
    return target
