"""Host sides of the sniffer firmwares of radio.md 6.5: frames from a sniffer dongle as `ReceivedFrame`s.

Why: `commshub sniff --radio nrf:PATH|ti:PATH` turns what a bench sniffer
hears into a pcap; each host here brings its dongle up (tunes it, starts
the capture) over a `SerialLink` and hands every captured frame to a
`hal.radio.Receiver`, with the FCS as it was on air:

* nRF Sniffer for 802.15.4: `sleep`, `channel N`, `receive`; its lines carry
  the PSDU with FCS, RSSI, LQI and a microsecond time (2.4 GHz only);
* TI SmartRF Packet Sniffer 2: STOP, CFG_PHY (18 = 2.4 GHz, 11 = 868 MHz),
  CFG_FREQUENCY, START; data packets carry the frame without its FCS and a
  status byte saying whether it was good, so the FCS is recomputed for
  good frames and written inverted (so Wireshark flags it) for bad ones.

Bad input (noise, broken lines or packets) is dropped by the codecs'
de-framers and counted in `dropped`; a dongle that never answers a TI
command raises `SnifferTimeout`. Timestamps are the host loop's time of
arrival (the dongles' clocks are not synchronised to ours).
"""

from __future__ import annotations

import asyncio
import logging

from hal.radio import Channel, ReceivedFrame, Receiver
from protocols.ieee802154.fcs import append_fcs
from protocols.serial import nrf_sniffer, ti_sniffer
from protocols.serial.errors import Dropped
from protocols.serial.nrf_sniffer import NrfReceived
from protocols.serial.ti_sniffer import Info, TiPacket

from .link import LinkSettings, SerialLink

LOGGER = logging.getLogger(__name__)
#: TI sniffer firmware's UART speed (CatSniffer, CC1352 LaunchPads).
TI_BAUDRATE = 921600
#: How long a TI command may take to be answered.
TI_COMMAND_TIMEOUT = 2.0
#: GB868 channel centre frequencies (radio.md 9: f(c) = 863.25 + 0.2 c MHz).
GB868_BASE_MHZ, GB868_STEP_MHZ = 863.25, 0.2


class SnifferTimeout(TimeoutError):
    """The sniffer dongle did not answer a command."""


def channel_mhz(channel: Channel) -> float:
    """Centre frequency of `channel` in MHz (2.4 GHz: 2405 + 5 (n - 11); GB868: 863.25 + 0.2 c)."""
    if channel.page == 0:
        return 2405.0 + 5.0 * (channel.number - 11)
    return GB868_BASE_MHZ + GB868_STEP_MHZ * channel.number


class _SnifferHost:
    def __init__(self, url: str, receiver: Receiver, *, baudrate: int) -> None:
        self._link = SerialLink(LinkSettings(url, baudrate=baudrate, reconnect=False), self)
        self._receiver = receiver
        self.channel = Channel(0, 11)
        self.frames = 0
        self.dropped = 0

    def link_up(self) -> None:
        return None

    def link_down(self, error: Exception | None) -> None:
        LOGGER.warning("sniffer %s: link lost: %s", self._link.url, error)

    def data_received(self, data: bytes) -> None:
        raise NotImplementedError

    def _deliver(self, psdu: bytes, rssi: float, lqi: int, fcs_ok: bool = True) -> None:
        self.frames += 1
        now = asyncio.get_running_loop().time()
        self._receiver(ReceivedFrame(psdu, self.channel, rssi, lqi, now, fcs_ok))

    async def close(self) -> None:
        await self._link.close()


class NrfSnifferHost(_SnifferHost):
    """Drives an nRF Sniffer for 802.15.4 dongle (see the module docstring)."""

    def __init__(self, url: str, receiver: Receiver, *, baudrate: int = 115200) -> None:
        super().__init__(url, receiver, baudrate=baudrate)
        self._reader = nrf_sniffer.NrfSnifferReader()

    async def start(self, channel: Channel) -> None:
        """Open the port, tune to `channel` (2.4 GHz only) and start receiving."""
        command = nrf_sniffer.command_channel(channel.number if channel.page == 0 else 0)
        await self._link.open()
        self.channel = channel
        self._link.write(nrf_sniffer.command_sleep() + command + nrf_sniffer.command_receive())

    async def stop(self) -> None:
        self._link.write(nrf_sniffer.command_sleep())

    def data_received(self, data: bytes) -> None:
        for event in self._reader.feed(data):
            if isinstance(event, Dropped):
                self.dropped += 1
            elif isinstance(event, NrfReceived):
                self._deliver(event.psdu, float(event.rssi), event.lqi)


class TiSnifferHost(_SnifferHost):
    """Drives a TI SmartRF Packet Sniffer 2 dongle (see the module docstring)."""

    def __init__(self, url: str, receiver: Receiver, *, baudrate: int = TI_BAUDRATE) -> None:
        super().__init__(url, receiver, baudrate=baudrate)
        self._deframer = ti_sniffer.TiSnifferDeframer()
        self._answers: asyncio.Queue[TiPacket] = asyncio.Queue()

    async def _command(self, wire: bytes) -> int:
        self._link.write(wire)
        try:
            async with asyncio.timeout(TI_COMMAND_TIMEOUT):
                answer = await self._answers.get()
        except TimeoutError:
            raise SnifferTimeout(f"TI sniffer at {self._link.url} did not answer {wire.hex()}") from None
        return answer.payload[0] if answer.payload else 0xFF

    async def start(self, channel: Channel) -> None:
        """Open the port, select the PHY and frequency of `channel`, start capturing."""
        await self._link.open()
        self.channel = channel
        phy = ti_sniffer.PHY_IEEE_2_4 if channel.page == 0 else ti_sniffer.PHY_ZIGBEE_868
        for wire in (
            ti_sniffer.command(Info.STOP),
            ti_sniffer.cfg_phy(phy),
            ti_sniffer.cfg_frequency(channel_mhz(channel)),
            ti_sniffer.command(Info.START),
        ):
            status = await self._command(wire)
            if status != 0:
                raise SnifferTimeout(f"TI sniffer refused {wire.hex()} (status {status})")

    async def stop(self) -> None:
        await self._command(ti_sniffer.command(Info.STOP))

    def data_received(self, data: bytes) -> None:
        for event in self._deframer.feed(data):
            if isinstance(event, Dropped):
                self.dropped += 1
            elif event.is_response:
                self._answers.put_nowait(event)
            elif event.info == Info.DATA:
                try:
                    capture = ti_sniffer.parse_capture(event)
                except ti_sniffer.SerialDecodeError:
                    self.dropped += 1
                    continue
                psdu = append_fcs(capture.frame)
                if not capture.fcs_ok:
                    psdu = psdu[:-2] + bytes(b ^ 0xFF for b in psdu[-2:])
                self._deliver(psdu, float(capture.rssi), min(255, capture.link_quality << 1), capture.fcs_ok)
