"""`VirtualRadio`: a `hal.radio.Radio` whose air is a `Medium`.

Why: firmware, zigpy and tests talk to radios only through `hal.radio.Radio`;
this is the radio of every loopback and fleet run, so it behaves like a chip
with the features its `caps` claim and no others. With full caps it does
what a modern 802.15.4 transceiver does in hardware (radio.md 2.5, 4.6):

* `transmit`: channel access (none / one CCA / unslotted CSMA-CA with the
  standard constants), the sub-GHz duty-cycle check, the frame on air for its
  airtime, then for an ACK-requesting frame a wait of macAckWaitDuration for
  the matching ACK, and up to `max_frame_retries` retries. Outcomes are
  `TxStatus` values.
* receiving: frames that pass the `AddressFilter` (802.15.4 third-level
  filtering) are handed to the receiver; with AUTO_ACK, frames addressed to
  us with the ACK-request bit are acknowledged aTurnaroundTime after their
  end, frame-pending set for sources in `pending_sources`. Promiscuous mode
  delivers everything heard, damaged frames too, and ACKs nothing.

Every duration (CCA period, backoff unit, turnaround, ACK wait) is the
channel page's, from the one timing table `protocols.ieee802154.phy.TIMINGS`,
the same the soft MAC above uses, so the two ends of an ACK agree.
* a subset of caps makes a raw radio: no AUTO_ACK -> no ACKs sent; no
  ACK_TIMEOUT -> `transmit` returns after the airtime and every ACK heard is
  passed up; no TRANSMIT_RETRIES -> one attempt; CSMA mode without
  CSMA_BACKOFF -> RadioError; no DUTY_CYCLE -> airtime is still accounted but
  never refused.

With no address filter (`None`, the state after opening) every intact frame
is delivered and none is ACKed. An `AddressFilter` whose `extended_address`
is None uses the radio's own EUI-64 (`info.extended_address`).
"""

from __future__ import annotations

import asyncio
import math
import random
import zlib

from hal.csma import (
    MAC_MAX_CSMA_BACKOFFS,
    MAC_MAX_FRAME_RETRIES,
    Backoff,
    ChannelAccessFailure,
    Transmit,
    UnslottedCsmaCa,
)
from hal.radio import (
    BROADCAST_ADDRESS,
    BROADCAST_PAN_ID,
    AddressFilter,
    Band,
    Channel,
    RadioCaps,
    RadioError,
    RadioInfo,
    ReceivedFrame,
    Receiver,
    TxMode,
    TxResult,
    TxStatus,
)
from protocols.ieee802154.errors import Ieee802154DecodeError
from protocols.ieee802154.header import AddrMode, FrameType, Header, build_ack, peek
from protocols.ieee802154.phy import PhyTiming, timing

from .medium import Medium, Transmission
from .placement import Node

#: Everything a VirtualRadio can do (the default `caps`).
FULL_CAPS = (
    RadioCaps.ENERGY_SCAN
    | RadioCaps.CSMA_BACKOFF
    | RadioCaps.ACK_TIMEOUT
    | RadioCaps.TRANSMIT_RETRIES
    | RadioCaps.AUTO_ACK
    | RadioCaps.PROMISCUOUS
    | RadioCaps.RX_TIMESTAMP
    | RadioCaps.DUTY_CYCLE
)

#: The channels of each band: every channel `hal.radio.PAGE_CHANNELS` gives the band's pages.
CHANNELS: dict[Band, frozenset[Channel]] = {band: Channel.all_of(band) for band in Band}
DEFAULT_CHANNEL = {Band.GHZ_2_4: Channel(0, 11), Band.MHZ_868: Channel(28, 0)}
#: The shortest and longest PSDU a radio sends, FCS included (radio.md 1.1, 1.2).
MIN_PSDU, MAX_PSDU = 3, 127


def default_extended_address(node: str, band: Band) -> int:
    """A stable EUI-64 for a node's radio: a locally administered prefix and a CRC of the names."""
    return 0x02_00_00_FF_00_00_00_00 | zlib.crc32(f"{node}/{band.value}".encode())


class VirtualRadio:
    """One node's radio on one band of a `Medium` (implements `hal.radio.Radio`).

    Its public state (`node`, `band`, `channel`, `address_filter`, `promiscuous`,
    `closed`, `tuned_at`, `power_dbm`, `awaiting_ack`, `has_ack_timeout`, `timing`) is what the medium
    reads; the medium hands it frames through `deliver`.
    """

    def __init__(
        self,
        medium: Medium,
        node: Node,
        band: Band,
        *,
        caps: RadioCaps | None = None,
        extended_address: int | None = None,
    ) -> None:
        model = medium.models[band]
        self.medium = medium
        self.node = node
        self.band = band
        self.model = model
        self.caps = FULL_CAPS if caps is None else caps
        # the flags tested per frame, as plain booleans (enum.Flag arithmetic is slow on the hot path)
        self.has_ack_timeout = bool(self.caps & RadioCaps.ACK_TIMEOUT)
        self._auto_ack = bool(self.caps & RadioCaps.AUTO_ACK)
        self._retries = bool(self.caps & RadioCaps.TRANSMIT_RETRIES)
        self._duty_cycle = bool(self.caps & RadioCaps.DUTY_CYCLE)
        eui = default_extended_address(node.name, band) if extended_address is None else extended_address
        self.info = RadioInfo(
            name=f"{node.name}/{band.value}",
            channels=CHANNELS[band],
            min_power_dbm=model.min_tx_dbm,
            max_power_dbm=model.max_tx_dbm,
            extended_address=eui,
        )
        self.power_dbm = model.default_tx_dbm
        self.address_filter: AddressFilter | None = None
        self.promiscuous = False
        self.closed = False
        self.tuned_at = -math.inf
        self.awaiting_ack = False
        self._channel = DEFAULT_CHANNEL[band]
        #: the PHY/MAC timing of the page we are tuned to (follows `set_channel`)
        self.timing: PhyTiming = timing(self._channel.page)
        self._receiver: Receiver | None = None
        self._lock = asyncio.Lock()
        self._on_air: Transmission | None = None
        self._ack_seq = -1
        self._ack: asyncio.Future[bool] | None = None
        self._ack_pending = False
        self._rng = random.Random(f"{medium.seed}/csma/{node.name}/{band.value}")

    def __repr__(self) -> str:
        return f"<VirtualRadio {self.info.name} on {self._channel}>"

    # ------------------------------------------------------------- configuration
    @property
    def channel(self) -> Channel:
        return self._channel

    @property
    def effective_extended_address(self) -> int:
        """The EUI-64 the address filter matches: the filter's, else the radio's own."""
        own = self.address_filter
        if own is not None and own.extended_address is not None:
            return own.extended_address
        return self.info.extended_address

    def _check_open(self) -> None:
        if self.closed:
            raise RadioError(f"radio {self.info.name} is closed")

    async def set_channel(self, channel: Channel) -> None:
        """Tune to `channel` (instant). A frame on the air is aborted; frames already arriving are missed."""
        self._check_open()
        if channel not in self.info.channels:
            raise RadioError(f"radio {self.info.name} cannot tune to channel {channel}")
        if channel == self._channel:
            return
        self.abort()
        self._channel = channel
        self.timing = timing(channel.page)
        self.tuned_at = asyncio.get_running_loop().time()
        self.medium.attach(self)

    async def set_power(self, dbm: float) -> float:
        self._check_open()
        if isinstance(dbm, bool) or not isinstance(dbm, (int, float)) or math.isnan(dbm):
            raise RadioError(f"radio {self.info.name}: transmit power must be a number of dBm, not {dbm!r}")
        self.power_dbm = min(self.info.max_power_dbm, max(self.info.min_power_dbm, float(dbm)))
        return self.power_dbm

    def set_receiver(self, receiver: Receiver | None) -> None:
        self._receiver = receiver

    def set_address_filter(self, address_filter: AddressFilter | None) -> None:
        self._check_open()
        self.address_filter = address_filter
        self.medium.attach(self)

    def set_promiscuous(self, enabled: bool) -> None:
        self._check_open()
        if enabled and not self.caps & RadioCaps.PROMISCUOUS:
            raise RadioError(f"radio {self.info.name} has no PROMISCUOUS capability")
        self.promiscuous = bool(enabled)
        self.medium.attach(self)

    async def close(self) -> None:
        if self.closed:
            return
        self.abort()
        self.closed = True
        self.medium.detach(self)
        if self._ack is not None and not self._ack.done():
            self._ack.set_result(False)

    # ------------------------------------------------------------- channel sensing
    async def cca(self) -> bool:
        """Energy-detect CCA over the page's CCA period: True when the channel is clear."""
        self._check_open()
        return await self._clear()

    async def _clear(self) -> bool:
        peak = await self.medium.energy(self, self.timing.cca_time)
        return peak < self.model.cca_threshold_dbm

    async def energy_detect(self, duration: float) -> float:
        """Peak energy (dBm, noise floor included) on the current channel over `duration` seconds."""
        self._check_open()
        if not self.caps & RadioCaps.ENERGY_SCAN:
            raise RadioError(f"radio {self.info.name} has no ENERGY_SCAN capability")
        if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not 0 < duration < math.inf:
            raise RadioError(f"energy detect duration must be a positive finite number, not {duration!r}")
        return await self.medium.energy(self, duration)

    # ------------------------------------------------------------- transmitting
    async def transmit(
        self,
        psdu: bytes,
        *,
        mode: TxMode = TxMode.CCA,
        max_csma_backoffs: int = MAC_MAX_CSMA_BACKOFFS,
        max_frame_retries: int = MAC_MAX_FRAME_RETRIES,
    ) -> TxResult:
        self._check_open()
        frame = bytes(psdu)  # never keep the caller's buffer
        if not MIN_PSDU <= len(frame) <= MAX_PSDU:
            raise RadioError(f"PSDU of {len(frame)} octets: 802.15.4 frames are 3..127 octets incl. FCS")
        if mode is TxMode.CSMA and not self.caps & RadioCaps.CSMA_BACKOFF:
            raise RadioError(f"radio {self.info.name} has no CSMA_BACKOFF capability; use CCA or DIRECT")
        async with self._lock:
            result = await self._transmit(frame, mode, max_csma_backoffs, max_frame_retries)
        self.medium.check()  # a receiver that raised on the air fails here, not silently
        return result

    async def _transmit(self, frame: bytes, mode: TxMode, max_backoffs: int, max_retries: int) -> TxResult:
        loop = asyncio.get_running_loop()
        air_us = self.timing.airtime_us(len(frame))
        airtime = air_us / 1_000_000
        header = _peek(frame)
        wants_ack = (
            header is not None
            and header.ack_request
            and not header.is_broadcast
            and header.seq is not None
            and self.has_ack_timeout
        )
        tries = 1 + (max(0, max_retries) if wants_ack and self._retries else 0)
        first_start: float | None = None

        def result(status: TxStatus, attempts: int, **extra: bool) -> TxResult:
            started = loop.time() if first_start is None else first_start
            return TxResult(status, started, airtime if attempts else 0.0, attempts=attempts, **extra)

        for attempt in range(1, tries + 1):
            if self.closed or not self.node.powered:
                return result(TxStatus.ABORTED, attempt - 1)
            if mode is not TxMode.DIRECT and not await self._gain_channel(mode, max_backoffs):
                return result(TxStatus.CHANNEL_BUSY, attempt - 1)
            if self.closed or not self.node.powered:
                return result(TxStatus.ABORTED, attempt - 1)
            if self._refused_by_duty_cycle(loop.time(), air_us):
                return result(TxStatus.DUTY_CYCLE, attempt - 1)
            if first_start is None:
                first_start = loop.time()
            if not await self._send(frame, header, airtime, air_us):
                return result(TxStatus.ABORTED, attempt)
            if not wants_ack:
                return result(TxStatus.SENT, attempt)
            assert header is not None
            acked, pending = await self._await_ack(header.seq)
            if acked:
                return result(TxStatus.SENT, attempt, frame_pending=pending)
        return result(TxStatus.ABORTED if self.closed or not self.node.powered else TxStatus.NO_ACK, tries)

    async def _gain_channel(self, mode: TxMode, max_backoffs: int) -> bool:
        if mode is TxMode.CCA:
            return await self._clear()
        csma = UnslottedCsmaCa(self._rng, max_backoffs=max_backoffs)
        action: Backoff | Transmit | ChannelAccessFailure = csma.start()
        while isinstance(action, Backoff):
            if action.periods:
                await asyncio.sleep(action.periods * self.timing.unit_backoff)
            action = csma.cca_done(await self._clear())
        return isinstance(action, Transmit)

    def _refused_by_duty_cycle(self, now: float, air_us: int) -> bool:
        if self.band is not Band.MHZ_868 or not self._duty_cycle:
            return False
        meter = self.medium.duty_cycle(self.node.name, self._channel.page)
        return meter.enforce and meter.would_exceed(now, air_us)

    async def _send(self, frame: bytes, header: Header | None, airtime: float, air_us: int) -> bool:
        """One transmission: charge the duty cycle, occupy the air, wait for the end. False if aborted."""
        if self.band is Band.MHZ_868:
            self.medium.duty_cycle(self.node.name, self._channel.page).charge(asyncio.get_running_loop().time(), air_us)
        tx = self.medium.transmit(self, frame, header, airtime)
        self._on_air = tx
        try:
            assert tx.done is not None
            return await tx.done
        finally:
            self._on_air = None

    async def _await_ack(self, seq: int | None) -> tuple[bool, bool]:
        """Wait macAckWaitDuration (from the frame's end) for the ACK of `seq`: (acked, frame pending)."""
        loop = asyncio.get_running_loop()
        self._ack_seq = -1 if seq is None else seq
        ack: asyncio.Future[bool] = loop.create_future()
        self._ack = ack
        self.awaiting_ack = True
        self.medium.listen_for_acks(self, True)
        timer = loop.call_at(loop.time() + self.timing.ack_wait, _settle, ack, False)
        try:
            acked = await ack
        finally:
            timer.cancel()
            self.awaiting_ack = False
            self._ack = None
            self.medium.listen_for_acks(self, False)
        return acked, self._ack_pending

    def abort(self) -> None:
        """Cut the frame we are sending short (we changed channel, closed, or lost power); nothing if none."""
        if self._on_air is not None:
            self.medium.abort(self._on_air)

    # ------------------------------------------------------------- receiving (called by the medium)
    def deliver(self, frame: ReceivedFrame, header: Header | None) -> None:
        """A frame the medium judged we received: filter it, pass it up, and ACK it if it asks (with AUTO_ACK).

        Raises whatever our receiver raises (the medium keeps it for `check`),
        after the ACK the frame is owed has been scheduled.
        """
        if self.promiscuous or header is None:
            if self.promiscuous or self.address_filter is None:
                self._pass_up(frame)
            return
        if header.frame_type is FrameType.ACK:
            if self._ack is not None and header.seq == self._ack_seq:
                self._ack_pending = header.frame_pending
                _settle(self._ack, True)
            elif not self.has_ack_timeout:
                self._pass_up(frame)
            return
        address_filter = self.address_filter
        if address_filter is not None and not self._accepts(header, address_filter):
            return
        failure: Exception | None = None
        try:
            self._pass_up(frame)
        except Exception as exc:  # noqa: BLE001 - re-raised below, once the owed ACK is scheduled
            failure = exc
        if (
            address_filter is not None
            and header.ack_request
            and not header.is_broadcast
            and header.seq is not None
            and self._auto_ack
        ):
            pending = header.src_addr is not None and header.src_addr in address_filter.pending_sources
            loop = asyncio.get_running_loop()
            loop.call_at(frame.timestamp + self.timing.turnaround, self._send_ack, header.seq, pending)
        if failure is not None:
            raise failure

    def _accepts(self, header: Header, ours: AddressFilter) -> bool:
        """802.15.4 third-level filtering against our PAN and addresses."""
        if header.frame_type is FrameType.BEACON:
            return ours.pan_id in (None, BROADCAST_PAN_ID) or header.src_pan == ours.pan_id
        dst_pan = header.dst_pan
        if dst_pan is not None and dst_pan != BROADCAST_PAN_ID and ours.pan_id is not None and dst_pan != ours.pan_id:
            return False
        if header.dst_mode is AddrMode.SHORT:
            return header.dst_addr == BROADCAST_ADDRESS or header.dst_addr == ours.short_address
        if header.dst_mode is AddrMode.EXTENDED:
            return header.dst_addr == self.effective_extended_address
        return ours.pan_coordinator and (ours.pan_id is None or header.src_pan == ours.pan_id)

    def _pass_up(self, frame: ReceivedFrame) -> None:
        if self._receiver is not None:
            self._receiver(frame)

    def _send_ack(self, seq: int, pending: bool) -> None:
        """The hardware ACK, aTurnaroundTime after the frame: no CCA, still charged to the duty cycle."""
        if self.closed or not self.node.powered or self._on_air is not None:
            return
        ack = build_ack(seq, frame_pending=pending)
        air_us = self.timing.airtime_us(len(ack))
        now = asyncio.get_running_loop().time()
        if self._refused_by_duty_cycle(now, air_us):
            return
        if self.band is Band.MHZ_868:
            self.medium.duty_cycle(self.node.name, self._channel.page).charge(now, air_us)
        self.medium.transmit(self, ack, peek(ack), air_us / 1_000_000)


def _settle(future: asyncio.Future[bool] | None, value: bool) -> None:
    if future is not None and not future.done():
        future.set_result(value)


def _peek(frame: bytes) -> Header | None:
    """The frame's MAC header, or None when it has none we can read (the medium still carries it)."""
    try:
        return peek(frame)
    except Ieee802154DecodeError:
        return None
