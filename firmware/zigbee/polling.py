"""A sleepy end device's polling of its parent (radio.md 2.6), as the stack's asyncio part.

Why: an end device that is not RX-on-when-idle hears its parent only right
after it sends a MAC Data Request, so it polls every `period` (7.5 s for a
GSME) and, after it sent something a reply may follow, every `fast_period`
for `fast_window` seconds, so replies held for it are collected promptly.
While the parent says more is waiting, it polls again at once (up to
`BURST` polls in a row). A device that sleeps long between polls must not
wait out its long period before it polls fast: `mark_busy` cuts a slow wait
short.
"""

from __future__ import annotations

import asyncio

from .mac_types import Address
from .nwk import NwkLayer

#: Polls in a row while the parent keeps flagging more data.
BURST = 8


class Poller:
    """Polls the parent of `nwk` while started; `mark_busy` switches to fast polling for a while."""

    def __init__(self, nwk: NwkLayer, *, period: float, fast_period: float, fast_window: float) -> None:
        self.nwk = nwk
        self.period = period
        self.fast_period = fast_period
        self.fast_window = fast_window
        self._fast_until = 0.0
        self._task: asyncio.Task[None] | None = None
        self._slow_wait: asyncio.Future[None] | None = None  #: the current wait, while it is a slow one

    def mark_busy(self) -> None:
        """We sent something a reply may follow: poll fast for a while (from now, not after a slow wait)."""
        self._fast_until = asyncio.get_running_loop().time() + self.fast_window
        if self._slow_wait is not None and not self._slow_wait.done():
            self._slow_wait.set_result(None)

    def start(self, *, fast: bool) -> None:
        """Start polling (at once fast, if `fast`); a poller already running carries on."""
        if fast:
            self.mark_busy()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._loop())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            fast = loop.time() < self._fast_until
            if fast:
                await asyncio.sleep(self.fast_period)
            else:
                self._slow_wait = loop.create_future()
                timer = loop.call_later(self.period, _end_wait, self._slow_wait)
                await self._slow_wait
                timer.cancel()
                self._slow_wait = None
                if loop.time() < self._fast_until:
                    continue  # cut short by `mark_busy`: wait a fast period before the first poll
            parent, iface = self.nwk.state.parent, self.nwk.state.parent_iface
            if parent is None or iface is None:
                continue
            for _ in range(BURST):
                if not await iface.poll(Address(parent)):
                    break


def _end_wait(wait: asyncio.Future[None]) -> None:
    if not wait.done():
        wait.set_result(None)
