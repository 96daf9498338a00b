"""`firmware.hub.HubHan`: zigpy's controller on our stack over the radios given, and admission by install code."""

from __future__ import annotations

import asyncio
import random

import zigpy.device

from firmware.hub import HanSettings, HubHan
from hal import clock
from hal.radio import Band, Channel
from protocols.zigbee import install_code_to_link_key

from ..han import CODE, medium_with, meter


def test_a_device_admitted_by_install_code_joins_and_is_interviewed() -> None:
    async def main() -> tuple[int, int, bytes, zigpy.device.Device]:
        medium = medium_with(("hub", (0.0, 0.0, 0.0)), ("esme", (4.0, 0.0, 0.0)))
        settings = HanSettings.random(random.Random(1), channel=20)
        han = await HubHan.start([medium.radio("hub", Band.GHZ_2_4)], settings)
        esme = meter(medium, "esme")
        interviewed = await han.admit(esme.ieee, CODE, time_s=60)
        await esme.join()
        device = await asyncio.wait_for(interviewed, 60)
        pan, channel, key = han.stack.params.pan_id, han.stack.macs[0].channel.number, han.stack.link_keys[esme.ieee]  # type: ignore[union-attr]  # formed above
        await esme.close()
        await han.shutdown()
        return pan, channel, key, device

    pan, channel, key, device = clock.run(main(), virtual=True)
    settings = HanSettings.random(random.Random(1), channel=20)
    assert (pan, channel) == (settings.pan_id, 20)  # the network the settings asked for
    assert key == install_code_to_link_key(CODE)  # radio.md 5.7: the link key from the install code
    assert device.endpoints[1].profile_id is not None and device.nwk != 0


def test_a_permit_broadcast_that_cannot_leave_still_opens_joining_at_the_hub() -> None:
    """A jammed channel: zigpy's Mgmt_Permit_Joining broadcast fails (DeliveryError); admission does not."""

    async def main() -> tuple[bool, bool]:
        medium = medium_with(("hub", (0.0, 0.0, 0.0)))
        han = await HubHan.start([medium.radio("hub", Band.GHZ_2_4)], HanSettings.random(random.Random(2), channel=15))
        medium.jam(Channel(0, 15), duration=60.0, power_dbm=-40.0)
        interviewed = await han.admit(0x0011223344556677, CODE, time_s=30)
        permitting, keyed = han.stack.permitting, 0x0011223344556677 in han.stack.link_keys
        interviewed.cancel()
        await han.shutdown()
        return permitting, keyed

    assert clock.run(main(), virtual=True) == (True, True)
