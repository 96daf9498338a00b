"""Time for the firmware: the running asyncio loop *is* the clock, real or virtual.

Why: firmware must run unchanged on a Raspberry Pi in real time and in a fleet
simulation where an hour passes in milliseconds (architecture.md, hal.clock).
So firmware never reads `time.time()`; it awaits `asyncio.sleep`, arms
`loop.call_at`, and asks `now()` / `utc_now()` here, all of which go through
the running loop.

`VirtualTimeLoop` is an ordinary selector event loop whose `time()` is a
counter. When no callback is ready, asyncio asks the selector to wait until
the next timer; our selector polls real I/O without blocking and, if nothing
is there, moves the counter straight to that timer instead of sleeping.
Real sockets and pipes still work (they are polled on every turn, and when no
timer is armed the loop blocks on them for real), but timers never wait for
them - virtual time is for in-process simulation.

Runs are deterministic: the loop runs callbacks in the order asyncio would,
time moves only by timers, and `VirtualTimeLoop.random` is a seeded RNG the
simulation draws from instead of the global `random`.
"""

from __future__ import annotations

import asyncio
import random
import selectors
import time
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

T = TypeVar("T")

#: Default UTC epoch of virtual time 0: 2026-01-01T00:00:00Z (deterministic dates in simulations).
DEFAULT_VIRTUAL_EPOCH = 1767225600.0


class _JumpingSelector(selectors.BaseSelector):
    """A selector that polls real I/O but turns every wait into a jump of virtual time."""

    def __init__(self, loop: VirtualTimeLoop) -> None:
        self._real = selectors.DefaultSelector()
        self._loop = loop

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = self._real.select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:  # nothing scheduled at all: only real I/O can wake us
            return self._real.select(None)
        self._loop._advance(timeout)
        return []

    def close(self) -> None:
        self._real.close()

    def get_map(self) -> Any:
        return self._real.get_map()


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An asyncio loop whose clock jumps to the next timer whenever nothing is ready."""

    def __init__(self, *, seed: int = 0, start: float = 0.0, epoch: float = DEFAULT_VIRTUAL_EPOCH) -> None:
        self._virtual_now = float(start)
        super().__init__(selector=_JumpingSelector(self))
        self.epoch = epoch
        self.random = random.Random(seed)

    def time(self) -> float:
        return self._virtual_now

    def _advance(self, seconds: float) -> None:
        if seconds > 0:
            self._virtual_now += seconds


def new_real_loop() -> asyncio.AbstractEventLoop:
    """A plain asyncio loop, tagged with the UTC epoch of its monotonic clock and an OS-seeded RNG."""
    loop = asyncio.new_event_loop()
    # a stdlib loop has no such attributes: we tag it so `utc_now` and `rng` read real and virtual loops alike
    loop.epoch = time.time() - loop.time()  # type: ignore[attr-defined]  # tagged, see above
    loop.random = random.Random()  # type: ignore[attr-defined]  # tagged, see above
    return loop


def now() -> float:
    """Seconds on the running loop's clock (monotonic in real time, virtual in simulation)."""
    return asyncio.get_running_loop().time()


def utc_now() -> datetime:
    """Wall-clock UTC date-time as the running loop sees it (virtual loops start at their epoch)."""
    loop = asyncio.get_running_loop()
    epoch = getattr(loop, "epoch", None)
    if epoch is None:
        epoch = time.time() - loop.time()
    return datetime.fromtimestamp(epoch + loop.time(), tz=UTC)


def rng() -> random.Random:
    """The running loop's RNG: seeded on a virtual loop, so simulations repeat exactly."""
    loop = asyncio.get_running_loop()
    found = getattr(loop, "random", None)
    if found is None:
        found = random.Random()
        loop.random = found  # type: ignore[attr-defined]  # a loop we did not make: tag it once
    return found


def run(coro: Coroutine[Any, Any, T], *, virtual: bool = False, seed: int = 0) -> T:
    """Run `coro` to completion on a fresh real or virtual-time loop and close it."""
    factory = (lambda: VirtualTimeLoop(seed=seed)) if virtual else new_real_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro)
