"""`DutyCycleMeter`: exact microsecond accounting over a rolling hour, thresholds, limit (radio.md 3.1-3.2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hal.virtual.duty_cycle import REGULATED_LIMIT, WINDOW_US, DutyCycleMeter

# (gap before the frame in us, airtime in us): GB868 airtimes run 1 360 us (ACK) to 11 120 us (radio.md 1.2)
frames = st.lists(st.tuples(st.integers(0, 900_000_000), st.integers(1_360, 11_120)), max_size=60)


@given(frames)
def test_total_is_the_sum_of_airtimes_and_window_the_sum_within_the_hour(schedule: list[tuple[int, int]]) -> None:
    meter = DutyCycleMeter("gsme")
    now_us, starts = 0, []
    for gap, air in schedule:
        now_us += gap
        meter.charge(now_us / 1e6, air)
        starts.append((now_us, air))
    assert meter.total_us == sum(air for _, air in schedule)
    assert meter.used_us(now_us / 1e6) == sum(air for start, air in starts if start > now_us - WINDOW_US)


def test_records_leave_the_window_exactly_an_hour_after_they_started() -> None:
    meter = DutyCycleMeter("hub")
    meter.charge(10.0, 5_000)
    meter.charge(20.0, 7_000)
    assert meter.used(3609.999999) == pytest.approx(0.012)
    assert meter.used_us(3610.0) == 7_000
    assert meter.used_us(3620.0) == 0
    assert meter.total == pytest.approx(0.012)


def test_threshold_fires_once_per_upward_crossing_and_rearms_below() -> None:
    calls: list[tuple[str, float, float]] = []
    meter = DutyCycleMeter("hub")
    meter.add_threshold(0.01, lambda node, fraction, now: calls.append((node, fraction, now)))
    second = 36_000_000 // 4  # a quarter of 1 % of the hour
    for t in range(6):
        meter.charge(float(t), second)
    assert [(node, now) for node, _, now in calls] == [("hub", 3.0)]
    assert calls[0][1] == pytest.approx(0.01)
    for t in range(6):  # an hour later the old use has gone: below, so the next crossing fires again
        meter.charge(4000.0 + t, second)
    assert [now for _, _, now in calls] == [3.0, 4003.0]


def test_would_exceed_uses_the_limit() -> None:
    meter = DutyCycleMeter("gsme")
    assert meter.limit == pytest.approx(100 / 3600) and meter.limit == REGULATED_LIMIT
    meter.limit = 0.01  # 36 s per hour
    meter.charge(0.0, 35_990_000)
    assert not meter.would_exceed(1.0, 10_000)
    assert meter.would_exceed(1.0, 10_001)


def test_bad_values_are_refused() -> None:
    meter = DutyCycleMeter("x")
    with pytest.raises(ValueError):
        meter.add_threshold(0.0, lambda *_: None)
    with pytest.raises(ValueError):
        meter.charge(0.0, -1)
