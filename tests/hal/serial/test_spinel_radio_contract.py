"""The `hal.radio.Radio` contract, run on `SpinelRadio`s over real ptys to virtual RCPs on one `Medium`.

The scenarios and their assertions are those of tests/hal/test_radio_contract.py
(called with our pair factory, in virtual time, without editing that file);
this module only supplies the pair: two `SpinelRadio`s, each talking Spinel
over HDLC-lite on its own pty to a `SpinelRcp` whose air is a `VirtualRadio`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

import pytest

from hal.radio import Band
from tests.hal import test_radio_contract as contract

from .spinel_pairs import RcpBench, rcp_bench

CONTRACT: list[Callable[[Callable[[], Awaitable[contract.Pair]]], None]] = [
    contract.test_describes_itself,
    contract.test_refuses_a_channel_it_does_not_have,
    contract.test_power_is_clamped_to_the_range,
    contract.test_a_frame_arrives_whole_with_link_facts,
    contract.test_acked_frame_reports_sent_and_frame_pending,
    contract.test_unanswered_frame_is_retried_then_no_ack,
    contract.test_address_filter,
    contract.test_promiscuous_hears_all_and_acks_nothing,
    contract.test_never_keeps_the_callers_buffer,
    contract.test_radios_on_different_channels_do_not_hear_each_other,
    contract.test_idle_channel_is_clear_and_quiet,
    contract.test_close_is_idempotent_and_final,
]


@pytest.fixture
def bench() -> Iterator[RcpBench]:
    with rcp_bench() as made:
        yield made


@pytest.mark.parametrize("band", list(Band), ids=lambda band: band.value)
@pytest.mark.parametrize("check", CONTRACT, ids=lambda check: check.__name__.removeprefix("test_"))
def test_spinel_radio_passes_the_radio_contract(
    check: Callable[[Callable[[], Awaitable[contract.Pair]]], None], band: Band, bench: RcpBench
) -> None:
    check(lambda: bench.pair(band))
