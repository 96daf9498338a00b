"""ASH, the link layer between an EZSP host and a Silicon Labs NCP (UG101; radio.md 6.1).

Frames end with the flag 0x7E: control byte, data, CRC-16/CCITT-FALSE over
control + data (high byte first); then bytes 7E 7D 11 13 18 1A are stuffed as
0x7D, byte ^ 0x20. Control bytes:

    DATA    0 fff r aaa   frame number, retransmission, ack number (EZSP frame inside, randomised)
    ACK     1 0 0 r n aaa  reserved bit, not-ready, ack number
    NAK     1 0 1 r n aaa
    RST     0xC0          host -> NCP (preceded by a CANCEL byte to flush a partial frame)
    RSTACK  0xC1 02 code  NCP -> host after a reset: version 2, reset reason
    ERROR   0xC2 02 code  NCP -> host: fatal, the host must reset it

DATA fields are XORed with a fixed LFSR sequence (seed 0x42; r >> 1, then
^ 0xB8 when r was odd) so that stuffing rarely lengthens them.

`AshDeframer` reads a stream the way UG101's receiver does: CANCEL (0x1A)
throws away the frame in progress, SUBSTITUTE (0x18, a byte the UART lost)
spoils the frame so it is dropped at its flag, XON/XOFF are flow control
and removed, and anything too long is dropped until the next flag.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from . import crc
from .errors import DROPPED_KEEP, Dropped, FcsError, SerialDecodeError, SerialEncodeError
from .stuffing import ESCAPE, FLAG, XOR, stuff

PROTOCOL = "ash"
CANCEL = 0x1A
SUBSTITUTE = 0x18
XON = 0x11
XOFF = 0x13
RESERVED = frozenset({FLAG, ESCAPE, XON, XOFF, SUBSTITUTE, CANCEL})
#: Largest DATA field (an EZSP frame), UG101.
MAX_DATA = 128
#: The version byte of RSTACK and ERROR frames.
VERSION = 2


class ResetCode(enum.IntEnum):
    """Reset and error codes of RSTACK / ERROR frames (UG101)."""

    UNKNOWN_REASON = 0x00
    EXTERNAL = 0x01
    POWER_ON = 0x02
    WATCHDOG = 0x03
    ASSERT = 0x06
    BOOTLOADER = 0x09
    SOFTWARE = 0x0B
    EXCEEDED_MAXIMUM_ACK_TIMEOUT_COUNT = 0x51
    UNKNOWN_EM3XX_ERROR = 0x80


def _lfsr(length: int) -> bytes:
    out, value = bytearray(), 0x42
    for _ in range(length):
        out.append(value)
        value = (value >> 1) ^ (0xB8 if value & 1 else 0)
    return bytes(out)


_SEQUENCE = _lfsr(MAX_DATA)


def randomise(data: bytes) -> bytes:
    """`data` XORed with the ASH pseudo-random sequence (its own inverse)."""
    if len(data) > MAX_DATA:
        raise SerialEncodeError(PROTOCOL, "data", f"{len(data)} bytes exceed the {MAX_DATA}-byte DATA field")
    return bytes(a ^ b for a, b in zip(data, _SEQUENCE, strict=False))


@dataclass(frozen=True, slots=True)
class AshData:
    frame_number: int
    ack_number: int
    payload: bytes  #: the EZSP frame, not randomised
    retransmission: bool = False


@dataclass(frozen=True, slots=True)
class AshAck:
    ack_number: int
    not_ready: bool = False
    reserved: int = 0


@dataclass(frozen=True, slots=True)
class AshNak:
    ack_number: int
    not_ready: bool = False
    reserved: int = 0


@dataclass(frozen=True, slots=True)
class AshRst:
    pass


@dataclass(frozen=True, slots=True)
class AshRstAck:
    reset_code: int
    version: int = VERSION


@dataclass(frozen=True, slots=True)
class AshError:
    error_code: int
    version: int = VERSION


AshFrame = AshData | AshAck | AshNak | AshRst | AshRstAck | AshError


def _three_bits(value: int, field: str) -> int:
    if not 0 <= value <= 7:
        raise SerialEncodeError(PROTOCOL, field, f"{value} is not a 3-bit number")
    return value


def build_body(frame: AshFrame) -> bytes:
    """Control + data + CRC, before stuffing."""
    if isinstance(frame, AshData):
        if len(frame.payload) < 3:
            raise SerialEncodeError(PROTOCOL, "data", "an EZSP frame has at least 3 bytes")
        control = _three_bits(frame.frame_number, "frame_number") << 4 | frame.retransmission << 3
        body = bytes((control | _three_bits(frame.ack_number, "ack_number"),)) + randomise(frame.payload)
    elif isinstance(frame, AshAck | AshNak):
        kind = 0x80 if isinstance(frame, AshAck) else 0xA0
        control = kind | (frame.reserved & 1) << 4 | frame.not_ready << 3 | _three_bits(frame.ack_number, "ack_number")
        body = bytes((control,))
    elif isinstance(frame, AshRst):
        body = b"\xc0"
    elif isinstance(frame, AshRstAck):
        body = bytes((0xC1, frame.version, frame.reset_code))
    else:
        body = bytes((0xC2, frame.version, frame.error_code))
    return body + crc.ccitt_false(body).to_bytes(2, "big")


def build(frame: AshFrame) -> bytes:
    """The wire form of `frame`: stuffed body and the closing flag. Hosts send CANCEL before an RST."""
    return stuff(build_body(frame), RESERVED) + bytes((FLAG,))


def parse_body(body: bytes) -> AshFrame:
    """Decode control + data + CRC (unstuffed, no flag); SerialDecodeError / FcsError if bad."""
    if len(body) < 3:
        raise SerialDecodeError(
            PROTOCOL, len(body), "control", f"a {len(body)}-byte frame is shorter than control + CRC"
        )
    want = crc.ccitt_false(body[:-2])
    got = int.from_bytes(body[-2:], "big")
    if got != want:
        raise FcsError(PROTOCOL, len(body) - 2, "crc", f"CRC {got:04X} does not match the frame's {want:04X}")
    control, data = body[0], body[1:-2]
    if not control & 0x80:
        if len(data) < 3 or len(data) > MAX_DATA:
            raise SerialDecodeError(PROTOCOL, 1, "data", f"DATA field of {len(data)} bytes is outside 3..{MAX_DATA}")
        return AshData(control >> 4 & 7, control & 7, randomise(data), bool(control & 0x08))
    if control & 0xC0 == 0x80:
        if data:
            raise SerialDecodeError(PROTOCOL, 1, "data", "ACK/NAK frames carry no data")
        kind = AshAck if control & 0x20 == 0 else AshNak
        return kind(control & 7, bool(control & 0x08), control >> 4 & 1)
    if control == 0xC0:
        if data:
            raise SerialDecodeError(PROTOCOL, 1, "data", "RST frames carry no data")
        return AshRst()
    if control in (0xC1, 0xC2):
        if len(data) != 2:
            raise SerialDecodeError(PROTOCOL, 1, "data", f"RSTACK/ERROR carry 2 bytes, not {len(data)}")
        if data[0] != VERSION:
            raise SerialDecodeError(PROTOCOL, 1, "version", f"ASH version {data[0]}, expected {VERSION}")
        return AshRstAck(data[1], data[0]) if control == 0xC1 else AshError(data[1], data[0])
    raise SerialDecodeError(PROTOCOL, 0, "control", f"control byte {control:#04x} is no ASH frame type")


def unstuff(stuffed: bytes) -> bytes:
    """Undo byte stuffing; SerialDecodeError for a trailing lone escape."""
    out = bytearray()
    escaped = False
    for byte in stuffed:
        if escaped:
            out.append(byte ^ XOR)
            escaped = False
        elif byte == ESCAPE:
            escaped = True
        else:
            out.append(byte)
    if escaped:
        raise SerialDecodeError(PROTOCOL, len(stuffed), "escape", "frame ends in an escape byte")
    return bytes(out)


def parse(wire: bytes) -> AshFrame:
    """Decode exactly one frame (stuffed, with or without its closing flag)."""
    body = wire[:-1] if wire[-1:] == bytes((FLAG,)) else wire
    if FLAG in body:
        raise SerialDecodeError(PROTOCOL, body.index(FLAG), "flag", "more than one frame")
    return parse_body(unstuff(body))


class AshDeframer:
    """ASH frames out of a byte stream, resynchronising at each flag or CANCEL (UG101 receiver rules)."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._spoiled = False  # a SUBSTITUTE byte or an overflow happened in this frame
        self._overflow = False
        self._escaped = False
        self._limit = MAX_DATA + 3

    def feed(self, data: bytes) -> list[AshFrame | Dropped]:
        """Consume `data`; return the frames it completed and the drops it caused, in order."""
        events: list[AshFrame | Dropped] = []
        for byte in data:
            if byte == FLAG:
                event = self._end_frame()
                if event is not None:
                    events.append(event)
            elif byte == CANCEL:
                if self._buffer:
                    error = SerialDecodeError(PROTOCOL, len(self._buffer), "cancel", "frame cancelled by the sender")
                    events.append(Dropped(error, bytes(self._buffer[:DROPPED_KEEP])))
                self._reset()
            elif byte in (XON, XOFF):
                continue
            elif byte == SUBSTITUTE:
                self._spoiled = True
            elif byte == ESCAPE:
                self._escaped = True
            elif len(self._buffer) >= self._limit:
                self._overflow = True
            else:
                self._buffer.append(byte ^ XOR if self._escaped else byte)
                self._escaped = False
        return events

    def _reset(self) -> None:
        self._buffer.clear()
        self._spoiled = self._overflow = self._escaped = False

    def _end_frame(self) -> AshFrame | Dropped | None:
        body, spoiled, overflow = bytes(self._buffer), self._spoiled or self._escaped, self._overflow
        self._reset()
        if not body and not spoiled:
            return None
        try:
            if spoiled:
                raise SerialDecodeError(PROTOCOL, len(body), "substitute", "a lost byte (SUBSTITUTE) or a lone escape")
            if overflow:
                raise SerialDecodeError(PROTOCOL, self._limit, "data", f"frame longer than {self._limit} bytes")
            return parse_body(body)
        except SerialDecodeError as error:
            return Dropped(error, body[:DROPPED_KEEP])
