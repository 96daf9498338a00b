"""Plain zigpy on commshub's radio library: form a virtual HAN, admit a meter, read its summation.

Run: `.venv/bin/python examples/zigpy_virtual_han.py` (add `-v` for zigpy's logs).

Everything below the `ControllerApplication` is simulated - a semi-detached
house with a hub and an electricity meter on virtual 2.4 GHz radios - and runs
in virtual time, so the whole join and interview take well under a second of
wall time. The zigpy code itself is what you would write for a USB dongle:
`ControllerApplication.new(config, auto_form=True)`, `permit_with_link_key`,
wait for the device to be initialized, `read_attributes`.

Exit status: 0 and the reading printed; 1 with a one-line reason on stderr otherwise.
"""

from __future__ import annotations

import asyncio
import logging
import sys

import zigpy.config as conf
import zigpy.device
import zigpy.util

from firmware.devices import electricity_meter
from firmware.zigbee.application import ControllerApplication, eui64
from hal import clock
from hal.radio import Band
from hal.virtual import Medium, load_floorplan

#: The meter's install code (radio.md 5.7 worked example: code followed by its CRC).
INSTALL_CODE = bytes.fromhex("83FED3407A939723A5C639B26916D505C3B5")
READING = 123_456  # Wh on the meter's register


class _Joined:
    """zigpy listener: resolves when the device we wait for has been interviewed."""

    def __init__(self, ieee: zigpy.types.EUI64) -> None:
        self.ieee = ieee
        self.done: asyncio.Future[zigpy.device.Device] = asyncio.get_running_loop().create_future()

    def device_initialized(self, device: zigpy.device.Device) -> None:
        if device.ieee == self.ieee and not self.done.done():
            self.done.set_result(device)


async def main() -> int:
    medium = Medium(seed=0)
    medium.add_home(load_floorplan("semi-detached"))
    meter = electricity_meter([medium.radio("esme", Band.GHZ_2_4)], INSTALL_CODE, reading=READING)

    config = {
        conf.CONF_DEVICE: {conf.CONF_DEVICE_PATH: "commshub:virtual"},
        conf.CONF_NWK: {conf.CONF_NWK_CHANNEL: 15},
        "commshub": {"radios": [medium.radio("hub", Band.GHZ_2_4)]},
    }
    app = await ControllerApplication.new(config, auto_form=True)
    try:
        joined = _Joined(eui64(meter.ieee))
        app.add_listener(joined)
        link_key = zigpy.util.convert_install_code(INSTALL_CODE)
        await app.permit_with_link_key(eui64(meter.ieee), link_key, time_s=60)
        await meter.join()
        device = await asyncio.wait_for(joined.done, timeout=60)
        metering = device.endpoints[1].in_clusters[0x0702]
        values, failures = await metering.read_attributes(["current_summ_delivered"])
        if failures or "current_summ_delivered" not in values:
            print(f"error: reading CurrentSummationDelivered failed: {failures}", file=sys.stderr)
            return 1
        print(
            f"{device.model} {device.ieee} nwk=0x{device.nwk:04X}: "
            f"CurrentSummationDelivered = {values['current_summ_delivered']}"
        )
        return 0
    finally:
        await meter.close()
        await app.shutdown()


def run() -> int:
    logging.basicConfig(level=logging.DEBUG if "-v" in sys.argv else logging.ERROR)
    try:
        return clock.run(main(), virtual=True)
    except Exception as error:  # noqa: BLE001 - the example's contract: one clear line, non-zero exit
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(run())
