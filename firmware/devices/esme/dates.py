"""The date and time encodings GBCS puts inside ESME data (gbcs.md 0, 5.2; meters.md 3.2).

- date-time os(12): a COSEM date-time; the ESME writes its own in the GBCS form seen in every
  RTDS response and alert: day of week and clock status not specified (`FF`), deviation not
  specified (`80 00`), hundredths 0.
- date os(5): year(2) month day day-of-week, each "not specified" when `FFFF`/`FF`, so a date
  can mean "every 25 December" (special days, billing calendar, schedules).
- time os(4): hour minute second hundredths (switch times of day schedules).
- buffer time stamps: `double-long-unsigned` seconds since 2000-01-01 UTC (the ZigBee epoch),
  the unit RTDS range descriptors and log entries use.

Meter time is UTC (GBCS meters keep UTC; local time is the display's business).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from protocols.dlms import DateTime
from protocols.dlms.date_time import DEVIATION_NOT_SPECIFIED, NOT_SPECIFIED, YEAR_NOT_SPECIFIED

#: 2000-01-01T00:00:00Z in seconds since 1970: the epoch of buffer time stamps.
ZIGBEE_EPOCH = 946_684_800
DAY = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def moment(utc: float) -> datetime:
    """`utc` (seconds since 1970) as an aware datetime."""
    return _EPOCH + timedelta(seconds=utc)


def date_time(utc: float) -> bytes:
    """The 12-byte date-time the ESME writes for the instant `utc`."""
    when = moment(utc)
    return DateTime(when.year, when.month, when.day, NOT_SPECIFIED, when.hour, when.minute, when.second, 0).build()


def stamp(utc: float) -> int:
    """A buffer time stamp: whole seconds since 2000-01-01 UTC (0 before that)."""
    return max(0, int(utc) - ZIGBEE_EPOCH)


def from_stamp(value: int) -> float:
    return float(value + ZIGBEE_EPOCH)


def day_start(utc: float) -> float:
    """Midnight UTC at or before `utc`."""
    return float(int(utc // DAY) * DAY)


@dataclass(frozen=True, slots=True)
class Date:
    """A COSEM date (os(5)) with its wildcards: 0xFFFF year / 0xFF fields mean "any"."""

    year: int
    month: int
    day: int
    weekday: int

    @classmethod
    def parse(cls, raw: bytes) -> Date:
        return cls(int.from_bytes(raw[0:2], "big"), raw[2], raw[3], raw[4])

    def matches(self, when: datetime) -> bool:
        """Whether the calendar day of `when` is this date (0xFD/0xFE days: second last / last of month)."""
        if self.year != YEAR_NOT_SPECIFIED and self.year != when.year:
            return False
        if self.month not in (NOT_SPECIFIED, 0xFD, 0xFE) and self.month != when.month:
            return False
        if self.weekday != NOT_SPECIFIED and self.weekday != when.isoweekday():
            return False
        last = calendar.monthrange(when.year, when.month)[1]
        if self.day == 0xFE:
            return when.day == last
        if self.day == 0xFD:
            return when.day == last - 1
        return self.day == NOT_SPECIFIED or self.day == when.day


def time_of_day(raw: bytes) -> int | None:
    """Seconds after midnight of a time os(4); unspecified minute/second count as 0; None if the hour is unspecified."""
    if len(raw) != 4 or raw[0] == NOT_SPECIFIED or raw[0] > 23:
        return None
    minute = 0 if raw[1] == NOT_SPECIFIED else min(raw[1], 59)
    second = 0 if raw[2] == NOT_SPECIFIED else min(raw[2], 59)
    return raw[0] * 3600 + minute * 60 + second


def season_start(raw: bytes, year: int) -> float | None:
    """The instant a season-start date-time names in `year` (its year may be unspecified); None if unusable."""
    parsed = DateTime.parse(raw)
    concrete = DateTime(
        year if parsed.year == YEAR_NOT_SPECIFIED else parsed.year,
        parsed.month,
        parsed.day,
        NOT_SPECIFIED,
        0 if parsed.hour == NOT_SPECIFIED else parsed.hour,
        0 if parsed.minute == NOT_SPECIFIED else parsed.minute,
        0 if parsed.second == NOT_SPECIFIED else parsed.second,
        0,
        DEVIATION_NOT_SPECIFIED,
    )
    return concrete.to_utc()
