"""The MAC's own duty-cycle budget takes the regulated limit of its radio's page (radio.md 3.2: 30/31 -> 90 s/h)."""

from __future__ import annotations

import pytest

from firmware.zigbee import Role, ZigbeeStack
from firmware.zigbee.dual_band import DutyCycleBudget, DutyCycleState
from hal import clock
from hal.radio import Band, Channel, RadioCaps
from hal.virtual import FULL_CAPS, Medium

RAW = FULL_CAPS & ~RadioCaps.DUTY_CYCLE  # a radio that leaves the duty cycle to our MAC


def test_budget_on_pages_30_31_allows_90_s_an_hour_and_on_28_29_100_s() -> None:
    for page, allowed_s in ((28, 100.0), (29, 100.0), (30, 90.0), (31, 90.0)):
        budget = DutyCycleBudget.with_limit(None, page=page)
        assert budget.limit == pytest.approx(allowed_s / 3600)
        budget.charge(allowed_s - 0.010, 0.0)  # 10 ms short of the page's limit
        assert budget.decide(0.010, 1.0) == 1.0  # exactly fills it: sent now
        assert budget.decide(0.011, 1.0) is None  # 1 ms over, and room only in an hour: refused
        assert budget.state(1.0) is DutyCycleState.CRITICAL


def test_stack_gives_the_868_budget_its_channel_page_and_follows_retuning() -> None:
    async def main() -> tuple[float, float, float, bool]:
        medium = Medium(seed=3)
        medium.add_node("hub", (0.0, 0.0, 0.0))
        radio = medium.radio("hub", Band.MHZ_868, caps=RAW)
        await radio.set_channel(Channel(30, 35))  # already on page 30 when the stack is built
        hub = ZigbeeStack(radios=[radio], ieee=radio.info.extended_address, role=Role.COORDINATOR)
        budget = hub.macs[0].duty_cycle
        assert budget is not None
        on_30 = budget.limit
        await hub.macs[0].set_channel(Channel(28, 3))
        on_28 = budget.limit
        await hub.macs[0].set_channel(Channel(31, 1))
        budget.charge(89.999, clock.now())
        refused = budget.decide(0.002, clock.now()) is None
        await hub.close()
        return on_30, on_28, budget.limit, refused

    on_30, on_28, on_31, refused = clock.run(main(), virtual=True)
    assert on_30 == pytest.approx(90 / 3600) and on_31 == pytest.approx(90 / 3600)
    assert on_28 == pytest.approx(100 / 3600)
    assert refused  # 89.999 s + 2 ms > 90 s on page 31


def test_an_explicit_limit_is_kept_whatever_the_page() -> None:
    budget = DutyCycleBudget.with_limit(3.0 / 3600, page=30)
    budget.page = 28
    assert budget.limit == 3.0 / 3600
    regulated = DutyCycleBudget(page=31)
    regulated.limit = 1.0 / 3600  # set later: fixed too
    regulated.page = 29
    assert regulated.limit == 1.0 / 3600
