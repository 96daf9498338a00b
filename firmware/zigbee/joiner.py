"""The joiner's side of joining and rejoining, with the retries real devices make (radio.md 2.6).

Why a module of its own: this is what a router or end device does for itself
to get into a network, driven by the transition table of `join.py`. One
attempt is:

1. active scan on each of its radios' channels (both bands on a dual band
   device); pick a beacon that permits association (highest LQI first, PAN
   coordinators before routers) and associate;
2. wait for the trust centre's Transport Key and open it with the link key
   from its install code - a wrong install code fails the MIC here;
3. announce itself (ZDO Device_annce) NWK-secured.

A refused association or a key that never comes sends it on to the next
candidate parent. Why retries: a single scan misses a network more often
than not on a lossy channel (the Beacon Request and each Beacon are
broadcasts, sent once, never acknowledged), so, as Silicon Labs' network
steering and ZBOSS do, a device that found no parent scans again after a
randomised exponential backoff, up to `JOIN_ATTEMPTS` times, and only then
reports the failure (`JoinError`, with every distinct reason and the number
of attempts). A Transport Key that does not verify is not retried: the
device's install code is not the one the trust centre was given, and no
retry can change that (a `JoinError` with `retry_may_help` False).

Rejoin after power loss: a device that kept its network state
(`NetworkSnapshot`, in NVM) sends a NWK-secured Rejoin Request to its old
parent and keeps its address; it retries the same way (`REJOIN_ATTEMPTS`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from hal.radio import Band, Channel
from protocols.zigbee import (
    BeaconPayload,
    NwkFrameType,
    ZigbeeDecodeError,
    ZigbeeSecurityError,
    parse_beacon_payload,
    unsecure_aps,
)
from protocols.zigbee.aps_commands import KeyType, TransportKey, parse_aps_command
from protocols.zigbee.nwk_commands import RejoinRequest, RejoinResponse, build_nwk_command

from .aps import ApsCommandIndication
from .join import JoinInput, JoinProgress, JoinState
from .mac import MacInterface
from .mac_types import ASSOC_SUCCESS, BROADCAST, NO_SHORT, BeaconNotice
from .nwk import NetworkParams, NwkLayer
from .polling import Poller
from .status import DeliveryFailed, StackCounters, Status

LOGGER = logging.getLogger(__name__)

#: Join attempts (each a fresh scan of every channel on every radio) before the failure is reported.
JOIN_ATTEMPTS = 8
#: Rejoin attempts before the failure is reported.
REJOIN_ATTEMPTS = 4
#: Backoff before the second attempt, and its cap, in seconds; it doubles per attempt, each draw 50-100 % of it.
RETRY_BACKOFF = 1.0
RETRY_BACKOFF_MAX = 16.0
#: Attempts at the Device_annce that ends a join.
ANNOUNCE_ATTEMPTS = 3
#: The ZigBee PRO default channel mask zigpy also uses (radio.md 6.4).
DEFAULT_CHANNELS_2_4 = (11, 15, 20, 25)


class JoinError(Exception):
    """A device could not join (no network heard, refused, or the network key never arrived/verified).

    `attempts` is how many attempts were made; `retry_may_help` is False when
    the cause cannot pass (the network key did not verify with our link key).
    """

    def __init__(self, message: str, *, attempts: int = 1, retry_may_help: bool = True) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.retry_may_help = retry_may_help


@dataclass(frozen=True, slots=True)
class NetworkSnapshot:
    """What a device keeps in NVM to rejoin after a power cut."""

    params: NetworkParams
    nwk: int
    parent: int
    band_index: int
    channel: Channel


def default_channels(iface: MacInterface) -> list[Channel]:
    """The channels to scan on `iface`: ZigBee's default mask on 2.4 GHz, every channel on sub-GHz."""
    available = sorted(iface.radio.info.channels)
    if iface.band is Band.GHZ_2_4:
        preferred = [c for c in available if c.page == 0 and c.number in DEFAULT_CHANNELS_2_4]
        return preferred or available
    return [c for c in available if c.band is iface.band]


class Joiner:
    """Joins and rejoins the network for one node (its MAC interfaces, NWK layer and poller)."""

    def __init__(
        self,
        *,
        macs: list[MacInterface],
        nwk: NwkLayer,
        poller: Poller | None,
        counters: StackCounters,
        capability: int,
        announce: Callable[[], Awaitable[None]],
        joined: Callable[[], None],
        rng: random.Random,
    ) -> None:
        self.macs = macs
        self.nwk = nwk
        self.poller = poller
        self.counters = counters
        self.capability = capability
        #: our own preconfigured trust-centre link key (from our install code)
        self.link_key: bytes | None = None
        #: the latest join or rejoin attempt (join.py's transition table)
        self.progress = JoinProgress()
        self._announce = announce
        self._joined = joined
        self._rng = rng
        self._transport_key: asyncio.Future[TransportKey] | None = None
        self._rejoin_wait: asyncio.Future[RejoinResponse] | None = None

    def _backoff(self, attempt: int) -> float:
        """The randomised wait before attempt number `attempt` (2, 3, ...)."""
        ceiling = min(RETRY_BACKOFF_MAX, RETRY_BACKOFF * 2 ** (attempt - 2))
        return ceiling * self._rng.uniform(0.5, 1.0)

    # --- joining -------------------------------------------------------------------------------

    async def join(
        self,
        *,
        link_key: bytes,
        channels: Sequence[Iterable[Channel]] | None = None,
        extended_pan_id: int | None = None,
        key_timeout: float = 10.0,
        band: Band | None = None,
        attempts: int = JOIN_ATTEMPTS,
    ) -> None:
        """Find a network on our radios (only those on `band`, if given), associate, get the key, announce.

        Follows `join.TRANSITIONS` (`progress` shows where it is); retries with backoff; raises JoinError
        with every distinct reason when no attempt succeeds."""
        self.link_key = link_key
        progress = self.progress = JoinProgress()
        ifaces = [(i, m) for i, m in enumerate(self.macs) if band is None or m.band is band]
        if not ifaces:
            raise JoinError(f"no radio on {band.value if band else 'any band'} to join with", attempts=0)
        reasons: list[str] = []
        for attempt in range(1, max(1, attempts) + 1):
            if attempt > 1:
                progress.happened(JoinInput.RETRY_SCHEDULED)
                await asyncio.sleep(self._backoff(attempt))
            try:
                if await self._attempt(progress, ifaces, channels, extended_pan_id, key_timeout, reasons):
                    return
            except JoinError as error:
                if error.retry_may_help:
                    raise  # terminal for another reason: joined, but the announcement never left
                progress.happened(JoinInput.NO_PARENT_LEFT)
                raise JoinError(_summary(reasons), attempts=attempt, retry_may_help=False) from error
            LOGGER.debug("join attempt %d of %016x failed: %s", attempt, self.nwk.ieee, reasons[-1:])
        progress.happened(JoinInput.NO_PARENT_LEFT)
        raise JoinError(_summary(reasons), attempts=max(1, attempts))

    async def _attempt(
        self,
        progress: JoinProgress,
        ifaces: list[tuple[int, MacInterface]],
        channels: Sequence[Iterable[Channel]] | None,
        extended_pan_id: int | None,
        key_timeout: float,
        reasons: list[str],
    ) -> bool:
        """One scan of every radio and every candidate parent: True when joined (JoinError if terminal)."""
        for index, iface in ifaces:
            progress.happened(JoinInput.SCAN_STARTED)
            scan = list(channels[index]) if channels is not None else default_channels(iface)
            beacons = [b for b in await iface.active_scan(scan) if b.association_permit]
            for notice in sorted(beacons, key=_preference):
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
                    return True
                except JoinError as error:
                    reasons.append(str(error))
                    if not error.retry_may_help:
                        raise
                    if progress.state is JoinState.ERROR:  # terminal: joined but could not announce
                        raise JoinError(_summary(reasons)) from error
            if not beacons:
                reasons.append(f"no joinable network heard on {iface.band.value}")
        return False

    async def _join_via(
        self,
        progress: JoinProgress,
        iface: MacInterface,
        notice: BeaconNotice,
        beacon: BeaconPayload,
        key_timeout: float,
    ) -> None:
        progress.happened(JoinInput.PARENT_CHOSEN)
        status, nwk = await iface.associate(notice, self.capability)
        if status != ASSOC_SUCCESS:
            progress.happened(JoinInput.ASSOCIATION_REFUSED)
            raise JoinError(f"association refused by {notice.source} (status {status})")
        progress.happened(JoinInput.ASSOCIATED)
        iface.set_addresses(pan_id=notice.pan_id, short_address=nwk)
        params = NetworkParams(notice.pan_id, beacon.extended_pan_id, bytes(16), update_id=beacon.update_id)
        self.nwk.start(params, nwk, parent=notice.source.value, parent_iface=iface)
        self._transport_key = asyncio.get_running_loop().create_future()
        self._start_polling()
        try:
            key = await asyncio.wait_for(self._transport_key, key_timeout)
        except TimeoutError:
            progress.happened(JoinInput.KEY_FAILED)
            self.leave_locally(iface)
            raise JoinError(f"no network key from the trust centre within {key_timeout} s") from None
        except JoinError:
            progress.happened(JoinInput.KEY_FAILED)
            self.leave_locally(iface)
            raise
        finally:
            self._transport_key = None
        progress.happened(JoinInput.KEY_RECEIVED)
        self.nwk.set_network_key(key.key, key.key_seq or 0)
        self._joined()
        await self._announce_joined(progress)

    def _start_polling(self) -> None:
        if self.poller is not None:
            self.poller.start(fast=True)

    def leave_locally(self, iface: MacInterface) -> None:
        """Drop the network on our side: stop polling, forget the parameters, clear our addresses."""
        if self.poller is not None:
            self.poller.stop()
        self.nwk.stop()
        iface.set_addresses(pan_id=BROADCAST, short_address=NO_SHORT)

    async def _announce_joined(self, progress: JoinProgress) -> None:
        """The last step of a join: Device_annce, tried a few times; JoinError if it never leaves."""
        failure: DeliveryFailed | None = None
        for _ in range(ANNOUNCE_ATTEMPTS):
            try:
                await self._announce()
            except DeliveryFailed as error:
                failure = error
                continue
            progress.happened(JoinInput.ANNOUNCED)
            return
        progress.happened(JoinInput.ANNOUNCE_FAILED)
        raise JoinError(f"joined, but the Device_annce was not delivered: {failure}")

    def transport_key_received(self, ind: ApsCommandIndication) -> None:
        """An APS-secured command arrived: our Transport Key, if we wait for one (else counted unexpected)."""
        waiter = self._transport_key
        if waiter is None or waiter.done() or self.link_key is None:
            self.counters.unexpected += 1
            return
        try:
            opened = unsecure_aps(ind.raw, key=self.link_key, src_ieee=ind.src_ieee)
        except ZigbeeSecurityError as error:
            self.counters.security_failures += 1
            waiter.set_exception(
                JoinError(
                    f"transport key did not verify with our link key ({error.reason}): wrong install code?",
                    retry_may_help=False,
                )
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

    # --- rejoining -----------------------------------------------------------------------------

    async def rejoin(self, snapshot: NetworkSnapshot, *, timeout: float = 5.0, attempts: int = REJOIN_ATTEMPTS) -> None:
        """Rejoin the network of `snapshot` with a NWK-secured Rejoin Request, keeping our address.

        Retries with backoff; raises JoinError when no attempt is answered with success."""
        progress = self.progress = JoinProgress()
        reasons: list[str] = []
        for attempt in range(1, max(1, attempts) + 1):
            if attempt > 1:
                progress.happened(JoinInput.RETRY_SCHEDULED)
                await asyncio.sleep(self._backoff(attempt))
            progress.happened(JoinInput.REJOIN_STARTED)
            try:
                response = await self._rejoin_once(snapshot, timeout)
            except JoinError as error:
                reasons.append(str(error))
                continue
            progress.happened(JoinInput.REJOIN_ACCEPTED)
            if response.short_address != snapshot.nwk:
                self.macs[snapshot.band_index].set_addresses(
                    pan_id=snapshot.params.pan_id, short_address=response.short_address
                )
                self.nwk.set_address(response.short_address)
            await self._announce_joined(progress)
            return
        progress.happened(JoinInput.REJOIN_FAILED)
        raise JoinError(_summary(reasons), attempts=max(1, attempts))

    async def _rejoin_once(self, snapshot: NetworkSnapshot, timeout: float) -> RejoinResponse:
        iface = self.macs[snapshot.band_index]
        await iface.set_channel(snapshot.channel)
        iface.set_addresses(pan_id=snapshot.params.pan_id, short_address=snapshot.nwk)
        self.nwk.start(snapshot.params, snapshot.nwk, parent=snapshot.parent, parent_iface=iface)
        self._rejoin_wait = asyncio.get_running_loop().create_future()
        self._start_polling()
        try:
            request = build_nwk_command(RejoinRequest(capability=self.capability))
            status = await self.nwk.send(snapshot.parent, request, frame_type=NwkFrameType.COMMAND)
            if status is not Status.SUCCESS:
                raise JoinError(f"rejoin request not delivered: {status.value}")
            try:
                response = await asyncio.wait_for(self._rejoin_wait, timeout)
            except TimeoutError:
                raise JoinError("no rejoin response") from None
            if response.status != ASSOC_SUCCESS:
                raise JoinError(f"rejoin refused (status {response.status})")
        except JoinError:
            self.leave_locally(iface)
            raise
        finally:
            self._rejoin_wait = None
        return response

    def rejoin_response(self, response: RejoinResponse) -> None:
        """Our parent answered a Rejoin Request."""
        if self._rejoin_wait is not None and not self._rejoin_wait.done():
            self._rejoin_wait.set_result(response)


def _preference(notice: BeaconNotice) -> tuple[int, bool]:
    """How a joiner ranks parents: the best link first, a PAN coordinator before a router."""
    return -notice.lqi, not notice.pan_coordinator


def _summary(reasons: list[str]) -> str:
    """Every distinct reason, in the order first seen."""
    return "; ".join(dict.fromkeys(reasons)) or "no joinable network heard"
