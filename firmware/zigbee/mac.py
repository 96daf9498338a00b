"""The MAC sublayer on one `hal.radio.Radio`: data, ACKs, indirect transmission, scans, association.

Why this shape (radio.md 2, style.md "Soft MAC"): the radio may do CSMA-CA,
ACK waits and auto-ACK in hardware, or not; this class reads `radio.caps`
and does in software whatever the radio cannot (the `soft_transmit.SoftTransmit`
machine, and ACKs aTurnaroundTime after a frame), so the NWK layer above sees
one behaviour on any radio. Every duration is the channel page's, from the one
timing table (`protocols.ieee802154.phy.TIMINGS`). Frames are built and parsed
by `protocols.ieee802154`; nothing here touches bytes.

What it offers the NWK layer:
- `send(dst, payload)`: a data frame, direct (ACKed unless broadcast);
- `send_indirect(dst, payload)`: held for a sleepy child until it polls
  (`indirect.IndirectQueue`), reported TRANSACTION_EXPIRED if it never does;
- `poll(parent)`: a Data Request; returns whether the parent had data;
- `active_scan`, `energy_scan`, `associate` (joiner), `respond_association`
  (parent), and beacons sent on Beacon Request while `beacon_payload` is set.

Every outcome is a `status.Status` value; nothing is dropped without one.
Received frames go up through the `on_data` / `on_association_request`
callbacks (plain functions, called on the event loop).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import replace

import protocols.ieee802154 as mac
from hal.csma import MAC_MAX_CSMA_BACKOFFS, MAC_MAX_FRAME_RETRIES
from hal.radio import AddressFilter, Channel, Radio, RadioCaps, ReceivedFrame, TxMode, TxStatus
from protocols.ieee802154.beacon import SuperframeSpec
from protocols.ieee802154.commands import (
    AssociationRequest,
    AssociationResponse,
    BeaconRequest,
    Capability,
    Command,
    DataRequest,
)
from protocols.ieee802154.mac import BeaconFrame, CommandFrame, DataFrame, Frame
from protocols.ieee802154.mac import build as build_frame
from protocols.ieee802154.mac import parse as parse_frame
from protocols.ieee802154.phy import PhyTiming
from protocols.ieee802154.phy import timing as phy_timing

from . import soft_transmit
from .dual_band import DutyCycleBudget
from .indirect import IndirectQueue
from .mac_types import (
    ASSOC_ACCESS_DENIED,
    BROADCAST,
    NO_SHORT,
    Address,
    BeaconNotice,
    DataIndication,
    MacCounters,
)
from .status import Status, from_tx
from .tasks import TaskSet

LOGGER = logging.getLogger(__name__)

#: The scan duration exponent ZigBee uses for active scans (radio.md 2.5: 138.24 ms a channel at 2.4 GHz).
SCAN_DURATION = 3
#: How long a parent holds indirect data for a sleepy child before reporting it expired
#: (macTransactionPersistenceTime): longer than the 7.5 s GSME poll period, so one missed poll loses nothing.
TRANSACTION_PERSISTENCE = 16.0
#: How long a child stays awake for the frame its parent flagged as pending (macMaxFrameTotalWaitTime).
FRAME_WAIT = 0.05


class MacInterface:
    """IEEE 802.15.4 MAC on one radio (one band)."""

    def __init__(
        self,
        radio: Radio,
        *,
        extended_address: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.radio = radio
        self.extended_address = radio.info.extended_address if extended_address is None else extended_address
        self.band = radio.channel.band
        self._rng = rng or random.Random(self.extended_address)
        self._dsn = self._rng.randrange(256)
        self._bsn = self._rng.randrange(256)
        self.pan_id = BROADCAST
        self.short_address = NO_SHORT
        self.pan_coordinator = False
        self.association_permit = False
        self.beacon_payload: bytes | None = None
        self.on_data: Callable[[MacInterface, DataIndication], None] | None = None
        self.on_association_request: Callable[[MacInterface, int, int], None] | None = None
        #: our own sub-GHz airtime account, for radios that do not enforce the duty cycle themselves
        self.duty_cycle: DutyCycleBudget | None = None
        self.counters = MacCounters()
        self._last_dsn: dict[Address, int] = {}
        self._indirect: IndirectQueue[tuple[Frame, asyncio.Future[Status]]] = IndirectQueue(
            persistence=TRANSACTION_PERSISTENCE
        )
        self._expiry: asyncio.TimerHandle | None = None
        self._tx_lock = asyncio.Lock()
        self._soft: soft_transmit.SoftTransmit | None = None
        self._soft_wake: asyncio.Future[list[soft_transmit.Action]] | None = None
        self._scan: list[BeaconNotice] | None = None
        self._assoc_wait: asyncio.Future[tuple[int, int]] | None = None
        self._frame_wait: asyncio.Future[None] | None = None
        self._tasks = TaskSet()
        self._ack_due_until = 0.0
        radio.set_receiver(self._received)
        self._apply_filter()

    # --- configuration -------------------------------------------------------------------------

    @property
    def channel(self) -> Channel:
        return self.radio.channel

    @property
    def timing(self) -> PhyTiming:
        """The PHY/MAC timing of the channel page the radio is on."""
        return phy_timing(self.radio.channel.page)

    async def set_channel(self, channel: Channel) -> None:
        """Tune the radio; our duty-cycle budget, if any, takes the new page's regulated limit."""
        await self.radio.set_channel(channel)
        if self.duty_cycle is not None:
            self.duty_cycle.page = channel.page

    def set_addresses(self, *, pan_id: int, short_address: int, pan_coordinator: bool = False) -> None:
        """Adopt a PAN and short address (after forming, or after associating)."""
        self.pan_id, self.short_address, self.pan_coordinator = pan_id, short_address, pan_coordinator
        self._apply_filter()

    def _apply_filter(self) -> None:
        pending = frozenset(a.value for a in self._indirect.destinations() if isinstance(a, Address))
        self.radio.set_address_filter(
            AddressFilter(
                pan_id=self.pan_id,
                short_address=self.short_address,
                extended_address=self.extended_address,
                pan_coordinator=self.pan_coordinator,
                pending_sources=pending,
            )
        )

    def _next_dsn(self) -> int:
        self._dsn = (self._dsn + 1) & 0xFF
        return self._dsn

    def _own_source(self) -> tuple[mac.AddrMode, int]:
        if self.short_address < NO_SHORT:
            return mac.AddrMode.SHORT, self.short_address
        return mac.AddrMode.EXTENDED, self.extended_address

    # --- sending -------------------------------------------------------------------------------

    def _data_frame(self, dst: Address, payload: bytes) -> Frame:
        src_mode, src = self._own_source()
        broadcast = not dst.extended and dst.value == BROADCAST
        header = mac.Header(
            frame_type=mac.FrameType.DATA,
            seq=self._next_dsn(),
            dst_mode=_mode(dst),
            dst_pan=self.pan_id,
            dst_addr=dst.value,
            src_mode=src_mode,
            src_addr=src,
            pan_id_compression=True,
            ack_request=not broadcast,
        )
        return DataFrame(header=header, payload=payload)

    async def send(self, dst: Address, payload: bytes) -> Status:
        """Send a data frame now (CSMA-CA; ACK wait and retries unless broadcast)."""
        return await self._transmit(self._data_frame(dst, payload))

    async def send_indirect(self, dst: Address, payload: bytes) -> Status:
        """Hold a data frame until `dst` polls for it; the status once sent, or TRANSACTION_EXPIRED."""
        return await self._hold(dst, self._data_frame(dst, payload))

    def has_pending(self, dst: Address) -> bool:
        return self._indirect.has_pending(dst)

    async def _hold(self, dst: Address, frame: Frame) -> Status:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Status] = loop.create_future()
        if not self._indirect.push(dst, (frame, done), loop.time()):
            return Status.TRANSACTION_OVERFLOW
        self._apply_filter()
        self._arm_expiry()
        return await done

    def _arm_expiry(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        deadline = self._indirect.deadline()
        if deadline is not None:
            self._expiry = asyncio.get_running_loop().call_at(deadline, self._expire)

    def _expire(self) -> None:
        self._expiry = None
        for pending in self._indirect.expire(asyncio.get_running_loop().time()):
            _, done = pending.item
            if not done.done():
                done.set_result(Status.TRANSACTION_EXPIRED)
        self._apply_filter()
        self._arm_expiry()

    async def _transmit(self, frame: Frame) -> Status:
        status, _ = await self._transmit_pending(frame)
        return status

    async def _transmit_pending(self, frame: Frame) -> tuple[Status, bool]:
        """Send `frame`; (outcome, frame-pending bit of the ACK)."""
        psdu = build_frame(frame)
        header = frame.header
        async with self._tx_lock:
            loop = asyncio.get_running_loop()
            if loop.time() < self._ack_due_until:  # our radio owes an ACK: never transmit over it
                await asyncio.sleep(self._ack_due_until - loop.time())
            budget = self.duty_cycle
            airtime = mac.airtime(len(psdu), self.radio.channel.page)
            if budget is not None:
                # decide on the worst case (every retry made), since every transmission is charged:
                # the hour's limit is never overshot by retries of a frame let through on its first
                transmissions = MAC_MAX_FRAME_RETRIES + 1 if header.ack_request else 1
                when = budget.decide(airtime * transmissions, loop.time())
                if when is None:
                    self.counters.sent += 1
                    self.counters.failures += 1
                    return Status.DUTY_CYCLE, False
                if when > loop.time():
                    await asyncio.sleep(when - loop.time())  # deferred until the hour has room
            status, pending, attempts = await self._transmit_psdu(psdu, header.seq or 0, header.ack_request)
            if budget is not None and attempts:
                budget.charge(airtime * attempts, loop.time())
        self.counters.sent += 1
        if status is not Status.SUCCESS:
            self.counters.failures += 1
        return status, pending

    async def _transmit_psdu(self, psdu: bytes, dsn: int, ack_request: bool) -> tuple[Status, bool, int]:
        """(outcome, ACK frame-pending bit, transmissions made)."""
        caps = self.radio.caps
        hardware = RadioCaps.CSMA_BACKOFF in caps and (RadioCaps.ACK_TIMEOUT in caps or not ack_request)
        if hardware:
            attempts = 1 if RadioCaps.TRANSMIT_RETRIES in caps else MAC_MAX_FRAME_RETRIES + 1
            result = None
            made = 0
            for _ in range(attempts):
                result = await self.radio.transmit(
                    psdu,
                    mode=TxMode.CSMA,
                    max_csma_backoffs=MAC_MAX_CSMA_BACKOFFS,
                    max_frame_retries=MAC_MAX_FRAME_RETRIES,
                )
                made += result.attempts
                if result.status is not TxStatus.NO_ACK:
                    break
            assert result is not None
            return from_tx(result.status), result.frame_pending, made
        return await self._soft_transmit(psdu, dsn, ack_request)

    async def _soft_transmit(self, psdu: bytes, dsn: int, ack_request: bool) -> tuple[Status, bool, int]:
        """Run `soft_transmit.SoftTransmit` on a radio without CSMA/ACK-wait: the adapter of that machine."""
        loop = asyncio.get_running_loop()
        machine = soft_transmit.SoftTransmit(dsn=dsn, ack_request=ack_request, timing=self.timing, rng=self._rng)
        self._soft = machine
        try:
            actions = machine.start(loop.time())
            while True:
                if not actions:
                    deadline = machine.deadline()
                    assert deadline is not None
                    self._soft_wake = loop.create_future()
                    try:
                        actions = await asyncio.wait_for(self._soft_wake, max(0.0, deadline - loop.time()))
                    except TimeoutError:
                        actions = machine.timer_fired(max(loop.time(), deadline))
                    finally:
                        self._soft_wake = None
                    continue
                action = actions[0]
                if isinstance(action, soft_transmit.Finished):
                    sent = action.attempts if action.status is not TxStatus.CHANNEL_BUSY else action.attempts - 1
                    return from_tx(action.status), action.frame_pending, sent
                if isinstance(action, soft_transmit.DoCca):
                    clear = await self.radio.cca()
                    actions = machine.cca_done(clear, loop.time())
                else:
                    result = await self.radio.transmit(psdu, mode=TxMode.DIRECT)
                    actions = machine.transmitted(result.status, loop.time())
        finally:
            self._soft = None

    # --- receiving -----------------------------------------------------------------------------

    def _for_us(self, header: mac.Header) -> bool:
        if header.dst_mode == mac.AddrMode.NONE:
            return self.pan_coordinator and header.src_pan in (self.pan_id, None)
        if header.dst_pan not in (self.pan_id, BROADCAST):
            return False
        if header.dst_mode == mac.AddrMode.EXTENDED:
            return header.dst_addr == self.extended_address
        return header.dst_addr in (self.short_address, BROADCAST)

    def _received(self, rx: ReceivedFrame) -> None:
        if not rx.fcs_ok:
            return
        try:
            frame = parse_frame(rx.psdu)
        except mac.Ieee802154DecodeError:
            self.counters.malformed += 1
            return
        header = frame.header
        if header.frame_type == mac.FrameType.ACK:
            if self._soft is not None and self._soft_wake is not None and not self._soft_wake.done():
                actions = self._soft.ack_received(header.seq or 0, header.frame_pending, rx.timestamp)
                if actions:
                    self._soft_wake.set_result(actions)
            return
        if isinstance(frame, BeaconFrame):
            self._beacon_heard(frame, rx)
            return
        if not self._for_us(header):
            return
        src = None
        if header.src_addr is not None:
            src = Address(header.src_addr, header.src_mode == mac.AddrMode.EXTENDED)
        if header.ack_request and not header.is_broadcast:
            timing = self.timing  # our ACK occupies the radio from the turnaround to the end of its airtime
            self._ack_due_until = rx.timestamp + timing.turnaround + timing.ack_airtime
            if self.duty_cycle is not None:  # our ACK is airtime too, though nothing may refuse it
                self.duty_cycle.charge(timing.ack_airtime, rx.timestamp)
            if RadioCaps.AUTO_ACK not in self.radio.caps:
                self._tasks.spawn(self._send_ack(header.seq or 0, src is not None and self._indirect.has_pending(src)))
        if src is not None and header.seq is not None:
            if self._last_dsn.get(src) == header.seq:
                self.counters.duplicates += 1
                return
            self._last_dsn[src] = header.seq
        self.counters.received += 1
        if self._frame_wait is not None and not self._frame_wait.done():
            self._frame_wait.set_result(None)
        if isinstance(frame, DataFrame):
            if src is not None and self.on_data is not None:
                dst = Address(header.dst_addr or 0, header.dst_mode == mac.AddrMode.EXTENDED)
                self.on_data(self, DataIndication(src, dst, frame.payload, rx.lqi, rx.rssi))
        elif isinstance(frame, CommandFrame):
            self._command_received(frame, src)

    async def _send_ack(self, dsn: int, pending: bool) -> None:
        """The soft ACK: aTurnaroundTime after the frame's end, no channel check (radio.md 2.3, 2.5)."""
        await asyncio.sleep(self.timing.turnaround)
        await self.radio.transmit(mac.build_ack(dsn, frame_pending=pending), mode=TxMode.DIRECT)
        self.counters.acks_sent += 1

    def _command_received(self, frame: CommandFrame, src: Address | None) -> None:
        command = frame.command
        if isinstance(command, DataRequest) and src is not None:
            self._tasks.spawn(self._serve_poll(src))
        elif isinstance(command, BeaconRequest):
            if self.beacon_payload is not None:
                self._tasks.spawn(self._send_beacon())
        elif (
            isinstance(command, AssociationRequest)
            and src is not None
            and src.extended
            and self.on_association_request is not None
        ):
            self.on_association_request(self, src.value, command.capability)
        elif isinstance(command, AssociationResponse) and self._assoc_wait is not None and not self._assoc_wait.done():
            self._assoc_wait.set_result((command.status, command.short_address))

    async def _serve_poll(self, child: Address) -> None:
        """A child polled: send it the oldest frame held for it, if any."""
        held = self._indirect.pop(child, asyncio.get_running_loop().time())
        self._apply_filter()
        if held is None:
            return
        frame, done = held
        # numbered as it leaves the queue; frame-pending tells the child more is waiting
        header = frame.header._replace(seq=self._next_dsn(), frame_pending=self._indirect.has_pending(child))
        frame = replace(frame, header=header)
        status = await self._transmit(frame)
        if not done.done():
            done.set_result(status)

    # --- beacons and scans ---------------------------------------------------------------------

    async def _send_beacon(self) -> None:
        await asyncio.sleep(self._rng.uniform(0.0, 0.01))  # jitter so beacons of neighbours rarely collide
        if self.beacon_payload is None:
            return
        self._bsn = (self._bsn + 1) & 0xFF
        header = mac.Header(
            frame_type=mac.FrameType.BEACON,
            seq=self._bsn,
            src_mode=mac.AddrMode.SHORT,
            src_pan=self.pan_id,
            src_addr=self.short_address,
        )
        superframe = SuperframeSpec(
            beacon_order=15,
            superframe_order=15,
            final_cap_slot=15,
            pan_coordinator=self.pan_coordinator,
            association_permit=self.association_permit,
        )
        await self._transmit(BeaconFrame(header=header, superframe=superframe, payload=self.beacon_payload))

    def _beacon_heard(self, frame: BeaconFrame, rx: ReceivedFrame) -> None:
        if self._scan is None:
            return
        header = frame.header
        self._scan.append(
            BeaconNotice(
                channel=rx.channel,
                pan_id=header.src_pan or 0,
                source=Address(header.src_addr or 0, header.src_mode == mac.AddrMode.EXTENDED),
                association_permit=frame.superframe.association_permit,
                pan_coordinator=frame.superframe.pan_coordinator,
                payload=frame.payload,
                lqi=rx.lqi,
            )
        )

    async def _send_command(
        self,
        dst_pan: int,
        dst: Address | None,
        command: Command,
        *,
        src_pan: int | None = None,
        src: Address | None = None,
        ack: bool = True,
    ) -> tuple[Status, bool]:
        if src is None:
            mode, value = self._own_source()
            src = Address(value, mode == mac.AddrMode.EXTENDED)
        compress = dst is not None and src_pan is None
        header = mac.Header(
            frame_type=mac.FrameType.COMMAND,
            seq=self._next_dsn(),
            dst_mode=_mode(dst),
            dst_pan=dst_pan,
            dst_addr=None if dst is None else dst.value,
            src_mode=_mode(src),
            src_pan=src_pan,
            src_addr=src.value,
            pan_id_compression=compress,
            ack_request=ack,
        )
        return await self._transmit_pending(CommandFrame(header=header, command=command))

    async def active_scan(self, channels: Iterable[Channel]) -> list[BeaconNotice]:
        """Send a Beacon Request on each channel and collect the beacons heard (radio.md 2.6 step 1)."""
        found: list[BeaconNotice] = []
        for channel in channels:
            await self.set_channel(channel)
            self._scan = []
            header = mac.Header(
                frame_type=mac.FrameType.COMMAND,
                seq=self._next_dsn(),
                dst_mode=mac.AddrMode.SHORT,
                dst_pan=BROADCAST,
                dst_addr=BROADCAST,
            )
            await self._transmit(CommandFrame(header=header, command=BeaconRequest()))
            await asyncio.sleep(self.timing.scan_duration(SCAN_DURATION))
            found.extend(self._scan)
            self._scan = None
        return found

    async def energy_scan(self, channels: Iterable[Channel], duration: float) -> dict[Channel, float]:
        """Peak energy per channel, in dBm (needs RadioCaps.ENERGY_SCAN)."""
        energy: dict[Channel, float] = {}
        for channel in channels:
            await self.set_channel(channel)
            energy[channel] = await self.radio.energy_detect(duration)
        return energy

    async def associate(self, notice: BeaconNotice, capability: int) -> tuple[int, int]:
        """Ask the beacon's sender to admit us; (association status, short address) (radio.md 2.6 3-4).

        A parent that never answers gives (ASSOC_ACCESS_DENIED, NO_SHORT) after a few polls.
        """
        loop = asyncio.get_running_loop()
        await self.set_channel(notice.channel)
        self.set_addresses(pan_id=notice.pan_id, short_address=NO_SHORT)
        self._assoc_wait = loop.create_future()
        try:
            own = Address(self.extended_address, True)
            status, _ = await self._send_command(
                notice.pan_id,
                notice.source,
                AssociationRequest(capability=Capability(capability)),
                src_pan=BROADCAST,
                src=own,
            )
            if status is not Status.SUCCESS:
                return ASSOC_ACCESS_DENIED, NO_SHORT
            for _ in range(4):
                await asyncio.sleep(self.timing.response_wait)
                if self._assoc_wait.done():
                    break
                await self._send_command(notice.pan_id, notice.source, DataRequest(), src=own)
                try:
                    return await asyncio.wait_for(asyncio.shield(self._assoc_wait), FRAME_WAIT)
                except TimeoutError:
                    continue
            if self._assoc_wait.done():
                return self._assoc_wait.result()
            return ASSOC_ACCESS_DENIED, NO_SHORT
        finally:
            self._assoc_wait = None

    async def respond_association(self, child: int, short_address: int, status: int) -> Status:
        """Answer an Association Request (indirectly: the joiner polls for it)."""
        header = mac.Header(
            frame_type=mac.FrameType.COMMAND,
            seq=0,  # numbered when it leaves the queue
            dst_mode=mac.AddrMode.EXTENDED,
            dst_pan=self.pan_id,
            dst_addr=child,
            src_mode=mac.AddrMode.EXTENDED,
            src_addr=self.extended_address,
            pan_id_compression=True,
            ack_request=True,
        )
        frame = CommandFrame(header=header, command=AssociationResponse(short_address=short_address, status=status))
        return await self._hold(Address(child, True), frame)

    async def poll(self, parent: Address) -> bool:
        """Send a Data Request to `parent`; True when it had a frame for us and that frame arrived."""
        loop = asyncio.get_running_loop()
        self._frame_wait = loop.create_future()
        try:
            status, pending = await self._send_command(self.pan_id, parent, DataRequest())
            if status is not Status.SUCCESS or not (pending or self._frame_wait.done()):
                return False
            try:
                await asyncio.wait_for(asyncio.shield(self._frame_wait), FRAME_WAIT)
            except TimeoutError:
                return False
            return True
        finally:
            self._frame_wait = None

    async def close(self) -> None:
        """Stop receiving; pending indirect frames are reported ABORTED."""
        self.radio.set_receiver(None)
        if self._expiry is not None:
            self._expiry.cancel()
        for destination in list(self._indirect.destinations()):
            while (held := self._indirect.pop(destination, float("-inf"))) is not None:
                _, done = held
                if not done.done():
                    done.set_result(Status.ABORTED)
        self._tasks.cancel()


def _mode(address: Address | None) -> mac.AddrMode:
    """The MAC addressing mode of `address` (none, short or extended)."""
    if address is None:
        return mac.AddrMode.NONE
    return mac.AddrMode.EXTENDED if address.extended else mac.AddrMode.SHORT
