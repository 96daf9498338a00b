"""`SpinelRadio`: a `hal.radio.Radio` on an OpenThread radio co-processor over a serial link (spinel.md 4-6).

Why: an nRF52840 / EFR32 / CC2652 dongle flashed with OpenThread's `ot-rcp`
is the cheapest raw 802.15.4 radio on a bench, and it does in firmware what
a host cannot do over USB in time: CSMA-CA, ACK waits, retries and
auto-ACK with frame-pending by source match (radio.md 6.5). So our own
ZigBee stack - hub or emulated meter - runs on real air through this class.

How the Radio calls map to Spinel:

* `set_channel` - SET PHY_CHAN (page 0), or our vendor PHY_PAGE_CHANNEL
  (page, channel) on an RCP that advertises the vendor page cap, so an
  868 MHz RCP is driven the same way (spinel.md 6).
* `set_power` - SET PHY_TX_POWER, the value read back is the answer.
* `cca` - GET PHY_RSSI compared with the RCP's PHY_CCA_THRESHOLD (energy
  CCA, mode 1): Spinel has no CCA command.
* `energy_detect` - an energy scan of the current channel (MAC_SCAN_MASK,
  _PERIOD in whole ms, _STATE = 2, then MAC_ENERGY_SCAN_RESULT).
* `transmit` - SET STREAM_RAW and wait for tx-done: OK -> SENT with the
  ACK's frame-pending bit, NO_ACK, CCA_FAILURE -> CHANNEL_BUSY, our vendor
  duty-cycle status -> DUTY_CYCLE, OpenThread's ABORT -> ABORTED. Spinel
  does not say how many attempts were made: NO_ACK means 1 + the retries
  asked for (the RCP gives up only then), SENT reports 1. Nor when the frame
  started: `timestamp` is the tx-done's arrival minus the frame's (and the
  ACK's) airtime.
* `set_address_filter` - PANID, SADDR (0xFFFE: none), LADDR, the
  source-match tables (short sources <= 0xFFFF, the rest extended) with
  MAC_SRC_MATCH_ENABLED on, and our vendor PAN-coordinator flag. No filter
  (`None`) means "every intact frame, no ACKs", which is the RCP's
  promiscuous mode minus damaged frames (we drop those unless promiscuous
  was asked for).

`set_address_filter` and `set_promiscuous` are synchronous in the Radio
interface; the Spinel writes run in a background task, and every async call
waits for them first, so the order of calls is the order on the wire.

Received frames carry the RCP's microsecond timestamp of the SFD; they are
turned into our clock's "end of reception" with the offset measured from
RCP_TIMESTAMP at bring-up (or, for RCPs without it, from the earliest
arrival seen).

When the link drops (dongle unplugged), calls raise `TransientRadioError`;
when it comes back, the radio resets the RCP and restores channel, power,
filter and promiscuous mode before answering again. An unexpected reset
status from the RCP triggers the same restore.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from hal.radio import (
    AddressFilter,
    Channel,
    RadioCaps,
    RadioError,
    RadioInfo,
    ReceivedFrame,
    Receiver,
    TransientRadioError,
    TxMode,
    TxResult,
    TxStatus,
    channel_exists,
)
from protocols.ieee802154.phy import airtime, timing
from protocols.serial import spinel
from protocols.serial.errors import SerialDecodeError
from protocols.serial.spinel import Command, PromiscuousMode, Prop, RxFlag, ScanState, SpinelFrame, Status

from .link import LinkSettings
from .spinel_host import REPLY_TIMEOUT, SpinelHost, SpinelStatusError
from .spinel_probe import RcpProfile, probe

LOGGER = logging.getLogger(__name__)
#: otError ABORT carried in a Spinel status (16384 + 11).
_STATUS_ABORT = spinel.constants.STATUS_OT_ERROR_BASE + 11
_SHORT_NONE = 0xFFFE
_PAN_BROADCAST = 0xFFFF
_TX_STATUS = {
    Status.NO_ACK: TxStatus.NO_ACK,
    Status.CCA_FAILURE: TxStatus.CHANNEL_BUSY,
    Status.VENDOR_DUTY_CYCLE: TxStatus.DUTY_CYCLE,
    _STATUS_ABORT: TxStatus.ABORTED,
}


@dataclass(frozen=True, slots=True)
class _FilterState:
    """Everything the address filter and promiscuous flag put into the RCP."""

    pan_id: int
    short_address: int
    extended_address: int
    short_sources: frozenset[int]
    extended_sources: frozenset[int]
    promiscuous: PromiscuousMode
    pan_coordinator: bool


def _shr_seconds(page: int) -> float:
    try:
        phy = timing(page)
    except ValueError:
        return 0.0
    return phy.shr_octets * phy.octet_us / 1e6


def _airtime(length: int, page: int) -> float:
    try:
        return airtime(length, page)
    except ValueError:
        return 0.0


class SpinelRadio:
    """A raw 802.15.4 radio on an OpenThread RCP (see the module docstring). Make one with `open`."""

    caps: RadioCaps
    info: RadioInfo

    def __init__(
        self, settings: LinkSettings, *, reset: bool = True, power_range: tuple[float, float] | None = None
    ) -> None:
        self._host = SpinelHost(settings, on_unsolicited=self._unsolicited, on_link=self._link_changed)
        self._reset = reset
        self._power_range = power_range
        self._profile: RcpProfile | None = None
        self._ready = asyncio.Event()
        self._closed = False
        self._channel = Channel(0, 11)
        self._power: float | None = None
        self._filter: AddressFilter | None = None
        self._promiscuous = False
        self._applied: _FilterState | None = None
        self._config_task: asyncio.Task[None] | None = None
        self._config_error: RadioError | None = None
        self._restore_task: asyncio.Task[None] | None = None
        self._receiver: Receiver | None = None
        self._clock_offset: float | None = None
        self._scan_lock = asyncio.Lock()
        self._scan_result: asyncio.Future[int] | None = None
        self.dropped_frames = 0  #: received frames not passed up (rx error, damaged, no receiver errors)
        self.restores = 0  #: times the RCP was brought back after a reconnect or an unexpected reset

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        baudrate: int = 460800,
        rtscts: bool = False,
        reset: bool = True,
        power_range: tuple[float, float] | None = None,
        reconnect: bool = True,
        attempts: int = 1,
    ) -> SpinelRadio:
        """Open the RCP at `url` (a path or pyserial URL), reset and probe it; RadioError if impossible."""
        radio = cls(LinkSettings(url, baudrate, rtscts, reconnect=reconnect), reset=reset, power_range=power_range)
        try:
            await radio._host.open(attempts=attempts)
        except OSError as exc:
            raise RadioError(str(exc)) from exc
        try:
            await radio._bring_up(reset=reset)
        except BaseException:
            await radio._host.close()
            raise
        return radio

    def __repr__(self) -> str:
        return f"<SpinelRadio {self._host.url} on {self._channel}>"

    # ------------------------------------------------------------ bring-up and restore
    async def _bring_up(self, *, reset: bool) -> None:
        if reset:
            await self._host.reset()
        profile = await probe(self._host, power_range=self._power_range)
        if self._profile is not None and profile.hwaddr != self._profile.hwaddr:
            LOGGER.warning(
                "%s: a different RCP came back (EUI-64 %016x, was %016x)", self, profile.hwaddr, self._profile.hwaddr
            )
        first = self._profile is None
        self._profile = profile
        self.caps, self.info = profile.caps, profile.info
        self._clock_offset = profile.clock_offset
        await self._host.set(Prop.PHY_ENABLED, spinel.pack("b", True))
        await self._host.set(Prop.MAC_RAW_STREAM_ENABLED, spinel.pack("b", True))
        await self._host.set(Prop.MAC_SRC_MATCH_ENABLED, spinel.pack("b", True))
        if first:
            self._channel = profile.channel
        else:
            await self._tune(self._channel)
            if self._power is not None:
                await self._host.set(Prop.PHY_TX_POWER, spinel.pack("c", round(self._power)))
        self._applied = None
        await self._apply_filter()
        self._ready.set()

    def _link_changed(self, up: bool) -> None:
        if not up:
            self._ready.clear()
            return
        if not self._closed and self._profile is not None:
            self._start_restore(reset=self._reset)

    def _start_restore(self, *, reset: bool) -> None:
        self._ready.clear()
        if self._restore_task is None or self._restore_task.done():
            self._restore_task = asyncio.get_running_loop().create_task(self._restore(reset))

    async def _restore(self, reset: bool) -> None:
        try:
            await self._bring_up(reset=reset)
        except RadioError as exc:
            LOGGER.warning("%s: could not restore the RCP: %s", self, exc)
            return
        self.restores += 1
        LOGGER.info("%s: RCP restored", self)

    async def wait_ready(self, timeout: float | None = None) -> None:
        """Wait until the RCP is up and configured (after open, a reconnect or an RCP reset)."""
        async with asyncio.timeout(timeout):
            await self._ready.wait()

    async def _usable(self) -> None:
        """Raise unless the radio can take a call now; wait for a restore already under way."""
        if self._closed:
            raise RadioError(f"radio {self.info.name} is closed")
        if not self._ready.is_set():
            if not self._host.link.connected:
                raise TransientRadioError(f"radio {self.info.name}: the RCP is unplugged; reconnecting")
            try:
                await self.wait_ready(REPLY_TIMEOUT)
            except TimeoutError:
                raise TransientRadioError(f"radio {self.info.name}: the RCP is being restored") from None
        task = self._config_task
        if task is not None and not task.done():
            await asyncio.shield(task)
        if self._config_error is not None:
            error, self._config_error = self._config_error, None
            raise error

    # ------------------------------------------------------------ configuration
    @property
    def channel(self) -> Channel:
        return self._channel

    @property
    def host(self) -> SpinelHost:
        """The Spinel session underneath: its `stats`, and raw property access for vendor extensions."""
        return self._host

    @property
    def profile(self) -> RcpProfile:
        assert self._profile is not None
        return self._profile

    async def set_channel(self, channel: Channel) -> None:
        """Tune to `channel`; RadioError if the RCP does not list it."""
        if channel not in self.info.channels:
            raise RadioError(f"radio {self.info.name} cannot tune to channel {channel}")
        await self._usable()
        if channel != self._channel:
            await self._tune(channel)
            self._channel = channel

    async def _tune(self, channel: Channel) -> None:
        if self.profile.vendor_pages:
            await self._host.set(Prop.VENDOR_PHY_PAGE_CHANNEL, spinel.pack("CC", channel.page, channel.number))
        else:
            await self._host.set(Prop.PHY_CHAN, spinel.pack("C", channel.number))

    async def set_power(self, dbm: float) -> float:
        """Set TX power (clamped to the range, whole dBm); returns what the RCP reads back."""
        await self._usable()
        clamped = min(self.info.max_power_dbm, max(self.info.min_power_dbm, float(dbm)))
        value = await self._host.set(Prop.PHY_TX_POWER, spinel.pack("c", round(clamped)))
        (applied,) = self._decode("c", value, "PHY_TX_POWER")
        self._power = float(applied)
        return self._power

    def set_receiver(self, receiver: Receiver | None) -> None:
        self._receiver = receiver

    def set_address_filter(self, address_filter: AddressFilter | None) -> None:
        if self._closed:
            raise RadioError(f"radio {self.info.name} is closed")
        self._filter = address_filter
        self._schedule_config()

    def set_promiscuous(self, enabled: bool) -> None:
        if self._closed:
            raise RadioError(f"radio {self.info.name} is closed")
        self._promiscuous = bool(enabled)
        self._schedule_config()

    def _schedule_config(self) -> None:
        if self._config_task is None or self._config_task.done():
            self._config_task = asyncio.get_running_loop().create_task(self._config_loop())

    async def _config_loop(self) -> None:
        while self._ready.is_set() and self._applied != self._wanted():
            try:
                await self._apply_filter()
            except RadioError as exc:
                LOGGER.warning("%s: address filter not applied: %s", self, exc)
                self._config_error = exc
                return

    def _wanted(self) -> _FilterState:
        f = self._filter
        hwaddr = self.info.extended_address
        if f is None:
            return _FilterState(
                _PAN_BROADCAST, _SHORT_NONE, hwaddr, frozenset(), frozenset(), PromiscuousMode.FULL, False
            )
        sources = f.pending_sources
        return _FilterState(
            pan_id=_PAN_BROADCAST if f.pan_id is None else f.pan_id,
            short_address=_SHORT_NONE if f.short_address is None else f.short_address,
            extended_address=hwaddr if f.extended_address is None else f.extended_address,
            short_sources=frozenset(a for a in sources if a <= 0xFFFF),
            extended_sources=frozenset(a for a in sources if a > 0xFFFF),
            promiscuous=PromiscuousMode.FULL if self._promiscuous else PromiscuousMode.OFF,
            pan_coordinator=f.pan_coordinator,
        )

    async def _apply_filter(self) -> None:
        """Write the differences between what the RCP has and what we want (everything after a reset)."""
        want, have = self._wanted(), self._applied
        host = self._host
        if have is None or have.promiscuous != want.promiscuous:
            await host.set(Prop.MAC_PROMISCUOUS_MODE, spinel.pack("C", want.promiscuous))
        if have is None or have.pan_id != want.pan_id:
            await host.set(Prop.MAC_15_4_PANID, spinel.pack("S", want.pan_id))
        if have is None or have.short_address != want.short_address:
            await host.set(Prop.MAC_15_4_SADDR, spinel.pack("S", want.short_address))
        if have is None or have.extended_address != want.extended_address:
            await host.set(Prop.MAC_15_4_LADDR, spinel.pack("E", want.extended_address.to_bytes(8, "big")))
        tables = (
            (Prop.MAC_SRC_MATCH_SHORT_ADDRESSES, "S", want.short_sources, None if have is None else have.short_sources),
            (
                Prop.MAC_SRC_MATCH_EXTENDED_ADDRESSES,
                "E",
                want.extended_sources,
                None if have is None else have.extended_sources,
            ),
        )
        for prop, fmt, wanted, present in tables:
            if present is None:
                await host.set(prop, b"")  # an empty SET clears the table
                present = frozenset()
            for address in sorted(present - wanted):
                await host.request(Command.PROP_VALUE_REMOVE, prop, _address(fmt, address))
            for address in sorted(wanted - present):
                await host.request(Command.PROP_VALUE_INSERT, prop, _address(fmt, address))
        if (have is None or have.pan_coordinator != want.pan_coordinator) and self.profile.vendor_pages:
            await host.set(Prop.VENDOR_MAC_PAN_COORDINATOR, spinel.pack("b", want.pan_coordinator))
        elif want.pan_coordinator and not self.profile.vendor_pages:
            LOGGER.warning("%s: this RCP cannot accept frames without a destination (no PAN-coordinator mode)", self)
        self._applied = want

    # ------------------------------------------------------------ channel sensing
    async def cca(self) -> bool:
        """Energy CCA: PHY_RSSI below the RCP's CCA threshold means clear."""
        await self._usable()
        (rssi,) = self._decode("c", await self._host.get(Prop.PHY_RSSI), "PHY_RSSI")
        return bool(rssi < self.profile.cca_threshold)

    async def energy_detect(self, duration: float) -> float:
        """Peak RSSI over an energy scan of the current channel of `duration` (rounded up to whole ms)."""
        if not self.caps & RadioCaps.ENERGY_SCAN:
            raise RadioError(f"radio {self.info.name} has no ENERGY_SCAN capability")
        if duration <= 0:
            raise RadioError(f"energy detect duration must be positive, not {duration!r}")
        await self._usable()
        period_ms = max(1, -int(-duration * 1000 // 1))
        async with self._scan_lock:
            self._scan_result = asyncio.get_running_loop().create_future()
            try:
                await self._host.set(Prop.MAC_SCAN_MASK, spinel.pack("A(C)", [self._channel.number]))
                await self._host.set(Prop.MAC_SCAN_PERIOD, spinel.pack("S", min(period_ms, 0xFFFF)))
                await self._host.set(Prop.MAC_SCAN_STATE, spinel.pack("C", ScanState.ENERGY))
                async with asyncio.timeout(period_ms / 1000 + REPLY_TIMEOUT):
                    return float(await self._scan_result)
            except TimeoutError:
                raise TransientRadioError(f"radio {self.info.name}: no energy scan result") from None
            finally:
                self._scan_result = None

    # ------------------------------------------------------------ transmitting
    async def transmit(
        self,
        psdu: bytes,
        *,
        mode: TxMode = TxMode.CCA,
        max_csma_backoffs: int = 4,
        max_frame_retries: int = 3,
    ) -> TxResult:
        """Send one PSDU through the RCP and report how it went (see the module docstring)."""
        frame = bytes(psdu)  # never keep the caller's buffer
        if self._closed:
            raise RadioError(f"radio {self.info.name} is closed")
        if not 3 <= len(frame) <= 127 and self._channel.page == 0:
            raise RadioError(f"PSDU of {len(frame)} octets: 802.15.4 frames are 3..127 octets incl. FCS")
        if mode is TxMode.CSMA and not self.caps & RadioCaps.CSMA_BACKOFF:
            raise RadioError(f"radio {self.info.name} has no CSMA_BACKOFF capability; use CCA or DIRECT")
        await self._usable()
        request = spinel.TxRequest(
            psdu=frame,
            channel=self._channel.number,
            max_backoffs=max_csma_backoffs if mode is TxMode.CSMA else 0,
            max_retries=max(0, max_frame_retries),
            csma=mode is not TxMode.DIRECT,
        )
        done = await self._host.transmit(spinel.build_tx_request(request))
        return self._tx_result(frame, done, max_frame_retries, asyncio.get_running_loop().time())

    def _tx_result(self, frame: bytes, done: spinel.TxDone, retries: int, now: float) -> TxResult:
        page = self._channel.page
        air = _airtime(len(frame), page)
        if done.ok:
            ack_air = _airtime(len(done.ack.psdu), page) if done.ack is not None and done.ack.psdu else 0.0
            return TxResult(TxStatus.SENT, now - air - ack_air, air, frame_pending=done.frame_pending)
        status = _TX_STATUS.get(done.status)
        if status is None:
            raise SpinelStatusError(
                f"radio {self.info.name}: transmit failed: {spinel.status_name(done.status)}", done.status
            )
        if status is TxStatus.NO_ACK:
            attempts = 1 + (max(0, retries) if self.caps & RadioCaps.TRANSMIT_RETRIES else 0)
            return TxResult(status, now - air, air, attempts=attempts)
        return TxResult(status, now, 0.0, attempts=0)

    # ------------------------------------------------------------ what the RCP says unasked
    def _unsolicited(self, frame: SpinelFrame) -> None:
        if frame.command != Command.PROP_VALUE_IS:
            LOGGER.debug("%s: ignored %s", self, frame)
            return
        if frame.prop == Prop.STREAM_RAW:
            self._received(frame.value)
        elif frame.prop == Prop.MAC_ENERGY_SCAN_RESULT:
            if self._scan_result is not None and not self._scan_result.done():
                try:
                    (_, rssi) = spinel.unpack("Cc", frame.value)
                except SerialDecodeError as exc:
                    self._scan_result.set_exception(RadioError(f"radio {self.info.name}: bad scan result: {exc}"))
                else:
                    self._scan_result.set_result(rssi)
        elif frame.prop == Prop.LAST_STATUS and frame.tid == 0:
            status = spinel.decode_uint(frame.value)[0] if frame.value else Status.OK
            if status in spinel.RESET_STATUSES and self._ready.is_set() and not self._closed:
                LOGGER.warning("%s: unexpected RCP reset (%s); restoring", self, spinel.status_name(status))
                self._start_restore(reset=False)
        else:
            LOGGER.debug("%s: ignored %s", self, frame)

    def _received(self, value: bytes) -> None:
        loop = asyncio.get_running_loop()
        try:
            rx = spinel.parse_rx_frame(value)
        except SerialDecodeError as exc:
            LOGGER.warning("%s: malformed received frame: %s", self, exc)
            self.dropped_frames += 1
            return
        meta = rx.metadata
        damaged = bool(meta.flags & RxFlag.BAD_FCS)
        page = self._channel.page
        if (
            meta.rx_error
            or (damaged and not self._promiscuous)
            or not rx.psdu
            or self._closed
            or not channel_exists(page, meta.channel)  # an RCP naming a channel no radio has
        ):
            self.dropped_frames += 1
            return
        rcp_end = meta.timestamp / 1e6 + _airtime(len(rx.psdu), page) - _shr_seconds(page)
        arrival = loop.time()
        if self._clock_offset is None or (self.profile.clock_offset is None and arrival - rcp_end < self._clock_offset):
            self._clock_offset = arrival - rcp_end
        received = ReceivedFrame(
            psdu=rx.psdu,
            channel=Channel(page, meta.channel),
            rssi=float(meta.rssi),
            lqi=meta.lqi,
            timestamp=rcp_end + self._clock_offset,
            fcs_ok=not damaged,
        )
        if self._receiver is not None:
            self._receiver(received)

    # ------------------------------------------------------------ closing
    async def close(self) -> None:
        """Put the RCP to sleep and release the port. Idempotent."""
        if self._closed:
            return
        self._closed = True
        for task in (self._config_task, self._restore_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._ready.is_set():
            with contextlib.suppress(RadioError):
                await self._host.set(Prop.MAC_RAW_STREAM_ENABLED, spinel.pack("b", False))
                await self._host.set(Prop.PHY_ENABLED, spinel.pack("b", False))
        self._ready.clear()
        await self._host.close()

    def _decode(self, fmt: str, value: bytes, what: str) -> tuple:
        try:
            return spinel.unpack(fmt, value)
        except SerialDecodeError as exc:
            raise RadioError(f"radio {self.info.name}: malformed {what}: {exc}") from exc


def _address(fmt: str, address: int) -> bytes:
    return spinel.pack(fmt, address) if fmt == "S" else spinel.pack(fmt, address.to_bytes(8, "big"))
