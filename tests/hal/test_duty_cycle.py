"""`hal.duty_cycle`: the one rolling-window airtime ledger and the one table of regulated limits (radio.md 3.2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hal.duty_cycle import REGULATED_LIMITS, WINDOW_US, AirtimeLedger, regulated_limit, to_us

# (gap before the frame in us, airtime in us): GB868 airtimes run 1 360 us (ACK) to 11 120 us (radio.md 1.2)
schedules = st.lists(st.tuples(st.integers(0, 900_000_000), st.integers(1_360, 11_120)), max_size=80)


def _replay(schedule: list[tuple[int, int]]) -> tuple[AirtimeLedger, list[tuple[int, int]], int]:
    ledger, now_us, starts = AirtimeLedger(), 0, []
    for gap, air in schedule:
        now_us += gap
        ledger.charge(now_us, air)
        starts.append((now_us, air))
    return ledger, starts, now_us


@given(schedules, st.integers(0, 2 * WINDOW_US))
def test_sums_are_exact_over_the_window_and_in_total(schedule: list[tuple[int, int]], later: int) -> None:
    ledger, starts, now_us = _replay(schedule)
    assert ledger.total_us == sum(air for _, air in schedule)
    end = now_us + later
    assert ledger.used_us(end) == sum(air for start, air in starts if start > end - WINDOW_US)


def test_a_record_leaves_the_window_exactly_one_window_after_its_start() -> None:
    ledger = AirtimeLedger()
    ledger.charge(10_000_000, 5_000)
    ledger.charge(20_000_000, 7_000)
    assert ledger.used_us(10_000_000 + WINDOW_US - 1) == 12_000
    assert ledger.used_us(10_000_000 + WINDOW_US) == 7_000
    assert ledger.used_us(20_000_000 + WINDOW_US) == 0
    assert ledger.total_us == 12_000


def test_a_short_window_works_the_same() -> None:
    ledger = AirtimeLedger(window_us=1_000)
    ledger.charge(0, 10)
    ledger.charge(999, 20)
    assert ledger.used_us(999) == 30 and ledger.used_us(1_000) == 20 and ledger.used_us(1_999) == 0


def test_fits_at_is_now_when_there_is_room() -> None:
    ledger = AirtimeLedger()
    ledger.charge(0, 60_000_000)
    assert ledger.fits_at(5_000_000, 40_000_000, 100_000_000) == 5_000_000  # exactly fills the allowance


def test_fits_at_waits_for_just_enough_records_to_age_out() -> None:
    ledger = AirtimeLedger()
    for start, air in ((0, 30_000_000), (100_000_000, 30_000_000), (200_000_000, 30_000_000)):
        ledger.charge(start, air)
    # 90 s used of 100 s: 10 s fit now; 25 s need the first record gone; 45 s the first two; 100 s all three
    assert ledger.fits_at(300_000_000, 10_000_000, 100_000_000) == 300_000_000
    assert ledger.fits_at(300_000_000, 25_000_000, 100_000_000) == WINDOW_US
    assert ledger.fits_at(300_000_000, 45_000_000, 100_000_000) == 100_000_000 + WINDOW_US
    assert ledger.fits_at(300_000_000, 100_000_000, 100_000_000) == 200_000_000 + WINDOW_US
    assert ledger.fits_at(300_000_000, 100_000_001, 100_000_000) is None  # more than the allowance
    assert ledger.used_us(300_000_000) == 90_000_000  # asking charged nothing


@given(schedules, st.integers(1_360, 11_120), st.integers(10_000, 2_000_000))
def test_fits_at_is_the_earliest_moment_with_room(schedule: list[tuple[int, int]], air: int, allowed: int) -> None:
    ledger, starts, now_us = _replay(schedule)

    def used_at(t: int) -> int:
        return sum(a for s, a in starts if t - WINDOW_US < s <= t)

    when = ledger.fits_at(now_us, air, allowed)
    if when is None:
        assert air > allowed
        return
    assert when >= now_us and used_at(when) + air <= allowed
    if when > now_us:  # a microsecond earlier there was not yet room
        assert used_at(when - 1) + air > allowed


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        AirtimeLedger().charge(0, -1)
    with pytest.raises(ValueError, match="window"):
        AirtimeLedger(window_us=0)


def test_one_table_of_regulated_limits_per_page() -> None:
    """radio.md 3.2 (R22, from ZBOSS): 10 000 000 symbols an hour on pages 28/29, 9 000 000 on 30/31."""
    assert {page: round(limit * WINDOW_US) for page, limit in REGULATED_LIMITS.items()} == {
        28: 100_000_000,
        29: 100_000_000,
        30: 90_000_000,
        31: 90_000_000,
    }
    assert regulated_limit(30) is REGULATED_LIMITS[30]
    with pytest.raises(ValueError, match="page 0"):
        regulated_limit(0)


def test_to_us_rounds_to_the_nearest_microsecond() -> None:
    assert to_us(3600.0) == WINDOW_US and to_us(1.0000004) == 1_000_000 and to_us(1.0000006) == 1_000_001
