"""`hal.fast_forward.FastForwardLoop`: virtual time that jumps only while hurried, else keeps pace with real time."""

from __future__ import annotations

import asyncio
import socket

from hal import clock
from hal.fast_forward import FastForwardLoop

DAY = 86_400.0


def _run(loop: FastForwardLoop, coro: object) -> object:
    try:
        return loop.run_until_complete(coro)  # type: ignore[arg-type]  # a coroutine
    finally:
        loop.close()


def test_while_hurried_a_timer_days_away_is_reached_at_once() -> None:
    loop = FastForwardLoop(epoch=1_700_000_000.0, hurry=lambda: True)

    async def main() -> tuple[float, float]:
        await asyncio.sleep(3 * DAY)
        return asyncio.get_running_loop().time(), clock.utc_now().timestamp()

    now, utc = _run(loop, main())  # type: ignore[misc]  # a tuple
    assert now == 3 * DAY and utc == 1_700_000_000.0 + 3 * DAY


def test_idle_time_moves_with_real_waits_and_a_socket_cuts_a_wait_short() -> None:
    """Not hurried: a 10-day timer is not reached while a head-end's bytes arrive after a short real wait."""
    loop = FastForwardLoop(epoch=0.0, hurry=lambda: False)
    left, right = socket.socketpair()

    async def main() -> tuple[float, bytes]:
        running = asyncio.get_running_loop()
        running.call_later(10 * DAY, lambda: None)  # a far timer: not hurried, the loop must not jump to it
        running.call_soon(lambda: None)
        reader, _writer = await asyncio.open_connection(sock=left)
        running.call_later(0.05, right.send, b"command")
        data = await reader.read(7)
        return running.time(), data

    try:
        now, data = _run(loop, main())  # type: ignore[misc]  # a tuple
    finally:
        right.close()
    assert data == b"command" and 0.05 <= now < DAY


def test_hurry_is_asked_again_at_every_wait() -> None:
    """A hub that becomes busy is hurried from then on (the predicate is read, not stored)."""
    busy = {"now": False}
    loop = FastForwardLoop(epoch=0.0, hurry=lambda: busy["now"])

    async def main() -> float:
        await asyncio.sleep(0.01)  # real
        busy["now"] = True
        await asyncio.sleep(DAY)  # jumped
        return asyncio.get_running_loop().time()

    assert _run(loop, main()) >= DAY
