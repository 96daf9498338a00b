"""The one-byte GB tunnel header on the GSME's tunnel (gbcs.md 6.2; Wireshark `packet-gbcs.c`).

The sleepy GSME pulls its commands: GET (`01`) asks for the next queued message, GET-RESPONSE
(`02`, then the count still queued, then the message - absent when none was queued) answers,
PUT (`03`, then a GBCS response or alert) carries what the GSME sends. The CHF builds its
GET-RESPONSEs itself (`firmware.chf`); this module is the GSME's side and the shared values.
"""

from __future__ import annotations

from dataclasses import dataclass

GET, GET_RESPONSE, PUT = 0x01, 0x02, 0x03


@dataclass(frozen=True, slots=True)
class GetResponse:
    """A GET-RESPONSE: how many messages are still queued after this one, and this one (None: queue empty)."""

    remaining: int
    message: bytes | None


def get() -> bytes:
    return bytes((GET,))


def put(message: bytes) -> bytes:
    return bytes((PUT,)) + message


def parse_get_response(data: bytes) -> GetResponse | None:
    """The GET-RESPONSE in tunnel data, or None when the data is not one (too short, another header)."""
    if len(data) < 2 or data[0] != GET_RESPONSE:
        return None
    return GetResponse(data[1], data[2:] or None)


def get_response(remaining: int, message: bytes | None) -> bytes:
    """A GET-RESPONSE (the count is one octet: more than 255 queued still reads 255)."""
    return bytes((GET_RESPONSE, min(remaining, 0xFF))) + (message or b"")
