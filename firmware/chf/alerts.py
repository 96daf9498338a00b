"""The CHF's alerts and its event log: every alert the CHF raises is also an event-log entry (meters.md 5.1).

Why together: GBCS makes alerts log entries (the ESME writes the code into its event log,
meters.md 5.1), and ECS35c reads the CHF event log as `{u32 time, u16 code, octet-string}`
entries (gbcs.md 5.7), so raising and logging are one step here.

Alert payloads are DLMS data-notifications (gbcs.md 5.2, 5.5): `0F ‖ invoke-id ‖ 00 ‖
structure{ long-unsigned alert code, octet-string(12) date-time, use-case members... }`.
The invoke-id carries the alert's originator counter, which `firmware.gbcs` assigns when it
seals the alert; the CHF writes counter 0. CHF alerts go to the ACB (every CHF alert in RTDS
is addressed to it, gbcs.md 2.1). Message codes (gbcs.md 5.6, 5.5; meters.md 5.1):

| alert | code | message code |
|---|---|---|
| CHF device log changed (CS14) | 0x8F12 | 0x0018 |
| Limited duty cycle action taken (DBCH06) | 0x8F20 | 0x0110 |
| channel changed (DBCH07) | 0x8F26 | 0x0111 |
| scan-request assessment outcome (DBCH08) | 0x8F28 | 0x0112 |
| configuration changed (DBCH09) | 0x8F2A | 0x0113 |
| message discarded, duty cycle (DBCH10) | 0x8F2C | 0x0114 |
| no more sub-GHz device capacity (DBCH11) | 0x8F2D | 0x0115 |
| failure to deliver a remote-party message | 0x8F84 | 0x00D5 |
| the other duty-cycle levels (0x8F21-0x8F25) | | 0x1000 generic critical |
| GSME command not retrieved | 0x819D | 0x1001 generic non-critical |

Alerts with no use-case message code travel as 0x1000 (critical range 0x8Fxx) or 0x1001
(others), code and time only (meters.md 5.1 "where no specific Message Code is specified").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.gbcs.alerts import dlms_date_time, zigbee_utc
from firmware.gbcs.contract import RaisedAlert
from protocols import dlms
from protocols.dlms import (
    CompactArray,
    Data,
    DataNotification,
    DataType,
    LongInvokeId,
    SimpleType,
    StructureType,
    octets,
    structure,
    u16,
    u32,
)

if TYPE_CHECKING:
    from hal.nvm import Nvm

DEVICE_LOG_CHANGED = 0x8F12
LIMITED_ACTION_TAKEN, BELOW_LIMITED = 0x8F20, 0x8F21
CRITICAL_ACTION_TAKEN, BELOW_CRITICAL = 0x8F22, 0x8F23
REGULATED_ACTION_TAKEN, BELOW_REGULATED = 0x8F24, 0x8F25
CHANNEL_CHANGED = 0x8F26
SCAN_ASSESSMENT = 0x8F28
CONFIGURATION_CHANGED = 0x8F2A
MESSAGE_DISCARDED = 0x8F2C
NO_SUB_GHZ_CAPACITY = 0x8F2D
DELIVERY_FAILED = 0x8F84
GSME_COMMAND_NOT_RETRIEVED = 0x819D
#: Events with no alert of their own: an immediate HAN command (not) actioned, the message code as data
#: (gbcs.md 6.4: the Silicon Labs CHF logs them for every message it hands on; ECS35c shows them).
HAN_COMMAND_ACTIONED, HAN_COMMAND_NOT_ACTIONED = 0x8154, 0x8155

GENERIC_CRITICAL, GENERIC_NON_CRITICAL = 0x1000, 0x1001
#: Alert code -> the message code of its use case (gbcs.md 5.6).
MESSAGE_CODES = {
    DEVICE_LOG_CHANGED: 0x0018,
    LIMITED_ACTION_TAKEN: 0x0110,
    CHANNEL_CHANGED: 0x0111,
    SCAN_ASSESSMENT: 0x0112,
    CONFIGURATION_CHANGED: 0x0113,
    MESSAGE_DISCARDED: 0x0114,
    NO_SUB_GHZ_CAPACITY: 0x0115,
    DELIVERY_FAILED: 0x00D5,
}
EVENT_LOG = "chf.event-log"
#: The column layout of the CHF's logs as ECS35c / DBCH02 return them (gbcs.md 5.7).
LOG_ENTRY_TYPE = StructureType(
    (SimpleType(DataType.DOUBLE_LONG_UNSIGNED), SimpleType(DataType.LONG_UNSIGNED), SimpleType(DataType.OCTET_STRING))
)


def message_code_of(alert_code: int) -> int:
    """The message code an alert travels under: its use case's, else the generic critical / non-critical one."""
    if alert_code in MESSAGE_CODES:
        return MESSAGE_CODES[alert_code]
    return GENERIC_CRITICAL if alert_code & 0xFF00 == 0x8F00 else GENERIC_NON_CRITICAL


def notification(alert_code: int, utc: float, *members: Data) -> bytes:
    """A DLMS alert payload: alert code, date-time, then the use case's members (gbcs.md 5.5)."""
    body = structure(u16(alert_code), octets(dlms_date_time(utc)), *members)
    return dlms.build(DataNotification(LongInvokeId.for_counter(0), body))


def undelivered(originator: bytes, target: bytes, cra: int, counter: int) -> bytes:
    """The 25 bytes naming a message that was not delivered (0x00D5 and DBCH10, gbcs.md 5.5)."""
    return originator + target + bytes((cra,)) + counter.to_bytes(8, "big")


def log_entries(entries: list[tuple[float, int, bytes]], first: int, last: int) -> CompactArray:
    """Log entries `(utc, code, data)` whose ZigBee UTC time lies in [first, last], as a compact array."""
    chosen = [
        structure(u32(zigbee_utc(utc)), u16(code), octets(data))
        for utc, code, data in entries
        if first <= zigbee_utc(utc) <= last
    ]
    return CompactArray(LOG_ENTRY_TYPE, tuple(chosen))


class ChfAlerts:
    """Raises the CHF's alerts, each also written to the CHF event log (NVM, bounded)."""

    def __init__(self, nvm: Nvm, recipient: bytes | None, depth: int) -> None:
        self._nvm = nvm
        self._recipient = recipient
        self._depth = depth

    def log(self, code: int, utc: float, data: bytes = b"") -> None:
        """Write an event-log entry."""
        self._nvm.append(EVENT_LOG, {"utc": int(utc), "code": code, "data": data}, keep=self._depth)

    def raise_alert(self, alert_code: int, utc: float, *members: Data) -> RaisedAlert:
        """Log the event and return the alert for the envelope side to seal and send to the ACB."""
        self.log(alert_code, utc)
        payload = notification(alert_code, utc, *members)
        return RaisedAlert(message_code_of(alert_code), payload, self._recipient)

    def events(self) -> list[tuple[float, int, bytes]]:
        return [(entry["utc"], entry["code"], entry["data"]) for _, entry in self._nvm.log(EVENT_LOG)]
