"""A real zigpy ControllerApplication driving the virtual HAN through our radio library."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

import pytest
import zigpy.config as conf
import zigpy.exceptions
import zigpy.types as zt
import zigpy.util

from firmware.devices import electricity_meter
from firmware.zigbee import Status
from firmware.zigbee.application import ControllerApplication, eui64
from firmware.zigbee.status import zigpy_status
from hal import clock
from hal.radio import Band, Channel
from hal.virtual import Medium, load_floorplan

from ..han import CODE, Initialized

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "zigpy_virtual_han.py"


def _example() -> object:
    spec = importlib.util.spec_from_file_location("zigpy_virtual_han", EXAMPLE)
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    return example


def test_example_prints_the_meter_reading_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert _example().run() == 0  # type: ignore[attr-defined]
    out = capsys.readouterr().out
    assert "ESME" in out and "CurrentSummationDelivered = 123456" in out


def test_example_exits_1_with_one_clear_line_on_failure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(zigpy.util, "convert_install_code", lambda code: zt.KeyData(bytes(16)))  # wrong key
    assert _example().run() == 1  # type: ignore[attr-defined]
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: JoinError:") and "install code" in captured.err
    assert captured.err.count("\n") == 1


async def _app(medium: Medium, store: dict[str, int]) -> ControllerApplication:
    config = {
        conf.CONF_DEVICE: {conf.CONF_DEVICE_PATH: "commshub:virtual"},
        conf.CONF_NWK: {conf.CONF_NWK_CHANNEL: 20, conf.CONF_NWK_PAN_ID: 0x1A62},
        "commshub": {"radios": [medium.radio("hub", Band.GHZ_2_4)], "store": store},
    }
    return await ControllerApplication.new(config, auto_form=True)


def test_zigpy_sees_join_reads_zcl_and_gets_delivery_errors_with_status() -> None:
    async def main() -> dict[str, object]:
        medium = Medium(seed=3)
        medium.add_home(load_floorplan("terraced"))
        store: dict[str, int] = {}
        app = await _app(medium, store)
        watcher = Initialized()
        app.add_listener(watcher)
        esme = electricity_meter([medium.radio("esme", Band.GHZ_2_4)], CODE, reading=98765)
        await app.permit_with_link_key(eui64(esme.ieee), zigpy.util.convert_install_code(CODE), time_s=120)
        await esme.join()
        device = await asyncio.wait_for(watcher.devices.get(), 60)
        values, _ = await device.endpoints[1].in_clusters[0x0702].read_attributes(["current_summ_delivered"])
        await app.load_network_info(load_devices=True)
        info = app.state.network_info
        energy = await app.energy_scan(zt.Channels.from_channel_list([11, 20]), duration_exp=2, count=1)
        endpoints = await app._device.zdo.Active_EP_req(0)  # zigpy asks its own coordinator: loopback
        await esme.power_off()  # the meter loses power: zigpy must hear why
        medium.set_powered("esme", False)
        with pytest.raises(zigpy.exceptions.DeliveryError) as failure:
            await app.send_packet(
                zt.ZigbeePacket(
                    src=zt.AddrModeAddress(addr_mode=zt.AddrMode.NWK, address=zt.NWK(0)),
                    src_ep=1,
                    dst=zt.AddrModeAddress(addr_mode=zt.AddrMode.NWK, address=device.nwk),
                    dst_ep=1,
                    profile_id=0x0109,
                    cluster_id=0x0702,
                    data=zt.SerializableBytes(b"\x00\x01\x00\x00\x00"),
                )
            )
        await app.force_remove(device)
        known_after = app.stack.nwk.neighbour_by_ieee(esme.ieee)
        counter_key = next(k for k in store if k.startswith("nwk-frame-counter"))
        await app.shutdown()
        return {
            "endpoints": endpoints,
            "ieee": device.ieee,
            "expected": eui64(esme.ieee),
            "model": device.model,
            "values": values,
            "pan": info.pan_id,
            "channel": info.channel,
            "children": info.children,
            "energy": energy,
            "status": failure.value.status,
            "known_after": known_after,
            "persisted": store[counter_key],
        }

    r = clock.run(main(), virtual=True)
    assert r["endpoints"][0] == 0 and 1 in r["endpoints"][2]  # type: ignore[index]
    assert r["ieee"] == r["expected"] and r["model"] == "ESME"
    assert r["values"] == {"current_summ_delivered": 98765}
    assert r["pan"] == 0x1A62 and r["channel"] == 20
    assert r["children"] == [r["expected"]]
    assert set(r["energy"]) == {11, 20}  # type: ignore[arg-type]
    assert r["status"] in (zigpy_status(Status.NO_ACK), zigpy_status(Status.APS_NO_ACK))
    assert r["known_after"] is None
    assert r["persisted"] > 0  # frame counter reserved in the store before use


def test_zigpy_on_a_dual_band_hub_reads_a_gas_meter_reachable_only_on_868() -> None:
    from firmware.devices import gas_meter

    from ..han import far_in_a_cabinet, medium_with, muffle_2_4

    async def main() -> tuple[object, str, int]:
        medium = medium_with(("hub", (0.0, 0.0, 0.0)))
        far_in_a_cabinet(medium, "gsme")
        config = {
            conf.CONF_DEVICE: {conf.CONF_DEVICE_PATH: "commshub:virtual"},
            conf.CONF_NWK: {conf.CONF_NWK_CHANNEL: None},  # zigpy energy-scans through our radio library
            "commshub": {"radios": [medium.radio("hub", Band.GHZ_2_4), medium.radio("hub", Band.MHZ_868)]},
        }
        app = await ControllerApplication.new(config, auto_form=True)
        watcher = Initialized()
        app.add_listener(watcher)
        gsme = gas_meter(
            [medium.radio("gsme", Band.GHZ_2_4), medium.radio("gsme", Band.MHZ_868)],
            CODE,
            reading=4321,
            poll_period=7.5,
        )
        await muffle_2_4(gsme)
        await app.permit_with_link_key(eui64(gsme.ieee), zigpy.util.convert_install_code(CODE), time_s=120)
        await gsme.join()
        device = await asyncio.wait_for(watcher.devices.get(), 120)
        values, _ = await device.endpoints[1].in_clusters[0x0702].read_attributes(["current_summ_delivered"])
        band = app.stack.nwk.neighbour_by_ieee(gsme.ieee).iface.band.value  # type: ignore[union-attr]
        channel = app.state.network_info.channel
        await gsme.close()
        await app.shutdown()
        return values, band, channel

    values, band, channel = clock.run(main(), virtual=True)
    assert values == {"current_summ_delivered": 4321}
    assert band == "868MHz"
    assert 11 <= channel <= 26


def test_energy_scan_dwells_the_802154_duration_count_times_and_finds_the_jammed_channel() -> None:
    async def main() -> tuple[dict[int, float], float, float]:
        medium = Medium(seed=0)
        medium.add_node("hub", (0.0, 0.0, 0.0))
        app = await _app(medium, {})
        medium.jam(Channel(0, 20), duration=30.0, power_dbm=-40.0)
        loop = asyncio.get_running_loop()
        start = loop.time()
        energy = await app.energy_scan(zt.Channels.from_channel_list([11, 20, 25]), duration_exp=3, count=1)
        once = loop.time() - start
        start = loop.time()
        await app.energy_scan(zt.Channels.from_channel_list([11, 20, 25]), duration_exp=3, count=4)
        four = loop.time() - start
        await app.shutdown()
        return energy, once, four

    energy, once, four = clock.run(main(), virtual=True)
    assert max(energy, key=energy.__getitem__) == 20  # the jammed channel reads highest
    assert energy[20] > energy[11] and energy[20] > energy[25]
    # aBaseSuperframeDuration (960 symbols of 16 us) x (2^3 + 1) = 138.24 ms per channel per scan
    assert once == pytest.approx(3 * 960 * 16e-6 * 9, rel=1e-6)
    assert four == pytest.approx(4 * once, rel=1e-6)


def test_send_packet_asks_for_an_aps_ack_exactly_when_zigpy_says_so() -> None:
    from protocols.ieee802154 import DataFrame, parse
    from protocols.zigbee import ZigbeeDecodeError, ZigbeeSecurityError, parse_aps, unsecure_nwk

    async def main() -> dict[bytes, bool]:
        medium = Medium(seed=3)
        medium.add_home(load_floorplan("terraced"))
        frames: list[bytes] = []
        medium.add_sniffer(lambda rx: frames.append(rx.psdu))
        app = await _app(medium, {})
        watcher = Initialized()
        app.add_listener(watcher)
        esme = electricity_meter([medium.radio("esme", Band.GHZ_2_4)], CODE, reading=1)
        await app.permit_with_link_key(eui64(esme.ieee), zigpy.util.convert_install_code(CODE), time_s=120)
        await esme.join()
        device = await asyncio.wait_for(watcher.devices.get(), 60)
        for marker, options in ((b"\xee\x01", zt.TransmitOptions.NONE), (b"\xee\x02", zt.TransmitOptions.ACK)):
            await app.send_packet(
                zt.ZigbeePacket(
                    src=zt.AddrModeAddress(addr_mode=zt.AddrMode.NWK, address=zt.NWK(0)),
                    src_ep=1,
                    dst=zt.AddrModeAddress(addr_mode=zt.AddrMode.NWK, address=device.nwk),
                    dst_ep=1,
                    profile_id=0x0109,
                    cluster_id=0x0B05,
                    data=zt.SerializableBytes(marker),
                    tx_options=options,
                )
            )
        key = app.stack.params.network_key  # type: ignore[union-attr]
        await esme.close()
        await app.shutdown()
        asked: dict[bytes, bool] = {}
        for psdu in frames:
            try:
                mac = parse(psdu)
                if isinstance(mac, DataFrame):
                    aps = parse_aps(unsecure_nwk(mac.payload, key=key).payload)
                    if aps.payload[:1] == b"\xee":
                        asked[aps.payload] = aps.ack_request
            except (ValueError, ZigbeeDecodeError, ZigbeeSecurityError):
                continue
        return asked

    assert clock.run(main(), virtual=True) == {b"\xee\x01": False, b"\xee\x02": True}
