"""The NWK layer: addressing, security with frame counters, broadcast, one level of relaying.

Why (radio.md 5.1, 5.2): every frame after joining is NWK-secured with the
network key; a receiver drops any frame whose counter is not greater than the
last it accepted from that neighbour (`counters.ReplayFilter`), and the
sender's counter is persisted so a restart never reuses one
(`counters.OutgoingCounter`). Security is hop by hop, as in ZigBee PRO: a
relay authenticates the frame from the previous hop and re-secures it with
its own counter.

Roles: the coordinator forms the network and holds the child table; a router
takes children too and relays frames between its children and the
coordinator (one level of routing: the coordinator learns "child X is behind
router R" from the join); an end device sends everything to its parent. A
child that is not RX-on-when-idle gets its frames indirectly (MAC queue,
delivered when it polls).

Broadcasts: the broadcast transaction table (`BroadcastTable`) remembers
(source, sequence) for a while so a frame relayed back to us is delivered
once; routers re-broadcast once.

Unsecured frames are accepted only by a device that has no network key yet:
its APS Transport Key, itself protected by APS security under the joiner's
link key (radio.md 2.6 step 5). For a joiner behind a router, the trust
centre wraps that frame in an APS Tunnel command to the router (NWK-secured),
and the router sends it on, NWK-unsecured, as the last hop.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from protocols.zigbee import (
    BROADCAST_ALL,
    BROADCAST_LOW_POWER_ROUTERS,
    NwkFrame,
    NwkFrameType,
    ZigbeeDecodeError,
    ZigbeeSecurityError,
    build_nwk,
    parse_nwk,
    secure_nwk,
    unsecure_nwk,
)

from .counters import CounterExhausted, CounterStore, OutgoingCounter, ReplayFilter
from .mac import MacInterface
from .mac_types import BROADCAST, NO_SHORT, Address, DataIndication
from .status import Status
from .tasks import TaskSet

LOGGER = logging.getLogger(__name__)

COORDINATOR_ADDRESS = 0x0000
#: The first NWK address that is no device's: 0xFFF8-0xFFFA are reserved, 0xFFFB-0xFFFF broadcast (radio.md 5.1).
FIRST_RESERVED_ADDRESS = 0xFFF8
#: Our own address before we have one (ZigBee's "unknown", as the MAC's no-short-address).
NO_ADDRESS = NO_SHORT
DEFAULT_RADIUS = 30
#: How long a broadcast's (source, sequence) is remembered (nwkBroadcastDeliveryTime-like).
BROADCAST_MEMORY = 9.0
#: Extra copies of each broadcast a router sends (nwkMaxBroadcastRetries), and the pause before each.
BROADCAST_RETRIES = 2
BROADCAST_JITTER = (0.02, 0.06)


class Role(enum.Enum):
    """The ZigBee device types (radio.md 2.6)."""

    COORDINATOR = "coordinator"
    ROUTER = "router"
    END_DEVICE = "end-device"


@dataclass(frozen=True, slots=True)
class NetworkParams:
    """What defines the network: PAN IDs and the active network key."""

    pan_id: int
    extended_pan_id: int
    network_key: bytes
    key_seq: int = 0
    update_id: int = 0


@dataclass(slots=True)
class Neighbour:
    """A child of ours (or, on the coordinator, a device behind one of our router children)."""

    ieee: int
    nwk: int
    rx_on_when_idle: bool
    router: bool
    iface: MacInterface
    via: int | None = None  #: the router child this device sits behind (None: our own child)
    authorized: bool = False  #: has proven it holds the network key
    joined_at: float = 0.0


@dataclass(frozen=True, slots=True)
class NwkIndication:
    """A NWK payload delivered to APS."""

    src: int
    src_ieee: int | None
    dst: int
    payload: bytes
    secured: bool
    frame_type: NwkFrameType
    lqi: int
    rssi: float
    iface: MacInterface


@dataclass(slots=True)
class NwkCounters:
    """What the NWK layer saw, for tests and benchmarks."""

    delivered: int = 0
    relayed: int = 0
    replays_rejected: int = 0
    mic_failures: int = 0
    malformed: int = 0
    unsecured_dropped: int = 0
    broadcast_duplicates: int = 0


class BroadcastTable:
    """The broadcast transaction table: (source, sequence) seen recently (sans-I/O)."""

    def __init__(self, *, memory: float = BROADCAST_MEMORY) -> None:
        self._memory = memory
        self._seen: dict[tuple[int, int], float] = {}

    def seen(self, source: int, seq: int, now: float) -> bool:
        """True when (source, seq) was recorded within the memory."""
        return self._seen.get((source, seq), -1.0) > now

    def record(self, source: int, seq: int, now: float) -> None:
        """Remember (source, seq) (only after the frame authenticated: forged frames must not fill it)."""
        if len(self._seen) > 64:
            self._seen = {k: t for k, t in self._seen.items() if t > now}
        self._seen[(source, seq)] = now + self._memory


@dataclass(slots=True)
class NwkState:
    """The NIB entries that change as the device joins and runs."""

    params: NetworkParams | None = None
    nwk: int = NO_ADDRESS
    parent: int | None = None
    parent_iface: MacInterface | None = None
    neighbours: dict[int, Neighbour] = field(default_factory=dict)


class NwkLayer:
    """NWK data service over one or more MAC interfaces (two on a Dual Band hub)."""

    def __init__(
        self,
        *,
        macs: list[MacInterface],
        ieee: int,
        role: Role,
        store: CounterStore,
        rng: random.Random | None = None,
    ) -> None:
        self.macs = macs
        self.ieee = ieee
        self.role = role
        self.state = NwkState()
        self.counters = NwkCounters()
        self.on_indication: Callable[[NwkIndication], None] | None = None
        #: frames from a child that proved it has the key (the trust centre listens for this)
        self.on_authorized: Callable[[Neighbour], None] | None = None
        self._rng = rng or random.Random(ieee)
        self._seq = self._rng.randrange(256)
        self._tx_counter = OutgoingCounter(store, f"nwk-frame-counter:{ieee:016x}")
        self._replay = ReplayFilter()
        self._btt = BroadcastTable()
        self._tasks = TaskSet()
        for iface in macs:
            iface.on_data = self._mac_data

    # --- state ---------------------------------------------------------------------------------

    @property
    def nwk(self) -> int:
        return self.state.nwk

    @property
    def params(self) -> NetworkParams | None:
        return self.state.params

    @property
    def outgoing_frame_counter(self) -> int:
        return self._tx_counter.value

    def resume_frame_counter(self, value: int) -> None:
        """Send no counter below `value` (restoring a network whose backup knows a later counter)."""
        self._tx_counter.advance_to(value)

    def start(
        self, params: NetworkParams, nwk: int, *, parent: int | None = None, parent_iface: MacInterface | None = None
    ) -> None:
        """Operate on `params` with address `nwk` (after forming, joining or restoring)."""
        self.state.params, self.state.nwk = params, nwk
        self.state.parent, self.state.parent_iface = parent, parent_iface

    def stop(self) -> None:
        """Leave the network on our side: no parameters, no parent (after a failed join, or on request)."""
        self.state.params = None
        self.state.parent, self.state.parent_iface = None, None

    def set_address(self, nwk: int) -> None:
        """Use short address `nwk` from now on (a rejoin may give a new one)."""
        self.state.nwk = nwk

    def set_network_key(self, key: bytes, key_seq: int) -> None:
        """Use `key` from now on; a different key restarts every sender's counters, so forget them."""
        assert self.state.params is not None
        if key != self.state.params.network_key:
            self._replay.clear()
        self.state.params = replace(self.state.params, network_key=key, key_seq=key_seq)

    def incoming_frame_counter(self, sender: int) -> int | None:
        """The last NWK frame counter accepted from EUI-64 `sender` (None: nothing yet)."""
        return self._replay.last(sender)

    def resume_incoming_frame_counter(self, sender: int, counter: int) -> None:
        """Accept from `sender` only counters above `counter` (restoring after a restart)."""
        last = self._replay.last(sender)
        if last is None or counter > last:
            self._replay.accept(sender, counter)

    def add_neighbour(self, neighbour: Neighbour) -> None:
        self.state.neighbours[neighbour.nwk] = neighbour

    def remove_neighbour(self, nwk: int) -> Neighbour | None:
        gone = self.state.neighbours.pop(nwk, None)
        if gone is not None:
            self._replay.forget(gone.ieee)
        return gone

    def neighbour_by_ieee(self, ieee: int) -> Neighbour | None:
        return next((n for n in self.state.neighbours.values() if n.ieee == ieee), None)

    def allocate_address(self) -> int:
        """A fresh stochastic short address (ZigBee PRO): not ours, not in use, not reserved."""
        while True:
            candidate = self._rng.randrange(COORDINATOR_ADDRESS + 1, FIRST_RESERVED_ADDRESS)
            if candidate != self.state.nwk and candidate not in self.state.neighbours:
                return candidate

    def next_seq(self) -> int:
        self._seq = (self._seq + 1) & 0xFF
        return self._seq

    # --- sending -------------------------------------------------------------------------------

    def _secure(self, frame: NwkFrame) -> bytes:
        params = self.state.params
        assert params is not None
        return secure_nwk(
            frame,
            key=params.network_key,
            src_ieee=self.ieee,
            frame_counter=self._tx_counter.next(),
            key_seq=params.key_seq,
        )

    def _encode(self, frame: NwkFrame, secure: bool) -> bytes | None:
        """The frame's bytes, secured if asked; None once our frame counter has run out."""
        if not secure:
            return build_nwk(frame)
        try:
            return self._secure(frame)
        except CounterExhausted:
            LOGGER.warning("NWK frame counter exhausted: nothing more can be sent under this network key")
            return None

    async def send(
        self,
        dst: int,
        payload: bytes,
        *,
        frame_type: NwkFrameType = NwkFrameType.DATA,
        secure: bool = True,
        dst_ieee: int | None = None,
        radius: int = DEFAULT_RADIUS,
    ) -> Status:
        """Originate one NWK frame to `dst` (a short address or a broadcast address)."""
        if self.state.params is None:
            return Status.NOT_JOINED
        frame = NwkFrame(
            frame_type=frame_type,
            dst=dst,
            src=self.state.nwk,
            seq=self.next_seq(),
            radius=radius,
            dst_ieee=dst_ieee,
            src_ieee=self.ieee,
            payload=payload,
        )
        if dst >= BROADCAST_LOW_POWER_ROUTERS:
            self._btt.record(frame.src, frame.seq, asyncio.get_running_loop().time())
            return await self._broadcast(frame, secure)
        return await self._forward(frame, secure)

    async def _broadcast(self, frame: NwkFrame, secure: bool) -> Status:
        """Broadcast: an end device hands it to its parent (MAC unicast, ACKed); a router or the
        coordinator sends it `BROADCAST_RETRIES` extra times, jittered, since MAC broadcasts are never
        ACKed and a neighbour busy transmitting misses one (receivers drop copies via the BTT)."""
        data = self._encode(frame, secure)
        if data is None:
            return Status.COUNTER_EXHAUSTED
        if self.role is Role.END_DEVICE:
            if self.state.parent is None or self.state.parent_iface is None:
                return Status.NOT_JOINED
            return await self.state.parent_iface.send(Address(self.state.parent), data)
        statuses: list[Status] = []
        for attempt in range(1 + BROADCAST_RETRIES):
            if attempt:
                await asyncio.sleep(self._rng.uniform(*BROADCAST_JITTER))
            statuses += [await m.send(Address(BROADCAST), data) for m in self.macs]
        if frame.dst == BROADCAST_ALL:
            for child in self.state.neighbours.values():
                if child.via is None and not child.rx_on_when_idle:
                    self._tasks.spawn(child.iface.send_indirect(Address(child.nwk), data))
        return next((s for s in statuses if s is Status.SUCCESS), statuses[0] if statuses else Status.NO_ROUTE)

    def next_hop(self, dst: int) -> tuple[MacInterface, int, bool] | None:
        """(interface, MAC destination, indirect?) for a unicast to `dst`, or None."""
        neighbour = self.state.neighbours.get(dst)
        if neighbour is not None:
            if neighbour.via is not None:
                router = self.state.neighbours.get(neighbour.via)
                if router is None:
                    return None
                return router.iface, router.nwk, False
            return neighbour.iface, neighbour.nwk, not neighbour.rx_on_when_idle
        if self.state.parent is not None and self.state.parent_iface is not None:
            return self.state.parent_iface, self.state.parent, False
        return None

    async def _forward(self, frame: NwkFrame, secure: bool) -> Status:
        hop = self.next_hop(frame.dst)
        if hop is None:
            return Status.NO_ROUTE
        iface, mac_dst, indirect = hop
        data = self._encode(frame, secure)
        if data is None:
            return Status.COUNTER_EXHAUSTED
        if indirect:
            return await iface.send_indirect(Address(mac_dst), data)
        return await iface.send(Address(mac_dst), data)

    # --- receiving -----------------------------------------------------------------------------

    def _mac_data(self, iface: MacInterface, ind: DataIndication) -> None:
        try:
            frame = parse_nwk(ind.payload)
        except ZigbeeDecodeError:
            self.counters.malformed += 1
            return
        params = self.state.params
        payload = frame.payload
        secured = frame.secured
        now = asyncio.get_running_loop().time()
        broadcast = frame.dst >= BROADCAST_LOW_POWER_ROUTERS
        if broadcast and self._btt.seen(frame.src, frame.seq, now):
            self.counters.broadcast_duplicates += 1  # a retry or a neighbour's relay of one we have
            return
        if secured:
            if params is None:
                return
            try:
                opened = unsecure_nwk(ind.payload, key=params.network_key, frame=frame)
            except ZigbeeSecurityError:
                self.counters.mic_failures += 1
                return
            except ZigbeeDecodeError:
                self.counters.malformed += 1
                return
            sender = opened.aux.source
            assert sender is not None
            if not self._replay.check(sender, opened.aux.frame_counter):
                self.counters.replays_rejected += 1
                LOGGER.debug("replayed NWK frame counter %d from %016x", opened.aux.frame_counter, sender)
                return
            self._replay.accept(sender, opened.aux.frame_counter)
            payload = opened.payload
            self._mark_authorized(frame.src, ind.src, sender)
        elif not self._unsecured_allowed(frame):
            self.counters.unsecured_dropped += 1
            return
        frame = replace(frame, aux=None, payload=payload)
        if broadcast:
            self._btt.record(frame.src, frame.seq, now)
            self._broadcast_received(frame, ind, iface, secured)
            return
        if frame.dst == self.state.nwk or (frame.dst_ieee is not None and frame.dst_ieee == self.ieee):
            self._deliver(frame, ind, iface, secured)
            return
        if self.role is not Role.END_DEVICE and frame.radius > 1:
            self.counters.relayed += 1
            self._tasks.spawn(self._relay(replace(frame, radius=frame.radius - 1)))

    def _mark_authorized(self, nwk_src: int, mac_src: Address, sender: int) -> None:
        """A secured frame from a joiner proves it holds the network key: it is now authorized.

        Our own child must have secured the frame itself (`sender`, hop by hop); a device behind a
        router child reaches us through that router, which re-secured the frame."""
        neighbour = self.state.neighbours.get(nwk_src)
        if neighbour is None or neighbour.authorized or mac_src.extended:
            return
        direct = neighbour.via is None and neighbour.ieee == sender and mac_src.value == nwk_src
        relayed = neighbour.via is not None and mac_src.value == neighbour.via
        if direct or relayed:
            neighbour.authorized = True
            if self.on_authorized is not None:
                self.on_authorized(neighbour)

    def _unsecured_allowed(self, frame: NwkFrame) -> bool:
        """Only a device without the network key takes unsecured frames: its Transport Key."""
        params = self.state.params
        return params is None or not any(params.network_key)

    async def _relay(self, frame: NwkFrame) -> None:
        status = await self._forward(frame, secure=True)
        if status is not Status.SUCCESS:
            LOGGER.info("relay of NWK frame to 0x%04x failed: %s", frame.dst, status.value)

    def _broadcast_received(self, frame: NwkFrame, ind: DataIndication, iface: MacInterface, secured: bool) -> None:
        if frame.src == self.state.nwk:
            return
        self._deliver(frame, ind, iface, secured)
        if self.role is not Role.END_DEVICE and frame.radius > 1:
            self._tasks.spawn(self._broadcast(replace(frame, radius=frame.radius - 1), secure=True))

    def _deliver(self, frame: NwkFrame, ind: DataIndication, iface: MacInterface, secured: bool) -> None:
        self.counters.delivered += 1
        if self.on_indication is not None:
            self.on_indication(
                NwkIndication(
                    src=frame.src,
                    src_ieee=frame.src_ieee,
                    dst=frame.dst,
                    payload=frame.payload,
                    secured=secured,
                    frame_type=frame.frame_type,
                    lqi=ind.lqi,
                    rssi=ind.rssi,
                    iface=iface,
                )
            )

    async def close(self) -> None:
        self._tasks.cancel()
