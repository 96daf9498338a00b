"""The agreed contract between the GBCS envelope side and a device's payload side.

Every GBCS endpoint (CHF, GPF, ESME, GSME, PPMID, HCALCS) is split in two: the envelope side
(`firmware.gbcs`) parses a whole GBCS message, checks recipient, MAC, signature, counter and
role (gbcs.md 4), and hands the PAYLOAD to the device's payload handler with a `CommandContext`;
it then seals what the handler returns into a GBCS response and seals raised alerts with the
device's own originator counter. The payload side (one per device kind) answers payloads and
raises alerts, sans-I/O, with its state in an `hal.nvm` partition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["CommandContext", "HandlerResult", "PayloadHandler", "RaisedAlert"]


@dataclass(frozen=True, slots=True)
class CommandContext:
    """What the envelope side established about an accepted command (gbcs.md 3-4)."""

    message_code: int  # GBCS message code of the command (e.g. 0x0019 ECS01a)
    originator: bytes  # 8-byte EUI of the remote party (or the ACB for DCC-originated commands)
    recipient: bytes  # 8-byte EUI of this device
    counter: int  # originator counter (u64); DLMS invoke-id = 0x20<<24 | counter & 0xFFFFFF ... (see gbcs.md 5.2)
    role: int | None  # remote-party role of the originator (gbcs.md 2.1), None if unknown
    critical: bool  # the command was signed (critical use case)
    other_information: Any  # protocols.gbcs.OtherInformation | None (service user, supplementary remote party)
    now: float  # hal.clock loop time, seconds (for deadlines)
    utc: float  # seconds since 1970-01-01 UTC at `now` (for dates written into data)


@dataclass(frozen=True, slots=True)
class RaisedAlert:
    """An alert the payload side raises; the envelope side seals and addresses it (gbcs.md 4.8)."""

    message_code: int  # GBCS message code of the alert message (e.g. 0x00CC future-dated DLMS)
    payload: bytes  # the alert payload, already encoded in its family (DLMS data-notification, GBZ alert, DER)
    recipient: bytes | None = None  # None: the device's default alert recipient (its supplier), chosen by firmware.gbcs


@dataclass(frozen=True, slots=True)
class HandlerResult:
    """The payload side's answer to one command: a response payload and any alerts it raised."""

    response: bytes | None  # the response payload (None: no response, e.g. a command that only raises an alert)
    alerts: tuple[RaisedAlert, ...] = ()


class PayloadHandler(Protocol):
    """A device's payload side: sans-I/O, never raises on bad input (answers with the protocol's error)."""

    def handle(self, payload: bytes, context: CommandContext) -> HandlerResult:
        """Answer one accepted command's payload; malformed input gets the protocol's error, not an exception."""
        ...

    def deadline(self) -> float | None:
        """Loop time of the next self-driven event (future-dated command, tariff switch, capture period ...)."""
        ...

    def timer_fired(self, now: float, utc: float) -> tuple[RaisedAlert, ...]:
        """Run what fell due by `now`; stale calls return ()."""
        ...
