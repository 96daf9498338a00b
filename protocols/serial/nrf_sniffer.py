"""The text protocol of Nordic's "nRF Sniffer for 802.15.4" firmware (radio.md 6.5).

The host writes CRLF-terminated commands (`sleep`, `channel N`, `receive`)
and the dongle answers with text lines; each captured frame is one line

    received: <PSDU hex, FCS included> power: <RSSI dBm> lqi: <0-255> time: <microseconds>

Anything else the firmware prints (a shell prompt, command echoes) is
passed up as `NrfText`. A line that starts like a capture but does not parse
is a `Dropped`, and a line longer than any capture could be is cut and
dropped, so a peer that never sends a newline cannot grow our buffer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import DROPPED_KEEP, Dropped, SerialDecodeError, SerialEncodeError

PROTOCOL = "nrf-sniffer"
#: Longest line we keep: a 127-byte PSDU in hex plus the field names and numbers.
MAX_LINE = 400
_RECEIVED = re.compile(
    r"received:\s+(?P<psdu>[0-9a-fA-F]*)\s+power:\s+(?P<power>-?\d+)\s+lqi:\s+(?P<lqi>\d+)\s+time:\s+(?P<time>-?\d+)\s*"
)


@dataclass(frozen=True, slots=True)
class NrfReceived:
    """One captured frame."""

    psdu: bytes  #: MAC frame with its FCS
    rssi: int  #: dBm
    lqi: int
    timestamp: int  #: microseconds on the dongle's clock


@dataclass(frozen=True, slots=True)
class NrfText:
    """Any other line the firmware printed (prompt, echo, version)."""

    text: str


def command_sleep() -> bytes:
    return b"sleep\r\n"


def command_receive() -> bytes:
    return b"receive\r\n"


def command_channel(channel: int) -> bytes:
    """Tune to a 2.4 GHz channel (the firmware is 2.4 GHz only: 11-26)."""
    if not 11 <= channel <= 26:
        raise SerialEncodeError(PROTOCOL, "channel", f"{channel} is not a 2.4 GHz channel 11-26")
    return f"channel {channel}\r\n".encode()


def build_received(frame: NrfReceived) -> bytes:
    """The line a dongle prints for `frame` (the virtual twin's side), CRLF included."""
    if not 0 <= frame.lqi <= 255:
        raise SerialEncodeError(PROTOCOL, "lqi", f"{frame.lqi} is not 0..255")
    return f"received: {frame.psdu.hex()} power: {frame.rssi} lqi: {frame.lqi} time: {frame.timestamp}\r\n".encode()


def parse_line(line: str) -> NrfReceived | NrfText:
    """Decode one line (without its line ending); SerialDecodeError for a broken capture line."""
    text = line.strip()
    if not text.startswith("received:"):
        return NrfText(text)
    match = _RECEIVED.fullmatch(text)
    if match is None:
        raise SerialDecodeError(PROTOCOL, 0, "received", f"capture line not understood: {text[:80]!r}")
    psdu = match["psdu"]
    if len(psdu) % 2 or not 2 <= len(psdu) // 2 <= 127:
        raise SerialDecodeError(PROTOCOL, match.start("psdu"), "psdu", f"{len(psdu)} hex digits are no PSDU")
    lqi = int(match["lqi"])
    if lqi > 255:
        raise SerialDecodeError(PROTOCOL, match.start("lqi"), "lqi", f"{lqi} is not 0..255")
    return NrfReceived(bytes.fromhex(psdu), int(match["power"]), lqi, int(match["time"]))


class NrfSnifferReader:
    """Lines out of the dongle's byte stream (CR, LF or CRLF), decoded; bounded memory."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._discarding = False  # inside an over-long line: skip to its end

    def feed(self, data: bytes) -> list[NrfReceived | NrfText | Dropped]:
        events: list[NrfReceived | NrfText | Dropped] = []
        self._buffer += data.replace(b"\r", b"\n")
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                break
            raw = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if self._discarding:
                self._discarding = False
                continue
            if raw.strip():
                events.append(self._line(raw))
        if len(self._buffer) > MAX_LINE:
            error = SerialDecodeError(PROTOCOL, MAX_LINE, "line", f"no line end within {MAX_LINE} bytes")
            events.append(Dropped(error, bytes(self._buffer[:DROPPED_KEEP])))
            self._buffer.clear()
            self._discarding = True
        return events

    @staticmethod
    def _line(raw: bytes) -> NrfReceived | NrfText | Dropped:
        try:
            return parse_line(raw.decode("ascii"))
        except UnicodeDecodeError as exc:
            return Dropped(
                SerialDecodeError(PROTOCOL, exc.start, "line", "a line that is not ASCII"), raw[:DROPPED_KEEP]
            )
        except SerialDecodeError as error:
            return Dropped(error, raw[:DROPPED_KEEP])
