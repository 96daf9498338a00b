"""TI SmartRF Packet Sniffer 2 firmware protocol (CC1352 / CC26x2; CatSniffer) (radio.md 6.5).

Every packet, both ways:

    40 53 | info (1) | length (2, LE) | payload | FCS (1) | 40 45

`info` = category (bits 7-6: 1 command, 2 command response, 3 data or error)
| type (bits 5-0); the FCS is the low byte of the sum of info, length and
payload. Commands: PING 0x40, START 0x41, STOP 0x42, PAUSE 0x43, RESUME
0x44, CFG_FREQUENCY 0x45 (MHz as uint16 + fraction * 65536 as uint16),
CFG_PHY 0x47 (PHY index: on a CC1352, 11 = ZigBee 100 kb/s EU 868 MHz,
18 = IEEE 802.15.4 2.4 GHz). A response's info is 0x80 | the command's type
and its payload starts with a status byte (0 = OK).

Data packets (info 0xC0) carry a 6-byte little-endian timestamp, the
frame, then the radio's RSSI byte (signed dBm) and a status byte whose bit
7 says the FCS was good (the rest is the link quality). The frame travels
without its FCS (the two radio status bytes take its place), so a capture
writer recomputes it. Error packets (info 0xC1) carry one error code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from . import crc
from .errors import DROPPED_KEEP, Dropped, FcsError, SerialDecodeError, SerialEncodeError

PROTOCOL = "ti-sniffer"
SOF = b"\x40\x53"
EOF_MARK = b"\x40\x45"
#: Largest payload the protocol allows (a 2047-byte SUN frame plus its metadata).
MAX_PAYLOAD = 2049
#: PHY indices of the CC1352 firmware's table (radio.md 6.5).
PHY_ZIGBEE_868 = 11
PHY_IEEE_2_4 = 18


class Info(enum.IntEnum):
    PING = 0x40
    START = 0x41
    STOP = 0x42
    PAUSE = 0x43
    RESUME = 0x44
    CFG_FREQUENCY = 0x45
    CFG_PHY = 0x47
    DATA = 0xC0
    ERROR = 0xC1


RESPONSE = 0x80  #: category 2 (command response) in the info byte


@dataclass(frozen=True, slots=True)
class TiPacket:
    """One packet: its info byte and payload."""

    info: int
    payload: bytes = b""

    @property
    def is_response(self) -> bool:
        return self.info & 0xC0 == RESPONSE


@dataclass(frozen=True, slots=True)
class TiCapture:
    """The content of a data packet."""

    timestamp: int  #: the sniffer's 6-byte timer value
    frame: bytes  #: MAC frame without its FCS
    rssi: int  #: dBm
    fcs_ok: bool
    link_quality: int  #: status bits 6-0


def build(packet: TiPacket) -> bytes:
    """The wire form of `packet`."""
    if len(packet.payload) > MAX_PAYLOAD or not 0 <= packet.info <= 0xFF:
        raise SerialEncodeError(PROTOCOL, "payload", f"info {packet.info} / {len(packet.payload)} bytes do not fit")
    body = bytes((packet.info,)) + len(packet.payload).to_bytes(2, "little") + packet.payload
    return SOF + body + bytes((crc.sum8(body),)) + EOF_MARK


def parse(wire: bytes) -> TiPacket:
    """Decode exactly one packet; SerialDecodeError / FcsError if it is not one."""
    if wire[:2] != SOF:
        raise SerialDecodeError(PROTOCOL, 0, "sof", f"starts {wire[:2].hex()} instead of 4053")
    if len(wire) < 8:
        raise SerialDecodeError(PROTOCOL, len(wire), "length", "shorter than an empty packet")
    size = int.from_bytes(wire[3:5], "little")
    if len(wire) != 8 + size:
        raise SerialDecodeError(PROTOCOL, 3, "length", f"says {size} payload bytes; the packet has {len(wire) - 8}")
    body = wire[2 : 5 + size]
    if wire[5 + size] != crc.sum8(body):
        raise FcsError(PROTOCOL, 5 + size, "fcs", f"FCS {wire[5 + size]:02X}, the packet sums to {crc.sum8(body):02X}")
    if wire[6 + size :] != EOF_MARK:
        raise SerialDecodeError(PROTOCOL, 6 + size, "eof", f"ends {wire[6 + size :].hex()} instead of 4045")
    return TiPacket(wire[2], bytes(body[3:]))


def command(info: Info, payload: bytes = b"") -> bytes:
    """A command packet ready to write."""
    return build(TiPacket(int(info), payload))


def cfg_frequency(mhz: float) -> bytes:
    """CFG_FREQUENCY: integer MHz and the fraction in 1/65536 MHz."""
    whole = int(mhz)
    fraction = round((mhz - whole) * 65536)
    if not 0 < whole <= 0xFFFF or fraction > 0xFFFF:
        raise SerialEncodeError(PROTOCOL, "frequency", f"{mhz} MHz does not fit")
    return command(Info.CFG_FREQUENCY, whole.to_bytes(2, "little") + fraction.to_bytes(2, "little"))


def cfg_phy(index: int) -> bytes:
    if not 0 <= index <= 0xFF:
        raise SerialEncodeError(PROTOCOL, "phy", f"{index} is not a PHY index byte")
    return command(Info.CFG_PHY, bytes((index,)))


def build_capture(capture: TiCapture) -> bytes:
    """A data packet for `capture` (the virtual twin's side)."""
    status = capture.fcs_ok << 7 | capture.link_quality & 0x7F
    payload = capture.timestamp.to_bytes(6, "little") + capture.frame + bytes((capture.rssi & 0xFF, status))
    return build(TiPacket(Info.DATA, payload))


def parse_capture(packet: TiPacket) -> TiCapture:
    """The capture inside a data packet; SerialDecodeError for another packet or a short one."""
    if packet.info != Info.DATA:
        raise SerialDecodeError(PROTOCOL, 2, "info", f"info {packet.info:#04x} is not a data packet")
    if len(packet.payload) < 8:
        raise SerialDecodeError(PROTOCOL, 5, "payload", f"{len(packet.payload)} bytes hold no capture")
    data = packet.payload
    rssi = data[-2] - 256 if data[-2] >= 128 else data[-2]
    return TiCapture(
        int.from_bytes(data[:6], "little"), bytes(data[6:-2]), rssi, bool(data[-1] & 0x80), data[-1] & 0x7F
    )


class TiSnifferDeframer:
    """Packets out of a byte stream: hunt for SOF, check length, FCS and EOF; resynchronise on any fault."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[TiPacket | Dropped]:
        events: list[TiPacket | Dropped] = []
        self._buffer += data
        while True:
            start = self._buffer.find(SOF)
            if start < 0:
                keep = 1 if self._buffer[-1:] == SOF[:1] else 0
                self._drop_prefix(len(self._buffer) - keep, events)
                return events
            self._drop_prefix(start, events)
            if len(self._buffer) < 5:
                return events
            size = int.from_bytes(self._buffer[3:5], "little")
            if size > MAX_PAYLOAD:
                self._skip_bad_sof(events, SerialDecodeError(PROTOCOL, 3, "length", f"{size} exceeds {MAX_PAYLOAD}"))
                continue
            if len(self._buffer) < 8 + size:
                return events
            try:
                events.append(parse(bytes(self._buffer[: 8 + size])))
            except SerialDecodeError as error:
                self._skip_bad_sof(events, error)
                continue
            del self._buffer[: 8 + size]

    def _drop_prefix(self, count: int, events: list[TiPacket | Dropped]) -> None:
        if count > 0:
            error = SerialDecodeError(PROTOCOL, 0, "sof", f"{count} bytes before a start of frame")
            events.append(Dropped(error, bytes(self._buffer[: min(count, DROPPED_KEEP)])))
            del self._buffer[:count]

    def _skip_bad_sof(self, events: list[TiPacket | Dropped], error: SerialDecodeError) -> None:
        """A SOF that led nowhere: drop it and look for the next one (it may sit inside the bad packet)."""
        events.append(Dropped(error, bytes(self._buffer[:DROPPED_KEEP])))
        del self._buffer[:2]
