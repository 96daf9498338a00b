"""Virtual time stands still while bytes cross a pty between two ends in this process.

Why: `hal.clock`'s virtual-time loop jumps to the next timer whenever no I/O
is ready *right now*. A pty delivers written bytes a moment later (the
kernel moves them on a work queue), so a host awaiting a 2 s reply from a
virtual dongle on the same loop would see its timeout fire first, and two
radios' frames written at the same virtual instant could be read in either
order. Real hardware has latency too, but there time keeps running for real.

So both ends of a pty that live on one loop (our serial link on the host
side, a virtual dongle's `PtyPort` on the device side) report every byte
they write and read to this loop's `PtyLedger`, keyed by the pty's device
number. While any byte written by one end has not been read by the other,
the ledger keeps a callback ready on the loop, which makes the loop poll I/O
without advancing its clock. Time moves on only when every byte in flight
has been read - the same "everything at this instant happens first" rule an
in-process `VirtualRadio` has. `settled()` lets a caller wait for exactly
that moment.

Only pairs count: bytes to an end that is not on this loop (a real device,
a host in another process) are not tracked, and on a real-time loop the
ledger only keeps counts. A peer that stops reading cannot freeze the loop
for ever: after `HOLD_LIMIT` seconds of real time the ledger forgets what is
in flight, logs it, and lets time run.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from hal.clock import VirtualTimeLoop

LOGGER = logging.getLogger(__name__)
#: Real seconds the ledger may hold virtual time for bytes nobody reads.
HOLD_LIMIT = 5.0
_ATTRIBUTE = "commshub_pty_ledger"


@dataclass(slots=True)
class _Pty:
    """The two ends of one pty and the bytes each has written and read."""

    ends: dict[str, PtyEnd] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)
    read: dict[str, int] = field(default_factory=dict)

    def in_flight(self) -> int:
        if len(self.ends) < 2:
            return 0
        first, second = self.ends
        return (self.written[first] - self.read[second]) + (self.written[second] - self.read[first])

    def forget(self) -> None:
        for side in self.ends:
            self.written[side] = 0
            self.read[side] = 0


class PtyEnd:
    """One end's handle: report writes and reads, close when the end closes."""

    def __init__(self, ledger: PtyLedger, pty: _Pty, side: str) -> None:
        self._ledger, self._pty, self._side = ledger, pty, side

    def wrote(self, count: int) -> None:
        self._pty.written[self._side] += count
        self._ledger.changed()

    def read(self, count: int) -> None:
        self._pty.read[self._side] += count
        self._ledger.changed()

    def close(self) -> None:
        self._ledger.close_end(self._pty, self._side)


class PtyLedger:
    """Bytes in flight between in-process pty ends on one loop (see the module docstring)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._virtual = isinstance(loop, VirtualTimeLoop)
        self._ptys: dict[int, _Pty] = {}
        self._holding_since: float | None = None
        self._waiters: list[asyncio.Future[None]] = []

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop | None = None) -> PtyLedger:
        """The ledger of `loop` (the running loop by default), made on first use."""
        loop = asyncio.get_running_loop() if loop is None else loop
        ledger = getattr(loop, _ATTRIBUTE, None)
        if ledger is None:
            ledger = cls(loop)
            setattr(loop, _ATTRIBUTE, ledger)
        return ledger

    def open_end(self, device: int, side: str) -> PtyEnd:
        """Register one end ("host" or "device") of the pty with device number `device`."""
        pty = self._ptys.setdefault(device, _Pty())
        if side in pty.ends:
            pty.ends[side].close()
        pty.ends[side] = end = PtyEnd(self, pty, side)
        pty.forget()  # bytes written before the pair existed are nobody's to wait for
        return end

    def close_end(self, pty: _Pty, side: str) -> None:
        pty.ends.pop(side, None)
        pty.written.pop(side, None)
        pty.read.pop(side, None)
        pty.forget()
        for device, known in list(self._ptys.items()):
            if known is pty and not pty.ends:
                del self._ptys[device]
        self.changed()

    def in_flight(self) -> int:
        return sum(pty.in_flight() for pty in self._ptys.values())

    def changed(self) -> None:
        if self.in_flight() <= 0:
            self._release()
        elif self._virtual and self._holding_since is None:
            self._holding_since = time.monotonic()
            self._loop.call_soon(self._hold)

    def _hold(self) -> None:
        """Keep a callback ready (so the virtual clock cannot jump) while bytes are in flight."""
        if self._holding_since is None:
            return
        if self.in_flight() <= 0:
            self._release()
            return
        if time.monotonic() - self._holding_since > HOLD_LIMIT:
            LOGGER.warning(
                "%d bytes on a pty unread for %.0f s of real time; letting virtual time run",
                self.in_flight(),
                HOLD_LIMIT,
            )
            for pty in self._ptys.values():
                pty.forget()
            self._release()
            return
        self._loop.call_soon(self._hold)

    def _release(self) -> None:
        self._holding_since = None
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def settled(self) -> None:
        """Return once no byte is in flight between ends on this loop (at once on real-time loops)."""
        if not self._virtual or self.in_flight() <= 0:
            return
        waiter = self._loop.create_future()
        self._waiters.append(waiter)
        await waiter
