"""A hub restarted through zigpy (a real SQLite database): same network, same devices, no counter reused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import zigpy.config as conf
import zigpy.device
import zigpy.types as zt
import zigpy.util

from firmware.devices import electricity_meter
from firmware.zigbee.application import ControllerApplication, eui64
from hal import clock
from hal.radio import Band, Radio, ReceivedFrame
from hal.virtual import Medium, load_home
from protocols.ieee802154 import DataFrame, parse
from protocols.zigbee import ZigbeeDecodeError, parse_aps, parse_nwk

from .han import CODE


class _Initialized:
    def __init__(self) -> None:
        self.devices: asyncio.Queue[zigpy.device.Device] = asyncio.Queue()

    def device_initialized(self, device: zigpy.device.Device) -> None:
        self.devices.put_nowait(device)


class _NonceWatch:
    """Sniffer: every secured frame on air by (layer, sender, frame counter) -> the distinct frames."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, int | None, int], set[bytes]] = {}

    def __call__(self, rx: ReceivedFrame) -> None:
        try:
            mac = parse(rx.psdu)
            if not isinstance(mac, DataFrame):
                return
            nwk = parse_nwk(mac.payload)
            if nwk.aux is not None:
                self.seen.setdefault(("nwk", nwk.aux.source, nwk.aux.frame_counter), set()).add(mac.payload)
                return
            aps = parse_aps(nwk.payload)
        except (ValueError, ZigbeeDecodeError):
            return
        if aps.aux is not None:                          # the Transport Key, under the key-transport key
            self.seen.setdefault(("aps", aps.aux.source, aps.aux.frame_counter), set()).add(nwk.payload)

    def reused(self) -> list[tuple[str, int | None, int]]:
        """(layer, sender, counter) that carried two different frames: a CCM* nonce used twice."""
        return [k for k, frames in self.seen.items() if len(frames) > 1]


def _config(radio: Radio, database: Path) -> dict[str, object]:
    return {
        conf.CONF_DEVICE: {conf.CONF_DEVICE_PATH: "commshub:virtual"},
        conf.CONF_DATABASE: str(database),
        conf.CONF_NWK: {conf.CONF_NWK_CHANNEL: 15},
        # the default in-memory counter store: everything must come back through zigpy's database
        "commshub": {"radios": [radio]},
    }


async def _read(device: zigpy.device.Device) -> object:
    values, _ = await device.endpoints[1].in_clusters[0x0702].read_attributes(["current_summ_delivered"])
    return values


def test_restart_on_the_same_database_keeps_pan_id_devices_keys_and_counters(tmp_path: Path) -> None:
    async def main() -> dict[str, object]:
        medium = Medium(seed=0)
        medium.add_home(load_home("semi-detached"))      # the ESME router beacons our network too
        sniffer = _NonceWatch()
        medium.add_sniffer(sniffer)
        database = tmp_path / "zigbee.db"
        hub_radio = medium.radio("hub", Band.GHZ_2_4)    # the radio outlives each application
        app = await ControllerApplication.new(_config(hub_radio, database), auto_form=True)
        watcher = _Initialized()
        app.add_listener(watcher)
        esme = electricity_meter([medium.radio("esme", Band.GHZ_2_4)], CODE, reading=5)
        await app.permit_with_link_key(eui64(esme.ieee), zigpy.util.convert_install_code(CODE), time_s=60)
        await esme.join()
        first = await _read(await asyncio.wait_for(watcher.devices.get(), 60))
        pan = app.state.network_info.pan_id
        await app.shutdown()

        app = await ControllerApplication.new(_config(hub_radio, database), auto_form=True)
        second = await _read(app.get_device(ieee=eui64(esme.ieee)))   # known to zigpy and routed to
        same_pan = app.state.network_info.pan_id
        await esme.close()                               # the meter is reset and joins afresh:
        esme = electricity_meter(esme.radios, CODE, reading=6, nvm=esme.nvm)  # its counters survive
        await app.permit(60)                             # its link key came back with the network
        await esme.join()
        await asyncio.sleep(1.0)
        third = await _read(app.get_device(ieee=eui64(esme.ieee)))
        await esme.close()
        await app.shutdown()
        return {"first": first, "second": second, "third": third, "pan": pan, "same_pan": same_pan,
                "reused": sniffer.reused(), "aps": [k for k in sniffer.seen if k[0] == "aps"]}

    r = clock.run(main(), virtual=True)
    assert r["first"] == {"current_summ_delivered": 5}
    assert r["second"] == {"current_summ_delivered": 5}
    assert r["third"] == {"current_summ_delivered": 6}
    assert r["same_pan"] == r["pan"]
    assert len(r["aps"]) >= 2                            # a Transport Key before and after the restart...
    assert r["reused"] == []                             # ...and no (sender, counter) carried two frames
