"""`bench.zigbee_han` runs under the benchmark runner: it never reads the runner's argv as its own options."""

from __future__ import annotations

import pytest

from bench import zigbee_han


def test_options_come_only_from_the_argv_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.argv", ["python -m bench", "zigbee_han"])  # what `python -m bench zigbee_han` leaves
    defaults = zigbee_han.parse_args(None)
    assert (defaults.reads, defaults.hours, defaults.joins) == (300, 24.0, False)
    given = zigbee_han.parse_args(["--hours", "2", "--joins"])
    assert (given.hours, given.joins) == (2.0, True)


def test_joins_under_frame_loss_are_retried_until_they_succeed() -> None:
    """A short run of the join measurement: at 20 % frame loss every one of 3 joins gets in by retrying."""
    assert zigbee_han.joins_under_loss(trials=3)[0.2] == 0
