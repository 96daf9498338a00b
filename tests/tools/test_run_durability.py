"""Durability: `commshub run` killed with SIGKILL at random points while a head-end streams commands to the gas meter.

The hub runs as a real process on a real SQLite state file (`--fast`: NORMAL durability, which
survives a killed process). A head-end sends GSME commands one after another (RTDS GCS21e,
sealed again with increasing counters); each waits in the CHF's queue for the meter's wake-up.
The process is killed (SIGKILL) 20 times at a random moment - mostly mid-stream, one time in
four anywhere from its start (its rejoins, its resume) - and restarted from the same state file. The
head-end does what a real one does: after a restart it reconnects, takes what the hub owes it
(responses kept in the WAN outbox, or produced when the meter collects a command queued before the
kill), and sends again, byte for byte, a command that got no answer.

Then:
- no accepted command is lost: every command is answered;
- none is executed twice: each counter has one response (copies re-sent from the outbox are the
  same bytes), and every command the meter refused is a copy it had already executed (its
  security log: counter not greater than the last accepted);
- no counter goes back: after each kill, every counter in the state file - the meter's last
  accepted originator counter, the devices' and the CHF's own originator counters, every ZigBee
  frame counter block - is at least what it was after the previous kill.
"""

from __future__ import annotations

import asyncio
import random
import signal
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hal.keystore import load_keystore
from hal.nvm import NvmStore
from hal.wan import WanClient, WanClosed, WanConnectError
from protocols.gbcs import Cra, KeyStore, parse
from tests.firmware.hub.harness import reseal
from tests.tools.hub_process import START_LIMIT, HubProcess, free_port, no_history

GCS21E = "6.2.4_GCS21e/GCS21e_6.2.4_SUCCESS_COMMAND_GBCS.HEX"
SUPPLIER, GSME = bytes.fromhex("90b3d51f30010000"), bytes.fromhex("00db1234567890a1")
KILLS, COMMANDS = 20, 30
#: Real seconds within which a hub is killed: after the head-end connected (three kills in four), or after
#: the process started (one in four: a start takes about 2-3 s here, so these land during the start).
KILL_WITHIN = 3.0
#: Real seconds a head-end waits for an answer before sending the same command again.
RESEND_AFTER = 8.0
#: Real seconds one connection to one hub process may stream (a bound: a stuck hub fails the test).
STREAM_LIMIT = 120.0
PARTITIONS = ("chf", "gpf", "hub", *(f"device/00db1234567890a{n}" for n in (0, 1, 4, 5, 6)))


def _counters(state: Path) -> dict[str, int]:
    """Every counter the state file holds: originator counters accepted and own, ZigBee frame counter blocks."""
    found: dict[str, int] = {}
    with NvmStore.open(state) as store:
        for name in PARTITIONS:
            for key, value in store.partition(name).items().items():
                if key.startswith(("gbcs.counter.", "gbcs.originator-counter", "zigbee.counter.")):
                    found[f"{name}:{key}"] = int(value)
    return found


class HeadEnd:
    """The test's head-end: sends the commands in order, resending the one without an answer."""

    def __init__(self, keystore: KeyStore, commands: list[bytes]) -> None:
        self.keystore = keystore
        self.commands = commands
        self.counters = [parse(command, keystore).originator_counter for command in commands]
        self.responses: dict[int, set[bytes]] = defaultdict(set)
        self.sends: dict[int, int] = defaultdict(int)
        self.next = 0

    def done(self) -> bool:
        return self.next >= len(self.commands)

    async def stream(self, hub: HubProcess, connected: Callable[[], None]) -> None:
        """Until every command is answered or the hub goes away. The head-end itself is the hub's first
        connection (a probe connecting first would be handed what the hub kept for head-ends)."""
        client = await _connect(hub)
        if client is None:
            return
        connected()
        until = asyncio.get_running_loop().time() + STREAM_LIMIT
        try:
            while not self.done() and asyncio.get_running_loop().time() < until:
                index = self.next
                await client.send(self.commands[index])
                self.sends[index] += 1
                await self._answer(client, self.counters[index])
        except (WanClosed, ConnectionError):
            return
        finally:
            await client.close()

    async def _answer(self, client: WanClient, counter: int) -> None:
        """Collect what arrives until the response with `counter` (or `RESEND_AFTER` seconds)."""
        loop = asyncio.get_running_loop()
        until = loop.time() + RESEND_AFTER
        while (left := until - loop.time()) > 0:
            try:
                message = parse(await client.receive(left), self.keystore)
            except TimeoutError:
                return
            if message.cra is Cra.RESPONSE and message.originator == GSME:
                self.responses[message.originator_counter].add(message.payload)
            while not self.done() and self.counters[self.next] in self.responses:
                self.next += 1
            if counter in self.responses:
                return


def _nothing() -> None:
    """Nothing to do once connected (the last, clean run)."""


async def _connect(hub: HubProcess) -> WanClient | None:
    """Connect as soon as the hub listens (it opens its port once its devices joined); None if it died first."""
    until = asyncio.get_running_loop().time() + START_LIMIT
    while hub.process.poll() is None and asyncio.get_running_loop().time() < until:
        try:
            return await WanClient.connect("127.0.0.1", hub.port, timeout=5.0)
        except WanConnectError:
            await asyncio.sleep(0.1)
    return None


def test_no_accepted_command_is_lost_or_executed_twice_across_sigkills(
    tmp_path: Path, rtds_dir: Path, keystore_dir: Path
) -> None:
    keystore = load_keystore(keystore_dir)
    base = bytes.fromhex((rtds_dir / GCS21E).read_text().strip())
    low = parse(base, keystore).originator_counter & 0xFFFFFF
    head_end = HeadEnd(keystore, [reseal(keystore, base, ((index + 1) << 24) | low) for index in range(COMMANDS)])
    rng = random.Random(9)
    state, config, log = tmp_path / "hub.sqlite", no_history(tmp_path), tmp_path / "hub.log"
    args = ["--fast", "--keystore", str(keystore_dir), "--state", str(state), "--config", str(config)]
    kills, cycles, before = 0, 0, {}
    while (kills < KILLS or not head_end.done()) and cycles < 3 * KILLS:
        cycles += 1
        hub = HubProcess(args, log, free_port())
        killer = threading.Timer(rng.uniform(0.0, KILL_WITHIN), hub.process.kill) if kills < KILLS else None
        if killer is not None and kills % 4 == 3:
            killer.start()  # one kill in four counts from the process's start: it lands during the start
        connected = killer.start if killer is not None and not killer.is_alive() else _nothing
        try:
            asyncio.run(head_end.stream(hub, connected))
        finally:
            if killer is not None and killer.is_alive():
                killer.join()  # the kill lands (maybe after the head-end got every answer)
            if killer is not None and hub.process.poll() is None:
                hub.stop(signal.SIGKILL)  # no connection was ever made: killed now
        if killer is None:
            assert hub.stop() == 0, log.read_text()[-3000:]
            break
        hub.process.wait(60)
        kills += 1
        after = _counters(state)
        went_back = {key: (value, after.get(key)) for key, value in before.items() if after.get(key, -1) < value}
        assert went_back == {}, f"counters went back after kill {kills}"
        before = after
    assert kills == KILLS
    assert head_end.done(), f"{head_end.next} of {COMMANDS} answered after {cycles} runs"
    assert {counter: len(payloads) for counter, payloads in head_end.responses.items() if len(payloads) > 1} == {}
    _refusals_are_replays(state, head_end)


def _refusals_are_replays(state: Path, head_end: HeadEnd) -> None:
    """The meter refused only copies of commands it had executed (a resent command that was already queued)."""
    with NvmStore.open(state) as store:
        meter = store.partition(f"device/{GSME.hex()}")
        last_accepted = meter.get(f"gbcs.counter.{SUPPLIER.hex()}")
        security: list[tuple[int, Any]] = meter.log("gbcs.security-log")
    assert last_accepted == head_end.counters[-1]
    resent = {head_end.counters[index] for index, sends in head_end.sends.items() if sends > 1}
    for _seq, entry in security:
        assert entry["reason"] == "counter-not-greater" and entry["counter"] in resent, entry
