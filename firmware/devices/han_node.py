"""A HAN node and its GBCS side: an `EmulatedDevice`, its NVM partition, its tunnels and its GBCS endpoint.

Why a base for every GBCS device on the HAN (gbcs.md 6): the ESME, PPMID, HCALCS, the a6
device and the GSME all join with their install code, survive a restart on their NVM
partition, speak GB-HRGP through `firmware.han.Tunnels`, and run a `firmware.gbcs` endpoint
whose own timers (future-dated commands, alerts) must fire. What differs - serving a tunnel
to the CHF, or the sleepy GSME's pull cycle - is in the subclasses (`gbcs_devices`, `gsme_node`).

- Start: a node that kept a network in NVM rejoins it (its frame counters resume from NVM,
  never lower); otherwise, or when the rejoin fails, it joins with its install code, retrying
  every `join_retry` seconds until the hub admits it (the hub opens joining when the CHF
  device log says so). The network is saved after each join. Asked to leave (removed from
  the device log), it forgets the network and tries to join again the same way.
- Receive: frames of the Tunneling cluster go to the tunnels; a ZCL response some task awaits
  (`expect`) goes to it; anything else to the device's own ZDO / ZCL server.
- Timers: one `loop.call_at` at the endpoint's deadline; what it raises is `deliver`ed.
- Sending: everything the endpoint queues - responses, alerts, HAN commands a PPMID
  originates - stays in its NVM outbox until it has crossed the tunnel (APS-acknowledged),
  then `GbcsEndpoint.sent`; one sender at a time, in outbox order, longer messages as GBT
  blocks. With no tunnel open the messages wait; after a restart what a power cut left goes.
- Every input to the GBCS endpoint carries the loop time and `utc()` (injected: firmware reads
  no clock of its own).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from firmware.devices.device import EmulatedDevice
from firmware.gbcs.endpoint import GbcsEndpoint, Outbound
from firmware.han import NoTunnel, Peer, Reply, TunnelEvent, Tunnels
from firmware.han.frames import TUNNELING
from firmware.han.node_state import load_network, save_network
from firmware.han.segments import Reassembly, fit
from firmware.zigbee import DeliveryFailed, JoinError
from firmware.zigbee.aps import ApsIndication
from firmware.zigbee.nwk import COORDINATOR_ADDRESS, FIRST_RESERVED_ADDRESS
from firmware.zigbee.tasks import TaskSet
from firmware.zigbee.zdo import ZDO_ENDPOINT, ZDO_PROFILE
from protocols.zigbee import BROADCAST_RX_ON_WHEN_IDLE, PROFILE_SMART_ENERGY

if TYPE_CHECKING:
    from hal.nvm import Nvm

LOGGER = logging.getLogger(__name__)
#: Seconds between two join attempts while the hub has not admitted the node yet (ours).
JOIN_RETRY = 30.0
#: Seconds before a message the tunnel did not take is offered again (ours).
RESEND_AFTER = 30.0


class HanNode:
    """The HAN side of one GBCS device (see the module docstring)."""

    def __init__(
        self,
        *,
        name: str,
        device: EmulatedDevice,
        nvm: Nvm,
        endpoint: GbcsEndpoint | None,
        se_endpoint: int,
        utc: Callable[[], float],
        join_retry: float = JOIN_RETRY,
        zcl_values: Callable[[], dict[tuple[int, int], Any]] | None = None,
        model: Any = None,
    ) -> None:
        """`zcl_values`: what the device's ZCL server shows, refreshed from its model before each frame it answers;
        `model`: the device's payload side (`esme.Esme`, `GsmePayloadHandler`), for its fault API."""
        self.name = name
        self.device = device
        self.nvm = nvm
        self.endpoint = endpoint
        self.se_endpoint = se_endpoint
        self.utc = utc
        self.join_retry = join_retry
        self.zcl_values = zcl_values
        self.model = model
        self.tunnels = Tunnels()
        self.reassembly = Reassembly()
        self._outbox_lock = asyncio.Lock()
        self.hub_ieee: int | None = None  #: the coordinator's EUI-64, from the first frame it sent us
        self.tasks = TaskSet()
        self._waiting: dict[tuple[int, int], asyncio.Future[bytes]] = {}
        self._collecting: dict[tuple[int, int], list[tuple[int, bytes]]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._started = asyncio.Event()
        self._active = False  #: `on_joined` ran: the device's own activity is going on
        #: set once the device talks GBCS with the hub (its tunnel is up; the GSME has also pushed its mirror)
        self.attached = asyncio.Event()
        self.closed = False

    @property
    def ieee(self) -> int:
        return self.device.ieee

    @property
    def eui(self) -> bytes:
        return self.device.ieee.to_bytes(8, "big")

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    # -- joining ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Join (or rejoin) in the background; `joined()` waits for it."""
        self.tasks.spawn(self._run())

    async def joined(self) -> None:
        await self._started.wait()

    async def _run(self) -> None:
        await self._join()
        self._started.set()
        self.rearm()
        if not self._active:
            self._active = True
            await self.on_joined()

    async def _join(self) -> None:
        network = load_network(self.nvm)
        if network is not None:
            self.device.nvm.network = network
            try:
                await self.device.power_on()
                self._listen()
                LOGGER.info("%s rejoined (NWK 0x%04x)", self.name, self.device.nwk)
                return
            except JoinError as error:
                LOGGER.info("%s could not rejoin (%s): joining afresh", self.name, error)
                save_network(self.nvm, None)
        while not self.closed:
            try:
                await self.device.join()
            except JoinError as error:
                LOGGER.debug("%s not admitted yet (%s); next attempt in %.0f s", self.name, error, self.join_retry)
                await asyncio.sleep(self.join_retry)
                continue
            save_network(self.nvm, self.device.nvm.network)
            self._listen()
            LOGGER.info("%s joined (NWK 0x%04x)", self.name, self.device.nwk)
            return

    def _listen(self) -> None:
        """Take the stack's indications first (the device's ZDO / ZCL server gets what we do not)."""
        stack = self.device.stack
        server = stack.on_message

        def indication(ind: ApsIndication) -> None:
            if self.received(ind) or server is None:
                return
            if self.zcl_values is not None and ind.dst_endpoint in self.device.endpoints:
                zcl = self.device.endpoints[ind.dst_endpoint]
                for (cluster, attribute), value in self.zcl_values().items():
                    zcl.set(cluster, attribute, value)
            server(ind)

        stack.on_message = indication
        forget = stack.on_left

        def left(rejoin: bool) -> None:
            if forget is not None:
                forget(rejoin)
            save_network(self.nvm, None)
            LOGGER.info("%s was asked to leave the network; it will try to join again", self.name)
            self._started.clear()
            self.attached.clear()
            self.tunnels = Tunnels()
            self.on_left()
            if not self.closed:
                self.tasks.spawn(self._join_again())

        stack.on_left = left

    async def _join_again(self) -> None:
        """After a leave: join afresh (the hub admits it again only if the CHF device log still holds it)."""
        await asyncio.sleep(self.join_retry)
        await self._run()

    async def on_joined(self) -> None:
        """What the device starts once on the network, the first time (a subclass asks for a mirror, reads ...)."""

    def on_left(self) -> None:
        """The device left the network: what a subclass forgets (its tunnels are gone already)."""

    # -- receiving ----------------------------------------------------------------------------------

    def received(self, ind: ApsIndication) -> bool:
        """One indication; True when this layer took it."""
        if ind.src == COORDINATOR_ADDRESS and ind.src_ieee is not None:
            self.hub_ieee = ind.src_ieee
        if ind.profile == ZDO_PROFILE and ind.dst_endpoint == ZDO_ENDPOINT and ind.payload:
            collected = self._collecting.get((ind.cluster, ind.payload[0]))
            if collected is not None:
                collected.append((ind.src, ind.payload))
                return True
            return self._answered((ind.cluster, ind.payload[0]), ind.payload)
        if ind.broadcast or ind.dst_endpoint != self.se_endpoint:
            return False
        if ind.cluster == TUNNELING:
            if ind.src_ieee is None:
                LOGGER.info("%s: tunnel frame from 0x%04x without its EUI-64 ignored", self.name, ind.src)
                return True
            peer = Peer(ind.src_ieee, ind.src, ind.src_endpoint)
            for event in self.tunnels.frame_received(peer, ind.payload):
                self.tunnel_event(event)
            return True
        return len(ind.payload) >= 3 and self._answered((ind.cluster, ind.payload[1]), ind.payload)

    def _answered(self, key: tuple[int, int], payload: bytes) -> bool:
        waiter = self._waiting.pop(key, None)
        if waiter is None:
            return False
        if not waiter.done():
            waiter.set_result(payload)
        return True

    def tunnel_event(self, event: TunnelEvent) -> None:
        """What a subclass does with tunnel events (replies are sent here)."""
        if isinstance(event, Reply):
            self.tasks.spawn(self.send(event.peer.nwk, event.peer.endpoint, TUNNELING, event.payload))

    # -- sending --------------------------------------------------------------------------------------

    async def send(
        self, nwk: int, endpoint: int, cluster: int, payload: bytes, *, profile: int = PROFILE_SMART_ENERGY
    ) -> bool:
        """One frame to `nwk` (ZCL from our SE endpoint, or ZDO with `profile` 0); False (logged) when undelivered."""
        zdo = profile == ZDO_PROFILE
        try:
            await self.device.stack.send(
                nwk,
                cluster=cluster,
                profile=profile,
                src_endpoint=ZDO_ENDPOINT if zdo else self.se_endpoint,
                dst_endpoint=endpoint,
                payload=payload,
                ack=nwk < FIRST_RESERVED_ADDRESS,
            )
        except DeliveryFailed as error:
            LOGGER.info("%s: frame of cluster 0x%04x to 0x%04x not delivered: %s", self.name, cluster, nwk, error)
            return False
        return True

    async def request(
        self,
        nwk: int,
        endpoint: int,
        cluster: int,
        payload: bytes,
        *,
        timeout: float,
        answer_cluster: int | None = None,
    ) -> bytes | None:
        """Send a frame and wait for the one that answers it, or None. ZCL answers come on the same cluster with
        the same sequence number; a ZDO request (endpoint 0) is answered on `answer_cluster` with its TSN."""
        zdo = endpoint == ZDO_ENDPOINT
        key = (cluster if answer_cluster is None else answer_cluster, payload[0] if zdo else payload[1])
        waiter: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._waiting[key] = waiter
        try:
            if not await self.send(
                nwk, endpoint, cluster, payload, profile=ZDO_PROFILE if zdo else PROFILE_SMART_ENERGY
            ):
                return None
            return await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            LOGGER.info("%s: no answer on cluster 0x%04x (%d) in %.0f s", self.name, key[0], key[1], timeout)
            return None
        finally:
            self._waiting.pop(key, None)

    async def gather(self, request: bytes, answer_cluster: int, window: float) -> list[tuple[int, bytes]]:
        """Broadcast a ZDO request to every node whose receiver is on; the (NWK, payload) answers of `window` s."""
        key = (answer_cluster, request[0])
        found: list[tuple[int, bytes]] = []
        self._collecting[key] = found
        try:
            await self.send(
                BROADCAST_RX_ON_WHEN_IDLE, ZDO_ENDPOINT, answer_cluster & 0x7FFF, request, profile=ZDO_PROFILE
            )
            await asyncio.sleep(window)
        finally:
            del self._collecting[key]
        return found

    # -- the endpoint's outbox -------------------------------------------------------------------------

    def deliver(self, out: list[Outbound]) -> None:
        """Send what the endpoint queued (it is in the endpoint's NVM outbox: `out` only says there is news)."""
        if not self.closed and self.endpoint is not None:
            self.tasks.spawn(self.flush())

    def outbox_data(self, message: bytes) -> bytes:
        """The tunnel data carrying one outgoing message (the GSME adds its PUT header)."""
        return message

    async def flush(self) -> bool:
        """Send the endpoint's outbox over the tunnel, in order; True when it is empty. What cannot be sent now
        (no tunnel, the hub does not answer) waits and is offered again `RESEND_AFTER` seconds later."""
        endpoint = self.endpoint
        if endpoint is None:
            return True
        async with self._outbox_lock:
            for message in endpoint.pending():
                if not await self._send_message(message):
                    if not self.closed:
                        asyncio.get_running_loop().call_later(RESEND_AFTER, self.deliver, [])
                    return False
                endpoint.sent(message.seq)
            return True

    async def _send_message(self, message: Outbound) -> bool:
        peers = self.tunnels.peers()
        if not peers:
            return False
        peer = peers[0]
        try:
            overhead = len(self.outbox_data(b""))
            blocks = fit(message.data, self.tunnels.limit(peer.ieee) - overhead)
            payloads = [self.tunnels.transfer(peer.ieee, self.outbox_data(block)) for block in blocks]
        except (NoTunnel, ValueError) as error:
            LOGGER.info("%s: message 0x%04x waits: %s", self.name, message.message_code, error)
            return False
        for payload in payloads:
            if not await self.send(peer.nwk, peer.endpoint, TUNNELING, payload):
                return False
        return True

    # -- the endpoint's own timers -----------------------------------------------------------------------

    def rearm(self) -> None:
        """Arm the one timer at the endpoint's next deadline."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = None if self.endpoint is None else self.endpoint.deadline()
        if deadline is not None and not self.closed:
            self._timer = asyncio.get_running_loop().call_at(deadline, self._fire)

    def _fire(self) -> None:
        self._timer = None
        if self.endpoint is not None:
            self.deliver(self.endpoint.timer_fired(self.now(), self.utc()))
        self.rearm()

    def receive_command(self, data: bytes) -> None:
        """A whole GBCS message for this device: the endpoint's answers are delivered (a node without a GBCS
        side - an in-home display - has nothing to answer with)."""
        if self.endpoint is None:
            LOGGER.info("%s: a GBCS message for a device without a GBCS side ignored", self.name)
            return
        self.deliver(self.endpoint.receive(data, self.now(), self.utc()))
        self.rearm()

    async def close(self) -> None:
        """Stop: timers, tasks, the radio stack (NVM keeps the rest)."""
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
        self.tasks.cancel()
        if self.device.joined:
            save_network(self.nvm, self.device.stack.snapshot() or load_network(self.nvm))
        await self.device.close()
