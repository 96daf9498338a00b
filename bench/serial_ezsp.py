"""EZSP figures for `python -m bench serial`: frames through a pty, and ZCL reads through bellows vs our library.

* EZSP frames per second, both ways: our `EzspHost` sends `echo` (a 64-byte
  payload) to the virtual EZSP NCP over a real pty and waits for the echo -
  two EZSP DATA frames and two ASH ACKs per round trip - in virtual time, so
  only the serial path and the codecs cost wall time;
* ZCL round trips per second: zigpy reads an emulated electricity meter's
  CurrentSummationDelivered, (a) through unmodified bellows on the virtual
  EZSP NCP over a pty, and (b) through our own radio library
  (`firmware.hub.HubHan`, our stack on a `VirtualRadio`) - both on a
  real-time loop on the same virtual air, so the ratio is the cost of the
  dongle path (EZSP over ASH, bellows) against a direct stack.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import zigpy.config as conf
import zigpy.types as zt
import zigpy.util

from firmware.devices import electricity_meter
from firmware.devices.meters import CURRENT_SUMMATION_DELIVERED, METERING, SE_ENDPOINT
from firmware.dongles import serve_ezsp_ncp
from firmware.hub import HanSettings, HubHan
from hal import clock
from hal.radio import Band, Channel
from hal.radios import application_class, parse_radio_spec, zigpy_device_config
from hal.serial.ezsp_host import EzspHost
from hal.virtual import Medium
from protocols.zigbee import install_code_crc

ECHOES = 2000
READS = 200
CHANNEL = 20


async def _echoes() -> float:
    medium = Medium(seed=1)
    medium.add_node("stick", (0.0, 0.0, 0.0))
    ncp = await serve_ezsp_ncp(medium.radio("stick", Band.GHZ_2_4))
    host = await EzspHost.open(ncp.path)
    await host.reset()
    payload = bytes(range(64))
    started = time.perf_counter()
    for _ in range(ECHOES):
        await host.command("echo", data=payload)
    rate = ECHOES / (time.perf_counter() - started)
    await host.close()
    await ncp.close()
    return rate


def _air() -> tuple[Medium, Any, bytes]:
    medium = Medium(seed=2)
    medium.add_node("hub", (0.0, 0.0, 0.0))
    medium.add_node("esme", (2.0, 0.0, 0.0))
    code = random.Random(1).randbytes(16)
    code += install_code_crc(code)
    meter = electricity_meter([medium.radio("esme", Band.GHZ_2_4)], code, reading=123_456)
    return medium, meter, code


async def _reads(app: Any, meter: Any, code: bytes) -> float:
    ieee = zt.EUI64(meter.ieee.to_bytes(8, "little"))
    await app.permit_with_link_key(ieee, zigpy.util.convert_install_code(code), time_s=60)
    await meter.join(channels=[[Channel(0, CHANNEL)]])
    while ieee not in app.devices or not app.devices[ieee].is_initialized:
        await asyncio.sleep(0.05)
    cluster = app.devices[ieee].endpoints[SE_ENDPOINT].in_clusters[METERING]
    started = time.perf_counter()
    for _ in range(READS):
        await cluster.read_attributes([CURRENT_SUMMATION_DELIVERED], allow_cache=False)
    return READS / (time.perf_counter() - started)


async def _bellows_reads() -> float:
    medium, meter, code = _air()
    ncp = await serve_ezsp_ncp(medium.radio("hub", Band.GHZ_2_4))
    spec = parse_radio_spec(f"ezsp:{ncp.path}")
    config = {
        conf.CONF_DEVICE: zigpy_device_config(spec),
        conf.CONF_NWK: {conf.CONF_NWK_CHANNEL: CHANNEL},
        conf.CONF_TOPO_SCAN_ENABLED: False,
        conf.CONF_NWK_BACKUP_ENABLED: False,
        "use_thread": False,
    }
    app = await application_class(spec).new(config, auto_form=True)
    try:
        return await _reads(app, meter, code)
    finally:
        await app.shutdown()
        await meter.close()
        await ncp.close()


async def _our_reads() -> float:
    medium, meter, code = _air()
    han = await HubHan.start([medium.radio("hub", Band.GHZ_2_4)], HanSettings.random(random.Random(3), channel=CHANNEL))
    try:
        return await _reads(han.app, meter, code)
    finally:
        await han.shutdown()
        await meter.close()


def figures() -> list[str]:
    """The EZSP lines of `python -m bench serial`."""
    echoes = clock.run(_echoes(), virtual=True)
    bellows = clock.run(_bellows_reads())
    ours = clock.run(_our_reads())
    return [
        f"EZSP echo round trips through a pty (host <-> virtual NCP): {echoes:,.0f}/s "
        f"({2 * echoes:,.0f} EZSP frames/s both ways, plus as many ASH ACKs)",
        f"ZCL reads via bellows on the virtual EZSP NCP: {bellows:,.1f}/s; via our radio library: {ours:,.1f}/s "
        f"(ours / bellows = {ours / bellows:.2f}); real-time loop, same virtual air",
    ]
