"""`firmware.zigbee.joiner`: joins and rejoins retried with backoff, as real devices do (radio.md 2.6)."""

from __future__ import annotations

import asyncio

import pytest

from firmware.zigbee import JoinError
from firmware.zigbee.join import JoinInput, JoinState
from firmware.zigbee.joiner import JOIN_ATTEMPTS, REJOIN_ATTEMPTS
from hal import clock

from ..han import admit, formed_hub, install_code, medium_with, meter


def _retries(history: list[tuple[JoinInput, JoinState]]) -> int:
    return sum(1 for event, _ in history if event is JoinInput.RETRY_SCHEDULED)


def test_a_join_that_fails_at_first_is_retried_after_a_backoff_and_gets_in() -> None:
    """At 30 % frame loss some first scans hear no beacon; each of those devices scans again and joins."""

    async def main(seed: int) -> tuple[bool, int, float]:
        medium = medium_with(("hub", (0.0, 0.0, 0.0)), ("esme", (5.0, 0.0, 0.0)))
        hub = await formed_hub(medium)
        esme = meter(medium, "esme", code=install_code(seed))
        admit(hub, esme)
        medium.faults.frame_loss = 0.3
        loop = asyncio.get_running_loop()
        started = loop.time()
        await esme.join(channels=[[hub.macs[0].channel]])
        took = loop.time() - started
        history = esme.stack.join_progress.history
        await esme.close()
        await hub.close()
        return esme.joined, _retries(history), took

    results = [clock.run(main(seed), virtual=True, seed=seed) for seed in range(12)]
    assert all(joined for joined, _, _ in results)
    retried = [(n, took) for _, n, took in results if n]
    assert retried, "at 30 % loss some first attempts fail"
    assert all(took >= 0.5 for _, took in retried)  # each retry waited its backoff (at least half of 1 s)


def test_a_join_with_no_network_is_reported_once_every_attempt_is_spent() -> None:
    async def main() -> tuple[JoinError, list[tuple[JoinInput, JoinState]], float]:
        medium = medium_with(("esme", (0.0, 0.0, 0.0)))
        esme = meter(medium, "esme")
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(JoinError) as failure:
            await esme.join()
        took = loop.time() - started
        await esme.close()
        return failure.value, esme.stack.join_progress.history, took

    error, history, took = clock.run(main(), virtual=True)
    assert error.attempts == JOIN_ATTEMPTS and error.retry_may_help
    assert str(error) == "no joinable network heard on 2.4GHz"  # the reason, once
    assert _retries(history) == JOIN_ATTEMPTS - 1 and history[-1] == (JoinInput.NO_PARENT_LEFT, JoinState.ERROR)
    assert JoinState.BACKING_OFF in [state for _, state in history]
    # backoffs of 1, 2, 4, 8, 16, 16, 16 s, each drawn at 50-100 %: between 31.5 and 63 s in all, plus the scans
    assert 31.5 < took < 63.0 + JOIN_ATTEMPTS * 4 * 0.14


def test_a_rejoin_that_goes_unanswered_is_retried_then_reported() -> None:
    async def main() -> tuple[JoinError, list[tuple[JoinInput, JoinState]]]:
        medium = medium_with(("hub", (0.0, 0.0, 0.0)), ("esme", (3.0, 0.0, 0.0)))
        hub = await formed_hub(medium)
        esme = meter(medium, "esme")
        admit(hub, esme)
        await esme.join()
        await esme.power_off()
        await hub.close()  # the parent is gone for good
        medium.set_powered("hub", False)
        with pytest.raises(JoinError) as failure:
            await esme.power_on()  # rejoin the network kept in NVM
        history = esme.stack.join_progress.history
        await esme.close()
        return failure.value, history

    error, history = clock.run(main(), virtual=True)
    assert error.attempts == REJOIN_ATTEMPTS
    assert [event for event, _ in history].count(JoinInput.REJOIN_STARTED) == REJOIN_ATTEMPTS
    assert history[-1] == (JoinInput.REJOIN_FAILED, JoinState.ERROR)
