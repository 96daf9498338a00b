"""A hub restarted through zigpy (a real SQLite database): same network, same devices, no counter reused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import zigpy.config as conf
import zigpy.device
import zigpy.util

from firmware.devices import electricity_meter
from firmware.zigbee.application import ControllerApplication, eui64
from hal import clock
from hal.radio import Band, Radio, ReceivedFrame
from hal.virtual import Medium, load_floorplan
from protocols.ieee802154 import DataFrame, parse
from protocols.zigbee import ZigbeeDecodeError, parse_aps, parse_nwk

from ..han import CODE, Initialized


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
        if aps.aux is not None:  # the Transport Key, under the key-transport key
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
        medium.add_home(load_floorplan("semi-detached"))  # the ESME router beacons our network too
        sniffer = _NonceWatch()
        medium.add_sniffer(sniffer)
        database = tmp_path / "zigbee.db"
        hub_radio = medium.radio("hub", Band.GHZ_2_4)  # the radio outlives each application
        app = await ControllerApplication.new(_config(hub_radio, database), auto_form=True)
        watcher = Initialized()
        app.add_listener(watcher)
        esme = electricity_meter([medium.radio("esme", Band.GHZ_2_4)], CODE, reading=5)
        await app.permit_with_link_key(eui64(esme.ieee), zigpy.util.convert_install_code(CODE), time_s=60)
        await esme.join()
        first = await _read(await asyncio.wait_for(watcher.devices.get(), 60))
        pan = app.state.network_info.pan_id
        await app.shutdown()

        app = await ControllerApplication.new(_config(hub_radio, database), auto_form=True)
        second = await _read(app.get_device(ieee=eui64(esme.ieee)))  # known to zigpy and routed to
        same_pan = app.state.network_info.pan_id
        await esme.close()  # the meter is reset and joins afresh:
        esme = electricity_meter(esme.radios, CODE, reading=6, nvm=esme.nvm)  # its counters survive
        await app.permit(60)  # its link key came back with the network
        await esme.join()
        await asyncio.sleep(1.0)
        third = await _read(app.get_device(ieee=eui64(esme.ieee)))
        await esme.close()
        await app.shutdown()
        return {
            "first": first,
            "second": second,
            "third": third,
            "pan": pan,
            "same_pan": same_pan,
            "reused": sniffer.reused(),
            "aps": [k for k in sniffer.seen if k[0] == "aps"],
        }

    r = clock.run(main(), virtual=True)
    assert r["first"] == {"current_summ_delivered": 5}
    assert r["second"] == {"current_summ_delivered": 5}
    assert r["third"] == {"current_summ_delivered": 6}
    assert r["same_pan"] == r["pan"]
    assert len(r["aps"]) >= 2  # a Transport Key before and after the restart...
    assert r["reused"] == []  # ...and no (sender, counter) carried two frames


def test_device_tables_survive_a_zigpy_backup_and_a_new_key_resets_replay_state() -> None:
    """`network_backup` round trip through zigpy's JSON form: neighbours, link keys, and the last NWK
    counter heard from each device (a frame recorded before a restart stays a replay after it)."""
    import zigpy.state

    from firmware.zigbee import Role, ZigbeeStack
    from firmware.zigbee.network_backup import export_devices, restore_devices

    from ..han import admit, formed_hub, medium_with, meter

    async def main() -> dict[str, object]:
        medium = medium_with(("hub", (0.0, 0.0, 0.0)), ("esme", (3.0, 0.0, 0.0)))
        hub = await formed_hub(medium)
        esme = meter(medium, "esme")
        admit(hub, esme)
        await esme.join()
        heard = hub.nwk.incoming_frame_counter(esme.ieee)
        saved = zigpy.state.NetworkInfo(**export_devices(hub))
        info = zigpy.state.NetworkInfo.from_dict(saved.as_dict())  # as zigpy's database keeps it
        params = hub.params
        assert params is not None
        await hub.close()
        again = ZigbeeStack(radios=[m.radio for m in hub.macs], ieee=hub.ieee, role=Role.COORDINATOR)
        await again.start_as_coordinator(params, [hub.macs[0].channel])
        count = restore_devices(again, info)
        known = again.nwk.neighbour_by_ieee(esme.ieee)
        restored = again.nwk.incoming_frame_counter(esme.ieee)
        await again.send(esme.nwk, cluster=0x0704, profile=0x0109, src_endpoint=1, dst_endpoint=1, payload=b"x")
        again.nwk.set_network_key(bytes(range(16)), params.key_seq + 1)
        after_new_key = again.nwk.incoming_frame_counter(esme.ieee)
        await again.close()
        await esme.close()
        return {
            "count": count,
            "nwk": known.nwk if known else None,
            "esme": esme.nwk,
            "heard": heard,
            "restored": restored,
            "keys": dict(again.link_keys),
            "code_key": hub.link_keys[esme.ieee],
            "esme_ieee": esme.ieee,
            "after_new_key": after_new_key,
        }

    r = clock.run(main(), virtual=True)
    assert r["count"] == 1 and r["nwk"] == r["esme"]  # routed to again, at its address
    assert r["keys"] == {r["esme_ieee"]: r["code_key"]}  # its install-code link key came back
    assert r["heard"] is not None and r["restored"] == r["heard"]
    assert r["after_new_key"] is None  # a new network key restarts every counter
