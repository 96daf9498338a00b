"""Which received message answers a command, and which shows it was refused (gbcs.md 2.3, 4.7, 5.5).

Why here, sans-I/O: `commshub send` and `commshub demo` both wait for answers on a WAN link and
must agree on what an answer is. A response answers a command when it carries the command's
counter and comes from the command's recipient to its originator (gbcs.md 2.3: a response has
the command's counter, originator and recipient swapped). A refused command gets no response
at all, so a head-end watches for the signs instead: the recipient's refusal alert (a generic
critical alert whose code names a security failure, docs/gbcs-endpoint.md), or the CHF's
"message could not be delivered" alert quoting the command's counter (0x00D5, gbcs.md 5.5).
"""

from __future__ import annotations

from dataclasses import dataclass

from protocols import dlms, gbz
from protocols.dlms import DataNotification, DlmsDecodeError, Integer, Structure
from protocols.gbcs import Cra, Message
from protocols.gbz import GbzDecodeError

#: Alert codes a device raises when it refuses a command (meters.md 5.3, docs/gbcs-endpoint.md).
REFUSAL_ALERTS = frozenset((0x8F1E, 0x8F30, 0x8F3E, 0x8F53))
#: The CHF's alert for a message it could not deliver, quoting the message's counter (gbcs.md 5.5).
UNDELIVERED = 0x00D5


@dataclass(frozen=True, slots=True)
class Awaited:
    """What a command's response is recognised by; None fields: a message that is not a readable command."""

    counter: int | None
    recipient: bytes | None
    originator: bytes | None


def answers(message: Message, awaited: Awaited) -> bool:
    """Whether `message` is the response to the command `awaited` describes (any response, when unknown)."""
    if message.cra is not Cra.RESPONSE:
        return False
    if awaited.counter is None:
        return True
    return (message.originator_counter, message.originator, message.recipient) == (
        awaited.counter,
        awaited.recipient,
        awaited.originator,
    )


def refusal(message: Message, awaited: Awaited) -> str | None:
    """Why `message` shows the awaited command was refused, or None when it does not."""
    if message.cra is not Cra.ALERT or awaited.counter is None:
        return None
    if message.message_code == UNDELIVERED and awaited.counter.to_bytes(8, "big") in message.payload:
        return f"the hub could not deliver it: alert 0x{UNDELIVERED:04X} from {message.originator.hex()}"
    code = alert_code(message.payload)
    if message.originator == awaited.recipient and code in REFUSAL_ALERTS:
        return f"refused by {message.originator.hex()}: alert 0x{code:04X}"
    return None


def alert_code(payload: bytes) -> int | None:
    """The alert code of a DLMS data-notification (its body's first member) or of a GBZ alert header
    (gbcs.md 5.2, 5.3); None for any other payload."""
    try:
        if payload[:2] == b"\x01\x09":
            return gbz.parse_alert(payload, body_layout=True).alert_code
        notification = dlms.parse(payload)
    except (DlmsDecodeError, GbzDecodeError):
        return None
    if isinstance(notification, DataNotification) and isinstance(notification.body, Structure):
        first = notification.body.items[0] if notification.body.items else None
        return first.value if isinstance(first, Integer) else None
    return None
