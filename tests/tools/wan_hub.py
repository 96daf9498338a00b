"""A hub on a real TCP port for CLI tests: `hal.wan.WanServer` on 127.0.0.1 port 0, in a thread of its own.

Behind the server, `answer(data) -> [sealed messages]` plays the hub: the test home of
`tests.firmware.headend.rig` (CHF, GPF and the meters with generated keys), or an RTDS meter, or
nothing at all (a hub that never answers). Responses go back on the connection that sent the
command, alerts to every connected head-end, as docs/wan.md says. The CLI under test runs in the
test's own thread, blocking, as a user would run it. The hub's models live in the hub's thread
(an in-memory SQLite store belongs to the thread that made it): `make` builds them there, and
`RunningHub.call(function)` runs anything else that touches them there too.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from firmware.chf import ToWan
from hal.wan import WanMessage, WanServer
from protocols.gbcs import Cra, GbcsDecodeError
from protocols.gbcs.envelope import decode
from tests.firmware.headend.rig import Home

Answer = Callable[[bytes], list[bytes]]
T = TypeVar("T")


@dataclass
class RunningHub:
    loop: asyncio.AbstractEventLoop
    port: int = 0
    received: list[bytes] = field(default_factory=list)  #: every message the hub was sent, as it arrived
    sent: list[bytes] = field(default_factory=list)  #: every message the hub sent back
    home: Home | None = None  #: the test home behind the socket, when there is one

    def call(self, function: Callable[[], T]) -> T:
        """`function()` run in the hub's thread (where its models live); its result."""

        async def run() -> T:
            return function()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout=60)


def home_answers(home: Home) -> Answer:
    """The home's CHF and devices answer: a meter's command straight to its endpoint, the rest to the CHF."""

    def answer(data: bytes) -> list[bytes]:
        try:
            recipient = decode(data)[0].recipient
        except GbcsDecodeError:
            recipient = b""  # the CHF refuses what does not decode
        device = home.devices.get(recipient)
        if device is not None:
            return [out.data for out in device.endpoint.receive(data, home.now, home.utc)]
        sent = []
        for action in home.chf.wan_message(1, data, home.now, home.utc):
            if isinstance(action, ToWan):
                sent.append(action.data)
                home.chf.wan_sent(action.seq)
        return sent

    return answer


def home_hub(hub: RunningHub) -> Answer:
    """`make` for a hub of the test home: the home is built in the hub's thread and kept on `hub.home`."""
    hub.home = Home()
    return home_answers(hub.home)


@contextmanager
def running_hub(make: Callable[[RunningHub], Answer]) -> Iterator[RunningHub]:
    """The hub, listening until the block ends; `make(hub)`, run in the hub's thread, gives its answers."""
    ready = threading.Event()
    stop: asyncio.Future[None] | None = None
    loop = asyncio.new_event_loop()
    hub = RunningHub(loop)

    async def serve() -> None:
        nonlocal stop
        stop = loop.create_future()
        answer = make(hub)

        def on_message(message: WanMessage) -> None:
            hub.received.append(message.data)
            for data in answer(message.data):
                hub.sent.append(data)
                if decode(data)[0].cra is Cra.RESPONSE:
                    server.send(message.connection_id, data)
                else:
                    server.broadcast(data)

        server = WanServer("127.0.0.1", 0, on_message=on_message)
        await server.start()
        hub.port = server.port
        ready.set()
        await stop
        await server.close(grace=1.0)

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    ready.wait(timeout=30)
    try:
        yield hub
    finally:
        assert stop is not None
        loop.call_soon_threadsafe(stop.set_result, None)
        thread.join(timeout=30)
        loop.close()
