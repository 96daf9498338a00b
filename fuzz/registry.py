"""One entry per parser: how to call it, how to rebuild what it returns, which errors are its own.

Why a registry: the invariants (`invariants.py`) are the same for every codec, so a new parser
(WAN framing, HDLC-lite/Spinel/ASH/EZSP, DLMS, GBZ, DER, CBKE certificates...) joins the habit by
adding one `Target` (`fuzz/targets*.py`), with seeds made from the specification or the primers' worked examples
(never from corpus bytes the repo cannot ship).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar


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


Choice = TypeVar("Choice")
#: The reason of the error a selecting target raises for an empty input.
NO_SELECTOR = "the fuzz input's selector octet is missing"


def selected(
    choices: tuple[Choice, ...], parse: Callable[[Choice, bytes], Any], missing: Callable[[], Exception]
) -> Callable[[bytes], tuple[int, Any]]:
    """A target parse for a codec that needs context its message supplies (a message code, a
    version, a direction): the first input octet picks one of `choices`, `parse(choice, rest)`
    decodes the rest, and the octet is kept in the value for `rebuild_selected`. An empty
    input raises `missing()`, the codec's own error."""

    def parse_selected(data: bytes) -> tuple[int, Any]:
        if not data:
            raise missing()
        return data[0], parse(choices[data[0] % len(choices)], data[1:])

    return parse_selected


def rebuild_selected(
    choices: tuple[Choice, ...], build: Callable[[Choice, Any], bytes]
) -> Callable[[tuple[int, Any]], bytes]:
    """The rebuild of a `selected` target: the selector octet, then `build(choice, value)`."""

    def rebuild(value: tuple[int, Any]) -> bytes:
        selector, parsed = value
        return bytes((selector,)) + build(choices[selector % len(choices)], parsed)

    return rebuild
