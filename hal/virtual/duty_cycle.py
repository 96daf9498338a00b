"""Per-node 868 MHz airtime over a rolling hour, exact to the microsecond (radio.md 3.1, 3.2).

Why: ETSI EN 300 220 limits a sub-GHz transmitter's cumulative on-time in
any one-hour window, and a GB Dual Band hub must manage its use (the CHF's
Normal -> Limited -> Critical -> Regulated states and alerts 0x8F20-0x8F25
hang on thresholds of this number). So the meter keeps every transmission as
an integer `(start_us, airtime_us)` record, charges the whole airtime at the
start of the transmission, drops records whose start has left the window,
and calls a threshold's callback when a charge takes the hour's use to or
over the threshold (once per upward crossing; it re-arms when the use is
seen below the threshold again). Integer microseconds make the totals exact:
`total_us` always equals the sum of the airtimes charged.

A meter is one ledger of one node on one channel page (radio.md 4.6, 7:
"per node, per page"); its regulated limit defaults to ZigBee R22's value for
that page (radio.md 3.2, from ZBOSS): 100 s/h on pages 28/29, 90 s/h on
pages 30/31. Set `limit` to model something else.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable

#: The observation window: one hour (aDUTYCYCLEMeasurementPeriod, 360 000 000 10-us symbols).
WINDOW_US = 3_600_000_000
#: R22 regulated limit for pages 28/29: 10 000 000 symbols = 100 s per hour.
REGULATED_LIMIT = 100.0 / 3600.0
#: R22 regulated limit per GB868 page (radio.md 3.2): pages 30/31 get 9 000 000 symbols = 90 s per hour.
REGULATED_LIMITS: dict[int, float] = {28: REGULATED_LIMIT, 29: REGULATED_LIMIT, 30: 90.0 / 3600.0, 31: 90.0 / 3600.0}
#: The page a meter is for when none is named (GB868's first page).
DEFAULT_PAGE = 28


def regulated_limit(page: int) -> float:
    """The R22 regulated duty-cycle limit of a GB868 channel page, as a fraction of the hour."""
    try:
        return REGULATED_LIMITS[page]
    except KeyError:
        raise ValueError(f"page {page} is not a GB868 sub-GHz page (28-31)") from None

#: `callback(node, fraction, now)` run when the hour's use crosses a threshold upward.
ThresholdCallback = Callable[[str, float, float], None]


def to_us(seconds: float) -> int:
    """Seconds on the clock as whole microseconds (the meter's only unit)."""
    return round(seconds * 1_000_000)


@dataclass
class _Threshold:
    fraction: float
    callback: ThresholdCallback
    crossed: bool = False


class DutyCycleMeter:
    """One node's sub-GHz airtime on one page: `used(now)` over the last hour, `total`, thresholds, limit."""

    def __init__(
        self, node: str, *, page: int = DEFAULT_PAGE, limit: float | None = None, enforce: bool = True
    ) -> None:
        self.node = node
        self.page = page
        self.limit = regulated_limit(page) if limit is None else limit  #: fraction of the hour; `would_exceed` and radios with DUTY_CYCLE honour it
        self.enforce = enforce  #: when True, VirtualRadio refuses sub-GHz frames that would break `limit`
        self.total_us = 0       #: every microsecond ever charged
        self._records: deque[tuple[int, int]] = deque()
        self._window_us = 0     #: sum of the airtimes in `_records`
        self._thresholds: list[_Threshold] = []

    @property
    def total(self) -> float:
        """Seconds of airtime ever charged."""
        return self.total_us / 1_000_000

    def _prune(self, now_us: int) -> None:
        horizon = now_us - WINDOW_US
        records = self._records
        while records and records[0][0] <= horizon:
            self._window_us -= records.popleft()[1]

    def used_us(self, now: float) -> int:
        """Microseconds charged by transmissions that started within the hour before `now`."""
        self._prune(to_us(now))
        return self._window_us

    def used(self, now: float) -> float:
        """Seconds of airtime in the rolling hour ending at `now`."""
        return self.used_us(now) / 1_000_000

    def fraction(self, now: float) -> float:
        """The rolling hour's use as a fraction of the hour (0.01 = 1 %)."""
        return self.used_us(now) / WINDOW_US

    def would_exceed(self, now: float, airtime_us: int) -> bool:
        """True when charging `airtime_us` now would take the hour over `limit`."""
        return self.used_us(now) + airtime_us > self.limit * WINDOW_US

    def add_threshold(self, fraction: float, callback: ThresholdCallback) -> None:
        """Call `callback(node, fraction_now, now)` each time a charge takes the use to >= `fraction`."""
        if not 0.0 < fraction <= 1.0:
            raise ValueError(f"threshold must be a fraction in (0, 1], not {fraction!r}")
        self._thresholds.append(_Threshold(fraction, callback))

    def charge(self, now: float, airtime_us: int) -> None:
        """Account one transmission of `airtime_us` starting at `now`, then run crossed thresholds."""
        if airtime_us < 0:
            raise ValueError(f"airtime must not be negative, not {airtime_us}")
        now_us = to_us(now)
        self._prune(now_us)
        before = self._window_us / WINDOW_US
        for threshold in self._thresholds:
            if threshold.crossed and before < threshold.fraction:
                threshold.crossed = False
        self._records.append((now_us, airtime_us))
        self._window_us += airtime_us
        self.total_us += airtime_us
        after = self._window_us / WINDOW_US
        for threshold in self._thresholds:
            if not threshold.crossed and after >= threshold.fraction:
                threshold.crossed = True
                threshold.callback(self.node, after, now)
