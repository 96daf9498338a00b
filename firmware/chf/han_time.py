"""The time the CHF gives the HAN: the attributes of the ZigBee Time cluster (0x000A) the hub serves.

Why here: in a GB home the Communications Hub is the HAN's time master - meters and the
IHD read its Time cluster (the GSME each time it wakes) - and the CHF's clock is the one
the WAN keeps right. The HAN side serves these values from its Time cluster server;
this is the pure part (ZigBee Cluster Library 3.12, Time cluster; UK civil time).

| attribute | id | value |
|---|---|---|
| Time | 0x0000 | UTC, seconds since 2000-01-01 (gbcs.md 0) |
| TimeStatus | 0x0001 | Master, Synchronized, MasterZoneDst, Superseding (bits 0-3): the hub masters |
|  |  | time, zone and DST, and its time supersedes others' |
| TimeZone | 0x0002 | 0 s (GB is on UTC in winter) |
| DstStart / DstEnd | 0x0003 / 0x0004 | this year's UK summer time: last Sunday of March / October, 01:00 UTC |
| DstShift | 0x0005 | 3600 s |
| StandardTime | 0x0006 | Time + TimeZone |
| LocalTime | 0x0007 | StandardTime, + DstShift during summer time |
| LastSetTime | 0x0008 | when the hub's clock was last set, if known |
| ValidUntilTime | 0x0009 | a day after that [?: how long a hub vouches for its clock is ours] |
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from firmware.gbcs.alerts import zigbee_utc

TIME_CLUSTER = 0x000A
MASTER, SYNCHRONIZED, MASTER_ZONE_DST, SUPERSEDING = 0x01, 0x02, 0x04, 0x08
DST_SHIFT = 3600
_VALIDITY = 24 * 3600
_NOT_SET = 0xFFFFFFFF


def _last_sunday(year: int, month: int) -> datetime:
    """01:00 UTC on the last Sunday of `month` (the UK changes clocks then)."""
    first_of_next = datetime(year + (month == 12), month % 12 + 1, 1, 1, tzinfo=UTC)
    last_day = first_of_next - timedelta(days=1)
    return last_day - timedelta(days=(last_day.weekday() - 6) % 7)


def uk_summer_time(year: int) -> tuple[float, float]:
    """UTC seconds since 1970 at which UK summer time starts and ends in `year`."""
    return _last_sunday(year, 3).timestamp(), _last_sunday(year, 10).timestamp()


def time_attributes(utc: float, *, last_set_utc: float | None = None) -> dict[int, int]:
    """The Time cluster's attribute values at `utc` (seconds since 1970), by attribute id."""
    start, end = uk_summer_time(datetime.fromtimestamp(int(utc), UTC).year)
    now = zigbee_utc(utc)
    summer = start <= utc < end
    return {
        0x0000: now,
        0x0001: MASTER | SYNCHRONIZED | MASTER_ZONE_DST | SUPERSEDING,
        0x0002: 0,
        0x0003: zigbee_utc(start),
        0x0004: zigbee_utc(end),
        0x0005: DST_SHIFT,
        0x0006: now,
        0x0007: now + (DST_SHIFT if summer else 0),
        0x0008: _NOT_SET if last_set_utc is None else zigbee_utc(last_set_utc),
        0x0009: _NOT_SET if last_set_utc is None else zigbee_utc(last_set_utc) + _VALIDITY,
    }
