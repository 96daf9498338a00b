"""Virtual twins of the two sniffer firmwares bench engineers own (radio.md 6.5), on a pty.

Why: `commshub sniff --radio nrf:PATH|ti:PATH` must be tested end to end -
bytes on a real pty, through the real codecs - without an nRF52840 or a
CC1352 on the desk. Each twin hears the virtual air as an ideal sniffer
(`Medium.add_sniffer`: every frame, the sender's power as RSSI) and passes on
only what its radio, tuned as the host asked, would hear:

* `NrfSnifferTwin` - nRF Sniffer for 802.15.4: CRLF text commands `sleep`,
  `channel N` (11-26), `receive`; while receiving, one line per frame
  `received: <PSDU hex with FCS> power: <dBm> lqi: <n> time: <us>`;
  2.4 GHz only. Unknown commands are ignored, as the firmware's shell does.
* `TiSnifferTwin` - TI SmartRF Packet Sniffer 2 (CC1352: both bands):
  binary packets `40 53 ... 40 45`; PING, CFG_PHY (18 = 2.4 GHz, 11 = ZigBee
  868 MHz), CFG_FREQUENCY (MHz -> channel: 2405 + 5 (n - 11) on 2.4 GHz,
  863.25 + 0.2 c on GB868), START, STOP, PAUSE, RESUME are answered with a
  status byte (0 OK, 1 refused); while started each frame is a data packet
  (6-byte microsecond timestamp, frame without FCS, RSSI, status with bit 7 =
  FCS OK). Damaged packets from the host are dropped (de-framer).
"""

from __future__ import annotations

import logging

from hal.radio import PAGE_CHANNELS, SUB_GHZ_PAGES, Channel, ReceivedFrame, channel_exists
from hal.serial import PtyPort
from hal.virtual import Medium
from protocols.serial import nrf_sniffer, ti_sniffer
from protocols.serial.errors import Dropped
from protocols.serial.nrf_sniffer import NrfReceived
from protocols.serial.ti_sniffer import Info, TiCapture, TiPacket

LOGGER = logging.getLogger(__name__)
#: The longest command line the nRF firmware's shell takes.
MAX_COMMAND = 64
#: PING's answer after the status: chip id 0x1352, revision, firmware id, firmware version (as CatSniffer reports).
TI_PING_INFO = bytes.fromhex("5213 20 01 0100")
STATUS_OK, STATUS_REFUSED = 0x00, 0x01


class _Twin:
    """A pty, a channel, and whether frames are being passed to the host."""

    def __init__(self, medium: Medium, *, link_path: str | None = None) -> None:
        self.port = PtyPort(self._data_received, link_path=link_path)
        self.channel = Channel(0, 11)
        self.receiving = False
        self.frames_sent = 0
        self.dropped = 0  #: host input that was not a command
        medium.add_sniffer(self._heard)

    @property
    def path(self) -> str:
        return self.port.path

    def plug(self) -> str:
        self.receiving = False
        return self.port.plug()

    async def close(self) -> None:
        self.receiving = False
        self.port.unplug()

    def _heard(self, frame: ReceivedFrame) -> None:
        if self.receiving and self.port.plugged and frame.channel == self.channel:
            self.frames_sent += 1
            self.port.write(self._encode(frame))

    def _data_received(self, data: bytes) -> None:
        raise NotImplementedError

    def _encode(self, frame: ReceivedFrame) -> bytes:
        raise NotImplementedError


class NrfSnifferTwin(_Twin):
    """nRF Sniffer for 802.15.4 (see the module docstring)."""

    def __init__(self, medium: Medium, *, link_path: str | None = None) -> None:
        super().__init__(medium, link_path=link_path)
        self._line = bytearray()

    def _data_received(self, data: bytes) -> None:
        for byte in data:
            if byte in b"\r\n":
                if self._line:
                    self._command(bytes(self._line))
                self._line.clear()
            elif len(self._line) >= MAX_COMMAND:
                self.dropped += 1
                self._line.clear()
            else:
                self._line.append(byte)

    def _command(self, raw: bytes) -> None:
        words = raw.decode("ascii", "replace").split()
        if words == ["sleep"]:
            self.receiving = False
        elif words == ["receive"]:
            self.receiving = True
        elif len(words) == 2 and words[0] == "channel" and words[1].isdigit() and channel_exists(0, int(words[1])):
            self.channel = Channel(0, int(words[1]))
        else:
            self.dropped += 1
            LOGGER.debug("nRF sniffer twin: ignored %r", raw)

    def _encode(self, frame: ReceivedFrame) -> bytes:
        rssi = max(-128, min(127, round(frame.rssi)))
        received = NrfReceived(frame.psdu, rssi, frame.lqi, round(frame.timestamp * 1e6))
        return nrf_sniffer.build_received(received)


def frequency_to_channel(mhz: float, sub_ghz: bool) -> Channel | None:
    """The channel centred on `mhz` (2405 + 5 (n - 11) MHz; GB868: 863.25 + 0.2 c), None if there is none."""
    if not sub_ghz:
        number = round((mhz - 2405) / 5) + 11
        exact = abs(2405 + 5 * (number - 11) - mhz) < 0.01
        return Channel(0, number) if exact and channel_exists(0, number) else None
    number = round((mhz - 863.25) / 0.2)
    if abs(863.25 + 0.2 * number - mhz) > 0.01:
        return None
    page = next((p for p in sorted(SUB_GHZ_PAGES) if number in PAGE_CHANNELS[p]), None)
    return None if page is None else Channel(page, number)


class TiSnifferTwin(_Twin):
    """TI SmartRF Packet Sniffer 2 on a CC1352 (see the module docstring)."""

    def __init__(self, medium: Medium, *, link_path: str | None = None) -> None:
        super().__init__(medium, link_path=link_path)
        self._deframer = ti_sniffer.TiSnifferDeframer()
        self.sub_ghz = False
        self.paused = False

    def _heard(self, frame: ReceivedFrame) -> None:
        if not self.paused:
            super()._heard(frame)

    def _data_received(self, data: bytes) -> None:
        for event in self._deframer.feed(data):
            if isinstance(event, Dropped):
                self.dropped += 1
                continue
            self._answer(event, self._status(event))

    def _status(self, packet: TiPacket) -> int:
        info, payload = packet.info, packet.payload
        if (
            info == Info.CFG_PHY
            and len(payload) == 1
            and payload[0] in (ti_sniffer.PHY_IEEE_2_4, ti_sniffer.PHY_ZIGBEE_868)
        ):
            self.sub_ghz = payload[0] == ti_sniffer.PHY_ZIGBEE_868
            self.channel = Channel(28, 0) if self.sub_ghz else Channel(0, 11)
        elif info == Info.CFG_FREQUENCY and len(payload) == 4:
            mhz = int.from_bytes(payload[:2], "little") + int.from_bytes(payload[2:], "little") / 65536
            channel = frequency_to_channel(mhz, self.sub_ghz)
            if channel is None:
                return STATUS_REFUSED
            self.channel = channel
        elif info == Info.START and not payload:
            self.receiving, self.paused = True, False
        elif info == Info.STOP and not payload:
            self.receiving = False
        elif info in (Info.PAUSE, Info.RESUME) and not payload:
            self.paused = info == Info.PAUSE
        elif info != Info.PING:
            self.dropped += 1
            return STATUS_REFUSED
        return STATUS_OK

    def _answer(self, packet: TiPacket, status: int) -> None:
        extra = TI_PING_INFO if packet.info == Info.PING and status == STATUS_OK else b""
        self.port.write(ti_sniffer.build(TiPacket(ti_sniffer.RESPONSE | packet.info & 0x3F, bytes((status,)) + extra)))

    def _encode(self, frame: ReceivedFrame) -> bytes:
        rssi = max(-128, min(127, round(frame.rssi)))
        capture = TiCapture(
            round(frame.timestamp * 1e6) & (1 << 48) - 1, frame.psdu[:-2], rssi, frame.fcs_ok, frame.lqi >> 1
        )
        return ti_sniffer.build_capture(capture)
