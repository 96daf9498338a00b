"""The APS layer: end-to-end acknowledgement, retries, duplicate rejection, fragmentation.

Why (radio.md 5.3): the MAC ACK only covers one hop, so application messages
that must arrive ask for an APS ACK from the final destination and are
retried apscMaxFrameRetries (3) times, each after apsAckWaitDuration; a
message that never gets its ACK is reported APS_NO_ACK, never silently lost.
Receivers acknowledge every copy but deliver a given (source, APS counter,
block) only once while it is among that source's latest `DUPLICATE_DEPTH`
keys (`fragments.DuplicateFilter`), so the 8-bit counter may wrap freely.
Frames that cannot be used are counted in `ApsCounters`, never dropped unseen.

Fragmentation: a payload larger than one frame holds is cut into blocks
(`fragments.split`) sent one at a time (window size 1), each acknowledged
with its block number; the receiver reassembles them (`fragments.Reassembler`)
and delivers the whole message. This carries GBCS messages of well over
1,600 octets through the Tunneling cluster.

APS commands (Transport Key and friends) go up through `on_command` with
their still-secured bytes: only the trust-centre logic knows which key opens
them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from protocols.zigbee import (
    ApsFrame,
    ApsFrameType,
    DeliveryMode,
    ExtendedHeader,
    Fragmentation,
    NwkFrameType,
    ZigbeeDecodeError,
    ack_for,
    build_aps,
    parse_aps,
)

from .fragments import DuplicateFilter, FragmentError, Reassembler, split
from .nwk import FIRST_RESERVED_ADDRESS, NwkIndication, NwkLayer
from .status import DeliveryFailed, Status
from .tasks import TaskSet

LOGGER = logging.getLogger(__name__)

#: apscMaxFrameRetries (radio.md 5.3).
MAX_FRAME_RETRIES = 3
#: apsAckWaitDuration for a two-hop network with security, in seconds.
ACK_WAIT = 1.6
#: APS payload octets per fragment: 127 - MAC (11) - NWK (8 + 8 src IEEE) - NWK aux (14) - MIC (4)
#: - APS header with extended header (8 + 2), rounded down for margin (SE stacks use 64-82).
FRAGMENT_SIZE = 64
#: How many of a source's latest delivered (counter, block) keys are remembered: a sender has one
#: message in flight per destination (a few at most across concurrent tasks), so a retry is always
#: of a recent key, while far fewer than the 256 counter values means a wrapped counter is new again.
DUPLICATE_DEPTH = 32
#: Random pause before retrying after a failed hop, in seconds.
RETRY_BACKOFF = (0.01, 0.25)
#: Outcomes an immediate APS retry cannot change.
_FINAL = frozenset(
    {
        Status.DUTY_CYCLE,
        Status.NO_ROUTE,
        Status.NOT_JOINED,
        Status.COUNTER_EXHAUSTED,
        Status.TRANSACTION_OVERFLOW,
        Status.TRANSACTION_EXPIRED,
    }
)
#: Payloads up to this size go unfragmented.
MAX_UNFRAGMENTED = 70


@dataclass(frozen=True, slots=True)
class ApsIndication:
    """An application message delivered by APS (whole, after reassembly)."""

    src: int
    src_ieee: int | None
    dst: int
    src_endpoint: int
    dst_endpoint: int
    cluster: int
    profile: int
    payload: bytes
    lqi: int
    rssi: float
    broadcast: bool


@dataclass(frozen=True, slots=True)
class ApsCommandIndication:
    """An APS command frame (maybe APS-secured) for the trust-centre / join logic."""

    src: int
    src_ieee: int | None
    frame: ApsFrame
    raw: bytes
    nwk_secured: bool


@dataclass(slots=True)
class ApsCounters:
    """Message accounting: every message sent ends delivered or failed (never neither)."""

    sent: int = 0
    delivered: int = 0
    failed: int = 0
    retries: int = 0
    duplicates: int = 0
    received: int = 0
    reassembly_failures: int = 0
    malformed: int = 0  #: NWK payloads that are no APS frame: dropped, counted
    unsecured_dropped: int = 0  #: application data that arrived without NWK security
    unsupported: int = 0  #: inter-PAN frames
    failures_by_status: dict[str, int] = field(default_factory=dict)


class ApsLayer:
    """APS data and command service over a `NwkLayer`."""

    def __init__(
        self,
        *,
        nwk: NwkLayer,
        ack_wait: float = ACK_WAIT,
        max_retries: int = MAX_FRAME_RETRIES,
        rng: random.Random | None = None,
    ) -> None:
        self.nwk = nwk
        self._rng = rng or random.Random(nwk.ieee)
        self.ack_wait = ack_wait
        self.max_retries = max_retries
        self.counters = ApsCounters()
        self.on_indication: Callable[[ApsIndication], None] | None = None
        self.on_command: Callable[[ApsCommandIndication], None] | None = None
        self._counter = nwk.next_seq()
        self._acks: dict[tuple[int, int, int], asyncio.Future[None]] = {}
        self._duplicates = DuplicateFilter(depth=DUPLICATE_DEPTH)
        self._reassembly = Reassembler()
        self._tasks = TaskSet()
        nwk.on_indication = self._nwk_indication

    def next_counter(self) -> int:
        self._counter = (self._counter + 1) & 0xFF
        return self._counter

    # --- sending -------------------------------------------------------------------------------

    async def send_data(
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
        """Deliver one message; raises `DeliveryFailed` with the status when it could not be."""
        self.counters.sent += 1
        status = await self._send_data(dst, cluster, profile, src_endpoint, dst_endpoint, payload, ack)
        if status is Status.SUCCESS:
            self.counters.delivered += 1
            return
        self.counters.failed += 1
        self.counters.failures_by_status[status.value] = self.counters.failures_by_status.get(status.value, 0) + 1
        raise DeliveryFailed(status, f"APS message to 0x{dst:04x} cluster 0x{cluster:04x}")

    async def _send_data(
        self, dst: int, cluster: int, profile: int, src_ep: int, dst_ep: int, payload: bytes, ack: bool
    ) -> Status:
        broadcast = dst >= FIRST_RESERVED_ADDRESS
        counter = self.next_counter()
        mode = DeliveryMode.BROADCAST if broadcast else DeliveryMode.UNICAST

        def frame(block: bytes, ext: ExtendedHeader | None) -> ApsFrame:
            return ApsFrame(
                ApsFrameType.DATA,
                counter,
                delivery_mode=mode,
                dst_endpoint=dst_ep,
                cluster=cluster,
                profile=profile,
                src_endpoint=src_ep,
                ack_request=ack and not broadcast,
                extended=ext,
                payload=block,
            )

        if len(payload) <= MAX_UNFRAGMENTED or broadcast:
            return await self._send_reliably(dst, frame(payload, None), counter, 0, ack and not broadcast)
        try:
            blocks = split(payload, FRAGMENT_SIZE)
        except FragmentError:
            return Status.ASDU_TOO_LONG
        for number, block in enumerate(blocks):
            kind = Fragmentation.FIRST if number == 0 else Fragmentation.SUBSEQUENT
            ext = ExtendedHeader(kind, len(blocks) if number == 0 else number)
            status = await self._send_reliably(dst, frame(block, ext), counter, number, True)
            if status is not Status.SUCCESS:
                return status
        return Status.SUCCESS

    async def _send_reliably(self, dst: int, frame: ApsFrame, counter: int, block: int, ack: bool) -> Status:
        data = build_aps(frame)
        if not ack:
            return await self.nwk.send(dst, data)
        loop = asyncio.get_running_loop()
        key = (dst, counter, block)
        status = Status.APS_NO_ACK
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.counters.retries += 1
            waiter: asyncio.Future[None] = loop.create_future()
            self._acks[key] = waiter
            try:
                sent = await self.nwk.send(dst, data)
                if sent in _FINAL:
                    return sent  # retrying at once cannot help: report it now
                if sent is not Status.SUCCESS:
                    status = sent
                    # the hop failed (often a collision with the peer's own retries): back off a
                    # random while so two nodes retrying at each other fall out of step
                    await asyncio.sleep(self._rng.uniform(*RETRY_BACKOFF))
                    continue
                try:
                    await asyncio.wait_for(waiter, self.ack_wait)
                    return Status.SUCCESS
                except TimeoutError:
                    status = Status.APS_NO_ACK
            finally:
                self._acks.pop(key, None)
        return status

    async def send_command(
        self, dst: int, secured_frame: bytes, *, nwk_secure: bool = True, dst_ieee: int | None = None
    ) -> Status:
        """Send an already built (and APS-secured) command frame; NWK-unsecured for a joiner's key."""
        return await self.nwk.send(dst, secured_frame, secure=nwk_secure, dst_ieee=dst_ieee)

    # --- receiving -----------------------------------------------------------------------------

    def _nwk_indication(self, ind: NwkIndication) -> None:
        if ind.frame_type is not NwkFrameType.DATA:
            return
        try:
            frame = parse_aps(ind.payload)
        except ZigbeeDecodeError as error:
            self.counters.malformed += 1
            LOGGER.debug("APS frame from 0x%04x dropped: %s", ind.src, error)
            return
        if frame.frame_type is ApsFrameType.ACK:
            block = frame.extended.block_number if frame.extended and frame.extended.block_number is not None else 0
            if frame.extended is not None and frame.extended.fragmentation is Fragmentation.FIRST:
                block = 0
            waiter = self._acks.get((ind.src, frame.counter, block))
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
            return
        if frame.frame_type is ApsFrameType.COMMAND:
            if frame.ack_request and not frame.secured:
                self._tasks.spawn(self.nwk.send(ind.src, build_aps(ack_for(frame))))
            if self.on_command is not None:
                self.on_command(ApsCommandIndication(ind.src, ind.src_ieee, frame, ind.payload, ind.secured))
            return
        if frame.frame_type is not ApsFrameType.DATA:
            self.counters.unsupported += 1  # inter-PAN: not used in a Smart Energy HAN
            return
        if not ind.secured:
            self.counters.unsecured_dropped += 1  # application data must be at least NWK-secured
            return
        self._data_received(frame, ind)

    def _data_received(self, frame: ApsFrame, ind: NwkIndication) -> None:
        ext = frame.extended
        fragmented = ext is not None and ext.fragmentation is not Fragmentation.NONE
        block = 0
        if fragmented and ext is not None and ext.fragmentation is Fragmentation.SUBSEQUENT:
            block = ext.block_number or 0
        if frame.ack_request and frame.delivery_mode is DeliveryMode.UNICAST:
            # window size 1: each block is acknowledged alone, as the first (and only) of its window
            window = {"block_number": block, "ack_bitfield": 0x01} if fragmented else {}
            self._tasks.spawn(self.nwk.send(ind.src, build_aps(ack_for(frame, **window))))
        now = asyncio.get_running_loop().time()
        if self._duplicates.seen(ind.src, (frame.counter, block)):
            self.counters.duplicates += 1
            return
        payload: bytes | None = frame.payload
        if fragmented and ext is not None:
            key = (ind.src, frame.counter)
            for gone in self._reassembly.expire(now):
                self.counters.reassembly_failures += 1
                LOGGER.info("APS reassembly of %r timed out", gone)
            try:
                if ext.fragmentation is Fragmentation.FIRST:
                    payload = self._reassembly.first_received(key, ext.block_number or 0, frame.payload, now)
                else:
                    payload = self._reassembly.block_received(key, block, frame.payload, now)
            except FragmentError as error:
                self.counters.reassembly_failures += 1
                LOGGER.info("APS fragment from 0x%04x refused: %s", ind.src, error)
                return
        if payload is None:
            return
        self.counters.received += 1
        if self.on_indication is not None:
            assert frame.cluster is not None and frame.profile is not None
            self.on_indication(
                ApsIndication(
                    src=ind.src,
                    src_ieee=ind.src_ieee,
                    dst=ind.dst,
                    src_endpoint=frame.src_endpoint or 0,
                    dst_endpoint=frame.dst_endpoint or 0,
                    cluster=frame.cluster,
                    profile=frame.profile,
                    payload=payload,
                    lqi=ind.lqi,
                    rssi=ind.rssi,
                    broadcast=frame.delivery_mode is DeliveryMode.BROADCAST,
                )
            )

    async def close(self) -> None:
        self._tasks.cancel()
        for waiter in self._acks.values():
            if not waiter.done():
                waiter.cancel()
