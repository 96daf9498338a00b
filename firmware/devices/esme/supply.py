"""The load switch (disconnect control 0-0:96.3.10.255, supply script table 0-0:10.0.106.255; meters.md 2.5).

States are the disconnect control's `control_state`: 0 disconnected, 1 connected, 2 ready for
reconnection ("armed": the consumer must press a button to restore supply). ECS42 / ECS43 /
ECS44 execute selectors 0x33 enable, 0x34 disable, 0x36 arm. The meter itself disables the
supply when prepayment credit runs out or the load limit trips, and arms it again when
credit is added or emergency credit is activated; the reason is kept so a top-up only re-arms
a supply that credit had disabled.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from firmware.devices.esme.alerts import AlertCode

if TYPE_CHECKING:
    from firmware.devices.esme.meter import Meter

ENABLE = 0x33
DISABLE = 0x34
ARM = 0x36


class SupplyState(enum.IntEnum):
    DISCONNECTED = 0
    CONNECTED = 1
    ARMED = 2  #: ready for reconnection


class Reason(enum.IntEnum):
    NONE = 0
    REMOTE = 1
    CREDIT = 2
    LOAD_LIMIT = 3


def state(meter: Meter) -> SupplyState:
    return SupplyState(meter.state("s/state", SupplyState.CONNECTED))


def reason(meter: Meter) -> Reason:
    return Reason(meter.state("s/reason", Reason.NONE))


def connected(meter: Meter) -> bool:
    return state(meter) is SupplyState.CONNECTED


def _set(meter: Meter, new: SupplyState, why: Reason) -> None:
    meter.set_state("s/state", new)
    meter.set_state("s/reason", why)


def execute(meter: Meter, selector: int, time: float) -> bool:
    """Run a supply script (ECS42/43/44); False when `selector` is not one of them."""
    if selector == ENABLE:
        _set(meter, SupplyState.CONNECTED, Reason.NONE)
    elif selector == DISABLE:
        _set(meter, SupplyState.DISCONNECTED, Reason.REMOTE)
    elif selector == ARM:
        if state(meter) is SupplyState.DISCONNECTED:
            _set(meter, SupplyState.ARMED, Reason.NONE)
            meter.raise_alert(AlertCode.SUPPLY_ARMED, time)
    else:
        return False
    return True


def disable(meter: Meter, why: Reason) -> None:
    """The meter disconnects on its own (credit exhausted, load limit)."""
    _set(meter, SupplyState.DISCONNECTED, why)


def arm_after(meter: Meter, why: Reason, time: float) -> None:
    """Arm a supply that `why` had disabled (credit restored, load limit over)."""
    if state(meter) is SupplyState.DISCONNECTED and reason(meter) is why:
        _set(meter, SupplyState.ARMED, Reason.NONE)
        meter.raise_alert(AlertCode.SUPPLY_ARMED, time)


def press_button(meter: Meter) -> bool:
    """The consumer restores an armed supply (the meter's button, or a PPMID); False if it was not armed."""
    if state(meter) is not SupplyState.ARMED:
        return False
    _set(meter, SupplyState.CONNECTED, Reason.NONE)
    return True
