"""Which script an activity calendar (class 20) or a schedule (class 10) has in force at a given time.

Activity calendar (IEC 62056-6-2 class 20; meters.md 2.3): the season in force is the one
with the latest start at or before now (a start whose year is not specified recurs every
year); the season names a week profile, which gives a day profile per day of week, unless
the special days table (class 11) names another day profile for today's date; the day
profile is a list of (start time, script, selector) actions, and the action in force is the
latest one started. For the tariff, selector 1-48 is a TOU rate, 101-108 block-priced TOU
rate 1-8, 201-204 a second-element rate (meters.md 2.3).

Schedule (class 10): each enabled entry runs its script at `switch_time` on the days of week
in `exec_weekdays` (bit 0 = Monday) between `begin_date` and `end_date`, or on the special
days whose day id's bit is set in `exec_specdays`; the entry in force is the latest one run.

Both are read from the stored attribute values as they are: a malformed entry (a peer may
have written anything the schema let through) is skipped, never raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from firmware.devices.esme.dates import DAY, Date, day_start, moment, season_start, time_of_day
from protocols.dlms import Array, BitString, Boolean, Data, Integer, OctetString, Structure

#: How many days back/forward to look for the action in force / the next change.
_HORIZON_DAYS = 8


def _items(value: Data) -> tuple[Data, ...]:
    return value.items if isinstance(value, Array) else ()


def _fields(value: Data, count: int) -> tuple[Data, ...] | None:
    if isinstance(value, Structure) and len(value.items) == count:
        return value.items
    return None


def _int(value: Data) -> int | None:
    return value.value if isinstance(value, Integer) else None


def _octets(value: Data) -> bytes | None:
    return value.value if isinstance(value, OctetString) else None


def special_days(entries: Data) -> list[tuple[Date, int]]:
    """(date, day id) of each well-formed special-day entry {index, date os(5), day_id}."""
    days = []
    for entry in _items(entries):
        fields = _fields(entry, 3)
        if fields is None:
            continue
        raw, day_id = _octets(fields[1]), _int(fields[2])
        if raw is not None and len(raw) == 5 and day_id is not None:
            days.append((Date.parse(raw), day_id))
    return days


def _special_day(days: list[tuple[Date, int]], when: datetime) -> int | None:
    return next((day_id for date, day_id in days if date.matches(when)), None)


class _DailyActions:
    """What a calendar of daily actions answers: the action in force, and the next one."""

    def actions_on(self, midnight: float) -> Sequence[tuple[float, int]]:
        """The (instant, selector) actions of the day starting at `midnight` (UTC), in time order."""
        raise NotImplementedError

    def selector_at(self, utc: float) -> int | None:
        """The selector of the action in force at `utc` (looking back up to a week), or None."""
        midnight = day_start(utc)
        for back in range(_HORIZON_DAYS):
            started = [selector for instant, selector in self.actions_on(midnight - back * DAY) if instant <= utc]
            if started:
                return started[-1]
        return None

    def next_change(self, utc: float) -> float | None:
        """The first action strictly after `utc` (within about a week), or None."""
        midnight = day_start(utc)
        for ahead in range(_HORIZON_DAYS):
            for instant, _ in self.actions_on(midnight + ahead * DAY):
                if instant > utc:
                    return instant
        return None


@dataclass(frozen=True)
class ActivityCalendar(_DailyActions):
    """A parsed activity calendar plus its special days."""

    seasons: tuple[tuple[bytes, bytes], ...]  #: (start date-time os(12), week profile name)
    weeks: dict[bytes, tuple[int, ...]]  #: week name -> day ids Monday..Sunday
    days: dict[int, tuple[tuple[int, int], ...]]  #: day id -> sorted (seconds after midnight, selector)
    special: tuple[tuple[Date, int], ...]
    _days: dict[float, tuple[tuple[float, int], ...]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_data(cls, seasons: Data, weeks: Data, days: Data, special: Data) -> ActivityCalendar:
        season_list = []
        for entry in _items(seasons):
            fields = _fields(entry, 3)
            start = week = None
            if fields is not None:
                start, week = _octets(fields[1]), _octets(fields[2])
            if start is not None and len(start) == 12 and week is not None:
                season_list.append((start, week))
        week_map = {}
        for entry in _items(weeks):
            fields = _fields(entry, 8)
            if fields is None or _octets(fields[0]) is None:
                continue
            ids = tuple(_int(field) for field in fields[1:])
            if all(day_id is not None for day_id in ids):
                week_map[_octets(fields[0]) or b""] = tuple(day_id or 0 for day_id in ids)
        day_map = {}
        for entry in _items(days):
            fields = _fields(entry, 2)
            day_id = None if fields is None else _int(fields[0])
            if fields is None or day_id is None:
                continue
            actions = []
            for action in _items(fields[1]):
                parts = _fields(action, 3)
                if parts is None:
                    continue
                start_raw, selector = _octets(parts[0]), _int(parts[2])
                seconds = None if start_raw is None else time_of_day(start_raw)
                if seconds is not None and selector is not None:
                    actions.append((seconds, selector))
            day_map[day_id] = tuple(sorted(actions))
        return cls(tuple(season_list), week_map, day_map, tuple(special_days(special)))

    def _week(self, utc: float) -> tuple[int, ...] | None:
        year = moment(utc).year
        best: tuple[float, bytes] | None = None
        for start_raw, week in self.seasons:
            for candidate_year in (year - 1, year):
                start = season_start(start_raw, candidate_year)
                if start is not None and start <= utc and (best is None or start > best[0]):
                    best = (start, week)
        return None if best is None else self.weeks.get(best[1])

    def actions_on(self, midnight: float) -> tuple[tuple[float, int], ...]:
        """The (instant, selector) actions of the day starting at `midnight` (UTC); memoised per day."""
        found = self._days.get(midnight)
        if found is None:
            if len(self._days) > 64:
                self._days.clear()
            found = self._days[midnight] = self._actions_on(midnight)
        return found

    def _actions_on(self, midnight: float) -> tuple[tuple[float, int], ...]:
        when = moment(midnight)
        day_id = _special_day(list(self.special), when)
        if day_id is None:
            week = self._week(midnight + DAY - 1)
            if week is None:
                return ()
            day_id = week[when.isoweekday() - 1]
        return tuple((midnight + seconds, selector) for seconds, selector in self.days.get(day_id, ()))


@dataclass(frozen=True)
class _Entry:
    time: int
    selector: int
    weekdays: int  #: bit 0 Monday .. bit 6 Sunday
    specdays: frozenset[int]  #: special day ids this entry runs on
    begin: Date | None
    end: Date | None


def _bit_set(bits: BitString, index: int) -> bool:
    return index < bits.bits and bits.bit(index)


@dataclass(frozen=True)
class Schedule(_DailyActions):
    """A parsed class-10 schedule plus the special days its `exec_specdays` refer to."""

    entries: tuple[_Entry, ...]
    special: tuple[tuple[Date, int], ...]

    @classmethod
    def from_data(cls, entries: Data, special: Data) -> Schedule:
        parsed = []
        for entry in _items(entries):
            fields = _fields(entry, 10)
            if fields is None or not isinstance(fields[1], Boolean):
                continue
            enabled = fields[1].value
            raw_time, selector = _octets(fields[4]), _int(fields[3])
            weekdays, specdays = fields[6], fields[7]
            seconds = None if raw_time is None else time_of_day(raw_time)
            if not enabled or seconds is None or selector is None:
                continue
            if not isinstance(weekdays, BitString) or not isinstance(specdays, BitString):
                continue
            days = sum(1 << index for index in range(7) if _bit_set(weekdays, index))
            spec = frozenset(index + 1 for index in range(specdays.bits) if specdays.bit(index))
            begin_raw, end_raw = _octets(fields[8]), _octets(fields[9])
            begin = Date.parse(begin_raw) if begin_raw is not None and len(begin_raw) == 5 else None
            end = Date.parse(end_raw) if end_raw is not None and len(end_raw) == 5 else None
            parsed.append(_Entry(seconds, selector, days, spec, begin, end))
        return cls(tuple(parsed), tuple(special_days(special)))

    def _runs_on(self, entry: _Entry, when: datetime) -> bool:
        if not _within(entry.begin, entry.end, when):
            return False
        special = _special_day(list(self.special), when)
        if special is not None:
            return special in entry.specdays
        return bool(entry.weekdays & (1 << (when.isoweekday() - 1)))

    def actions_on(self, midnight: float) -> list[tuple[float, int]]:
        when = moment(midnight)
        runs = [(midnight + entry.time, entry.selector) for entry in self.entries if self._runs_on(entry, when)]
        return sorted(runs)


def _within(begin: Date | None, end: Date | None, when: datetime) -> bool:
    """Whether `when` lies between the begin and end dates (inclusive); unspecified parts match anything.

    When either date's year is not specified the window recurs every year and is compared on
    (month, day), wrapping over the new year when it begins after it ends.
    """
    if begin is None and end is None:
        return True
    yearly = (begin is not None and begin.year == 0xFFFF) or (end is not None and end.year == 0xFFFF)

    def key(date: Date, low: bool) -> tuple[int, ...]:
        month = (1 if low else 12) if date.month >= 0xFD else date.month
        day = (1 if low else 31) if date.day >= 0xFD else date.day
        return (month, day) if yearly else ((0 if low else 9999) if date.year == 0xFFFF else date.year, month, day)

    today = (when.month, when.day) if yearly else (when.year, when.month, when.day)
    after_begin = begin is None or today >= key(begin, True)
    before_end = end is None or today <= key(end, False)
    if yearly and begin is not None and end is not None and key(begin, True) > key(end, False):
        return after_begin or before_end
    return after_begin and before_end
