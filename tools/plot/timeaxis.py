"""Simulated time on a figure's x axis, in the unit a reader thinks of for the run's length.

Why: a run of a few minutes reads best in seconds, an hour in minutes, a
day in hours; every figure of one report uses the same unit, chosen here
from the run's length, so their x axes line up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy
from numpy.typing import ArrayLike


@dataclass(frozen=True, slots=True)
class TimeAxis:
    """Seconds divided by `seconds_per_unit` give the axis value; `label` names the axis."""

    seconds_per_unit: float
    unit: str

    @property
    def label(self) -> str:
        return f"simulated time since the run started, {self.unit}"

    def of(self, seconds: ArrayLike) -> numpy.ndarray:
        """Times in seconds as axis values."""
        return numpy.asarray(seconds, dtype=float) / self.seconds_per_unit

    def at(self, seconds: float) -> float:
        """One time in seconds as an axis value."""
        return seconds / self.seconds_per_unit


def time_axis(run_s: float) -> TimeAxis:
    """Seconds for runs up to 10 minutes, minutes up to 3 hours, hours beyond."""
    if run_s <= 600:
        return TimeAxis(1.0, "s")
    if run_s <= 3 * 3600:
        return TimeAxis(60.0, "min")
    return TimeAxis(3600.0, "h")
