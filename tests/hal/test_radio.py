"""`hal.radio` values: channels exist only where radio.md 1.1 and 1.2 put them."""

from __future__ import annotations

import pytest

from hal.radio import Band, Channel, ChannelError, channel_exists

# source: radio.md 1.1 (page 0: channels 11-26) and 1.2 (pages 28-31)
EXISTING = [(0, 11), (0, 26), (28, 0), (28, 26), (29, 27), (29, 34), (29, 62), (30, 35), (30, 61), (31, 0), (31, 26)]
MISSING = [(0, 99), (0, 10), (0, 27), (1, 0), (27, 0), (28, 27), (29, 35), (29, 61), (30, 34), (30, 62), (31, 27)]


@pytest.mark.parametrize(("page", "number"), EXISTING)
def test_channels_that_exist(page: int, number: int) -> None:
    channel = Channel(page, number)
    assert channel.band is (Band.GHZ_2_4 if page == 0 else Band.MHZ_868)
    assert str(channel) == f"{page}/{number}"


@pytest.mark.parametrize(("page", "number"), MISSING)
def test_channels_that_do_not_exist_are_refused_naming_the_value(page: int, number: int) -> None:
    with pytest.raises(ChannelError, match=rf"\b{number if page in (0, 28, 29, 30, 31) else page}\b"):
        Channel(page, number)


@pytest.mark.parametrize("value", ["11", 11.0, None, True])
def test_a_channel_number_must_be_an_int(value: object) -> None:
    with pytest.raises(ChannelError, match="does not exist"):
        Channel(0, value)  # type: ignore[arg-type]  # the point: a wrong type is refused
    with pytest.raises(ChannelError, match="neither 0"):
        Channel(value, 11)  # type: ignore[arg-type]  # the point: a wrong type is refused


def test_every_channel_of_a_band() -> None:
    assert len(Channel.all_of(Band.GHZ_2_4)) == 16
    assert len(Channel.all_of(Band.MHZ_868)) == 27 + 9 + 27 + 27  # radio.md 1.2: pages 28-31


def test_channel_exists_answers_without_raising() -> None:
    assert all(channel_exists(page, number) for page, number in EXISTING)
    assert not any(channel_exists(page, number) for page, number in MISSING)
    assert not channel_exists(0, True) and not channel_exists("0", 11) and not channel_exists(0, None)
