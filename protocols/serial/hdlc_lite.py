"""HDLC-lite, the framing of Spinel on a UART (spinel.md 1; OpenThread `src/lib/hdlc/hdlc.cpp`).

A frame is flag 0x7E, the byte-stuffed payload followed by its FCS-16
(CRC-16/X.25 of the unstuffed payload, low byte first), and a closing flag.
We write a flag at both ends of every frame, as OpenThread does, and stuff
OpenThread's set (7E 7D 11 13 F8); we accept any stuffed byte, as both
OpenThread and pyspinel do.

`HdlcLiteDeframer` follows OpenThread's decoder rules: bytes before the
first flag are ignored, an empty flag-to-flag gap is idle, and a frame that
is too short, too long or fails its FCS is dropped (reported as a `Dropped`
value) while decoding carries on at the next flag. Its buffer is bounded, so
a peer that never sends a flag costs at most one frame's worth of memory.
"""

from __future__ import annotations

import re

from . import crc
from .errors import DROPPED_KEEP, Dropped, FcsError, SerialDecodeError, SerialEncodeError
from .stuffing import ESCAPE, FLAG, XOR, stuff

PROTOCOL = "hdlc-lite"
#: The bytes OpenThread's encoder escapes (flag, escape, XON, XOFF, 0xF8).
RESERVED = frozenset({FLAG, ESCAPE, 0x11, 0x13, 0xF8})
#: Largest payload we accept: SPINEL_FRAME_MAX_SIZE (spinel.md 1).
MAX_PAYLOAD = 1300
_FLAG = bytes((FLAG,))
_UNSTUFF = re.compile(rb"\x7d(.)", re.DOTALL)


def _unstuff_byte(match: re.Match[bytes]) -> bytes:
    return bytes((match[1][0] ^ XOR,))


def encode(payload: bytes) -> bytes:
    """The wire form of one frame: flag, stuffed payload + FCS (low byte first), flag."""
    if len(payload) > MAX_PAYLOAD:
        raise SerialEncodeError(PROTOCOL, "payload", f"{len(payload)} bytes exceed the {MAX_PAYLOAD}-byte maximum")
    fcs = crc.x25(payload)
    return _FLAG + stuff(payload + bytes((fcs & 0xFF, fcs >> 8)), RESERVED) + _FLAG


def decode_body(body: bytes) -> bytes:
    """The payload of one frame's stuffed body (the bytes between two flags); SerialDecodeError if bad."""
    if _ends_in_lone_escape(body):
        raise SerialDecodeError(PROTOCOL, len(body), "escape", "frame aborted: an escape byte right before the flag")
    unstuffed = _UNSTUFF.sub(_unstuff_byte, body)
    if len(unstuffed) < 2:
        raise SerialDecodeError(PROTOCOL, len(body), "fcs", f"a {len(unstuffed)}-byte frame cannot hold its FCS")
    if len(unstuffed) - 2 > MAX_PAYLOAD:
        raise SerialDecodeError(PROTOCOL, 0, "payload", f"{len(unstuffed) - 2} bytes exceed {MAX_PAYLOAD}")
    payload, got = unstuffed[:-2], unstuffed[-2] | unstuffed[-1] << 8
    want = crc.x25(payload)
    if got != want:
        raise FcsError(PROTOCOL, len(body), "fcs", f"FCS {got:04X} does not match the payload's {want:04X}")
    return payload


def _ends_in_lone_escape(body: bytes) -> bool:
    """True when the body's last byte is an escape that escapes nothing (an odd run of 0x7D at the end)."""
    run = len(body) - len(body.rstrip(b"\x7d"))
    return run % 2 == 1


def decode(wire: bytes) -> bytes:
    """The payload of exactly one frame given with or without its flags; SerialDecodeError otherwise."""
    body = wire[1:] if wire[:1] == _FLAG else wire
    body = body[:-1] if body[-1:] == _FLAG else body
    where = body.find(_FLAG)
    if where >= 0:
        raise SerialDecodeError(PROTOCOL, where + 1, "flag", "more than one frame (a flag inside the body)")
    return decode_body(body)


class HdlcLiteDeframer:
    """Turns a byte stream into frame payloads, resynchronising at the next flag after any fault."""

    def __init__(self, max_payload: int = MAX_PAYLOAD) -> None:
        self.max_payload = max_payload
        self._limit = 2 * (max_payload + 2)  # every byte stuffed, FCS included
        self._buffer = bytearray()
        self._synced = False  # seen a flag since the start or since the last oversized run

    def feed(self, data: bytes) -> list[bytes | Dropped]:
        """Consume `data`; return the frames it completed and the drops it caused, in order."""
        events: list[bytes | Dropped] = []
        self._buffer += data
        while True:
            end = self._buffer.find(FLAG)
            if end < 0:
                break
            body = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if self._synced and body:
                events.append(self._frame(body))
            self._synced = True
        if len(self._buffer) > self._limit:
            if self._synced:
                error = SerialDecodeError(PROTOCOL, len(self._buffer), "payload", f"no flag within {self._limit} bytes")
                events.append(Dropped(error, bytes(self._buffer[:DROPPED_KEEP])))
            self._buffer.clear()
            self._synced = False
        return events

    def _frame(self, body: bytes) -> bytes | Dropped:
        try:
            payload = decode_body(body)
        except SerialDecodeError as error:
            return Dropped(error, body[:DROPPED_KEEP])
        if len(payload) > self.max_payload:
            too_long = SerialDecodeError(PROTOCOL, 0, "payload", f"{len(payload)} bytes exceed {self.max_payload}")
            return Dropped(too_long, body[:DROPPED_KEEP])
        return payload
