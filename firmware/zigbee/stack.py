"""One ZigBee node: MAC interfaces + NWK + APS, with forming, joining, the trust centre and polling.

Why a composition module (style.md "Firmware composition"): the hub, the
emulated meters and the benchmarks all need the same assembly of layers with
different roles; `ZigbeeStack` wires them once. Collaborators come in as
keyword arguments (radios, a counter store, an RNG); nothing here reads a
clock except through the running loop (`hal.clock`).

Joining, as the two sides see it (radio.md 2.6, 5.7):
1. joiner: active scan on each of its radios' channels; pick a beacon that
   permits association (highest LQI first) and associate;
2. parent: admits it if joining is permitted (the coordinator also needs a
   link key for that EUI-64, from its install code); a router parent reports
   the join to the trust centre with APS Update Device;
3. trust centre: sends APS Transport Key (network key), APS-secured with the
   key-transport key derived from the joiner's link key (through a router
   parent inside an APS Tunnel command; the router's last hop is NWK-unsecured);
4. joiner: opens it with its own link key - a wrong install code fails the
   MIC here and the join fails with `JoinError`; then announces itself
   (ZDO Device_annce) NWK-secured;
5. a child that never proves it has the key (no secured frame within
   `join_timeout`) is removed from the parent's tables.

Sleepy end devices poll their parent every `poll_period` (7.5 s for a GSME),
and fast-poll for a few seconds after sending, so replies held for them are
collected promptly.

Rejoin after power loss: a device that kept its network state (`snapshot()`)
sends a NWK Rejoin Request, NWK-secured, to its parent and keeps its address;
its frame counters resume from the persisted store, never reused.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hal.radio import Band, Channel, Radio, RadioCaps
from protocols.zigbee import (
    ApsFrame,
    ApsFrameType,
    BeaconPayload,
    KeyId,
    NwkFrameType,
    ZigbeeDecodeError,
    ZigbeeSecurityError,
    build_aps,
    build_beacon_payload,
    parse_beacon_payload,
    secure_aps,
    unsecure_aps,
)
from protocols.zigbee.aps_commands import (
    KeyType,
    TransportKey,
    Tunnel,
    UpdateDevice,
    UpdateStatus,
    build_aps_command,
    parse_aps_command,
)
from protocols.zigbee.nwk_commands import (
    Leave,
    RejoinRequest,
    RejoinResponse,
    build_nwk_command,
    parse_nwk_command,
)

from .aps import ApsCommandIndication, ApsIndication, ApsLayer
from .counters import CounterExhausted, CounterStore, OutgoingCounter
from .dual_band import DutyCycleBudget
from .join import JoinInput, JoinProgress, JoinState
from .mac import (
    ASSOC_ACCESS_DENIED,
    ASSOC_SUCCESS,
    CAP_ALLOCATE,
    CAP_FFD,
    CAP_MAINS,
    CAP_RX_ON_WHEN_IDLE,
    Address,
    BeaconNotice,
    SCAN_DURATION,
    MacInterface,
)
from .nwk import COORDINATOR_ADDRESS, Neighbour, NetworkParams, NwkIndication, NwkLayer, Role
from .status import DeliveryFailed, Status
from .zdo import device_annce

LOGGER = logging.getLogger(__name__)

#: The ZigBee PRO default channel mask zigpy also uses (radio.md 6.4).
DEFAULT_CHANNELS_2_4 = (11, 15, 20, 25)
#: Extra attempts at delivering a Transport Key whose every MAC retry went unacknowledged.
TRANSPORT_KEY_RETRIES = 2
#: Attempts at the Device_annce that ends a join.
ANNOUNCE_ATTEMPTS = 3


class JoinError(Exception):
    """A device could not join (no network heard, refused, or the network key never arrived/verified)."""


@dataclass(frozen=True)
class NetworkSnapshot:
    """What a device keeps in NVM to rejoin after a power cut."""

    params: NetworkParams
    nwk: int
    parent: int
    band_index: int
    channel: Channel


@dataclass
class StackCounters:
    """Commands the stack dropped, by reason: nothing is dropped without being counted here, in
    `nwk.counters` (NWK frames) or in `aps.counters` (APS frames)."""

    malformed: int = 0  #: an APS or NWK command (or a Transport Key) that did not decode
    security_failures: int = 0  #: an APS-secured command whose MIC did not verify with our link key
    unsecured_dropped: int = 0  #: a command that must arrive NWK-secured but did not
    unexpected: int = 0  #: an APS-secured command while no Transport Key was awaited


@dataclass(frozen=True)
class JoinEvent:
    """The trust centre's view of a device that completed joining (it proved it has the key)."""

    ieee: int
    nwk: int
    parent: int
    band: str


class ZigbeeStack:
    """A ZigBee node on one or more radios (two on a Dual Band hub)."""

    def __init__(
        self,
        *,
        radios: list[Radio],
        ieee: int,
        role: Role,
        store: CounterStore | None = None,
        rx_on_when_idle: bool = True,
        poll_period: float = 7.5,
        fast_poll_period: float = 0.25,
        fast_poll_window: float = 3.0,
        join_timeout: float = 15.0,
        duty_cycle_limit: float | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.ieee = ieee
        self.role = role
        self.rx_on_when_idle = rx_on_when_idle or role is not Role.END_DEVICE
        self.poll_period = poll_period
        self.fast_poll_period = fast_poll_period
        self.fast_poll_window = fast_poll_window
        self.join_timeout = join_timeout
        self.store: CounterStore = {} if store is None else store
        self._rng = rng or random.Random(ieee)
        self.macs = [MacInterface(r, extended_address=ieee, rng=random.Random(self._rng.random())) for r in radios]
        self.nwk = NwkLayer(macs=self.macs, ieee=ieee, role=role, store=self.store, rng=self._rng)
        self.aps = ApsLayer(nwk=self.nwk)
        self.aps.on_command = self._aps_command
        self.aps.on_indication = self._aps_indication
        self.nwk.on_authorized = self._authorized
        self._nwk_indication = self.nwk.on_indication
        self.nwk.on_indication = self._nwk_frame
        self._aps_tx_counter = OutgoingCounter(self.store, f"aps-frame-counter:{ieee:016x}")
        #: trust centre: EUI-64 -> link key of devices allowed to join (from their install codes)
        self.link_keys: dict[int, bytes] = {}
        #: joiner: our own preconfigured trust-centre link key
        self.link_key: bytes | None = None
        self.on_message: Callable[[ApsIndication], None] | None = None
        self.on_device_joined: Callable[[JoinEvent], None] | None = None
        self.on_device_left: Callable[[int, int], None] | None = None
        #: we were asked to leave (argument: whether the request says to rejoin)
        self.on_left: Callable[[bool], None] | None = None
        self._permit_until = 0.0
        self._transport_key: asyncio.Future[TransportKey] | None = None
        self._rejoin_wait: asyncio.Future[RejoinResponse] | None = None
        #: the latest join or rejoin attempt (join.py's transition table)
        self.join_progress = JoinProgress()
        self._fast_until = 0.0
        self._poll_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.join_failures = 0
        self.counters = StackCounters()
        for m in self.macs:
            m.on_association_request = self._association_requested
            if m.band is Band.MHZ_868 and RadioCaps.DUTY_CYCLE not in m.radio.caps:
                m.duty_cycle = DutyCycleBudget.with_limit(duty_cycle_limit, page=m.radio.channel.page)

    # --- helpers -------------------------------------------------------------------------------

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _spawn(self, coro: object) -> None:
        task = asyncio.get_running_loop().create_task(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def params(self) -> NetworkParams | None:
        return self.nwk.params

    @property
    def nwk_address(self) -> int:
        return self.nwk.nwk

    @property
    def aps_frame_counter(self) -> int:
        """The APS security frame counter the next Transport Key will carry (our one APS counter)."""
        return self._aps_tx_counter.value

    def resume_aps_frame_counter(self, value: int) -> None:
        """Send no APS-secured frame with a counter below `value` (restoring from a backup)."""
        self._aps_tx_counter.advance_to(value)

    @property
    def joined(self) -> bool:
        params = self.nwk.params
        return params is not None and any(params.network_key)

    def _capability(self) -> int:
        cap = CAP_ALLOCATE
        if self.role is not Role.END_DEVICE:
            cap |= CAP_FFD | CAP_MAINS
        if self.rx_on_when_idle:
            cap |= CAP_RX_ON_WHEN_IDLE
        return cap

    # --- forming (coordinator) -----------------------------------------------------------------

    async def form(
        self,
        *,
        channels: list[Iterable[Channel]] | None = None,
        pan_id: int | None = None,
        extended_pan_id: int | None = None,
        network_key: bytes | None = None,
        key_seq: int = 0,
        update_id: int = 0,
    ) -> NetworkParams:
        """Form a network on every radio: energy-scan for the quietest channel, avoid PAN IDs in use."""
        chosen: list[Channel] = []
        used_pans: set[int] = set()
        ours = extended_pan_id if extended_pan_id is not None else self.ieee
        for index, iface in enumerate(self.macs):
            candidates = sorted(channels[index]) if channels is not None else _default_channels(iface)
            channel = candidates[0]
            if len(candidates) > 1 and RadioCaps.ENERGY_SCAN in iface.radio.caps:
                energy = await iface.energy_scan(candidates, iface.timing.scan_duration(SCAN_DURATION))
                channel = min(candidates, key=lambda c: (energy[c], c))
            for notice in await iface.active_scan([channel]):
                if not _is_our_network(notice, ours):  # our own routers still beacon our network
                    used_pans.add(notice.pan_id)
            chosen.append(channel)
        if pan_id is None or pan_id in used_pans:
            if pan_id is not None:
                LOGGER.warning("PAN ID 0x%04x already in use nearby; choosing another", pan_id)
            pan_id = self._rng.choice([p for p in range(0x0001, 0xFFF0) if p not in used_pans][:4096])
        params = NetworkParams(
            pan_id=pan_id,
            extended_pan_id=extended_pan_id if extended_pan_id is not None else self.ieee,
            network_key=network_key if network_key is not None else self._rng.randbytes(16),
            key_seq=key_seq,
            update_id=update_id,
        )
        await self.start_as_coordinator(params, chosen)
        return params

    async def start_as_coordinator(self, params: NetworkParams, channels: list[Channel]) -> None:
        """Run a network whose parameters are known (formed before, or restored from a backup)."""
        for iface, channel in zip(self.macs, channels, strict=True):
            await iface.set_channel(channel)
            iface.set_addresses(pan_id=params.pan_id, short_address=COORDINATOR_ADDRESS, pan_coordinator=True)
        self.nwk.start(params, COORDINATOR_ADDRESS)
        self._update_beacons()

    def _update_beacons(self) -> None:
        params = self.nwk.params
        if params is None or self.role is Role.END_DEVICE:
            return
        payload = build_beacon_payload(
            BeaconPayload(
                params.extended_pan_id,
                device_depth=0 if self.role is Role.COORDINATOR else 1,
                update_id=params.update_id,
            )
        )
        permit = self._now() < self._permit_until
        for iface in self.macs:
            iface.beacon_payload = payload
            iface.association_permit = permit

    def permit_joining(self, duration: float) -> None:
        """Accept association requests for `duration` seconds (0 closes at once)."""
        self._permit_until = self._now() + max(0.0, duration)
        self._update_beacons()
        if duration > 0:
            asyncio.get_running_loop().call_at(self._permit_until + 1e-6, self._update_beacons)

    @property
    def permitting(self) -> bool:
        return self._now() < self._permit_until

    # --- admitting (coordinator and routers) ---------------------------------------------------

    def _association_requested(self, iface: MacInterface, ieee: int, capability: int) -> None:
        self._spawn(self._admit(iface, ieee, capability))

    async def _admit(self, iface: MacInterface, ieee: int, capability: int) -> None:
        allowed = self.permitting and self.joined and self.role is not Role.END_DEVICE
        if self.role is Role.COORDINATOR and ieee not in self.link_keys:
            allowed = False
        if not allowed:
            LOGGER.info("association of %016x refused", ieee)
            await iface.respond_association(ieee, 0xFFFF, ASSOC_ACCESS_DENIED)
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
        if self.role is Role.COORDINATOR:
            await self._send_network_key(nwk, ieee)
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

    async def _send_network_key(self, nwk: int, ieee: int) -> Status:
        """Trust centre: APS Transport Key of the network key, under the joiner's key-transport key."""
        params = self.nwk.params
        link_key = self.link_keys.get(ieee)
        if params is None or link_key is None:
            return Status.NOT_JOINED
        command = TransportKey(
            key_type=KeyType.STANDARD_NETWORK,
            key=params.network_key,
            key_seq=params.key_seq,
            dst_ieee=ieee,
            src_ieee=self.ieee,
        )
        frame = ApsFrame(ApsFrameType.COMMAND, self.aps.next_counter(), payload=build_aps_command(command))
        try:
            counter = self._aps_tx_counter.next()
        except CounterExhausted:
            LOGGER.warning("APS frame counter exhausted: no more keys can be transported")
            return Status.COUNTER_EXHAUSTED
        secured = secure_aps(frame, key=link_key, src_ieee=self.ieee, frame_counter=counter, key_id=KeyId.KEY_TRANSPORT)
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

    def _authorized(self, neighbour: Neighbour) -> None:
        if self.role is Role.COORDINATOR and self.on_device_joined is not None:
            parent = COORDINATOR_ADDRESS if neighbour.via is None else neighbour.via
            self.on_device_joined(JoinEvent(neighbour.ieee, neighbour.nwk, parent, neighbour.iface.band.value))

    def _aps_command(self, ind: ApsCommandIndication) -> None:
        if ind.frame.secured:
            self._secured_command(ind)
            return
        if not ind.nwk_secured:
            self.counters.unsecured_dropped += 1
            return
        try:
            command = parse_aps_command(ind.frame.payload)
        except ZigbeeDecodeError:
            self.counters.malformed += 1
            return
        if isinstance(command, UpdateDevice) and self.role is Role.COORDINATOR:
            self._device_updated(ind.src, command)
        elif isinstance(command, Tunnel) and self.role is Role.ROUTER and ind.src == COORDINATOR_ADDRESS:
            child = self.nwk.neighbour_by_ieee(command.dst_ieee)
            if child is not None and not child.authorized:
                # the last hop to a joiner is NWK-unsecured: it has no network key yet
                self._spawn(self._send_key_frame(child.nwk, command.frame, nwk_secure=False, dst_ieee=child.ieee))

    def _device_updated(self, router_nwk: int, update: UpdateDevice) -> None:
        router = self.nwk.state.neighbours.get(router_nwk)
        if router is None:
            return
        if update.status == UpdateStatus.DEVICE_LEFT:
            self.nwk.remove_neighbour(update.short_address)
            return
        if update.device_ieee not in self.link_keys or not self.permitting:
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
        self._spawn(self._send_network_key(update.short_address, update.device_ieee))

    def _secured_command(self, ind: ApsCommandIndication) -> None:
        """A joiner receives its Transport Key (the only APS-secured command we use)."""
        waiter = self._transport_key
        if waiter is None or waiter.done() or self.link_key is None:
            self.counters.unexpected += 1
            return
        try:
            opened = unsecure_aps(ind.raw, key=self.link_key, src_ieee=ind.src_ieee)
        except ZigbeeSecurityError as e:
            self.counters.security_failures += 1
            waiter.set_exception(
                JoinError(f"transport key did not verify with our link key ({e.reason}): wrong install code?")
            )
            return
        except ZigbeeDecodeError:
            self.counters.malformed += 1
            return
        try:
            command = parse_aps_command(opened.payload)
        except ZigbeeDecodeError:
            self.counters.malformed += 1
            return
        if isinstance(command, TransportKey) and command.key_type == KeyType.STANDARD_NETWORK:
            waiter.set_result(command)

    # --- joining (routers and end devices) -----------------------------------------------------

    async def join(
        self,
        *,
        link_key: bytes,
        channels: list[Iterable[Channel]] | None = None,
        extended_pan_id: int | None = None,
        key_timeout: float = 10.0,
        band: Band | None = None,
    ) -> None:
        """Find a network on our radios (only those on `band`, if given), associate, get the key, announce.

        Follows `join.TRANSITIONS` (`self.join_progress` shows where it is); raises JoinError with
        every parent's reason when none admits us."""
        self.link_key = link_key
        progress = self.join_progress = JoinProgress()
        reasons: list[str] = []
        for index, iface in enumerate(self.macs):
            if band is not None and iface.band is not band:
                continue
            progress.happened(JoinInput.SCAN_STARTED)
            scan = list(channels[index]) if channels is not None else _default_channels(iface)
            beacons = [b for b in await iface.active_scan(scan) if b.association_permit]
            for notice in sorted(beacons, key=lambda b: (-b.lqi, not b.pan_coordinator)):
                try:
                    beacon = parse_beacon_payload(notice.payload)
                except ZigbeeDecodeError:
                    continue  # not a ZigBee PRO beacon
                if beacon.protocol_id != 0:
                    continue
                if extended_pan_id is not None and beacon.extended_pan_id != extended_pan_id:
                    continue
                try:
                    await self._join_via(progress, iface, notice, beacon, key_timeout)
                    return
                except JoinError as e:
                    reasons.append(str(e))
                    if progress.state is JoinState.ERROR:  # terminal: joined but could not announce
                        raise JoinError("; ".join(reasons)) from e
            if not beacons:
                reasons.append(f"no joinable network heard on {iface.band.value}")
        if progress.state is JoinState.IDLE:
            raise JoinError(f"no radio on {band.value if band else 'any band'} to join with")
        progress.happened(JoinInput.NO_PARENT_LEFT)
        raise JoinError("; ".join(reasons))

    async def _join_via(
        self,
        progress: JoinProgress,
        iface: MacInterface,
        notice: BeaconNotice,
        beacon: BeaconPayload,
        key_timeout: float,
    ) -> None:
        progress.happened(JoinInput.PARENT_CHOSEN)
        status, nwk = await iface.associate(notice, self._capability())
        if status != ASSOC_SUCCESS:
            progress.happened(JoinInput.ASSOCIATION_REFUSED)
            raise JoinError(f"association refused by {notice.source} (status {status})")
        progress.happened(JoinInput.ASSOCIATED)
        iface.set_addresses(pan_id=notice.pan_id, short_address=nwk)
        params = NetworkParams(notice.pan_id, beacon.extended_pan_id, bytes(16), update_id=beacon.update_id)
        self.nwk.start(params, nwk, parent=notice.source.value, parent_iface=iface)
        self._transport_key = asyncio.get_running_loop().create_future()
        self._start_polling(fast=True)
        try:
            key = await asyncio.wait_for(self._transport_key, key_timeout)
        except TimeoutError:
            progress.happened(JoinInput.KEY_FAILED)
            self._leave_locally(iface)
            raise JoinError(f"no network key from the trust centre within {key_timeout} s") from None
        except JoinError:
            progress.happened(JoinInput.KEY_FAILED)
            self._leave_locally(iface)
            raise
        finally:
            self._transport_key = None
        progress.happened(JoinInput.KEY_RECEIVED)
        self.nwk.set_network_key(key.key, key.key_seq or 0)
        self._update_beacons()
        await self._announce_joined(progress)

    def _leave_locally(self, iface: MacInterface) -> None:
        self._stop_polling()
        self.nwk.state.params = None
        iface.set_addresses(pan_id=0xFFFF, short_address=0xFFFE)

    async def _announce_joined(self, progress: JoinProgress) -> None:
        """The last step of a join: Device_annce, tried a few times; JoinError if it never leaves."""
        failure: DeliveryFailed | None = None
        for _ in range(ANNOUNCE_ATTEMPTS):
            try:
                await self.announce()
            except DeliveryFailed as e:
                failure = e
                continue
            progress.happened(JoinInput.ANNOUNCED)
            return
        progress.happened(JoinInput.ANNOUNCE_FAILED)
        raise JoinError(f"joined, but the Device_annce was not delivered: {failure}")

    async def announce(self) -> None:
        """Broadcast ZDO Device_annce (radio.md 2.6 step 6)."""
        annce = device_annce(self.aps.next_counter(), self.nwk.nwk, self.ieee, self._capability())
        self.mark_busy()
        await self.aps.send_data(
            0xFFFD, cluster=annce.cluster, profile=0, src_endpoint=0, dst_endpoint=0, payload=annce.payload, ack=False
        )

    def snapshot(self) -> NetworkSnapshot | None:
        """The network state a device keeps in NVM to rejoin after a power cut."""
        params, parent_iface = self.nwk.params, self.nwk.state.parent_iface
        if params is None or parent_iface is None or self.nwk.state.parent is None or not self.joined:
            return None
        return NetworkSnapshot(
            params, self.nwk.nwk, self.nwk.state.parent, self.macs.index(parent_iface), parent_iface.channel
        )

    async def rejoin(self, snapshot: NetworkSnapshot, *, timeout: float = 5.0) -> None:
        """Rejoin the network of `snapshot` with a NWK-secured Rejoin Request, keeping our address."""
        progress = self.join_progress = JoinProgress()
        progress.happened(JoinInput.REJOIN_STARTED)
        iface = self.macs[snapshot.band_index]
        await iface.set_channel(snapshot.channel)
        iface.set_addresses(pan_id=snapshot.params.pan_id, short_address=snapshot.nwk)
        self.nwk.start(snapshot.params, snapshot.nwk, parent=snapshot.parent, parent_iface=iface)
        self._rejoin_wait = asyncio.get_running_loop().create_future()
        self._start_polling(fast=True)
        try:
            request = build_nwk_command(RejoinRequest(capability=self._capability()))
            status = await self.nwk.send(snapshot.parent, request, frame_type=NwkFrameType.COMMAND)
            if status is not Status.SUCCESS:
                raise JoinError(f"rejoin request not delivered: {status.value}")
            try:
                response = await asyncio.wait_for(self._rejoin_wait, timeout)
            except TimeoutError:
                raise JoinError("no rejoin response") from None
        except JoinError:
            progress.happened(JoinInput.REJOIN_FAILED)
            self._leave_locally(iface)
            raise
        finally:
            self._rejoin_wait = None
        if response.status != ASSOC_SUCCESS:
            progress.happened(JoinInput.REJOIN_FAILED)
            self._leave_locally(iface)
            raise JoinError(f"rejoin refused (status {response.status})")
        progress.happened(JoinInput.REJOIN_ACCEPTED)
        if response.short_address != snapshot.nwk:
            iface.set_addresses(pan_id=snapshot.params.pan_id, short_address=response.short_address)
            self.nwk.state.nwk = response.short_address
        await self._announce_joined(progress)

    def _nwk_frame(self, ind: NwkIndication) -> None:
        if ind.frame_type is NwkFrameType.COMMAND:
            if ind.secured:
                self._nwk_command(ind)
            else:
                self.counters.unsecured_dropped += 1
            return
        if self._nwk_indication is not None:
            self._nwk_indication(ind)

    def _nwk_command(self, ind: NwkIndication) -> None:
        try:
            command = parse_nwk_command(ind.payload)
        except ZigbeeDecodeError:
            self.counters.malformed += 1
            return
        if isinstance(command, RejoinRequest) and self.role is not Role.END_DEVICE and ind.src_ieee is not None:
            self._spawn(self._answer_rejoin(ind, command))
        elif isinstance(command, RejoinResponse) and self._rejoin_wait is not None and not self._rejoin_wait.done():
            self._rejoin_wait.set_result(command)
        elif isinstance(command, Leave) and command.request and ind.src in (COORDINATOR_ADDRESS, self.nwk.state.parent):
            self._left_on_request(command)

    def _left_on_request(self, command: Leave) -> None:
        """Our parent or the trust centre told us to leave: drop the network (and rejoin if asked)."""
        iface = self.nwk.state.parent_iface
        LOGGER.info("%016x asked to leave the network", self.ieee)
        if iface is not None:
            self._leave_locally(iface)
        if self.on_left is not None:
            self.on_left(command.rejoin)

    async def _answer_rejoin(self, ind: NwkIndication, request: RejoinRequest) -> None:
        ieee = ind.src_ieee
        assert ieee is not None
        known = self.nwk.neighbour_by_ieee(ieee)
        if known is None and self.role is Role.COORDINATOR and ieee not in self.link_keys:
            status, nwk = ASSOC_ACCESS_DENIED, 0xFFFF
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

    # --- polling (sleepy end devices) ----------------------------------------------------------

    def mark_busy(self) -> None:
        """We sent something a reply may follow: poll fast for a while."""
        self._fast_until = self._now() + self.fast_poll_window

    def _start_polling(self, *, fast: bool) -> None:
        if self.rx_on_when_idle:
            return
        if fast:
            self.mark_busy()
        if self._poll_task is None or self._poll_task.done():
            self._poll_task = asyncio.get_running_loop().create_task(self._poll_loop())

    def _stop_polling(self) -> None:
        if self._poll_task is not None:
            self._poll_task.cancel()
            self._poll_task = None

    async def _poll_loop(self) -> None:
        """Poll the parent every poll period (fast after activity); keep polling while it has more."""
        while True:
            fast = self._now() < self._fast_until
            await asyncio.sleep(self.fast_poll_period if fast else self.poll_period)
            parent, iface = self.nwk.state.parent, self.nwk.state.parent_iface
            if parent is None or iface is None:
                continue
            for _ in range(8):
                if not await iface.poll(Address(parent)):
                    break

    # --- data ----------------------------------------------------------------------------------

    def _aps_indication(self, ind: ApsIndication) -> None:
        if not self.rx_on_when_idle:
            self.mark_busy()
        if self.on_message is not None:
            self.on_message(ind)

    async def send(
        self,
        dst: int,
        *,
        cluster: int,
        profile: int,
        src_endpoint: int,
        dst_endpoint: int,
        payload: bytes,
        ack: bool = True,
    ) -> None:
        """Send one application message; raises `status.DeliveryFailed` when it cannot be delivered."""
        self.mark_busy()
        await self.aps.send_data(
            dst,
            cluster=cluster,
            profile=profile,
            src_endpoint=src_endpoint,
            dst_endpoint=dst_endpoint,
            payload=payload,
            ack=ack,
        )

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

    async def close(self) -> None:
        """Stop every task and timer; the radios stay with their owner."""
        self._stop_polling()
        for task in list(self._tasks):
            task.cancel()
        await self.aps.close()
        await self.nwk.close()
        for iface in self.macs:
            await iface.close()


def _is_our_network(notice: BeaconNotice, extended_pan_id: int) -> bool:
    """True when the beacon is of the network with `extended_pan_id` (heard from one of its routers)."""
    try:
        return parse_beacon_payload(notice.payload).extended_pan_id == extended_pan_id
    except ZigbeeDecodeError:
        return False  # not a ZigBee PRO beacon: some other network


def _default_channels(iface: MacInterface) -> list[Channel]:
    """The channels to scan on `iface`: ZigBee's default mask on 2.4 GHz, every channel on sub-GHz."""
    available = sorted(iface.radio.info.channels)
    if iface.band.value == "2.4GHz":
        preferred = [c for c in available if c.page == 0 and c.number in DEFAULT_CHANNELS_2_4]
        return preferred or available
    return [c for c in available if c.band is iface.band]
