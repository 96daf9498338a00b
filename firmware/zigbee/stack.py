"""One ZigBee node: MAC interfaces + NWK + APS, and the parts that form, join, admit and poll.

Why a composition module (style.md "Firmware composition"): the hub, the
emulated meters and the benchmarks all need the same assembly of layers with
different roles; `ZigbeeStack` wires them once and routes what arrives to the
part whose job it is. Collaborators come in as keyword arguments (radios, a
counter store, an RNG); nothing here reads a clock except through the running
loop (`hal.clock`). The parts, one module each:

* forming (here): a coordinator energy-scans for the quietest channel, avoids
  PAN IDs in use, and beacons while joining is permitted;
* `joiner.Joiner`: the device's own join and rejoin, with retries;
* `trust_centre.TrustCentre`: admitting others, handing out the network key,
  Update Device and Tunnel between trust centre and router parents, rejoin
  answers, removal;
* `polling.Poller`: a sleepy end device's polls of its parent.

Commands arrive NWK-secured (Rejoin, Leave) or APS-secured (the Transport Key
a joiner awaits); anything else, or anything malformed, is counted in
`counters` (`status.StackCounters`) and dropped.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable, Sequence

from hal.radio import Band, Channel, Radio, RadioCaps
from protocols.zigbee import (
    BROADCAST_RX_ON_WHEN_IDLE,
    BeaconPayload,
    NwkFrameType,
    ZigbeeDecodeError,
    build_beacon_payload,
    parse_beacon_payload,
)
from protocols.zigbee.aps_commands import Tunnel, UpdateDevice, parse_aps_command
from protocols.zigbee.nwk_commands import Leave, RejoinRequest, RejoinResponse, parse_nwk_command

from .aps import ApsCommandIndication, ApsIndication, ApsLayer
from .counters import CounterStore, OutgoingCounter
from .dual_band import DutyCycleBudget
from .join import JoinProgress
from .joiner import Joiner, JoinError, NetworkSnapshot, default_channels
from .mac import SCAN_DURATION, MacInterface
from .mac_types import CAP_ALLOCATE, CAP_FFD, CAP_MAINS, CAP_RX_ON_WHEN_IDLE, BeaconNotice
from .nwk import COORDINATOR_ADDRESS, NetworkParams, NwkIndication, NwkLayer, Role
from .polling import Poller
from .status import StackCounters
from .trust_centre import JoinEvent, TrustCentre
from .zdo import device_annce

LOGGER = logging.getLogger(__name__)

#: PAN IDs a coordinator may choose from (0xFFF0 and above are reserved, radio.md 2.2).
PAN_IDS = range(0x0001, 0xFFF0)

__all__ = ["JoinError", "JoinEvent", "NetworkSnapshot", "ZigbeeStack"]


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
        fresh: dict[str, int] = {}
        self.store: CounterStore = fresh if store is None else store
        self._rng = rng or random.Random(ieee)
        self.macs = [MacInterface(r, extended_address=ieee, rng=random.Random(self._rng.random())) for r in radios]
        self.nwk = NwkLayer(macs=self.macs, ieee=ieee, role=role, store=self.store, rng=self._rng)
        self.aps = ApsLayer(nwk=self.nwk)
        self.counters = StackCounters()
        self.on_message: Callable[[ApsIndication], None] | None = None
        #: we were asked to leave (argument: whether the request says to rejoin)
        self.on_left: Callable[[bool], None] | None = None
        self._aps_tx_counter = OutgoingCounter(self.store, f"aps-frame-counter:{ieee:016x}")
        self._permit_until = 0.0
        self.poller = Poller(self.nwk, period=poll_period, fast_period=fast_poll_period, fast_window=fast_poll_window)
        self.trust_centre = TrustCentre(
            nwk=self.nwk,
            aps=self.aps,
            aps_counter=self._aps_tx_counter,
            permitting=lambda: self.permitting,
            join_timeout=join_timeout,
        )
        self.joiner = Joiner(
            macs=self.macs,
            nwk=self.nwk,
            poller=None if self.rx_on_when_idle else self.poller,
            counters=self.counters,
            capability=self._capability(),
            announce=lambda: self.announce(),  # looked up per call: the attribute may be replaced
            joined=self._update_beacons,
            rng=self._rng,
        )
        self.aps.on_command = self._aps_command
        self.aps.on_indication = self._aps_indication
        self.nwk.on_authorized = self.trust_centre.authorized
        self._nwk_indication = self.nwk.on_indication
        self.nwk.on_indication = self._nwk_frame
        for iface in self.macs:
            iface.on_association_request = self.trust_centre.association_requested
            if iface.band is Band.MHZ_868 and RadioCaps.DUTY_CYCLE not in iface.radio.caps:
                iface.duty_cycle = DutyCycleBudget.with_limit(duty_cycle_limit, page=iface.radio.channel.page)

    # --- state and settings --------------------------------------------------------------------

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

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

    @property
    def link_keys(self) -> dict[int, bytes]:
        """Trust centre: EUI-64 -> link key of devices allowed to join (from their install codes)."""
        return self.trust_centre.link_keys

    @property
    def link_key(self) -> bytes | None:
        """Joiner: our own preconfigured trust-centre link key."""
        return self.joiner.link_key

    @property
    def join_timeout(self) -> float:
        """How long an admitted device has to prove it holds the network key before it is removed."""
        return self.trust_centre.join_timeout

    @join_timeout.setter
    def join_timeout(self, seconds: float) -> None:
        self.trust_centre.join_timeout = seconds

    @property
    def join_failures(self) -> int:
        """Admitted devices that never proved they hold the network key."""
        return self.trust_centre.join_failures

    @property
    def join_progress(self) -> JoinProgress:
        """The latest join or rejoin attempt (join.py's transition table)."""
        return self.joiner.progress

    @property
    def on_device_joined(self) -> Callable[[JoinEvent], None] | None:
        return self.trust_centre.on_device_joined

    @on_device_joined.setter
    def on_device_joined(self, callback: Callable[[JoinEvent], None] | None) -> None:
        self.trust_centre.on_device_joined = callback

    @property
    def on_device_left(self) -> Callable[[int, int], None] | None:
        return self.trust_centre.on_device_left

    @on_device_left.setter
    def on_device_left(self, callback: Callable[[int, int], None] | None) -> None:
        self.trust_centre.on_device_left = callback

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
        channels: Sequence[Iterable[Channel]] | None = None,
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
            candidates = sorted(channels[index]) if channels is not None else default_channels(iface)
            channel = candidates[0]
            if len(candidates) > 1 and RadioCaps.ENERGY_SCAN in iface.radio.caps:
                energy = await iface.energy_scan(candidates, iface.timing.scan_duration(SCAN_DURATION))
                channel = min(candidates, key=lambda candidate: (energy[candidate], candidate))
            for notice in await iface.active_scan([channel]):
                if not _is_our_network(notice, ours):  # our own routers still beacon our network
                    used_pans.add(notice.pan_id)
            chosen.append(channel)
        if pan_id is None or pan_id in used_pans:
            if pan_id is not None:
                LOGGER.warning("PAN ID 0x%04x already in use nearby; choosing another", pan_id)
            pan_id = self._rng.choice([p for p in PAN_IDS if p not in used_pans][:4096])
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

    def leave_network(self) -> None:
        """Stop running the network on our side (a coordinator about to be given new settings)."""
        self.nwk.stop()

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

    # --- joining (routers and end devices; see `joiner`) ---------------------------------------

    async def join(
        self,
        *,
        link_key: bytes,
        channels: Sequence[Iterable[Channel]] | None = None,
        extended_pan_id: int | None = None,
        key_timeout: float = 10.0,
        band: Band | None = None,
    ) -> None:
        """Find a network on our radios (only those on `band`, if given), associate, get the key, announce.

        Retries as `joiner` describes; raises JoinError with every reason when no attempt succeeds."""
        await self.joiner.join(
            link_key=link_key, channels=channels, extended_pan_id=extended_pan_id, key_timeout=key_timeout, band=band
        )

    async def rejoin(self, snapshot: NetworkSnapshot, *, timeout: float = 5.0) -> None:
        """Rejoin the network of `snapshot` with a NWK-secured Rejoin Request, keeping our address."""
        await self.joiner.rejoin(snapshot, timeout=timeout)

    async def announce(self) -> None:
        """Broadcast ZDO Device_annce (radio.md 2.6 step 6)."""
        annce = device_annce(self.aps.next_counter(), self.nwk.nwk, self.ieee, self._capability())
        self.mark_busy()
        await self.aps.send_data(
            BROADCAST_RX_ON_WHEN_IDLE,
            cluster=annce.cluster,
            profile=0,
            src_endpoint=0,
            dst_endpoint=0,
            payload=annce.payload,
            ack=False,
        )

    def snapshot(self) -> NetworkSnapshot | None:
        """The network state a device keeps in NVM to rejoin after a power cut."""
        params, parent_iface = self.nwk.params, self.nwk.state.parent_iface
        if params is None or parent_iface is None or self.nwk.state.parent is None or not self.joined:
            return None
        return NetworkSnapshot(
            params, self.nwk.nwk, self.nwk.state.parent, self.macs.index(parent_iface), parent_iface.channel
        )

    # --- what arrives --------------------------------------------------------------------------

    def _aps_command(self, ind: ApsCommandIndication) -> None:
        if ind.frame.secured:
            self.joiner.transport_key_received(ind)
            return
        if not ind.nwk_secured:
            self.counters.unsecured_dropped += 1
            return
        try:
            command = parse_aps_command(ind.frame.payload)
        except ZigbeeDecodeError:
            self.counters.malformed += 1
            return
        if isinstance(command, UpdateDevice):
            self.trust_centre.update_device(ind.src, command)
        elif isinstance(command, Tunnel):
            self.trust_centre.tunnel(ind.src, command)

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
        if isinstance(command, RejoinRequest):
            self.trust_centre.rejoin_requested(ind, command)
        elif isinstance(command, RejoinResponse):
            self.joiner.rejoin_response(command)
        elif isinstance(command, Leave) and command.request and ind.src in (COORDINATOR_ADDRESS, self.nwk.state.parent):
            self._left_on_request(command)

    def _left_on_request(self, command: Leave) -> None:
        """Our parent or the trust centre told us to leave: drop the network (and rejoin if asked)."""
        iface = self.nwk.state.parent_iface
        LOGGER.info("%016x asked to leave the network", self.ieee)
        if iface is not None:
            self.joiner.leave_locally(iface)
        if self.on_left is not None:
            self.on_left(command.rejoin)

    # --- polling (sleepy end devices) ----------------------------------------------------------

    def mark_busy(self) -> None:
        """We sent something a reply may follow: poll fast for a while."""
        self.poller.mark_busy()

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
        return await self.trust_centre.remove_device(ieee)

    async def close(self) -> None:
        """Stop every task and timer; the radios stay with their owner."""
        self.poller.stop()
        self.trust_centre.close()
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
