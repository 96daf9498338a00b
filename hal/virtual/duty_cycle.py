"""Per-node 868 MHz airtime over a rolling hour, exact to the microsecond (radio.md 3.1, 3.2).

Why: ETSI EN 300 220 limits a sub-GHz transmitter's cumulative on-time in
any one-hour window, and a GB Dual Band hub must manage its use (the CHF's
Normal -> Limited -> Critical -> Regulated states and alerts 0x8F20-0x8F25
hang on thresholds of this number). The medium is the truth of what each
node put on the air, so a meter keeps that node's transmissions in an
`hal.duty_cycle.AirtimeLedger` (the same exact integer-microsecond ledger our
MAC uses for its own budget) and adds what the medium needs on top: a limit
that `VirtualRadio` enforces, and thresholds whose callback runs when a charge
takes the hour's use to or over them (once per upward crossing; a threshold
re-arms when the use is seen below it again). `total_us` always equals the
sum of the airtimes charged.

A meter is one ledger of one node on one channel page (radio.md 4.6, 7:
"per node, per page"); its regulated limit defaults to ZigBee R22's value for
that page (`hal.duty_cycle.REGULATED_LIMITS`, radio.md 3.2): 100 s/h on pages
28/29, 90 s/h on pages 30/31. Set `limit` to model something else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..duty_cycle import (
    DEFAULT_PAGE,
    REGULATED_LIMIT,
    REGULATED_LIMITS,
    WINDOW_US,
    AirtimeLedger,
    regulated_limit,
    to_us,
)

# the limit table lives in hal.duty_cycle; its names stay importable from here for the meter's users
__all__ = ["REGULATED_LIMIT", "REGULATED_LIMITS", "WINDOW_US", "DutyCycleMeter", "ThresholdCallback", "regulated_limit"]

#: `callback(node, fraction, now)` run when the hour's use crosses a threshold upward.
ThresholdCallback = Callable[[str, float, float], None]


@dataclass(slots=True)
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
        self.limit = (
            regulated_limit(page) if limit is None else limit
        )  #: fraction of the hour; `would_exceed` and radios with DUTY_CYCLE honour it
        self.enforce = enforce  #: when True, VirtualRadio refuses sub-GHz frames that would break `limit`
        self._ledger = AirtimeLedger(WINDOW_US)
        self._thresholds: list[_Threshold] = []

    @property
    def total_us(self) -> int:
        """Microseconds of airtime ever charged."""
        return self._ledger.total_us

    @property
    def total(self) -> float:
        """Seconds of airtime ever charged."""
        return self._ledger.total_us / 1_000_000

    def used_us(self, now: float) -> int:
        """Microseconds charged by transmissions that started within the hour before `now`."""
        return self._ledger.used_us(to_us(now))

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
        now_us = to_us(now)
        before = self._ledger.used_us(now_us) / WINDOW_US
        self._ledger.charge(now_us, airtime_us)
        for threshold in self._thresholds:
            if threshold.crossed and before < threshold.fraction:
                threshold.crossed = False
        after = self._ledger.used_us(now_us) / WINDOW_US
        for threshold in self._thresholds:
            if not threshold.crossed and after >= threshold.fraction:
                threshold.crossed = True
                threshold.callback(self.node, after, now)
