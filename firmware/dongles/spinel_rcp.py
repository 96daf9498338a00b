"""A virtual OpenThread radio co-processor on a pty, whose air is a `hal.radio.Radio` (spinel.md 3-6).

Why: so that our `SpinelRadio` - and independent Spinel host software such
as pyspinel's sniffer or OpenThread's POSIX host - can be run against a
dongle without hardware. It answers as OpenThread's RCP firmware
(`NcpBase`) does, on a real pty (`os.openpty`), through the real codecs:

* every reply copies the request's header byte; GET -> IS(value) or
  LAST_STATUS PROP_NOT_FOUND; SET -> IS(value read back); INSERT/REMOVE ->
  INSERTED/REMOVED echoing the request; failures -> LAST_STATUS(error);
* RESET -> a fresh radio state and `80 06 00 70` (LAST_STATUS RESET_POWER_ON
  on TID 0); the same status is sent when the dongle is plugged in;
* PROTOCOL_VERSION 4.3, CAPS with CONFIG_RADIO, MAC_RAW and the RCP API
  caps, RCP_API_VERSION 11, RADIO_CAPS from the radio's capabilities;
* STREAM_RAW SET -> a transmission by the radio (CSMA-CA, ACK wait and
  retries as the request says, FCS recomputed: the host's are placeholders),
  answered by a tx-done on the request's TID with the ACK heard;
  INVALID_STATE at once while another transmission or a scan runs;
* received frames go to the host as TID-0 STREAM_RAW with all 26 bytes of
  metadata; the timestamp is the SFD time on the RCP's microsecond clock,
  which is the loop's clock;
* energy scans send MAC_ENERGY_SCAN_RESULT per channel, then SCAN_STATE 0;
* our vendor properties (spinel.md 6) select page + channel, list the
  channels of every page, give the TX power range and the PAN-coordinator
  flag, so an 868 MHz radio is driven like a 2.4 GHz one.

Commands are handled one at a time, in order, by a worker task (a real RCP
is single-threaded too); transmissions and scans run beside it so a host
can keep talking while the air is busy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from hal.radio import Channel, Radio, RadioCaps, RadioError, ReceivedFrame, TxMode, TxStatus, channel_exists
from hal.serial import PtyPort
from hal.virtual import VirtualRadio
from protocols.ieee802154.errors import Ieee802154DecodeError
from protocols.ieee802154.fcs import append_fcs
from protocols.ieee802154.header import build_ack, peek
from protocols.ieee802154.phy import airtime, timing
from protocols.serial import hdlc_lite, spinel
from protocols.serial.errors import Dropped, SerialDecodeError
from protocols.serial.spinel import Cap, Command, PromiscuousMode, Prop, RadioCapBit, ScanState, SpinelFrame, Status

from .rcp_state import DEFAULT_TX_POWER, RX_SENSITIVITY, RcpState, StatusError

LOGGER = logging.getLogger(__name__)
#: What NCP_VERSION says (the part before ';' is what hosts such as aiospinel keep).
FIRMWARE_VERSION = "COMMSHUB-VRCP/1.0"
#: RSSI sampling time for PHY_RSSI: 8 symbols of the 2.4 GHz PHY.
RSSI_WINDOW = 128e-6
#: otRadio's "invalid RSSI", reported for ACKs (the radio interface gives no ACK RSSI).
RSSI_INVALID = 127
_STATUS_ABORT = spinel.constants.STATUS_OT_ERROR_BASE + 11
_TX_STATUS = {
    TxStatus.SENT: Status.OK,
    TxStatus.NO_ACK: Status.NO_ACK,
    TxStatus.CHANNEL_BUSY: Status.CCA_FAILURE,
    TxStatus.DUTY_CYCLE: Status.VENDOR_DUTY_CYCLE,
    TxStatus.ABORTED: _STATUS_ABORT,
}
_RADIO_CAP_BITS = {
    RadioCaps.ACK_TIMEOUT: RadioCapBit.ACK_TIMEOUT,
    RadioCaps.ENERGY_SCAN: RadioCapBit.ENERGY_SCAN,
    RadioCaps.TRANSMIT_RETRIES: RadioCapBit.TRANSMIT_RETRIES,
    RadioCaps.CSMA_BACKOFF: RadioCapBit.CSMA_BACKOFF,
}

Getter = Callable[[], Awaitable[tuple[Any, ...]]]
Setter = Callable[[tuple[Any, ...]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class _Property:
    fmt: str
    get: Getter
    set: Setter | None = None


def _sfd_us(end_of_frame: float, length: int, page: int) -> int:
    """The SFD time in whole microseconds of a frame that ended at `end_of_frame` (loop seconds)."""
    phy = timing(page)
    return round((end_of_frame - airtime(length, page) + phy.shr_octets * phy.octet_us / 1e6) * 1e6)


class SpinelRcp:
    """A virtual RCP driving `radio`, served on a pty (see the module docstring)."""

    def __init__(self, radio: Radio, *, link_path: str | None = None, cca_threshold: int = -75) -> None:
        self.radio = radio
        self.port = PtyPort(self._data_received, link_path=link_path)
        self._default_cca = cca_threshold
        self.state = RcpState(cca_threshold=cca_threshold, extended_address=radio.info.extended_address)
        self._deframer = hdlc_lite.HdlcLiteDeframer()
        self._queue: asyncio.Queue[SpinelFrame] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._busy: asyncio.Task[None] | None = None  # the transmission or scan on the air
        self.dropped = 0  #: frames from the host that were not Spinel (noise, bad FCS, wrong protocol)
        self._props = self._property_table()
        radio.set_receiver(self._heard)

    @property
    def path(self) -> str:
        return self.port.path

    # ------------------------------------------------------------ plugging
    def plug(self) -> str:
        """Plug the dongle in: a new pty, a fresh boot, the reset status sent; returns the path."""
        path = self.port.plug()
        self._deframer = hdlc_lite.HdlcLiteDeframer()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work())
        self.reboot()
        return path

    def unplug(self) -> None:
        """Pull the dongle out: the pty closes and everything in progress stops."""
        self.port.unplug()
        if self._busy is not None:
            self._busy.cancel()
        while not self._queue.empty():
            self._queue.get_nowait()

    async def close(self) -> None:
        """Unplug for good and stop the worker. Idempotent."""
        self.unplug()
        for task in (self._worker, self._busy):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self.radio.set_receiver(None)

    # ------------------------------------------------------------ faults to inject
    def reboot(self) -> None:
        """The chip resets by itself (watchdog, brown-out): state lost, reset status sent unasked."""
        self._queue.put_nowait(SpinelFrame(0, Command.RESET, None, bytes((spinel.ResetType.PLATFORM,))))

    def freeze(self) -> None:
        """The firmware hangs: the USB link stays up, nothing is answered any more."""
        if self._worker is not None:
            self._worker.cancel()

    # ------------------------------------------------------------ bytes in and out
    def _data_received(self, data: bytes) -> None:
        for event in self._deframer.feed(data):
            if isinstance(event, Dropped):
                self.dropped += 1
                LOGGER.debug("virtual RCP %s: %s", self.port.device_path, event)
                continue
            try:
                frame = spinel.parse(event)
            except SerialDecodeError as exc:
                self.dropped += 1
                LOGGER.debug("virtual RCP %s: not Spinel: %s", self.port.device_path, exc)
                continue
            self._queue.put_nowait(frame)

    def _send(self, frame: SpinelFrame) -> None:
        self.port.write(hdlc_lite.encode(spinel.build(frame)))

    def _status(self, request: SpinelFrame, status: int) -> None:
        self._send(
            SpinelFrame(request.tid, Command.PROP_VALUE_IS, Prop.LAST_STATUS, spinel.encode_uint(status), request.iid)
        )

    async def _work(self) -> None:
        while True:
            frame = await self._queue.get()
            try:
                await self._handle(frame)
            except StatusError as exc:
                self._status(frame, exc.status)
            except RadioError as exc:
                LOGGER.warning("virtual RCP %s: %s failed: %s", self.port.device_path, frame, exc)
                self._status(frame, Status.FAILURE)

    # ------------------------------------------------------------ commands
    async def _handle(self, frame: SpinelFrame) -> None:
        command = frame.command
        if command == Command.RESET:
            kind = frame.value[0] if frame.value else spinel.ResetType.STACK
            if kind == spinel.ResetType.BOOTLOADER:
                raise StatusError(Status.UNIMPLEMENTED)
            await self._reset()
            reason = Status.RESET_POWER_ON
            self._send(SpinelFrame(0, Command.PROP_VALUE_IS, Prop.LAST_STATUS, spinel.encode_uint(reason)))
        elif command == Command.NOOP:
            self._status(frame, Status.OK)
        elif command == Command.PROP_VALUE_GET:
            await self._get(frame)
        elif command == Command.PROP_VALUE_SET:
            await self._set(frame)
        elif command in (Command.PROP_VALUE_INSERT, Command.PROP_VALUE_REMOVE):
            self._insert_or_remove(frame)
        else:
            raise StatusError(Status.INVALID_COMMAND)

    def _property(self, frame: SpinelFrame) -> _Property:
        assert frame.prop is not None
        found = self._props.get(frame.prop)
        if found is None:
            raise StatusError(Status.PROP_NOT_FOUND)
        return found

    async def _reply(self, frame: SpinelFrame, prop: _Property) -> None:
        value = spinel.pack(prop.fmt, *await prop.get())
        self._send(SpinelFrame(frame.tid, Command.PROP_VALUE_IS, frame.prop, value, frame.iid))

    async def _get(self, frame: SpinelFrame) -> None:
        await self._reply(frame, self._property(frame))

    async def _set(self, frame: SpinelFrame) -> None:
        if frame.prop == Prop.STREAM_RAW:
            self._start_transmit(frame)
            return
        prop = self._property(frame)
        if prop.set is None:
            raise StatusError(Status.INVALID_COMMAND_FOR_PROP)
        try:
            values = spinel.unpack(prop.fmt, frame.value)
        except SerialDecodeError:
            raise StatusError(Status.PARSE_ERROR) from None
        await prop.set(values)
        await self._reply(frame, prop)

    def _insert_or_remove(self, frame: SpinelFrame) -> None:
        tables = {
            Prop.MAC_SRC_MATCH_SHORT_ADDRESSES: ("S", self.state.short_sources),
            Prop.MAC_SRC_MATCH_EXTENDED_ADDRESSES: ("E", self.state.extended_sources),
        }
        if frame.prop not in tables:
            raise StatusError(Status.INVALID_COMMAND_FOR_PROP if frame.prop in self._props else Status.PROP_NOT_FOUND)
        fmt, table = tables[frame.prop]  # type: ignore[index]  # checked just above
        try:
            (entry,) = spinel.unpack(fmt, frame.value)
        except SerialDecodeError:
            raise StatusError(Status.PARSE_ERROR) from None
        address = entry if fmt == "S" else int.from_bytes(entry, "big")
        if frame.command == Command.PROP_VALUE_INSERT:
            table.add(address)
            reply = Command.PROP_VALUE_INSERTED
        else:
            if address not in table:
                raise StatusError(Status.ITEM_NOT_FOUND)
            table.discard(address)
            reply = Command.PROP_VALUE_REMOVED
        self._apply()
        self._send(SpinelFrame(frame.tid, reply, frame.prop, frame.value, frame.iid))

    async def _reset(self) -> None:
        if self._busy is not None and not self._busy.done():
            self._busy.cancel()
        self.state = RcpState(cca_threshold=self._default_cca, extended_address=self.radio.info.extended_address)
        self.state.tx_power = round(await self.radio.set_power(DEFAULT_TX_POWER))
        self._apply()

    def _apply(self) -> None:
        """Put the state's receive mode and address filter into the radio."""
        if self.radio.caps & RadioCaps.PROMISCUOUS:
            self.radio.set_promiscuous(self.state.receiving and self.state.promiscuous != PromiscuousMode.OFF)
        self.radio.set_address_filter(self.state.address_filter())

    # ------------------------------------------------------------ the property table
    def _property_table(self) -> dict[int, _Property]:
        state = self  # the table reads self.state at call time: a reset replaces it

        def const(*values: Any) -> Getter:
            async def get() -> tuple[Any, ...]:
                return values

            return get

        def field(name: str) -> tuple[Getter, Setter]:
            async def get() -> tuple[Any, ...]:
                return (getattr(state.state, name),)

            async def put(values: tuple[Any, ...]) -> None:
                setattr(state.state, name, values[0])
                state._apply()

            return get, put

        radio_caps = RadioCapBit.NONE
        for cap, bit in _RADIO_CAP_BITS.items():
            if self.radio.caps & cap:
                radio_caps |= bit
        table: dict[int, _Property] = {
            Prop.LAST_STATUS: _Property("i", const(Status.OK)),
            Prop.PROTOCOL_VERSION: _Property("ii", const(*spinel.PROTOCOL_VERSION)),
            Prop.NCP_VERSION: _Property("U", const(f"{FIRMWARE_VERSION}; {self.radio.info.name}")),
            Prop.INTERFACE_TYPE: _Property("i", const(3)),
            Prop.CAPS: _Property("A(i)", const(self._caps())),
            Prop.HWADDR: _Property("E", const(self.radio.info.extended_address.to_bytes(8, "big"))),
            Prop.RCP_API_VERSION: _Property("i", const(spinel.RCP_API_VERSION)),
            Prop.RCP_MIN_HOST_API_VERSION: _Property("i", const(spinel.RCP_MIN_HOST_API_VERSION)),
            Prop.RADIO_CAPS: _Property("i", const(int(radio_caps))),
            Prop.PHY_RX_SENSITIVITY: _Property("c", const(RX_SENSITIVITY)),
            Prop.PHY_CHAN: _Property("C", self._get_channel, self._set_channel),
            Prop.PHY_CHAN_SUPPORTED: _Property("A(C)", self._page_channels),
            Prop.PHY_TX_POWER: _Property("c", field("tx_power")[0], self._set_power),
            Prop.PHY_CCA_THRESHOLD: _Property("c", *field("cca_threshold")),
            Prop.MAC_SCAN_MASK: _Property("A(C)", *field("scan_mask")),
            Prop.MAC_SCAN_PERIOD: _Property("S", *field("scan_period_ms")),
            Prop.MAC_SCAN_STATE: _Property("C", field("scan_state")[0], self._set_scan_state),
            Prop.MAC_15_4_PANID: _Property("S", *field("pan_id")),
            Prop.MAC_15_4_SADDR: _Property("S", *field("short_address")),
            Prop.MAC_15_4_LADDR: _Property("E", self._get_laddr, self._set_laddr),
            Prop.PHY_ENABLED: _Property("b", *field("phy_enabled")),
            Prop.MAC_RAW_STREAM_ENABLED: _Property("b", *field("raw_stream")),
            Prop.MAC_PROMISCUOUS_MODE: _Property("C", field("promiscuous")[0], self._set_promiscuous),
            Prop.MAC_SRC_MATCH_ENABLED: _Property("b", *field("src_match")),
            Prop.MAC_SRC_MATCH_SHORT_ADDRESSES: _Property("A(S)", self._get_short, self._set_short),
            Prop.MAC_SRC_MATCH_EXTENDED_ADDRESSES: _Property("A(E)", self._get_extended, self._set_extended),
            Prop.RCP_TIMESTAMP: _Property("X", self._timestamp),
            Prop.VENDOR_PHY_PAGE_CHANNEL: _Property("CC", self._get_page_channel, self._set_page_channel),
            Prop.VENDOR_PHY_PAGE_CHANNELS: _Property("A(t(CX))", self._pages),
            Prop.VENDOR_PHY_TX_POWER_RANGE: _Property("cc", self._power_range),
            Prop.VENDOR_MAC_PAN_COORDINATOR: _Property("b", *field("pan_coordinator")),
        }
        if self.radio.caps & RadioCaps.ENERGY_SCAN:
            table[Prop.PHY_RSSI] = _Property("c", self._rssi)
        return table

    def _caps(self) -> list[int]:
        caps = [Cap.CONFIG_RADIO, Cap.RCP_API_VERSION, Cap.RCP_MIN_HOST_API_VERSION, Cap.MAC_RAW, Cap.VENDOR_PAGES]
        if any(channel.page == 0 for channel in self.radio.info.channels):
            caps.insert(0, Cap.OQPSK_2450MHZ)
        if self.radio.caps & RadioCaps.DUTY_CYCLE:
            caps.append(Cap.VENDOR_DUTY_CYCLE)
        return [int(cap) for cap in caps]

    async def _get_channel(self) -> tuple[Any, ...]:
        return (self.radio.channel.number,)

    async def _set_channel(self, values: tuple[Any, ...]) -> None:
        (number,) = values
        for page in (self.radio.channel.page, 0):
            if channel_exists(page, number) and Channel(page, number) in self.radio.info.channels:
                await self.radio.set_channel(Channel(page, number))
                return
        raise StatusError(Status.INVALID_ARGUMENT)

    async def _page_channels(self) -> tuple[Any, ...]:
        page = self.radio.channel.page
        return (sorted(c.number for c in self.radio.info.channels if c.page == page),)

    async def _get_page_channel(self) -> tuple[Any, ...]:
        return (self.radio.channel.page, self.radio.channel.number)

    async def _set_page_channel(self, values: tuple[Any, ...]) -> None:
        if not channel_exists(*values) or Channel(*values) not in self.radio.info.channels:
            raise StatusError(Status.INVALID_ARGUMENT)
        channel = Channel(*values)
        await self.radio.set_channel(channel)

    async def _pages(self) -> tuple[Any, ...]:
        masks: dict[int, int] = {}
        for channel in self.radio.info.channels:
            masks[channel.page] = masks.get(channel.page, 0) | 1 << channel.number
        return ([(page, mask) for page, mask in sorted(masks.items())],)

    async def _power_range(self) -> tuple[Any, ...]:
        info = self.radio.info
        return (max(-128, round(info.min_power_dbm)), min(127, round(info.max_power_dbm)))

    async def _set_power(self, values: tuple[Any, ...]) -> None:
        self.state.tx_power = round(await self.radio.set_power(float(values[0])))

    async def _get_laddr(self) -> tuple[Any, ...]:
        return (self.state.extended_address.to_bytes(8, "big"),)

    async def _set_laddr(self, values: tuple[Any, ...]) -> None:
        self.state.extended_address = int.from_bytes(values[0], "big")
        self._apply()

    async def _set_promiscuous(self, values: tuple[Any, ...]) -> None:
        self.state.promiscuous = PromiscuousMode.FULL if values[0] else PromiscuousMode.OFF
        self._apply()

    async def _get_short(self) -> tuple[Any, ...]:
        return (sorted(self.state.short_sources),)

    async def _set_short(self, values: tuple[Any, ...]) -> None:
        self.state.short_sources = set(values[0])
        self._apply()

    async def _get_extended(self) -> tuple[Any, ...]:
        return ([address.to_bytes(8, "big") for address in sorted(self.state.extended_sources)],)

    async def _set_extended(self, values: tuple[Any, ...]) -> None:
        self.state.extended_sources = {int.from_bytes(entry, "big") for entry in values[0]}
        self._apply()

    async def _timestamp(self) -> tuple[Any, ...]:
        return (round(asyncio.get_running_loop().time() * 1e6),)

    async def _rssi(self) -> tuple[Any, ...]:
        return (max(-128, min(127, round(await self.radio.energy_detect(RSSI_WINDOW)))),)

    # ------------------------------------------------------------ the air
    def _claim_air(self, request: SpinelFrame) -> bool:
        if self._busy is not None and not self._busy.done():
            self._status(request, Status.INVALID_STATE)
            return False
        return True

    def _start_transmit(self, frame: SpinelFrame) -> None:
        try:
            request = spinel.parse_tx_request(frame.value)
        except SerialDecodeError:
            raise StatusError(Status.PARSE_ERROR) from None
        if not self.state.phy_enabled:
            raise StatusError(Status.INVALID_STATE)
        if self._claim_air(frame):
            self._busy = asyncio.get_running_loop().create_task(self._transmit(frame, request))

    async def _transmit(self, frame: SpinelFrame, request: spinel.TxRequest) -> None:
        radio = self.radio
        psdu = append_fcs(request.psdu[:-2])  # the host's FCS bytes are placeholders
        try:
            if request.channel != radio.channel.number:
                await self._set_channel((request.channel,))
            if not request.csma:
                mode = TxMode.DIRECT
            else:
                mode = TxMode.CSMA if radio.caps & RadioCaps.CSMA_BACKOFF else TxMode.CCA
            result = await radio.transmit(
                psdu, mode=mode, max_csma_backoffs=request.max_backoffs, max_frame_retries=request.max_retries
            )
            if request.rx_channel_after is not None and request.rx_channel_after != radio.channel.number:
                await self._set_channel((request.rx_channel_after,))
        except (RadioError, StatusError) as exc:
            LOGGER.warning("virtual RCP %s: transmit failed: %s", self.port.device_path, exc)
            self._status(frame, exc.status if isinstance(exc, StatusError) else Status.FAILURE)
            return
        ack = None
        if (
            result.status is TxStatus.SENT
            and radio.caps & RadioCaps.ACK_TIMEOUT
            and _sequence_if_acked(psdu) is not None
        ):
            ack_psdu = build_ack(_sequence_if_acked(psdu) or 0, frame_pending=result.frame_pending)
            now, page = asyncio.get_running_loop().time(), radio.channel.page
            meta = spinel.RxMetadata(
                RSSI_INVALID, channel=radio.channel.number, timestamp=_sfd_us(now, len(ack_psdu), page)
            )
            ack = spinel.RxFrame(ack_psdu, meta)
        done = spinel.TxDone(_TX_STATUS[result.status], result.frame_pending, False, ack)
        value = spinel.build_tx_done(done)
        self._send(SpinelFrame(frame.tid, Command.PROP_VALUE_IS, Prop.LAST_STATUS, value, frame.iid))

    async def _set_scan_state(self, values: tuple[Any, ...]) -> None:
        (state,) = values
        if state == ScanState.IDLE:
            return
        if state != ScanState.ENERGY or not self.radio.caps & RadioCaps.ENERGY_SCAN or not self.state.scan_mask:
            raise StatusError(Status.INVALID_ARGUMENT)
        if self._busy is not None and not self._busy.done():
            raise StatusError(Status.INVALID_STATE)
        self.state.scan_state = ScanState.ENERGY
        self._busy = asyncio.get_running_loop().create_task(self._scan(list(self.state.scan_mask)))

    async def _scan(self, channels: list[int]) -> None:
        radio = self.radio
        home = radio.channel
        period = max(1, self.state.scan_period_ms) / 1000
        try:
            for number in channels:
                if not channel_exists(home.page, number) or Channel(home.page, number) not in radio.info.channels:
                    continue
                channel = Channel(home.page, number)
                await radio.set_channel(channel)
                peak = round(await radio.energy_detect(period))
                value = spinel.pack("Cc", number, max(-128, min(127, peak)))
                self._send(SpinelFrame(0, Command.PROP_VALUE_IS, Prop.MAC_ENERGY_SCAN_RESULT, value))
            await radio.set_channel(home)
        except RadioError as exc:
            LOGGER.warning("virtual RCP %s: energy scan failed: %s", self.port.device_path, exc)
        self.state.scan_state = ScanState.IDLE
        self._send(SpinelFrame(0, Command.PROP_VALUE_IS, Prop.MAC_SCAN_STATE, spinel.pack("C", ScanState.IDLE)))

    def _heard(self, frame: ReceivedFrame) -> None:
        """The radio heard a frame: pass it to the host unless asleep."""
        if not self.state.receiving or not self.port.plugged:
            return
        flags = spinel.RxFlag.NONE if frame.fcs_ok else spinel.RxFlag.BAD_FCS
        if self.state.promiscuous == PromiscuousMode.OFF and self.radio.caps & RadioCaps.AUTO_ACK:
            source = _source_if_acked(frame.psdu)
            if self.state.pending_for(source):
                flags |= spinel.RxFlag.ACKED_FP
        meta = spinel.RxMetadata(
            rssi=max(-128, min(126, round(frame.rssi))),
            flags=flags,
            channel=frame.channel.number,
            lqi=frame.lqi,
            timestamp=_sfd_us(frame.timestamp, len(frame.psdu), frame.channel.page),
        )
        value = spinel.build_rx_frame(spinel.RxFrame(frame.psdu, meta))
        self._send(SpinelFrame(0, Command.PROP_VALUE_IS, Prop.STREAM_RAW, value))


def _header(psdu: bytes) -> Any:
    try:
        return peek(psdu)
    except Ieee802154DecodeError:
        return None


def _sequence_if_acked(psdu: bytes) -> int | None:
    """The sequence number of a frame that asks for an ACK, else None."""
    header = _header(psdu)
    if header is None or not header.ack_request or header.is_broadcast or header.seq is None:
        return None
    return int(header.seq)


def _source_if_acked(psdu: bytes) -> int | None:
    header = _header(psdu)
    if header is None or not header.ack_request or header.is_broadcast:
        return None
    return header.src_addr


def serve_spinel_rcp(radio: Radio, pty_path: str | None = None) -> str:
    """Serve a virtual RCP for `radio` on a new pty (linked at `pty_path` if given); returns the path to open.

    Call it on the running loop; the RCP lives until the loop shuts down
    (its keeper task is cancelled then, which closes the pty). For unplug,
    replug and explicit closing use `SpinelRcp` directly. A `VirtualRadio`'s
    own CCA threshold becomes the RCP's PHY_CCA_THRESHOLD.
    """
    threshold = round(radio.model.cca_threshold_dbm) if isinstance(radio, VirtualRadio) else -75
    rcp = SpinelRcp(radio, link_path=pty_path, cca_threshold=threshold)
    path = rcp.plug()
    asyncio.get_running_loop().create_task(_keep(rcp))
    return path


async def _keep(rcp: SpinelRcp) -> None:
    try:
        await asyncio.Event().wait()
    finally:
        await rcp.close()
