"""A whole hub in a test: `start_hub` on the semi-detached virtual home, a real TCP WAN port, virtual time.

`RunningHub` keeps its loop (a `hal.clock.VirtualTimeLoop`) between calls, so one hub can serve a
test module's tests (`run(coro)` drives the loop; nothing moves in between). Its head-ends are
`hal.wan.WanClient`s on 127.0.0.1; `exchange` sends one message and collects what comes back
until the response to it (same counter, originator and recipient swapped), decoded with the
key store.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Coroutine
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from firmware.hub import Hub, HubConfig, start_hub
from hal.clock import VirtualTimeLoop
from hal.nvm import NvmStore
from hal.virtual import load_floorplan
from hal.wan import WanClient, WanClosed, WanServer
from protocols.gbcs import Cra, KeyStore, KeyUsage, Message, Verdicts, build, parse
from protocols.gbcs.envelope import decode
from protocols.gbcs.errors import GbcsDecodeError
from tools.virtual_hub import build_virtual_home

T = TypeVar("T")
#: The hub's clock in RTDS replays: in the reference data set's time, after the RTDS meters' commissioning
#: (2014-12-30) and the GSME's first billing snapshots (1 February and 1 March 2015).
RTDS_UTC = datetime(2015, 3, 15, 12, 0, tzinfo=UTC).timestamp()
#: Virtual seconds a head-end waits for a response: longer than a GSME's wake interval.
ANSWER_WAIT = 4 * 3600.0


@dataclass
class Exchange:
    """What a head-end received after sending one command: the response (None if none came) and the rest."""

    response: Message | None
    others: list[Message] = field(default_factory=list)
    elapsed: float = 0.0  #: virtual seconds until the response

    @property
    def alerts(self) -> list[Message]:
        return [message for message in self.others if message.cra is Cra.ALERT]


class RunningHub:
    """A hub with its virtual home on a virtual-time loop kept between calls (see the module docstring)."""

    def __init__(
        self,
        keystore: KeyStore | None,
        *,
        store: NvmStore | None = None,
        utc_start: float = RTDS_UTC,
        config: HubConfig | None = None,
        seed: int = 1,
    ) -> None:
        self.keystore = keystore
        self.store = store or NvmStore.memory()
        self.loop = VirtualTimeLoop(seed=seed, epoch=utc_start)
        self.config = config or HubConfig(listen_port=0, state_file=":memory:")
        self.seed = seed
        self.hub: Hub | None = None
        self._reseals = 0

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    @property
    def port(self) -> int:
        assert self.hub is not None and isinstance(self.hub.wan, WanServer)
        return self.hub.wan.port

    def utc(self) -> float:
        return self.loop.epoch + self.loop.time()

    async def start(self) -> Hub:
        home = build_virtual_home(load_floorplan(self.config.home), seed=self.seed)
        self.hub = await start_hub(
            self.config,
            radios=home.radios,
            store=self.store,
            wan=lambda **callbacks: WanServer("127.0.0.1", 0, **callbacks),
            keystore=self.keystore,
            utc=self.utc,
            rng=random.Random(self.seed),
            devices=home.devices,
        )
        await self.hub.ready()
        await self.hub.open_wan()
        return self.hub

    async def close(self) -> None:
        if self.hub is not None:
            await self.hub.close()
            self.hub = None

    def shut(self) -> None:
        """Close the hub and the loop (a module fixture's finaliser)."""
        self.run(self.close())
        self.loop.close()

    async def client(self) -> WanClient:
        return await WanClient.connect("127.0.0.1", self.port)

    def decode(self, data: bytes) -> Message:
        return parse(data, self.keystore)

    def reseal(self, data: bytes, *, originator: bytes | None = None, signer: bytes | None = None) -> bytes:
        """An RTDS command again with a counter above every one this hub has seen from its originator
        (`reseal`: the low 24 bits kept, 2^24 more per reseal)."""
        assert self.keystore is not None
        self._reseals += 1
        counter = (self._reseals << 24) | (parse(data, self.keystore).originator_counter & 0xFFFFFF)
        return reseal(self.keystore, data, counter, originator=originator, signer=signer)

    async def exchange(self, client: WanClient, data: bytes, *, wait: float = ANSWER_WAIT) -> Exchange:
        """Send `data`; collect messages until the response to it (or `wait` virtual seconds)."""
        try:
            command, _ = decode(data)
        except GbcsDecodeError:  # a malformed message: nothing can answer it
            command = None
        started = self.loop.time()
        await client.send(data)
        others: list[Message] = []
        while (left := started + wait - self.loop.time()) > 0:
            try:
                message = self.decode(await client.receive(left))
            except (TimeoutError, WanClosed):
                break
            if (
                command is not None
                and message.cra is Cra.RESPONSE
                and message.originator_counter == command.originator_counter
                and message.originator == command.recipient
            ):
                return Exchange(message, others, self.loop.time() - started)
            others.append(message)
        return Exchange(None, others, self.loop.time() - started)

    async def receive_all(self, client: WanClient, wait: float) -> list[Message]:
        """Everything `client` receives within `wait` virtual seconds."""
        until = self.loop.time() + wait
        got = []
        while (left := until - self.loop.time()) > 0:
            try:
                got.append(self.decode(await client.receive(left)))
            except (TimeoutError, WanClosed):
                break
        return got


def settle(seconds: float) -> Coroutine[Any, Any, None]:
    """Let the hub run `seconds` virtual seconds."""
    return asyncio.sleep(seconds)


def reseal(
    keystore: KeyStore, data: bytes, counter: int, *, originator: bytes | None = None, signer: bytes | None = None
) -> bytes:
    """The command `data` again with originator counter `counter` (and `originator`, if given): everything
    else kept, signed again by the originator (or `signer`'s DS key) when it was signed, MACed by the ACB, as
    the DCC would (gbcs.md 2.3, 4). Keep the low 24 bits of a DLMS command's counter: its invoke-id is
    derived from them (gbcs.md 5.2)."""
    assert keystore.acb is not None
    original = parse(data, keystore)
    if originator is not None:
        original = replace(original, originator=originator)
    message = replace(
        original,
        originator_counter=counter,
        signature=b"",
        mac=None if original.mac is None else bytes(12),
        verdicts=Verdicts(),
        payload_tree=None,
    )
    signing_key = keystore.private_key(signer or original.originator, KeyUsage.DS) if original.signature else None
    mac_key = None
    if original.mac is not None:
        mac_key = keystore.derived_key(
            (keystore.acb, original.recipient), original.originator, 1, counter, original.recipient
        )
    return build(message, signing_key=signing_key, mac_key=mac_key)
