"""Indirect transmission: a parent holds frames for sleepy children until they poll (radio.md 2.6).

Why: an end device with its receiver off between polls can only hear its
parent right after sending a MAC Data Request. The parent keeps each frame
for macTransactionPersistenceTime, sets frame-pending in its ACK to the poll
(the radio's source-match table, `AddressFilter.pending_sources`), and sends
the oldest frame. A frame nobody polls for is reported expired, never dropped
silently (architecture.md "Rules of the house").

Sans-I/O: the queue is a value store with `now` passed in; `deadline()` is the
next expiry, `expire(now)` returns what timed out so the owner can report it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Pending(Generic[T]):
    """One held frame: who it is for, the item, and when it stops being worth sending."""

    destination: Hashable
    item: T
    expires: float


class IndirectQueue(Generic[T]):
    """Frames held per destination, oldest first, each with an expiry time."""

    def __init__(self, *, persistence: float, capacity: int = 64) -> None:
        self._persistence = persistence
        self._capacity = capacity
        self._queues: dict[Hashable, deque[Pending[T]]] = {}

    def __len__(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def push(self, destination: Hashable, item: T, now: float) -> bool:
        """Hold `item` for `destination`; False when the queue is full (the caller reports it)."""
        if len(self) >= self._capacity:
            return False
        self._queues.setdefault(destination, deque()).append(Pending(destination, item, now + self._persistence))
        return True

    def has_pending(self, destination: Hashable) -> bool:
        return bool(self._queues.get(destination))

    def destinations(self) -> frozenset[Hashable]:
        """Everyone with something waiting (what the ACK frame-pending bit is set for)."""
        return frozenset(d for d, q in self._queues.items() if q)

    def pop(self, destination: Hashable, now: float) -> T | None:
        """The oldest live frame for `destination` after it polled, or None."""
        queue = self._queues.get(destination)
        while queue:
            pending = queue.popleft()
            if pending.expires > now:
                if not queue:
                    del self._queues[destination]
                return pending.item
            queue.appendleft(pending)  # expired: leave it for expire() to report
            break
        return None

    def deadline(self) -> float | None:
        """The next expiry (None when nothing is held)."""
        heads = [q[0].expires for q in self._queues.values() if q]
        return min(heads) if heads else None

    def expire(self, now: float) -> list[Pending[T]]:
        """Remove and return every frame whose persistence time is over."""
        gone: list[Pending[T]] = []
        for destination in list(self._queues):
            queue = self._queues[destination]
            while queue and queue[0].expires <= now:
                gone.append(queue.popleft())
            if not queue:
                del self._queues[destination]
        return gone
