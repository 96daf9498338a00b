"""The values GSME handlers take and return, and the meter facade they act on.

Why this shape: each ZCL command the GSME serves is one function `(meter, request) -> Answer`
(registered per cluster in `handlers`), so the executor (`engine`) owns the GBZ rules - order,
Break On Error, future dating, faults, response framing - and a handler only says what the meter
does and answers. `Meter` is the meter as handlers see it: its NVM state, its profile, the clock
of the command being executed, and the alerts it raises (meters.md 5).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from protocols.gbz import GbzAlert, ZclFrame, build_alert, zcl

from .profile import GsmeProfile
from .state import GsmeState

#: Seconds from the Unix epoch to the ZigBee epoch, 2000-01-01T00:00:00Z (gbcs.md 0).
ZIGBEE_EPOCH = 946_684_800
#: ZCL statuses a GSME answers with (meters.md 4.4).
SUCCESS, FAILURE, NOT_AUTHORIZED, MALFORMED_COMMAND = 0x00, 0x01, 0x7E, 0x80
UNSUP_CLUSTER_COMMAND, UNSUP_GENERAL_COMMAND, INVALID_FIELD = 0x81, 0x82, 0x85
UNSUPPORTED_ATTRIBUTE, INVALID_VALUE, READ_ONLY, INSUFFICIENT_SPACE = 0x86, 0x87, 0x88, 0x89
NOT_FOUND, HARDWARE_FAILURE = 0x8B, 0xC0
UNSUPPORTED_CLUSTER = 0xC3
#: Event configuration (Set Event Configuration, GCS20): bits 0-2 the log to write to (3 general event),
#: bit 3 push the event to the WAN as an alert, bit 4 push it to the HAN [?: ZSE layout, not in the primers].
LOG_AS_GENERAL_EVENT, PUSH_TO_WAN = 0x03, 0x08
DEFAULT_EVENT_CONFIGURATION = LOG_AS_GENERAL_EVENT | PUSH_TO_WAN
#: Alert codes that are security events, logged in the security log (log id 4) rather than the event log:
#: authentication and authority failures, UTRN refusals, credential and log changes (meters.md 5.3).
SECURITY_EVENTS = frozenset(
    {0x8F1E, 0x8F30, 0x8F3D, 0x8F3E, 0x8F53, 0x8F60, 0x8F51, 0x8F5B, 0x8F63, 0x8F64, 0x81C4, 0x81C5}
    | {0x8F4C, 0x8F4D, 0x8F4E, 0x8F4F, 0x8F69, 0x8F70, 0x8F52}
)
#: Alert message codes for alerts without a use-case layout (meters.md 5.1).
GENERIC_CRITICAL, GENERIC_NON_CRITICAL = 0x1000, 0x1001


@dataclass(frozen=True, slots=True)
class Request:
    """One GBZ component being executed: its frame, its decoded fields and the command's identity."""

    cluster_id: int
    frame: ZclFrame
    fields: Any  #: the zigpy schema instance of a cluster command; None for profile-wide commands
    utc: int  #: ZigBee UTC seconds at execution
    from_date_time: int | None = None  #: the component's GBZ from-date-time (an earliest time on log reads)
    message_code: int = 0
    counter: int = 0
    originator: bytes = bytes(8)


@dataclass(frozen=True, slots=True)
class Reply:
    """One response component: a command of the same cluster in the opposite direction."""

    command_id: int
    payload: bytes
    profile_wide: bool = False
    encrypt: bool = False  #: carries consumption or balances: sent encrypted (meters.md 4.3)
    server_to_client: bool = True


@dataclass(frozen=True, slots=True)
class Answer:
    """What a component produced: replies, or a Default Response `status`; `ok` False breaks the rest."""

    replies: tuple[Reply, ...] = ()
    status: int = SUCCESS
    ok: bool = True


@dataclass(frozen=True, slots=True)
class GsmeAlert:
    """An alert the GSME raised: its GBCS message code and GBZ alert payload (sealed by the envelope layer)."""

    message_code: int
    payload: bytes


def done(status: int = SUCCESS) -> Answer:
    """A Default Response with `status`; NOT_FOUND is not a failure for Break On Error (meters.md 4.4)."""
    return Answer(status=status, ok=status in (SUCCESS, NOT_FOUND))


def reply(cluster_id: int, name: str, *, encrypt: bool = False, **fields: Any) -> Reply:
    """The cluster command `name` of `cluster_id`, built from zigpy's schema; its direction is the one
    zigpy defines it in (server to client for the answers a meter's server sends, else client to server)."""
    server_to_client = zcl.command_direction(cluster_id, name)
    command_id, payload = zcl.encode_command(cluster_id, name, server_to_client=server_to_client, **fields)
    return Reply(command_id, payload, encrypt=encrypt, server_to_client=server_to_client)


def to_zigbee(unix: float) -> int:
    return max(0, int(unix) - ZIGBEE_EPOCH)


@dataclass
class Meter:
    """The meter as handlers see it while one command (or timer) runs."""

    state: GsmeState
    profile: GsmeProfile
    rng: random.Random
    utc: int = 0  #: ZigBee UTC now
    alerts: list[GsmeAlert] = field(default_factory=list)

    def get(self, cluster_id: int, name: str, default: Any = 0) -> Any:
        value = self.state.attribute(cluster_id, zcl.attribute_id(cluster_id, name))
        return default if value is None else value

    def set(self, cluster_id: int, name: str, value: Any) -> None:
        self.state.set_attribute(cluster_id, zcl.attribute_id(cluster_id, name), value)

    def raise_alert(self, alert_code: int, *, body: bytes | None = None, message_code: int | None = None) -> None:
        """Raise `alert_code` now and log it (meters.md 5.1: alerts are also log entries; security events in
        the security log, the others in the event log).

        Without a use-case `message_code`, 0x8Fxx codes travel as Generic Critical, others as Generic
        Non-Critical; a non-critical alert the supplier disabled (GCS20) is only logged.
        """
        self.log_event(4 if alert_code in SECURITY_EVENTS else 3, alert_code)
        critical = alert_code >> 8 == 0x8F
        if message_code is None:
            if not critical and not self.alert_enabled(alert_code):
                return
            message_code = GENERIC_CRITICAL if critical else GENERIC_NON_CRITICAL
        alert = GbzAlert(alert_code, self.utc, body=body) if body is not None else GbzAlert(alert_code, self.utc)
        self.alerts.append(GsmeAlert(message_code, build_alert(alert)))

    def alert_enabled(self, alert_code: int) -> bool:
        """The code's event configuration has "push event to WAN" set; on unless configured."""
        configuration = self.state.value(f"event_config/{alert_code:04X}")
        return True if configuration is None else bool(configuration & PUSH_TO_WAN)

    def log_event(self, log_id: int, event_id: int, data: bytes = b"") -> None:
        self.state.append(f"event/{log_id}", {"id": event_id, "time": self.utc, "data": data})
