"""The parent's and trust centre's side of joining: admit a device, hand it the network key, track it.

Why a module of its own (radio.md 2.6, 5.7): admitting devices is what a
coordinator (and, for the association step, a router) does for others, apart
from anything the node does for itself. As the two sides see it:

1. parent: admits an associating device if joining is permitted (the
   coordinator also needs a link key for that EUI-64, from its install code);
   a router parent reports the join to the trust centre with APS Update Device;
2. trust centre: sends APS Transport Key (network key), APS-secured with the
   key-transport key derived from the joiner's link key (through a router
   parent inside an APS Tunnel command; the router's last hop is NWK-unsecured);
3. a device that never proves it has the key (no secured frame within
   `join_timeout`) is removed from the parent's tables; one that does is
   reported once through `on_device_joined`;
4. a known device (or one with a link key) that rejoins with a NWK-secured
   Rejoin Request keeps or gets its address.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from protocols.zigbee import ApsFrame, ApsFrameType, KeyId, NwkFrameType, build_aps, secure_aps
from protocols.zigbee.aps_commands import KeyType, TransportKey, Tunnel, UpdateDevice, UpdateStatus, build_aps_command
from protocols.zigbee.nwk_commands import Leave, RejoinRequest, RejoinResponse, build_nwk_command

from .aps import ApsLayer
from .counters import CounterExhausted, OutgoingCounter
from .mac import MacInterface
from .mac_types import ASSOC_ACCESS_DENIED, ASSOC_SUCCESS, CAP_FFD, CAP_RX_ON_WHEN_IDLE
from .nwk import COORDINATOR_ADDRESS, Neighbour, NwkIndication, NwkLayer, Role
from .status import Status
from .tasks import TaskSet

LOGGER = logging.getLogger(__name__)

#: Extra attempts at delivering a Transport Key whose every MAC retry went unacknowledged.
TRANSPORT_KEY_RETRIES = 2
#: The address a refused association or rejoin carries (no address given).
NO_ADDRESS = 0xFFFF


@dataclass(frozen=True, slots=True)
class JoinEvent:
    """The trust centre's view of a device that completed joining (it proved it has the key)."""

    ieee: int
    nwk: int
    parent: int
    band: str


class TrustCentre:
    """Admits devices to the network of `nwk` and hands them the key (on a coordinator or a router)."""

    def __init__(
        self,
        *,
        nwk: NwkLayer,
        aps: ApsLayer,
        aps_counter: OutgoingCounter,
        permitting: Callable[[], bool],
        join_timeout: float,
    ) -> None:
        self.nwk = nwk
        self.aps = aps
        self.join_timeout = join_timeout
        #: EUI-64 -> link key of devices allowed to join (from their install codes)
        self.link_keys: dict[int, bytes] = {}
        self.on_device_joined: Callable[[JoinEvent], None] | None = None
        self.on_device_left: Callable[[int, int], None] | None = None
        #: devices admitted that never proved they hold the network key
        self.join_failures = 0
        self._aps_counter = aps_counter
        self._permitting = permitting
        self._tasks = TaskSet()

    @property
    def _role(self) -> Role:
        return self.nwk.role

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    # --- admitting -----------------------------------------------------------------------------

    def association_requested(self, iface: MacInterface, ieee: int, capability: int) -> None:
        """A device asked `iface` to admit it (the MAC's `on_association_request`)."""
        self._tasks.spawn(self._admit(iface, ieee, capability))

    async def _admit(self, iface: MacInterface, ieee: int, capability: int) -> None:
        params = self.nwk.params
        joined = params is not None and any(params.network_key)
        allowed = self._permitting() and joined and self._role is not Role.END_DEVICE
        if self._role is Role.COORDINATOR and ieee not in self.link_keys:
            allowed = False
        if not allowed:
            LOGGER.info("association of %016x refused", ieee)
            await iface.respond_association(ieee, NO_ADDRESS, ASSOC_ACCESS_DENIED)
            return
        old = self.nwk.neighbour_by_ieee(ieee)
        if old is not None:
            self.nwk.remove_neighbour(old.nwk)
        nwk = self.nwk.allocate_address()
        neighbour = Neighbour(
            ieee=ieee,
            nwk=nwk,
            rx_on_when_idle=bool(capability & CAP_RX_ON_WHEN_IDLE),
            router=bool(capability & CAP_FFD),
            iface=iface,
            joined_at=self._now(),
        )
        self.nwk.add_neighbour(neighbour)
        status = await iface.respond_association(ieee, nwk, ASSOC_SUCCESS)
        if status is not Status.SUCCESS:
            LOGGER.info("association response to %016x not delivered: %s", ieee, status.value)
            self.nwk.remove_neighbour(nwk)
            return
        asyncio.get_running_loop().call_later(self.join_timeout, self._join_deadline, nwk, ieee)
        if self._role is Role.COORDINATOR:
            await self.send_network_key(nwk, ieee)
        else:
            update = UpdateDevice(device_ieee=ieee, short_address=nwk, status=UpdateStatus.STANDARD_UNSECURED_JOIN)
            frame = ApsFrame(ApsFrameType.COMMAND, self.aps.next_counter(), payload=build_aps_command(update))
            await self.aps.send_command(COORDINATOR_ADDRESS, build_aps(frame))

    def _join_deadline(self, nwk: int, ieee: int) -> None:
        neighbour = self.nwk.state.neighbours.get(nwk)
        if neighbour is not None and neighbour.ieee == ieee and not neighbour.authorized:
            LOGGER.info("%016x never proved it has the network key; removed", ieee)
            self.nwk.remove_neighbour(nwk)
            self.join_failures += 1

    async def send_network_key(self, nwk: int, ieee: int) -> Status:
        """APS Transport Key of the network key to device `ieee` at `nwk`, under its key-transport key."""
        params = self.nwk.params
        link_key = self.link_keys.get(ieee)
        if params is None or link_key is None:
            return Status.NOT_JOINED
        command = TransportKey(
            key_type=KeyType.STANDARD_NETWORK,
            key=params.network_key,
            key_seq=params.key_seq,
            dst_ieee=ieee,
            src_ieee=self.nwk.ieee,
        )
        frame = ApsFrame(ApsFrameType.COMMAND, self.aps.next_counter(), payload=build_aps_command(command))
        try:
            counter = self._aps_counter.next()
        except CounterExhausted:
            LOGGER.warning("APS frame counter exhausted: no more keys can be transported")
            return Status.COUNTER_EXHAUSTED
        secured = secure_aps(
            frame, key=link_key, src_ieee=self.nwk.ieee, frame_counter=counter, key_id=KeyId.KEY_TRANSPORT
        )
        joiner = self.nwk.state.neighbours.get(nwk)
        if joiner is not None and joiner.via is not None:
            tunnel = ApsFrame(
                ApsFrameType.COMMAND,
                self.aps.next_counter(),
                payload=build_aps_command(Tunnel(dst_ieee=ieee, frame=secured)),
            )
            return await self._send_key_frame(joiner.via, build_aps(tunnel), nwk_secure=True, dst_ieee=None)
        return await self._send_key_frame(nwk, secured, nwk_secure=False, dst_ieee=ieee)

    async def _send_key_frame(self, dst: int, frame: bytes, *, nwk_secure: bool, dst_ieee: int | None) -> Status:
        """Send a key-carrying APS command, trying again when every MAC retry went unacknowledged."""
        for _ in range(1 + TRANSPORT_KEY_RETRIES):
            status = await self.aps.send_command(dst, frame, nwk_secure=nwk_secure, dst_ieee=dst_ieee)
            if status is Status.SUCCESS:
                return status
        LOGGER.info("key frame to 0x%04x failed: %s", dst, status.value)
        return status

    def authorized(self, neighbour: Neighbour) -> None:
        """A device proved it holds the network key (the NWK layer's `on_authorized`)."""
        if self._role is Role.COORDINATOR and self.on_device_joined is not None:
            parent = COORDINATOR_ADDRESS if neighbour.via is None else neighbour.via
            self.on_device_joined(JoinEvent(neighbour.ieee, neighbour.nwk, parent, neighbour.iface.band.value))

    # --- reports from router parents -----------------------------------------------------------

    def update_device(self, router_nwk: int, update: UpdateDevice) -> None:
        """The coordinator hears from a router child that a device joined (or left) through it."""
        if self._role is not Role.COORDINATOR:
            return
        router = self.nwk.state.neighbours.get(router_nwk)
        if router is None:
            return
        if update.status == UpdateStatus.DEVICE_LEFT:
            self.nwk.remove_neighbour(update.short_address)
            return
        if update.device_ieee not in self.link_keys or not self._permitting():
            LOGGER.info("joiner %016x behind 0x%04x is not allowed", update.device_ieee, router_nwk)
            return
        self.nwk.add_neighbour(
            Neighbour(
                ieee=update.device_ieee,
                nwk=update.short_address,
                rx_on_when_idle=True,
                router=False,
                iface=router.iface,
                via=router_nwk,
                joined_at=self._now(),
            )
        )
        asyncio.get_running_loop().call_later(
            self.join_timeout, self._join_deadline, update.short_address, update.device_ieee
        )
        self._tasks.spawn(self.send_network_key(update.short_address, update.device_ieee))

    def tunnel(self, src: int, command: Tunnel) -> None:
        """A router relays the trust centre's tunnelled Transport Key to its joining child."""
        if self._role is not Role.ROUTER or src != COORDINATOR_ADDRESS:
            return
        child = self.nwk.neighbour_by_ieee(command.dst_ieee)
        if child is not None and not child.authorized:
            # the last hop to a joiner is NWK-unsecured: it has no network key yet
            self._tasks.spawn(self._send_key_frame(child.nwk, command.frame, nwk_secure=False, dst_ieee=child.ieee))

    # --- rejoin and leave ----------------------------------------------------------------------

    def rejoin_requested(self, ind: NwkIndication, request: RejoinRequest) -> None:
        """A device asked us, NWK-secured, to take it back (the NWK Rejoin Request)."""
        if self._role is not Role.END_DEVICE and ind.src_ieee is not None:
            self._tasks.spawn(self._answer_rejoin(ind, ind.src_ieee, request))

    async def _answer_rejoin(self, ind: NwkIndication, ieee: int, request: RejoinRequest) -> None:
        known = self.nwk.neighbour_by_ieee(ieee)
        if known is None and self._role is Role.COORDINATOR and ieee not in self.link_keys:
            status, nwk = ASSOC_ACCESS_DENIED, NO_ADDRESS
        else:
            nwk = known.nwk if known is not None else ind.src
            if known is not None:
                self.nwk.remove_neighbour(known.nwk)
            self.nwk.add_neighbour(
                Neighbour(
                    ieee=ieee,
                    nwk=nwk,
                    rx_on_when_idle=bool(request.capability & CAP_RX_ON_WHEN_IDLE),
                    router=bool(request.capability & CAP_FFD),
                    iface=ind.iface,
                    authorized=True,
                    joined_at=self._now(),
                )
            )
            status = ASSOC_SUCCESS
        response = build_nwk_command(RejoinResponse(short_address=nwk, status=status))
        await self.nwk.send(nwk if status == ASSOC_SUCCESS else ind.src, response, frame_type=NwkFrameType.COMMAND)

    async def remove_device(self, ieee: int) -> bool:
        """Ask a device to leave (NWK Leave, request) and forget it (zigpy's force_remove).

        True if it was known; it is forgotten even when the Leave cannot be delivered."""
        known = self.nwk.neighbour_by_ieee(ieee)
        if known is None:
            return False
        leave = build_nwk_command(Leave(request=True))
        status = await self.nwk.send(known.nwk, leave, frame_type=NwkFrameType.COMMAND)
        if status is not Status.SUCCESS:
            LOGGER.info("leave request to %016x not delivered (%s); forgotten anyway", ieee, status.value)
        self.nwk.remove_neighbour(known.nwk)
        self.link_keys.pop(ieee, None)
        if self.on_device_left is not None:
            self.on_device_left(known.nwk, ieee)
        return True

    def close(self) -> None:
        self._tasks.cancel()
