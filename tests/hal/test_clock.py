"""`hal.clock`: virtual time jumps, runs repeat exactly, and real I/O still works under the virtual loop."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import UTC, datetime

from hal import clock


def test_virtual_time_jumps_to_the_next_timer() -> None:
    real_waits: list[float | None] = []

    async def main() -> tuple[float, float, list[str]]:
        loop = asyncio.get_running_loop()
        real_selector = loop._selector._real  # type: ignore[attr-defined]
        real_select = real_selector.select

        def recording_select(timeout: float | None = None) -> list:
            real_waits.append(timeout)
            return real_select(timeout)

        real_selector.select = recording_select
        order: list[str] = []
        loop.call_at(7200.0, order.append, "two hours")
        loop.call_later(60.0, order.append, "a minute")
        start = clock.now()
        await asyncio.sleep(86_400.0)  # a day
        return start, clock.now(), order

    start, end, order = clock.run(main(), virtual=True)
    assert start == 0.0 and end == 86_400.0
    assert order == ["a minute", "two hours"]
    # it never slept for real: the OS selector was only ever polled (timeout 0), never waited on
    assert real_waits and all(timeout == 0 for timeout in real_waits)


def test_utc_now_starts_at_the_virtual_epoch_and_moves_with_the_clock() -> None:
    async def main() -> tuple[datetime, datetime]:
        first = clock.utc_now()
        await asyncio.sleep(90.0)
        return first, clock.utc_now()

    first, later = clock.run(main(), virtual=True)
    assert first == datetime(2026, 1, 1, tzinfo=UTC)
    assert (later - first).total_seconds() == 90.0


def _random_sleepers(seed: int) -> list[tuple[float, int]]:
    """Five tasks sleeping amounts drawn from the loop's RNG; returns what happened when."""

    async def worker(name: int, log: list[tuple[float, int]]) -> None:
        for _ in range(20):
            await asyncio.sleep(clock.rng().random())
            log.append((clock.now(), name))

    async def main() -> list[tuple[float, int]]:
        log: list[tuple[float, int]] = []
        await asyncio.gather(*(worker(n, log) for n in range(5)))
        return log

    return clock.run(main(), virtual=True, seed=seed)


def test_same_seed_same_run() -> None:
    first, second, other = _random_sleepers(5), _random_sleepers(5), _random_sleepers(6)
    assert first == second and first != other and len(first) == 100


def test_real_sockets_still_work_under_the_virtual_loop() -> None:
    """A TCP echo over 127.0.0.1 (real I/O) completes even though timers jump."""

    async def main() -> tuple[bytes, float]:
        async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(await reader.readexactly(5))
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"hello")
        await writer.drain()
        answer = await reader.readexactly(5)
        writer.close()
        server.close()
        await server.wait_closed()
        await asyncio.sleep(10.0)  # and virtual time still jumps afterwards
        return answer, clock.now()

    answer, now = clock.run(main(), virtual=True)
    assert answer == b"hello" and now >= 10.0


def test_a_socket_pair_wakes_a_loop_with_no_timers() -> None:
    async def main() -> bytes:
        left, right = socket.socketpair()
        left.setblocking(False)
        right.setblocking(False)
        loop = asyncio.get_running_loop()
        loop.call_soon(right.send, b"ping")
        data = await loop.sock_recv(left, 4)
        left.close()
        right.close()
        return data

    assert clock.run(main(), virtual=True) == b"ping"


def test_real_loop_reads_real_time() -> None:
    async def main() -> tuple[float, float]:
        start = clock.now()
        await asyncio.sleep(0.01)
        return clock.now() - start, clock.utc_now().timestamp()

    slept, utc = clock.run(main(), virtual=False)
    assert slept >= 0.009 and abs(utc - time.time()) < 5.0
