"""Security frame counters: outgoing ones never reused across restarts, incoming ones replay-checked.

Why (radio.md 5.2): a CCM* nonce is (source EUI-64, frame counter, security
control); reusing a counter under the same key breaks the encryption, and a
receiver must drop any frame whose counter is not greater than the last it
accepted from that sender.

Restart safety without a write per frame: the outgoing counter reserves a
block (`block` values) by persisting the block's end *before* using any value
in it; after a restart it resumes from the persisted end, so at most a block
of values is skipped and none is ever reused. The store is any mutable
mapping (`CounterStore`), e.g. a dict in tests, hal.nvm's SQLite later.
"""

from __future__ import annotations

from typing import Protocol


class CounterStore(Protocol):
    """Where counters survive a power cut: a small mapping of str to int (a dict will do)."""

    def get(self, key: str, /) -> int | None: ...

    def __setitem__(self, key: str, value: int, /) -> None: ...


#: The largest 32-bit frame counter; past it the key must change (radio.md 5.2).
MAX_COUNTER = 0xFFFFFFFF


class CounterExhausted(Exception):
    """The 32-bit outgoing frame counter ran out: the key must be replaced before sending more."""


class OutgoingCounter:
    """The next frame counter to send under one key, persisted in blocks."""

    def __init__(self, store: CounterStore, key: str, *, block: int = 4096) -> None:
        self._store, self._key, self._block = store, key, block
        self._next = int(store.get(key) or 0)
        self._reserved_end = self._next  # nothing reserved by this instance yet

    @property
    def value(self) -> int:
        """The counter the next frame will carry."""
        return self._next

    def advance_to(self, value: int) -> None:
        """Never send below `value` (e.g. a counter restored from a backup of another store)."""
        if value > self._next:
            self._next = value

    def next(self) -> int:
        """Take a counter for one outgoing frame."""
        if self._next > MAX_COUNTER:
            raise CounterExhausted(self._key)
        if self._next >= self._reserved_end:
            self._reserved_end = min(self._next + self._block, MAX_COUNTER + 1)
            self._store[self._key] = self._reserved_end  # persist before use
        value = self._next
        self._next += 1
        return value


class ReplayFilter:
    """Last accepted incoming frame counter per sender; accepts only strictly greater ones."""

    def __init__(self) -> None:
        self._last: dict[int, int] = {}

    def check(self, sender: int, counter: int) -> bool:
        """True when `counter` is fresh for `sender` (does not record it)."""
        last = self._last.get(sender)
        return last is None or counter > last

    def accept(self, sender: int, counter: int) -> None:
        """Record `counter` as the last accepted from `sender` (after the MIC verified)."""
        self._last[sender] = counter

    def forget(self, sender: int) -> None:
        """Drop what we know of `sender` (it left, or was given a new key)."""
        self._last.pop(sender, None)

    def clear(self) -> None:
        """Forget every sender: a new network key restarts every sender's counter."""
        self._last.clear()

    def last(self, sender: int) -> int | None:
        return self._last.get(sender)
