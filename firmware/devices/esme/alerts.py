"""Alerts the ESME raises on its own, in their GBCS layout (gbcs.md 5.5; meters.md 5).

An alert payload is a DLMS data-notification: long-invoke-id (`0x20` + low 24 bits of the
alert's counter, which the envelope side assigns when it seals - the ESME writes 0 and
`firmware.gbcs` owns the counter), no date-time, then `structure{ alert code lu, date-time
os(12), use-case fields... }`.

Message codes (meters.md 5.1): the use case's own code where one exists (0x00CC future-dated
outcome, 0x0061 billing data log, 0x0067 supply outage restore, 0x00CE firmware receipt,
0x0121 APC limit processed), otherwise 0x1000 Generic Critical for the 0x8Fxx range and 0x1001
Generic Non Critical for the configurable 0x80xx / 0x81xx ranges.

Which non-critical alerts are sent is configured per party by the ECS25 bit strings (meters.md
2.6): bit n of the Supplier's 256-bit WAN string enables 0x81nn, of the Network Operator's
0x80nn, bit 0 being the last bit on the wire. Critical alerts cannot be configured off.
"""

from __future__ import annotations

import enum

from firmware.devices.esme import dates
from protocols.dlms import DataNotification, LongInvokeId, build, octets, structure, u16
from protocols.dlms.data import Data

#: Generic alert message codes (meters.md 5.1).
GENERIC_CRITICAL = 0x1000
GENERIC_NON_CRITICAL = 0x1001


class AlertCode(enum.IntEnum):
    """The alert codes this ESME raises (names per meters.md 5.3; codes per GBCS Table 16)."""

    LOW_CREDIT = 0x810D
    CREDIT_ADDED_LOCALLY = 0x810E
    EMERGENCY_CREDIT_AVAILABLE = 0x8119
    CLOCK_ADJUSTED = 0x8145
    EMERGENCY_CREDIT_EXHAUSTED = 0x81AA
    EMERGENCY_CREDIT_ACTIVATED = 0x81AB
    DEBT_COLLECTION_COMPLETED_TIME_DEBT_1 = 0x81A7
    DEBT_COLLECTION_COMPLETED_TIME_DEBT_2 = 0x81A8
    DEBT_COLLECTION_COMPLETED_PAYMENT_DEBT = 0x81A9
    CLOCK_NOT_ADJUSTED_OUTSIDE_TOLERANCE = 0x81C6
    IMPORT_ABOVE_LOAD_LIMIT = 0x8F01
    BILLING_DATA_LOG_UPDATED = 0x8F0A
    CREDIT_BELOW_DISABLEMENT_THRESHOLD = 0x8F0F
    FIRMWARE_VERIFICATION_FAILED = 0x8F1C
    SUPPLY_ARMED = 0x8F32
    SUPPLY_DISABLED_LOAD_LIMIT = 0x8F33
    SUPPLY_ENABLED_AFTER_LOAD_LIMIT = 0x8F34
    SUPPLY_OUTAGE_RESTORED = 0x8F36
    CREDIT_WOULD_EXCEED_MAX_BALANCE = 0x8F47
    EVENT_LOG_CLEARED = 0x8F52
    DUPLICATE_UTRN = 0x8F51
    UTRN_EXCEEDS_MAX_CREDIT = 0x8F5B
    UTRN_NOT_AUTHENTIC = 0x8F63
    UTRN_NOT_FOR_THIS_DEVICE = 0x8F64
    FUTURE_DATED_SUCCESS = 0x8F66
    FUTURE_DATED_FAILURE = 0x8F67
    FIRMWARE_VERIFIED = 0x8F72
    APC_LIMIT_PROCESSED = 0x8F86

    @property
    def critical(self) -> bool:
        """0x8Fxx alerts are critical; 0x80xx / 0x81xx are the configurable non-critical ones (meters.md 5.1)."""
        return self.value >> 8 == 0x8F


#: Alerts that travel under a use case's own message code (meters.md 5.2).
_MESSAGE_CODES: dict[int, int] = {
    AlertCode.FUTURE_DATED_SUCCESS: 0x00CC,
    AlertCode.FUTURE_DATED_FAILURE: 0x00CC,
    AlertCode.BILLING_DATA_LOG_UPDATED: 0x0061,
    AlertCode.SUPPLY_OUTAGE_RESTORED: 0x0067,
    AlertCode.FIRMWARE_VERIFIED: 0x00CE,
    AlertCode.APC_LIMIT_PROCESSED: 0x0121,
}


def message_code(code: int) -> int:
    """The GBCS message code an alert `code` is sent under."""
    specific = _MESSAGE_CODES.get(code)
    if specific is not None:
        return specific
    return GENERIC_CRITICAL if code >> 8 == 0x8F else GENERIC_NON_CRITICAL


def notification(code: int, utc: float, *fields: Data) -> bytes:
    """The data-notification payload of alert `code` raised at `utc`, with the use case's `fields`."""
    body = structure(u16(code), octets(dates.date_time(utc)), *fields)
    return build(DataNotification(LongInvokeId.for_counter(0), body))


def future_dated_fields(message: int, counter: int, class_id: int, obis: bytes, attribute: int) -> Data:
    """The os(19) of an 0x00CC alert: message code, counter, class, OBIS, attribute (gbcs.md 5.5)."""
    return octets(
        message.to_bytes(2, "big")
        + counter.to_bytes(8, "big")
        + class_id.to_bytes(2, "big")
        + obis
        + bytes((attribute,))
    )


def configured_bit(code: int) -> int | None:
    """Bit number of a configurable alert in its party's 256-bit strings; None for a critical alert."""
    if code >> 8 in (0x80, 0x81):
        return code & 0xFF
    return None
