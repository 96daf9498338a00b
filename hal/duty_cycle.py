"""Sub-GHz airtime over a rolling hour, and the regulated limit of each GB868 page (radio.md 3.1, 3.2).

Why: ETSI EN 300 220 limits an 868 MHz transmitter's cumulative on-time in
any one-hour window. Two places keep that account - the virtual medium (the
truth of what each node put on the air, `hal.virtual.duty_cycle`) and our MAC
on radios that do not enforce it themselves (`firmware.zigbee.dual_band`) -
and they must agree to the microsecond. So both build on the one
`AirtimeLedger` here and read their limits from the one `REGULATED_LIMITS`
table.

The ledger keeps each transmission as an integer `(start_us, airtime_us)`
record, charges the whole airtime at the start, and drops a record once its
start is a full window old. Integer microseconds make the sums exact: no
float drift however long a simulation runs. It is sans-I/O: the caller
passes `now` (in microseconds, see `to_us`); nothing here reads a clock.
"""

from __future__ import annotations

from collections import deque

#: The observation window: one hour (aDUTYCYCLEMeasurementPeriod, 360 000 000 10-us symbols).
WINDOW_US = 3_600_000_000
#: R22 regulated limit for pages 28/29: 10 000 000 symbols = 100 s per hour (fraction of the hour).
REGULATED_LIMIT = 100.0 / 3600.0
#: R22 regulated limit per GB868 page (radio.md 3.2): pages 30/31 get 9 000 000 symbols = 90 s per hour.
REGULATED_LIMITS: dict[int, float] = {28: REGULATED_LIMIT, 29: REGULATED_LIMIT, 30: 90.0 / 3600.0, 31: 90.0 / 3600.0}
#: The page to assume when none is named (GB868's first page).
DEFAULT_PAGE = 28


def regulated_limit(page: int) -> float:
    """The R22 regulated duty-cycle limit of a GB868 channel page, as a fraction of the hour."""
    try:
        return REGULATED_LIMITS[page]
    except KeyError:
        raise ValueError(f"page {page} is not a GB868 sub-GHz page (28-31)") from None


def to_us(seconds: float) -> int:
    """Seconds on the clock as whole microseconds (the ledger's only unit)."""
    return round(seconds * 1_000_000)


class AirtimeLedger:
    """One transmitter's airtime over a rolling window, in exact integer microseconds."""

    def __init__(self, window_us: int = WINDOW_US) -> None:
        if window_us <= 0:
            raise ValueError(f"window must be positive, not {window_us} us")
        self.window_us = window_us
        self.total_us = 0  #: every microsecond ever charged
        self._records: deque[tuple[int, int]] = deque()  # (start_us, airtime_us), oldest first
        self._used_us = 0  # sum of the airtimes in `_records`

    def _prune(self, now_us: int) -> None:
        horizon = now_us - self.window_us
        records = self._records
        while records and records[0][0] <= horizon:
            self._used_us -= records.popleft()[1]

    def used_us(self, now_us: int) -> int:
        """Microseconds charged by transmissions that started within the window before `now_us`."""
        self._prune(now_us)
        return self._used_us

    def charge(self, now_us: int, airtime_us: int) -> None:
        """Account one transmission of `airtime_us` starting at `now_us`."""
        if airtime_us < 0:
            raise ValueError(f"airtime must not be negative, not {airtime_us}")
        self._prune(now_us)
        self._records.append((now_us, airtime_us))
        self._used_us += airtime_us
        self.total_us += airtime_us

    def fits_at(self, now_us: int, airtime_us: int, allowed_us: float) -> int | None:
        """The earliest time >= `now_us` at which charging `airtime_us` keeps the window within `allowed_us`.

        That is `now_us` when there is room already; otherwise the moment the
        oldest records have aged out far enough (a record leaves the window
        exactly `window_us` after its start). None when `airtime_us` alone is
        more than `allowed_us`: it never fits.
        """
        excess = self.used_us(now_us) + airtime_us - allowed_us
        if excess <= 0:
            return now_us
        for start_us, spent_us in self._records:
            excess -= spent_us
            if excess <= 0:
                return start_us + self.window_us
        return None
