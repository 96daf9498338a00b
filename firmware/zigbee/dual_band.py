"""Dual Band: the sub-GHz duty-cycle budget our MAC keeps when the radio does not (radio.md 3).

Why: a Dual Band Comms Hub runs its HAN on a 2.4 GHz radio and an 868 MHz
radio at once (`ZigbeeStack(radios=[radio_2_4, radio_868])`: one network, two
MAC interfaces; a device joins on whichever band reaches it). On 868 MHz the
transmitter's on-time over any sliding hour is limited (ETSI EN 300 220,
radio.md 3.1; R22 / GBCS thresholds radio.md 3.2). A radio with
`RadioCaps.DUTY_CYCLE` enforces the limit itself and answers
`TxStatus.DUTY_CYCLE`; for one without, the MAC charges its own airtime to a
`DutyCycleBudget` and, before each frame, either sends, defers the frame
until the window has room (when that is soon), or refuses it with
`Status.DUTY_CYCLE`. Either way the outcome reaches the sender: nothing is
dropped silently.

The budget is sans-I/O: `decide(airtime, now)` says when the frame may go
(or None), `charge(airtime, now)` records what went; the MAC does the waiting.
The hour is kept as individual records, pruned as they age out, which is
exact and cheap at HAN frame rates.
"""

from __future__ import annotations

import enum
from collections import deque

#: aDUTYCYCLEMeasurementPeriod: a sliding hour (radio.md 3.2).
WINDOW = 3600.0
#: Regulated limit of pages 28/29: 100 s per hour (radio.md 3.2).
REGULATED_LIMIT = 100.0 / 3600.0
#: ZBOSS default Limited and Critical thresholds: 54 s and 75 s per hour (radio.md 3.2).
LIMITED_THRESHOLD = 54.0 / 3600.0
CRITICAL_THRESHOLD = 75.0 / 3600.0
#: Longest we hold a frame for room in the window before refusing it instead.
MAX_DEFER = 5.0


class DutyCycleState(enum.Enum):
    """The four R22 / GBCS duty-cycle states (radio.md 3.2, 3.3 alerts 0x8F20-0x8F25)."""

    NORMAL = "normal"
    LIMITED = "limited"
    CRITICAL = "critical"
    REGULATED = "regulated"  #: at the limit: transmissions are refused


class DutyCycleBudget:
    """Our own airtime on one sub-GHz radio over a sliding hour, against a limit."""

    def __init__(
        self,
        *,
        limit: float = REGULATED_LIMIT,
        limited: float = LIMITED_THRESHOLD,
        critical: float = CRITICAL_THRESHOLD,
        window: float = WINDOW,
        max_defer: float = MAX_DEFER,
    ) -> None:
        if not 0.0 < limited <= critical <= limit <= 1.0:
            raise ValueError(f"thresholds must satisfy 0 < limited <= critical <= limit <= 1, got "
                             f"{limited}, {critical}, {limit}")
        self.limit, self.limited, self.critical = limit, limited, critical
        self.window, self.max_defer = window, max_defer
        self._records: deque[tuple[float, float]] = deque()  # (start time, airtime)
        self._used = 0.0
        self.refused = 0
        self.deferred = 0

    @classmethod
    def with_limit(cls, limit: float | None) -> DutyCycleBudget:
        """A budget with the given limit (None: the regulated one), thresholds capped at it."""
        if limit is None:
            return cls()
        return cls(limit=limit, limited=min(LIMITED_THRESHOLD, limit), critical=min(CRITICAL_THRESHOLD, limit))

    def _prune(self, now: float) -> None:
        while self._records and self._records[0][0] <= now - self.window:
            self._used -= self._records.popleft()[1]
        if not self._records:
            self._used = 0.0  # no float drift once the window empties

    def used(self, now: float) -> float:
        """Seconds of airtime in the hour ending at `now`."""
        self._prune(now)
        return self._used

    def fraction(self, now: float) -> float:
        return self.used(now) / self.window

    def state(self, now: float) -> DutyCycleState:
        """Normal, Limited, Critical or Regulated, from the fraction used."""
        used = self.fraction(now)
        if used >= self.limit:
            return DutyCycleState.REGULATED
        if used >= self.critical:
            return DutyCycleState.CRITICAL
        if used >= self.limited:
            return DutyCycleState.LIMITED
        return DutyCycleState.NORMAL

    def decide(self, airtime: float, now: float) -> float | None:
        """When a frame of `airtime` seconds may start: `now`, a later time within `max_defer`, or None."""
        allowed = self.limit * self.window
        if self.used(now) + airtime <= allowed:
            return now
        excess = self._used + airtime - allowed
        for start, spent in self._records:
            excess -= spent
            if excess <= 0:
                when = start + self.window
                if when - now <= self.max_defer:
                    self.deferred += 1
                    return when
                break
        self.refused += 1
        return None

    def charge(self, airtime: float, now: float) -> None:
        """Record a transmission of `airtime` seconds that started at `now`."""
        self._prune(now)
        self._records.append((now, airtime))
        self._used += airtime
