"""The 12-byte COSEM date-time (gbcs.md 0 and 5.2; IEC 62056-6-2 4.1.6.1), with its "not specified" fields.

Layout: year (u16, `FFFF` not specified), month, day-of-month, day-of-week (1 = Monday,
`FF` not specified), hour, minute, second, hundredths (`FF` each not specified), deviation
(i16 minutes local-minus-UTC per the Blue Book's sign, `80 00` not specified), clock status
(`FF` not specified). Month `FD`/`FE` (daylight-saving end/begin) and day `FD`/`FE` (second
last / last day of month) are kept as sent.

GBCS gives two whole-value meanings on top (gbcs.md 5.2): all nine date/time bytes zero
means "now" (an immediate execution time) and all nine `FF` means "never" (a cancellation).
Why a value class: the ESME model compares, converts and writes date-times everywhere
(activation times, log time stamps, execution times); one frozen type keeps the encoding
rules in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from protocols.dlms.errors import DlmsDecodeError, DlmsEncodeError

SIZE = 12
NOT_SPECIFIED = 0xFF
YEAR_NOT_SPECIFIED = 0xFFFF
DEVIATION_NOT_SPECIFIED = -0x8000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DateTime:
    """One COSEM date-time; every field may hold its "not specified" value."""

    year: int
    month: int
    day: int
    weekday: int
    hour: int
    minute: int
    second: int
    hundredths: int
    deviation: int = DEVIATION_NOT_SPECIFIED
    clock_status: int = NOT_SPECIFIED

    def __post_init__(self) -> None:
        if not 0 <= self.year <= 0xFFFF:
            raise DlmsEncodeError("date-time.year", f"{self.year} is outside 0..65535")
        for name in ("month", "day", "weekday", "hour", "minute", "second", "hundredths", "clock_status"):
            if not 0 <= getattr(self, name) <= 0xFF:
                raise DlmsEncodeError(f"date-time.{name}", f"{getattr(self, name)} is not one byte")
        if not -0x8000 <= self.deviation <= 0x7FFF:
            raise DlmsEncodeError("date-time.deviation", f"{self.deviation} is not an i16")

    @classmethod
    def parse(cls, raw: bytes) -> DateTime:
        """The date-time in exactly 12 bytes (no validation of the calendar: a peer's value round-trips)."""
        if len(raw) != SIZE:
            raise DlmsDecodeError(min(len(raw), SIZE), "date-time", f"needs {SIZE} bytes, got {len(raw)}")
        month, day, weekday, hour, minute, second, hundredths = raw[2:9]
        return cls(
            int.from_bytes(raw[0:2], "big"),
            month,
            day,
            weekday,
            hour,
            minute,
            second,
            hundredths,
            int.from_bytes(raw[9:11], "big", signed=True),
            raw[11],
        )

    def build(self) -> bytes:
        return (
            self.year.to_bytes(2, "big")
            + bytes((self.month, self.day, self.weekday, self.hour, self.minute, self.second, self.hundredths))
            + self.deviation.to_bytes(2, "big", signed=True)
            + bytes((self.clock_status,))
        )

    @classmethod
    def now_marker(cls) -> DateTime:
        """GBCS "execute now": nine zero bytes, deviation not specified, status `FF` (gbcs.md 5.2)."""
        return cls(0, 0, 0, 0, 0, 0, 0, 0)

    @classmethod
    def never_marker(cls) -> DateTime:
        """GBCS "never" / cancel: nine `FF` bytes, deviation not specified, status `FF` (gbcs.md 5.2)."""
        return cls(YEAR_NOT_SPECIFIED, *(NOT_SPECIFIED,) * 7)

    @property
    def is_now(self) -> bool:
        return (self.year, self.month, self.day, self.weekday, self.hour, self.minute, self.second) == (0,) * 7 and (
            self.hundredths == 0
        )

    @property
    def is_never(self) -> bool:
        return self.year == YEAR_NOT_SPECIFIED and all(
            value == NOT_SPECIFIED
            for value in (self.month, self.day, self.weekday, self.hour, self.minute, self.second, self.hundredths)
        )

    @classmethod
    def from_utc(cls, utc: float) -> DateTime:
        """The UTC instant `utc` (seconds since 1970), deviation 0, clock status 0 (valid)."""
        moment = _EPOCH + timedelta(seconds=utc)
        return cls(
            moment.year,
            moment.month,
            moment.day,
            moment.isoweekday(),
            moment.hour,
            moment.minute,
            moment.second,
            moment.microsecond // 10_000,
            0,
            0,
        )

    def to_utc(self) -> float | None:
        """Seconds since 1970 UTC; None when a date or time field is not specified or the date is impossible.

        Unspecified hundredths count as 0. An unspecified deviation (`80 00`, what GBCS sends)
        reads as UTC; a specified one is minutes UTC-minus-local (IEC 62056-6-2), so
        UTC = local + deviation.
        """
        if self.year == YEAR_NOT_SPECIFIED or NOT_SPECIFIED in (
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
        ):
            return None
        try:
            local = datetime(self.year, self.month, self.day, self.hour, self.minute, self.second, tzinfo=UTC)
        except ValueError:
            return None
        seconds = (local - _EPOCH).total_seconds()
        if self.hundredths != NOT_SPECIFIED:
            seconds += self.hundredths / 100
        if self.deviation != DEVIATION_NOT_SPECIFIED:
            seconds += self.deviation * 60
        return seconds
