"""Durability for real: a process committing NVM transactions is SIGKILLed at random points, again
and again on the same file; after each kill the file holds every committed transaction whole and
nothing of the one in flight (tests.hal.nvm.writer describes the transactions)."""

from __future__ import annotations

import asyncio
import random
import signal
import sys
from pathlib import Path

from hal import clock
from hal.nvm import NvmStore
from tests.conftest import REPO
from tests.hal.nvm.writer import actual_state, expected_state

KILLS = 24
TIMEOUT = 60.0  # a guard against a hung child, never a timing assertion


async def _run_until_killed(path: Path, durability: str, commits: int) -> tuple[int, int]:
    """Start a writer, SIGKILL it once it has reported `commits` commits; (first n, last n it reported)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.hal.nvm.writer", str(path), durability,
        cwd=REPO, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    ready = await asyncio.wait_for(process.stdout.readline(), TIMEOUT)
    start = int(ready.split()[1])
    for _ in range(commits):
        await asyncio.wait_for(process.stdout.readline(), TIMEOUT)
    process.send_signal(signal.SIGKILL)
    rest = await asyncio.wait_for(process.stdout.read(), TIMEOUT)  # lines printed before it died
    assert await asyncio.wait_for(process.wait(), TIMEOUT) == -signal.SIGKILL
    reported = [int(line) for line in rest.split()]
    return start, reported[-1] if reported else start + commits


def test_sigkill_at_random_points_never_tears_a_transaction(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    choose = random.Random(9)
    reported = 0
    for kill in range(KILLS):
        durability = "NORMAL" if kill % 2 == 0 else "FULL"
        start, reported_now = clock.run(_run_until_killed(path, durability, choose.randint(1, 60)))
        assert start >= reported  # nothing committed and reported was lost
        with NvmStore.open(path) as store:
            state = actual_state(store)
            last = int(state["w"].get("n", 0))
            # committed and reported, or also the one committed just before its print was killed
            assert last in (reported_now, reported_now + 1), (kill, last, reported_now)
            assert state == expected_state(last), f"kill {kill}: torn state after transaction {last}"
            assert "poison" not in state["w"] and "poison" not in state["device"]
        reported = last
    assert reported > KILLS  # every round committed something
