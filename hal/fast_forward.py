"""Virtual time for a hub that real head-ends talk to: it keeps pace with real time, and jumps only while asked.

Why (`commshub run --fast`): `hal.clock.VirtualTimeLoop` jumps to the next timer whenever
nothing is ready, which is right for a closed simulation but wrong for a hub whose head-ends
are other processes: between two of their commands - a human typing, a script's next step -
a virtual home would run away, simulating days or years of meter readings and wake-ups per
wall second, and the next command would meet a hub that has aged arbitrarily. What `--fast`
should skip is *waiting for the HAN*: a command queued for a sleepy gas meter until its next
wake-up (half an hour), an ESME's answer crossing a simulated radio link, the first start's
joins.

So this loop's clock is virtual, but:

- while `hurry()` is false it advances with real time: a wait for the next timer is a real
  wait (cut short by socket activity), and the clock moves by the real time that passed;
- while `hurry()` is true it jumps straight to the next timer, as `VirtualTimeLoop` does;
- real I/O is polled on every turn in both cases; with no timer armed the loop blocks on
  I/O and the clock moves by the time it slept.

The composition root sets `hurry` to "the CHF waits for the HAN" (`firmware.hub.HubRuntime.busy`).
A GSME command therefore waits for the meter's next wake-up in virtual time only, while the
home otherwise lives at the head-end's pace. The UTC epoch and the seeded RNG are those of
`hal.clock` (`utc_now()`, `rng()` read them from the loop).
"""

from __future__ import annotations

import asyncio
import random
import selectors
import time
from collections.abc import Callable


class _PacedSelector(selectors.DefaultSelector):
    """The platform's selector, waiting for real while the loop is not hurrying and jumping the clock while it is."""

    def __init__(self, loop: FastForwardLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready: list[tuple[selectors.SelectorKey, int]] = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is not None and self._loop.hurry():
            self._loop.advance(timeout)
            return []
        started = time.monotonic()
        ready = super().select(timeout)
        slept = time.monotonic() - started
        self._loop.advance(slept if timeout is None else min(slept, timeout) if ready else timeout)
        return ready


class FastForwardLoop(asyncio.SelectorEventLoop):
    """An asyncio loop on virtual time that follows real time, jumping ahead while `hurry()` is true."""

    def __init__(self, *, epoch: float, seed: int = 0, hurry: Callable[[], bool] = lambda: True) -> None:
        self._now = 0.0
        super().__init__(selector=_PacedSelector(self))
        self.epoch = epoch  #: UTC seconds since 1970 at loop time 0 (read by `hal.clock.utc_now`)
        self.random = random.Random(seed)  #: the simulation's RNG (`hal.clock.rng`)
        self.hurry = hurry

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock on (the selector's job; never backwards)."""
        if seconds > 0:
            self._now += seconds
