"""The hub's I/O adapter: it feeds the CHF what happens on the WAN and the HAN, and carries out its orders.

Why (style.md "State machines", aioquic's `transmit()`): `firmware.chf.Chf` and the GPF are
sans-I/O; this is the one place where their inputs are gathered and their orders executed
(docs/chf.md "The contract the HAN adapter implements"):

- WAN: every whole message from `hal.wan` goes to `Chf.wan_message`; each `ToWan` is handed to
  the durable `WanOutbox` (to its head-end, or to every head-end) and confirmed with
  `Chf.wan_sent` in the same NVM transaction, so it is kept in exactly one of the two outboxes;
  the outbox is flushed when a head-end connects.
- HAN, tunnels (gbcs.md 6.1-6.2): when zigpy has interviewed a device with a Tunneling server
  endpoint (ESME, PPMID, HCALCS, ...) the hub opens a GB-HRGP tunnel to it as client, then
  reports the device joined. The GSME opens its own tunnel to the hub's ESI endpoint; its
  GET / PUT go to `Chf.tunnel_data`, and the GET-RESPONSEs come back as `ToDevice`. Each
  `ToDevice` is sent in order per device (longer messages as GBT blocks, `firmware.han.segments`);
  a tunnel that is not open is opened first; a send that fails is reported with
  `Chf.tunnel_send_failed`; a GET-RESPONSE handed to the tunnel is confirmed with `device_sent`.
- HAN, the ESI (`esi.HubEsi`): Time, Basic, the gas mirror; the mirror's reports go to the
  GPF (`Gpf.mirror_update`) and its Tunnel Message Pending flag follows the CHF's
  `SetTunnelMessagePending`.
- HAN, the rest of the orders: `PermitJoin` (the link key of the install code, joining opened
  for the window), `RemoveDevice`, `StartEnergyScan` (the sub-GHz interface measures, the
  result goes back), `SuspendZclMessages` (Sub-GHz cluster), `ChangeSubGhzChannel` (checked
  against the channel the network is on, see `_change_channel`).
- HAN events: joins (after the tunnel is up), leaves, link statistics (at most one reading
  per device per `STATISTICS_EVERY` seconds: each is an NVM write), the 868 MHz duty cycle
  every `DUTY_CYCLE_EVERY` seconds.
- Time: one `loop.call_at(Chf.deadline())`, re-armed after every input; the UTC time is noted in
  NVM every `CLOCK_NOTE_EVERY` seconds, so a restarted hub never starts its clock earlier.

`busy` says whether the hub waits for the HAN: the first start, a send in flight, a command queued
for the GSME's wake-up, or a device's answer within `ANSWER_GRACE` seconds of the last command
handed to the HAN (a device that refuses a command sends no response: the CHF keeps it pending for
a day, but nothing is coming). `commshub run --fast` lets virtual time jump only then
(`hal.fast_forward`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import zigpy.device
import zigpy.exceptions

from firmware.chf import (
    Action,
    ChangeSubGhzChannel,
    Chf,
    PermitJoin,
    RemoveDevice,
    SetTunnelMessagePending,
    StartEnergyScan,
    SuspendZclMessages,
    ToDevice,
    ToWan,
)
from firmware.gpf import Gpf
from firmware.han import Closed, Ignored, NoTunnel, Opened, Peer, Received, Refused, Reply, TunnelEvent, Tunnels, frames
from firmware.han import header as tunnel_header
from firmware.han.frames import METERING, SUB_GHZ, TUNNELING
from firmware.han.segments import Reassembly, fit
from firmware.zigbee.application import eui64_int
from firmware.zigbee.aps import ApsIndication
from firmware.zigbee.tasks import TaskSet
from hal.radio import Band
from hal.wan import WanLink, WanMessage, WanOutbox
from protocols.zigbee import PROFILE_SMART_ENERGY

from . import journal
from .esi import ESI_ENDPOINT, MIRROR_ENDPOINT, Answer, HubEsi, MirrorUpdate
from .han import HubHan

if TYPE_CHECKING:
    from hal.nvm import NvmStore

LOGGER = logging.getLogger(__name__)
#: Seconds the hub waits for a RequestTunnelResponse, and how often it asks (ours).
TUNNEL_TIMEOUT, TUNNEL_ATTEMPTS = 10.0, 3
#: Seconds between two link-statistics readings of one device (each is an NVM write; ours).
STATISTICS_EVERY = 60.0
#: Seconds between two readings of the 868 MHz duty cycle handed to the CHF (ours).
DUTY_CYCLE_EVERY = 60.0
#: Seconds an energy scan dwells on each channel (aBaseSuperframeDuration x (2^4 + 1) at 100 kb/s, radio.md 1.2).
SCAN_DWELL = 0.26
#: Seconds after a command was handed to the HAN during which its answer is awaited "busily" (ours).
ANSWER_GRACE = 60.0
_MATCH_DESC_REQ = 0x0006
#: Seconds between two notes of the hub's UTC time in NVM (a restart never starts its clock earlier).
CLOCK_NOTE_EVERY = 60.0
CLOCK_NOTE = "clock.utc"


def _eui(ieee: int) -> bytes:
    return ieee.to_bytes(8, "big")


def _ieee(eui: bytes) -> int:
    return int.from_bytes(eui, "big")


@dataclass(slots=True)
class _Device:
    """What the adapter knows of one HAN device beyond the CHF: its tunnel endpoint and send order."""

    ieee: int
    tunnel_endpoint: int | None = None  #: its Tunneling server endpoint (we are its client)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    opening: asyncio.Future[bool] | None = None
    statistics_at: float = float("-inf")
    reassembly: Reassembly = field(default_factory=Reassembly)


class HubRuntime:
    """Runs a CHF + GPF on a HAN and a WAN link (see the module docstring)."""

    def __init__(
        self,
        *,
        chf: Chf,
        gpf: Gpf,
        han: HubHan,
        store: NvmStore,
        utc: Callable[[], float],
        duty_cycle: Callable[[], float] | None = None,
    ) -> None:
        self.chf = chf
        self.gpf = gpf
        self.han = han
        self.store = store
        self.utc = utc
        self._duty_cycle = duty_cycle
        self.esi = HubEsi(
            store.partition("hub"),
            time_attributes=lambda: chf.time_attributes(self.utc()),
            mirror_values=gpf.mirror.values,
            model=chf.config.model,
        )
        self.tunnels = Tunnels()
        self.wan: WanLink | None = None
        self.outbox: WanOutbox | None = None
        self.tasks = TaskSet()
        self._devices: dict[int, _Device] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._windows: dict[int, float] = {}
        self._reports: dict[int, dict[tuple[int, int], Any]] = {}
        self._in_flight = 0
        self._starting = True
        self._queued = False  #: commands wait in a GSME queue
        self._awaiting = False  #: commands handed to devices await their answers
        self._handed_at = float("-inf")  #: loop time the last command went to the HAN
        self.closed = False

    # -- wiring ----------------------------------------------------------------------------------

    def attach_wan(self, wan: WanLink, outbox: WanOutbox) -> None:
        self.wan, self.outbox = wan, outbox

    def start(self) -> None:
        """Take the HAN's indications, listen to zigpy's joins and leaves, and run what a restart owes."""
        self.han.serve(self._indication)
        self.han.app.add_listener(self)
        for entry in self.chf.device_log.entries():
            if entry.joined:
                self.han.allow(_ieee(entry.eui), entry.link_key())
        self.execute(self.chf.resume(self.now(), self.utc()))
        if self._duty_cycle is not None:
            self.tasks.spawn(self._read_duty_cycle())
        self.tasks.spawn(self._note_clock())

    def started(self) -> None:
        """The first start's commissioning is over: the hub is busy only when the CHF waits for the HAN."""
        self._starting = False
        self._update_busy()

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    @property
    def busy(self) -> bool:
        """Whether the hub waits for the HAN (see the module docstring)."""
        if self._starting or self._in_flight > 0 or self._queued:
            return True
        return self._awaiting and asyncio.get_running_loop().time() < self._handed_at + ANSWER_GRACE

    def _update_busy(self) -> None:
        chf = self.chf
        self._queued = any(chf.queues.count(eui) for eui in chf.queues.euis())
        self._awaiting = chf.pending.next_expiry() is not None

    # -- WAN ---------------------------------------------------------------------------------------

    def wan_message(self, message: WanMessage) -> None:
        """`hal.wan`'s on_message."""
        journal.traffic(f"WAN <- head-end {message.connection_id}", message.data)
        self.execute(self.chf.wan_message(message.connection_id, message.data, self.now(), self.utc()))

    def wan_connected(self, connection_id: int) -> None:
        """`hal.wan`'s on_connect: what waited for a head-end goes out."""
        if self.outbox is not None:
            self.outbox.flush()

    def _to_wan(self, action: ToWan) -> None:
        assert self.outbox is not None, "attach_wan before the CHF runs"
        target = "every head-end" if action.connection_id is None else f"head-end {action.connection_id}"
        journal.traffic(f"WAN -> {target}", action.data)
        with self.store.transaction():
            if action.connection_id is None:
                self.outbox.alert(action.data)
            else:
                self.outbox.respond(action.connection_id, action.data)
            self.chf.wan_sent(action.seq)

    # -- orders ------------------------------------------------------------------------------------

    def execute(self, actions: list[Action]) -> None:
        """Carry out the CHF's orders, in order, then re-arm its timer."""
        for action in actions:
            if isinstance(action, ToWan):
                self._to_wan(action)
            elif isinstance(action, ToDevice):
                self._in_flight += 1
                self.tasks.spawn(self._to_device(action))
            elif isinstance(action, SetTunnelMessagePending):
                self.esi.set_tunnel_pending(_ieee(action.eui), action.pending)
                journal.event("HAN: tunnel message pending for %s: %s", action.eui.hex(), action.pending)
            elif isinstance(action, PermitJoin):
                self.tasks.spawn(self._permit(action))
            elif isinstance(action, RemoveDevice):
                self.tasks.spawn(self._remove(action))
            elif isinstance(action, ChangeSubGhzChannel):
                self._change_channel(action)
            elif isinstance(action, StartEnergyScan):
                self.tasks.spawn(self._scan(action))
            elif isinstance(action, SuspendZclMessages):
                self.tasks.spawn(self._suspend(action))
        self._update_busy()
        self._rearm()

    def _rearm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = self.chf.deadline()
        if deadline is not None and not self.closed:
            self._timer = asyncio.get_running_loop().call_at(deadline, self._fire)

    def _fire(self) -> None:
        self._timer = None
        self.execute(self.chf.timer_fired(self.now(), self.utc()))

    async def _permit(self, action: PermitJoin) -> None:
        ieee = _ieee(action.eui)
        if action.seconds <= 0:
            self._windows.pop(ieee, None)
            if not self._windows:
                await self.han.app.permit_ncp(0)
            return
        self._windows[ieee] = self.now() + action.seconds
        journal.event("HAN: %s may join for %d s", action.eui.hex(), action.seconds)
        await self.han.permit(ieee, action.link_key, action.seconds)

    async def _remove(self, action: RemoveDevice) -> None:
        ieee = _ieee(action.eui)
        self.tunnels.forget(ieee)
        self._devices.pop(ieee, None)
        removed = await self.han.remove(ieee)
        journal.event("HAN: %s removed%s", action.eui.hex(), "" if removed else " (was not on the network)")

    def _change_channel(self, action: ChangeSubGhzChannel) -> None:
        """The stack has no network-wide channel change yet: a hub alone on a new channel would strand its
        devices, so the order is carried out only when the network already is on that channel, else logged."""
        sub_ghz = [mac for mac in self.han.stack.macs if mac.band is Band.MHZ_868]
        if sub_ghz and sub_ghz[0].channel != action.channel:
            LOGGER.warning(
                "sub-GHz channel change to %s not carried out (network on %s)", action.channel, sub_ghz[0].channel
            )

    async def _scan(self, action: StartEnergyScan) -> None:
        sub_ghz = [mac for mac in self.han.stack.macs if mac.band is Band.MHZ_868]
        if not sub_ghz:
            energies = dict.fromkeys(action.channels, -100.0)
        else:
            iface, current = sub_ghz[0], sub_ghz[0].channel
            try:
                energies = await iface.energy_scan(list(action.channels), SCAN_DWELL)
            finally:
                await iface.set_channel(current)
        self.execute(self.chf.energy_scan_result(energies, self.now(), self.utc()))

    async def _suspend(self, action: SuspendZclMessages) -> None:
        payload = frames.command(SUB_GHZ, "suspend_zcl_messages", 0, period=min(action.minutes, 0xFF))
        nwk = 0xFFFD if action.eui is None else self.han.nwk_of(_ieee(action.eui))
        if nwk is None:
            return
        try:
            await self.han.send(
                nwk,
                cluster=SUB_GHZ,
                src_endpoint=ESI_ENDPOINT,
                dst_endpoint=0xFF,
                payload=payload,
                broadcast=action.eui is None,
            )
        except zigpy.exceptions.DeliveryError as error:
            LOGGER.info("Suspend ZCL Messages not delivered: %s", error)

    # -- tunnels: sending ----------------------------------------------------------------------------

    async def _to_device(self, action: ToDevice) -> None:
        ieee = _ieee(action.eui)
        device = self._device(ieee)
        try:
            async with device.lock:
                journal.traffic(
                    f"HAN -> {action.eui.hex()}", action.data[2:] if self.tunnels.serves(ieee) else action.data
                )
                delivered = await self._transfer(device, action.data)
        finally:
            self._in_flight -= 1
        now, utc = self.now(), self.utc()
        self._handed_at = now
        if delivered and action.seq is not None:
            self.chf.device_sent(action.eui, action.seq)
        if not delivered:
            journal.event("HAN: could not deliver to %s", action.eui.hex())
            self.execute(self.chf.tunnel_send_failed(action.eui, action.data, now, utc))
        else:
            self._update_busy()

    async def _transfer(self, device: _Device, data: bytes) -> bool:
        if self.tunnels.serves(device.ieee):
            return await self._transfer_to_gsme(device.ieee, data)
        if not self.tunnels.is_open(device.ieee) and not await self._open_tunnel(device):
            return False
        try:
            blocks = fit(data, self.tunnels.limit(device.ieee))
        except (ValueError, NoTunnel) as error:
            LOGGER.warning("cannot send %d octets to %016x: %s", len(data), device.ieee, error)
            return False
        return await self._send_frames(device.ieee, [self.tunnels.transfer(device.ieee, block) for block in blocks])

    async def _transfer_to_gsme(self, ieee: int, data: bytes) -> bool:
        """A GET-RESPONSE: its message cut into GBT blocks when the GSME takes less (each behind the header)."""
        answer = tunnel_header.parse_get_response(data)
        if answer is None or answer.message is None:
            return await self._send_frames(ieee, [self.tunnels.transfer(ieee, data)])
        limit = self.tunnels.limit(ieee) - 2
        blocks = fit(answer.message, limit)
        frames_ = [self.tunnels.transfer(ieee, tunnel_header.get_response(answer.remaining, b)) for b in blocks]
        return await self._send_frames(ieee, frames_)

    async def _send_frames(self, ieee: int, payloads: list[bytes]) -> bool:
        peer = self.tunnels.peer(ieee)
        if peer is None:
            return False
        for payload in payloads:
            try:
                await self.han.send(
                    peer.nwk, cluster=TUNNELING, src_endpoint=ESI_ENDPOINT, dst_endpoint=peer.endpoint, payload=payload
                )
            except zigpy.exceptions.DeliveryError as error:
                LOGGER.info("tunnel transfer to %016x failed: %s", ieee, error)
                return False
        return True

    async def _open_tunnel(self, device: _Device) -> bool:
        """RequestTunnel to the device's Tunneling server, a few times; whether a tunnel is open."""
        nwk = self.han.nwk_of(device.ieee)
        if device.tunnel_endpoint is None or nwk is None:
            return False
        for _attempt in range(TUNNEL_ATTEMPTS):
            device.opening = asyncio.get_running_loop().create_future()
            request = self.tunnels.request(Peer(device.ieee, nwk, device.tunnel_endpoint))
            try:
                await self.han.send(
                    nwk,
                    cluster=TUNNELING,
                    src_endpoint=ESI_ENDPOINT,
                    dst_endpoint=device.tunnel_endpoint,
                    payload=request,
                )
                if await asyncio.wait_for(device.opening, TUNNEL_TIMEOUT):
                    return True
            except (zigpy.exceptions.DeliveryError, TimeoutError) as error:
                LOGGER.info("RequestTunnel to %016x: %s", device.ieee, error or "no answer")
            finally:
                device.opening = None
        return False

    def _device(self, ieee: int) -> _Device:
        return self._devices.setdefault(ieee, _Device(ieee))

    # -- HAN: what arrives ------------------------------------------------------------------------------

    def _indication(self, ind: ApsIndication) -> bool:
        """The stack's indication, before zigpy: True when the hub's SE side took it."""
        if ind.profile == 0 and ind.dst_endpoint == 0 and ind.cluster == _MATCH_DESC_REQ:
            answers = self.esi.zdo_request(ind.cluster, ind.payload)
            for answer in answers:
                self._answer(ind.src, answer)
            return bool(answers)
        if ind.broadcast or ind.dst_endpoint not in (ESI_ENDPOINT, MIRROR_ENDPOINT):
            return False
        ieee = ind.src_ieee if ind.src_ieee is not None else self.han.ieee_of(ind.src)
        if ieee is None:
            LOGGER.info("SE frame from unknown NWK 0x%04x ignored", ind.src)
            return True
        self._statistics(ieee, ind)
        if ind.cluster == TUNNELING and ind.dst_endpoint == ESI_ENDPOINT:
            for event in self.tunnels.frame_received(Peer(ieee, ind.src, ind.src_endpoint), ind.payload):
                self._tunnel_event(event)
            return True
        for output in self.esi.frame_received(ieee, ind.dst_endpoint, ind.cluster, ind.src_endpoint, ind.payload):
            if isinstance(output, MirrorUpdate):
                self._mirror_report(output, ind.cluster)
            else:
                self._answer(ind.src, output)
        return True

    def _mirror_report(self, update: MirrorUpdate, cluster: int) -> None:
        """A wake-up's reports arrive cluster by cluster, Metering last (`gsme_node`): the GPF takes them in one
        update when the Metering report comes (one NVM transaction a wake-up, not one a cluster)."""
        waiting = self._reports.setdefault(update.ieee, {})
        waiting.update(update.values)
        if cluster == METERING:
            self.gpf.mirror_update(self._reports.pop(update.ieee), self.now(), self.utc())

    def _answer(self, nwk: int, answer: Answer) -> None:
        async def send() -> None:
            try:
                await self.han.send(
                    nwk,
                    cluster=answer.cluster,
                    src_endpoint=answer.endpoint,
                    dst_endpoint=answer.dst_endpoint,
                    payload=answer.payload,
                    profile=answer.profile,
                )
            except zigpy.exceptions.DeliveryError as error:
                LOGGER.info("answer on cluster 0x%04x to 0x%04x not delivered: %s", answer.cluster, nwk, error)

        self.tasks.spawn(send())

    def _statistics(self, ieee: int, ind: ApsIndication) -> None:
        device = self._device(ieee)
        now = self.now()
        if now - device.statistics_at < STATISTICS_EVERY:
            return
        device.statistics_at = now
        self.chf.link_statistics(_eui(ieee), now, self.utc(), rssi=int(ind.rssi), lqi=ind.lqi)

    def _tunnel_event(self, event: TunnelEvent) -> None:
        ieee = event.peer.ieee
        if isinstance(event, Reply):
            self._answer(event.peer.nwk, Answer(TUNNELING, ESI_ENDPOINT, event.peer.endpoint, event.payload))
        elif isinstance(event, Received):
            self._tunnel_data(ieee, event.data)
        elif isinstance(event, Opened):
            journal.event("HAN: tunnel with %016x open (%s)", ieee, "its client" if event.server else "we are client")
            self._settle(ieee, True)
            if event.server:
                self._client_opened(ieee)
        elif isinstance(event, Refused):
            LOGGER.warning("tunnel to %016x refused, status %d", ieee, event.status)
            self._settle(ieee, False)
        elif isinstance(event, Closed):
            journal.event("HAN: tunnel with %016x closed: %s", ieee, event.reason)
        elif isinstance(event, Ignored):
            LOGGER.info("tunnel frame from %016x ignored: %s", ieee, event.reason)

    def _settle(self, ieee: int, opened: bool) -> None:
        device = self._devices.get(ieee)
        if device is not None and device.opening is not None and not device.opening.done():
            device.opening.set_result(opened)

    def _tunnel_data(self, ieee: int, data: bytes) -> None:
        """Data from a device's tunnel: GET / PUT from the GSME (a PUT's message reassembled), or a whole message."""
        device = self._device(ieee)
        if self.tunnels.serves(ieee) and data[:1] == bytes((tunnel_header.GET,)):
            journal.event("HAN <- %016x: GET", ieee)
            self.execute(self.chf.tunnel_data(_eui(ieee), data, self.now(), self.utc()))
            return
        put = self.tunnels.serves(ieee) and data[:1] == bytes((tunnel_header.PUT,))
        whole = device.reassembly.add(data[1:] if put else data)
        if whole is None:
            return
        journal.traffic(f"HAN <- {ieee:016x}{' PUT' if put else ''}", whole)
        forwarded = tunnel_header.put(whole) if put else whole
        self.execute(self.chf.tunnel_data(_eui(ieee), forwarded, self.now(), self.utc()))

    # -- zigpy's listener events ----------------------------------------------------------------------

    def device_initialized(self, device: zigpy.device.Device) -> None:
        """zigpy interviewed a device: open its tunnel when it serves one, then report it joined."""
        ieee = eui64_int(device.ieee)
        record = self._device(ieee)
        for endpoint_id, endpoint in device.endpoints.items():
            serves = endpoint_id != 0 and TUNNELING in getattr(endpoint, "in_clusters", {})
            if serves and getattr(endpoint, "profile_id", None) in (PROFILE_SMART_ENERGY, None):
                record.tunnel_endpoint = endpoint_id
        self.tasks.spawn(self._joined(device, record))

    async def _joined(self, device: zigpy.device.Device, record: _Device) -> None:
        eui = _eui(record.ieee)
        if record.tunnel_endpoint is not None:
            self.tunnels.forget(record.ieee)
            async with record.lock:
                opened = await self._open_tunnel(record)
            if not opened:
                journal.event("HAN: %s joined, but its tunnel would not open", eui.hex())
                return
        sleepy = device.node_desc is not None and not device.node_desc.is_receiver_on_when_idle
        neighbour = self.han.stack.nwk.neighbour_by_ieee(record.ieee)
        sub_ghz = neighbour is not None and neighbour.iface.band is Band.MHZ_868
        journal.event(
            "HAN: %s joined (NWK 0x%04x%s%s)",
            eui.hex(),
            device.nwk,
            ", sleepy" if sleepy else "",
            ", 868 MHz" if sub_ghz else "",
        )
        self.execute(self.chf.device_joined(eui, self.now(), self.utc(), sleepy=sleepy, sub_ghz=sub_ghz))

    def _client_opened(self, ieee: int) -> None:
        """A device opened its tunnel to us (the GSME): it has joined and speaks GBCS, whether or not zigpy's
        interview of it (a sleepy device) has finished."""
        entry = self.chf.device_log.entry(_eui(ieee))
        if entry is None or entry.joined:
            return
        neighbour = self.han.stack.nwk.neighbour_by_ieee(ieee)
        sleepy = neighbour is not None and not neighbour.rx_on_when_idle
        sub_ghz = neighbour is not None and neighbour.iface.band is Band.MHZ_868
        journal.event("HAN: %s joined (its tunnel is open%s)", _eui(ieee).hex(), ", sleepy" if sleepy else "")
        self.execute(self.chf.device_joined(_eui(ieee), self.now(), self.utc(), sleepy=sleepy, sub_ghz=sub_ghz))

    def device_left(self, device: zigpy.device.Device) -> None:
        ieee = eui64_int(device.ieee)
        self.tunnels.forget(ieee)
        journal.event("HAN: %s left", _eui(ieee).hex())
        self.execute(self.chf.device_left(_eui(ieee), self.now(), self.utc()))

    # -- the duty cycle ------------------------------------------------------------------------------

    async def _read_duty_cycle(self) -> None:
        assert self._duty_cycle is not None
        while not self.closed:
            await asyncio.sleep(DUTY_CYCLE_EVERY)
            self.execute(self.chf.duty_cycle(self._duty_cycle(), self.now(), self.utc()))

    async def _note_clock(self) -> None:
        nvm = self.store.partition("hub")
        while not self.closed:
            nvm.put(CLOCK_NOTE, self.utc())
            await asyncio.sleep(CLOCK_NOTE_EVERY)

    async def close(self) -> None:
        self.store.partition("hub").put(CLOCK_NOTE, self.utc())
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
        self.tasks.cancel()
