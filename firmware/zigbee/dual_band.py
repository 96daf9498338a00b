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
The hour itself is an `hal.duty_cycle.AirtimeLedger`, the exact
integer-microsecond ledger the virtual medium's meters use too, so the MAC's
account and the medium's agree; the regulated limit comes from the same
per-page table (`hal.duty_cycle.regulated_limit`: 100 s/h on pages 28/29,
90 s/h on 30/31) and follows the page of the channel the radio is on.
"""

from __future__ import annotations

import enum

from hal.duty_cycle import DEFAULT_PAGE, WINDOW_US, AirtimeLedger, regulated_limit, to_us

#: aDUTYCYCLEMeasurementPeriod: a sliding hour (radio.md 3.2), in seconds.
WINDOW = WINDOW_US / 1_000_000
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
        limit: float | None = None,
        limited: float = LIMITED_THRESHOLD,
        critical: float = CRITICAL_THRESHOLD,
        window: float = WINDOW,
        max_defer: float = MAX_DEFER,
        page: int = DEFAULT_PAGE,
    ) -> None:
        """`limit` None: the regulated limit of `page` (and of whichever page `page` is later set to)."""
        self._fixed_limit = limit
        self.page = page
        if not 0.0 < limited <= critical <= self.limit <= 1.0:
            raise ValueError(
                f"thresholds must satisfy 0 < limited <= critical <= limit <= 1, got "
                f"{limited}, {critical}, {self.limit}"
            )
        self.limited, self.critical = limited, critical
        self.window, self.max_defer = window, max_defer
        self._ledger = AirtimeLedger(to_us(window))
        self.refused = 0
        self.deferred = 0

    @classmethod
    def with_limit(cls, limit: float | None, page: int = DEFAULT_PAGE) -> DutyCycleBudget:
        """A budget with the given limit (None: the regulated one of `page`), thresholds capped at it."""
        if limit is None:
            return cls(page=page)
        return cls(
            limit=limit, limited=min(LIMITED_THRESHOLD, limit), critical=min(CRITICAL_THRESHOLD, limit), page=page
        )

    @property
    def limit(self) -> float:
        """The fraction of the window we may use: the one given, else the regulated limit of `page`."""
        return regulated_limit(self.page) if self._fixed_limit is None else self._fixed_limit

    @limit.setter
    def limit(self, fraction: float) -> None:
        """Fix the limit, whatever the page (as `limit=` does)."""
        self._fixed_limit = fraction

    def used(self, now: float) -> float:
        """Seconds of airtime in the hour ending at `now`."""
        return self._ledger.used_us(to_us(now)) / 1_000_000

    def fraction(self, now: float) -> float:
        """The window's use as a fraction of the window (what the limit and thresholds are)."""
        return self._ledger.used_us(to_us(now)) / self._ledger.window_us

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
        now_us = to_us(now)
        when_us = self._ledger.fits_at(now_us, to_us(airtime), self.limit * self._ledger.window_us)
        if when_us == now_us:
            return now
        if when_us is not None and when_us - now_us <= to_us(self.max_defer):
            self.deferred += 1
            return when_us / 1_000_000
        self.refused += 1
        return None

    def charge(self, airtime: float, now: float) -> None:
        """Record a transmission of `airtime` seconds that started at `now`."""
        self._ledger.charge(to_us(now), to_us(airtime))
