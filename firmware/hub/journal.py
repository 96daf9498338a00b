"""The hub's live log: one readable line per join, command, response and alert (what `commshub run` shows).

Why its own logger: an engineer watching a hub wants to follow GBCS traffic - who sent what
to whom, what came back - without the stack's frame-level chatter. Every line goes to the
`commshub.hub` logger at INFO; `describe` names a GBCS message from its routing header
(message code and use case from `protocols.gbcs.registry`, CRA, originator, recipient,
counter) without touching its payload.
"""

from __future__ import annotations

import logging

from protocols.gbcs import registry
from protocols.gbcs.envelope import decode
from protocols.gbcs.errors import GbcsDecodeError

LOG = logging.getLogger("commshub.hub")
_KINDS = {1: "command", 2: "response", 3: "alert"}


def describe(data: bytes) -> str:
    """`command 0x0019 ECS01a 90b3d51f30010000 -> 00db1234567890a0 #123` (or why it does not decode)."""
    try:
        message, _ = decode(bytes(data))
    except GbcsDecodeError as exc:
        return f"undecodable message of {len(data)} octets ({exc.reason})"
    info = registry.lookup(message.message_code)
    name = f" {info.use_case}" if info is not None and info.use_case else ""
    kind = _KINDS.get(int(message.cra), f"CRA {int(message.cra)}")
    block = f" GBT block {message.gbt.block_number}" if message.gbt is not None else ""
    return (
        f"{kind} 0x{message.message_code:04X}{name} {message.originator.hex()} -> {message.recipient.hex()}"
        f" #{message.originator_counter}{block}"
    )


def event(text: str, *args: object) -> None:
    LOG.info(text, *args)


def traffic(direction: str, data: bytes) -> None:
    """`WAN <- head-end 1: command ...`: described only when the line will be shown."""
    if LOG.isEnabledFor(logging.INFO):
        LOG.info("%s: %s", direction, describe(data))
