"""The sans-I/O unslotted CSMA-CA machine (radio.md 2.5)."""

from __future__ import annotations

import random

import pytest

from hal.csma import Backoff, ChannelAccessFailure, Transmit, UnslottedCsmaCa


def test_busy_channel_gives_five_ccas_with_growing_windows_then_failure() -> None:
    csma = UnslottedCsmaCa(random.Random(1))
    action = csma.start()
    windows = []
    while isinstance(action, Backoff):
        windows.append(csma.be)
        assert 0 <= action.periods < 1 << csma.be
        action = csma.cca_done(False)
    assert isinstance(action, ChannelAccessFailure)
    assert windows == [3, 4, 5, 5, 5]  # macMinBE 3, macMaxBE 5, macMaxCSMABackoffs 4: at most 115 periods


def test_clear_channel_transmits_at_once() -> None:
    csma = UnslottedCsmaCa(random.Random(2))
    csma.start()
    assert isinstance(csma.cca_done(True), Transmit)
    csma.start()
    assert isinstance(csma.cca_done(False), Backoff)  # one busy CCA: back off again, wider
    assert isinstance(csma.cca_done(True), Transmit)


def test_backoffs_cover_the_whole_window() -> None:
    rng = random.Random(3)
    seen = {UnslottedCsmaCa(rng).start().periods for _ in range(500)}
    assert seen == set(range(8))


def test_zero_backoffs_allowed_means_one_cca() -> None:
    csma = UnslottedCsmaCa(random.Random(4), max_backoffs=0)
    csma.start()
    assert isinstance(csma.cca_done(False), ChannelAccessFailure)


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        UnslottedCsmaCa(random.Random(), min_be=6, max_be=5)
