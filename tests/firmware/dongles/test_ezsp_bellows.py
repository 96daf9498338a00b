"""Unmodified bellows (zigpy's EZSP radio library) runs a network on our virtual EZSP NCP over a real pty.

What a user of a real EFR32 stick does, end to end: zigpy's ControllerApplication
from bellows forms a network, an emulated electricity meter joins with its
install code, zigpy interviews it and reads CurrentSummationDelivered; then a
zigpy backup is restored onto a blank stick (another EUI-64, written through
the NV3 restored-EUI token as bellows does it) and the meter is read again
without rejoining. bellows talks to the pty through zigpy's serial transport,
so this runs on a real-time loop (the pty ledger cannot see bellows' end);
joins are kept short by letting the meter scan only the network's channel.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import zigpy.config as conf
import zigpy.types as zt
import zigpy.util

from firmware.devices import electricity_meter
from firmware.devices.meters import CURRENT_SUMMATION_DELIVERED, METERING, SE_ENDPOINT
from firmware.dongles.ezsp_ncp import serve_ezsp_ncp
from firmware.dongles.ezsp_tokens import NcpTokens
from hal import clock
from hal.radio import Band, Channel
from hal.radios import application_class, parse_radio_spec, zigpy_device_config
from hal.virtual import Medium, load_floorplan
from protocols.zigbee import install_code_crc

CHANNEL = 20
READING = 4_321_987
#: another stick's EUI-64: the backup moves the network onto it
NEW_STICK = 0x00_0B_57_FF_FE_12_34_56


def _config(path: str, database: Path) -> dict[str, Any]:
    spec = parse_radio_spec(f"ezsp:{path}?baudrate=115200&flow_control=software")
    return {
        conf.CONF_DEVICE: zigpy_device_config(spec),
        conf.CONF_NWK: {conf.CONF_NWK_CHANNEL: CHANNEL},
        conf.CONF_TOPO_SCAN_ENABLED: False,
        conf.CONF_DATABASE: str(database),
        conf.CONF_NWK_BACKUP_ENABLED: False,
        "use_thread": False,  # bellows' own option: run on our loop
    }


async def _interviewed(app: Any, ieee: zt.EUI64) -> Any:
    for _ in range(200):
        device = app.devices.get(ieee)
        if device is not None and device.is_initialized:
            return device
        await asyncio.sleep(0.05)
    raise AssertionError(f"{ieee} was never interviewed")


async def _read(device: Any) -> int:
    result, failures = (
        await device.endpoints[SE_ENDPOINT].in_clusters[METERING].read_attributes([CURRENT_SUMMATION_DELIVERED])
    )
    assert not failures
    return int(result[CURRENT_SUMMATION_DELIVERED])


def test_bellows_forms_a_network_reads_a_meter_and_restores_a_backup(tmp_path: Path) -> None:
    database = tmp_path / "zigbee.db"

    async def main() -> dict[str, Any]:
        medium = Medium(seed=3)
        medium.add_home(load_floorplan("semi-detached"))
        hub_radio = medium.radio("hub", Band.GHZ_2_4)
        ncp = await serve_ezsp_ncp(hub_radio)
        spec = parse_radio_spec(f"ezsp:{ncp.path}")
        app_class = application_class(spec)
        code = random.Random(7).randbytes(16)
        code += install_code_crc(code)
        meter = electricity_meter([medium.radio("esme", Band.GHZ_2_4)], code, reading=READING)
        ieee = zt.EUI64(meter.ieee.to_bytes(8, "little"))
        facts: dict[str, Any] = {"meter": ieee}
        try:
            app = await app_class.new(_config(ncp.path, database), auto_form=True)
            facts["formed"] = (app.state.network_info.channel, app.state.node_info.nwk)
            await app.permit_with_link_key(ieee, zigpy.util.convert_install_code(code), time_s=60)
            await meter.join(channels=[[Channel(0, CHANNEL)]])
            facts["read"] = await _read(await _interviewed(app, ieee))
            backup = await app.backups.create_backup(load_devices=True)
            facts["children"] = list(backup.network_info.children)
            await app.shutdown()
            await ncp.close()

            blank = await serve_ezsp_ncp(hub_radio, tokens=NcpTokens(chip_eui64=NEW_STICK))
            ncp = blank
            app = await app_class.new(_config(blank.path, database), start_radio=False)
            await app.connect()
            await app.backups.restore_backup(backup, create_new=False)
            await app.initialize(auto_form=False)
            restored = app.state.network_info
            facts["restored"] = (restored.pan_id, restored.extended_pan_id, restored.network_key.key, restored.channel)
            facts["restored_ieee"] = app.state.node_info.ieee
            facts["stick_eui64"] = blank.network.tokens.eui64
            facts["read_again"] = await _read(app.get_device(ieee))
            facts["original"] = backup.network_info
            facts["original_ieee"] = backup.node_info.ieee
            await app.shutdown()
        finally:
            await meter.close()
            await ncp.close()
        return facts

    facts = clock.run(main())
    assert facts["formed"] == (CHANNEL, 0x0000)
    assert facts["read"] == READING
    assert facts["children"] == [facts["meter"]]
    original = facts["original"]
    assert facts["restored"] == (original.pan_id, original.extended_pan_id, original.network_key.key, CHANNEL)
    assert facts["restored_ieee"] == facts["original_ieee"]
    assert facts["stick_eui64"] == int.from_bytes(bytes(facts["original_ieee"]), "little")
    assert facts["read_again"] == READING
