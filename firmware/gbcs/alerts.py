"""Alert payloads the envelope side raises itself, and the time encodings they carry.

Why here: security refusals (gbcs.md 5.5 / meters.md 5.3: 0x8F1E, 0x8F30, 0x8F53, 0x8F60)
are raised by the envelope side of every endpoint, whatever its payload family, with
message code 0x1000 "generic critical alert" (RTDS `GCA-DLMS` / `GCA-ZigBee` carry 8F30
that way). The payload takes the device's family (meters.md 5.1):

- DLMS (ESME, CHF): data-notification `0F ‖ 20 ‖ counter low 24 bits ‖ 00 ‖
  structure{ long-unsigned alert code, octet-string(12) date-time }`;
- GBZ (GSME, GPF, PPMID, HCALCS): `01 09 ‖ 00 (no component) ‖ alert code ‖ ZigBee UTC`.
"""

from __future__ import annotations

from datetime import UTC, datetime

GENERIC_CRITICAL_ALERT = 0x1000  #: message code of an alert with no use-case code (meters.md 5.1)
DLMS, GBZ = "dlms", "gbz"
_ZIGBEE_EPOCH = 946684800  #: 2000-01-01T00:00:00Z in Unix seconds (gbcs.md 0)


def dlms_date_time(utc: float, clock_status: int = 0xFF) -> bytes:
    """A 12-byte DLMS date-time of `utc` as GBCS devices write it (gbcs.md 0, 3.4).

    Weekday "not specified" (FF), hundredths 00, deviation `80 00` (UTC), then the clock
    status byte - the form of every date-time in RTDS responses and alerts.
    """
    when = datetime.fromtimestamp(int(utc), UTC)
    return (
        when.year.to_bytes(2, "big")
        + bytes((when.month, when.day, 0xFF, when.hour, when.minute, when.second, 0x00))
        + b"\x80\x00"
        + bytes((clock_status,))
    )


def zigbee_utc(utc: float) -> int:
    """Seconds since 2000-01-01T00:00:00Z (ZigBee UTC time)."""
    return max(0, int(utc) - _ZIGBEE_EPOCH)


def generic_alert_payload(family: str, alert_code: int, utc: float, counter: int) -> bytes:
    """The payload of a generic alert (code + time only) in `family` ("dlms" or "gbz")."""
    if family == DLMS:
        invoke = b"\x20" + (counter & 0xFFFFFF).to_bytes(3, "big")
        body = b"\x02\x02\x12" + alert_code.to_bytes(2, "big") + b"\x09\x0c" + dlms_date_time(utc)
        return b"\x0f" + invoke + b"\x00" + body
    if family == GBZ:
        return b"\x01\x09\x00" + alert_code.to_bytes(2, "big") + zigbee_utc(utc).to_bytes(4, "big")
    raise ValueError(f"alert family {family!r} is neither {DLMS!r} nor {GBZ!r}")


def with_invoke_id(payload: bytes, counter: int) -> bytes:
    """`payload` with the alert's originator counter in its invoke id when it is a DLMS data-notification.

    GBCS DLMS payloads carry `20` and the low 24 bits of the grouping-header counter as their
    long invoke id (gbcs.md 5.2), alerts included; the counter is assigned here, when the alert
    is sealed, so the raiser writes any value and this puts the right one in. Other families
    (GBZ `01 09`, ASN.1 `30`) are returned unchanged.
    """
    if payload[:1] != b"\x0f" or len(payload) < 5:
        return payload
    return b"\x0f" + (0x20000000 | (counter & 0xFFFFFF)).to_bytes(4, "big") + payload[5:]
