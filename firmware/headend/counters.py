"""A head-end's originator counters: one strictly increasing sequence per originator, kept in NVM.

Why (gbcs.md 4.7): a device accepts a command only when its counter is greater than the last one
it accepted from that remote party, so a head-end that restarts must never reuse one. Each
allocation is written (one NVM transaction) before the command that carries it is built, so a
crash between the two wastes a counter, never repeats one.

Two sequences per originator, as devices keep them: commands, and top-ups (CS01a/CS01b, whose
counters have their low 32 bits zero and carry bits 32-41 in the UTRN). Each starts from a
floor taken from the head-end's clock - milliseconds since 1970 for commands, seconds for the
high half of top-up counters - so a head-end whose state file was lost still counts above what
it sent before, the way a time-based head-end counter does; within the stored state the
sequence is strictly increasing whatever the clock does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from hal.nvm import Nvm

TOP_UP_SHIFT = 32
_U64 = (1 << 64) - 1


class CounterSource(Protocol):
    """Where a head-end takes its originator counters from."""

    def allocate(self, originator: bytes, utc: float, *, top_up: bool = False) -> int:
        """The next counter of `originator` (durably recorded before it is returned)."""
        ...


class NvmCounters:
    """Counters kept in an `hal.nvm` partition (the `send` state file, or memory for tests and the demo)."""

    def __init__(self, nvm: Nvm) -> None:
        self._nvm = nvm

    def allocate(self, originator: bytes, utc: float, *, top_up: bool = False) -> int:
        key = f"counter/{originator.hex()}" + ("/top-up" if top_up else "")
        floor = int(utc) if top_up else int(utc * 1000)
        with self._nvm.transaction() as tx:
            last = self._nvm.get(key)
            value = floor if last is None else max(int(last) + 1, floor)
            tx.put(key, value)
        counter = value << TOP_UP_SHIFT if top_up else value
        if counter > _U64:
            raise OverflowError(f"originator counter of {originator.hex()} is past 64 bits")
        return counter

    def last(self, originator: bytes, *, top_up: bool = False) -> int | None:
        """The last counter allocated to `originator` in that sequence (None: none yet)."""
        stored = self._nvm.get(f"counter/{originator.hex()}" + ("/top-up" if top_up else ""))
        if stored is None:
            return None
        return int(stored) << TOP_UP_SHIFT if top_up else int(stored)
