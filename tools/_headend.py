"""The head-end's side of a WAN exchange, shared by `commshub send` and `commshub demo`: send a command, read
what arrives until its response, a sign it was refused, or the timeout (firmware.headend.exchange says which
is which); then, after the last, read until the link is quiet.

`on_message(data)` is called with every message received, in order, and returns the decoded message (None
when it does not decode); the caller prints or records it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from firmware.headend.exchange import Awaited, answers, refusal
from hal.wan import HeadEnd
from protocols.gbcs import Message

#: After the device's refusal alert, how long the response may still come (it never does for a refusal).
REFUSAL_GRACE = 0.5
OnMessage = Callable[[bytes, Awaited | None], Message | None]


@dataclass(frozen=True, slots=True)
class Outcome:
    """A command's fate: its response, or why there was none."""

    response: Message | None
    why: str = ""


async def exchange(
    head_end: HeadEnd, data: bytes, awaited: Awaited, *, timeout: float, on_message: OnMessage
) -> Outcome:
    """Send `data` and read until its response (WanClosed propagates: the hub hung up)."""
    await head_end.send(data)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    refused: str | None = None
    while (left := deadline - loop.time()) > 0:
        try:
            received = await head_end.receive(timeout=left)
        except TimeoutError:
            break
        message = on_message(received, awaited)
        if message is None:
            continue
        if answers(message, awaited):
            return Outcome(message)
        reason = refusal(message, awaited)
        if reason is not None and refused is None:
            refused = reason
            deadline = min(deadline, loop.time() + REFUSAL_GRACE)
    return Outcome(None, refused or f"nothing within {timeout:g} s")


async def linger(head_end: HeadEnd, quiet: float, on_message: OnMessage) -> None:
    """Read what keeps arriving (alerts after the last answer) until `quiet` seconds pass without any."""
    while quiet > 0:
        try:
            received = await head_end.receive(timeout=quiet)
        except TimeoutError:
            return
        on_message(received, None)
