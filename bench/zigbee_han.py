"""Benchmark of the virtual HAN: ZCL round trips per wall second, and a simulated day of a home.

Run: `.venv/bin/python -m bench zigbee_han` (the defaults), or `.venv/bin/python -m bench.zigbee_han
--hours N` to shorten the day, `--joins` to measure instead how many of 30 joins fail at 10, 20 and
30 % frame loss.

1. ZCL request/response round trips per wall second, in virtual time: the hub
   reads the electricity meter's CurrentSummationDelivered over and over,
   once through zigpy (`Cluster.read_attributes` on our ControllerApplication)
   and once straight on the stack (`ZigbeeStack.send` + the response).
2. Wall time for a simulated day of the semi-detached home, run by
   `tools.sim.scenario.run_home` (what `commshub home` runs): the dual band hub on
   zigpy, the ESME as a router, the GSME as a sleepy end device polling every
   7.5 s, the IHD reading the ESME every 10 s and the hub reading both meters
   every minute. Prints the ratio of simulated to wall time and the traffic counts.

Figures are measurements on whatever machine runs this, never assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time

import zigpy.config as conf
import zigpy.device
import zigpy.util

from firmware.devices import electricity_meter
from firmware.devices.meters import METERING
from firmware.devices.zcl_client import ZclReader
from firmware.zigbee import DeliveryFailed, JoinError, Role, ZigbeeStack
from firmware.zigbee.application import ControllerApplication, eui64
from hal import clock
from hal.radio import Band
from hal.virtual import Medium, load_floorplan
from protocols.zigbee import install_code_crc, install_code_to_link_key
from tools.sim.report import HomeReport
from tools.sim.scenario import HomeOptions, run_home


def _code(number: int) -> bytes:
    code = bytes([number, 0xA5] * 8)
    return code + install_code_crc(code)


async def _read(reader: ZclReader, dst: int) -> bool:
    try:
        await reader.read(dst)
        return True
    except (DeliveryFailed, TimeoutError, ValueError):
        return False


async def _round_trips(count: int) -> tuple[float, float, float]:
    """(zigpy reads per wall s, stack reads per wall s, virtual seconds per stack read)."""
    medium = Medium(seed=0)
    medium.add_home(load_floorplan("semi-detached"))
    esme = electricity_meter([medium.radio("esme", Band.GHZ_2_4)], _code(1), reading=1)
    config = {
        conf.CONF_DEVICE: {conf.CONF_DEVICE_PATH: "commshub:virtual"},
        conf.CONF_NWK: {conf.CONF_NWK_CHANNEL: 15},
        "commshub": {"radios": [medium.radio("hub", Band.GHZ_2_4)]},
    }
    app = await ControllerApplication.new(config, auto_form=True)
    assert isinstance(app, ControllerApplication)
    ready: asyncio.Future[zigpy.device.Device] = asyncio.get_running_loop().create_future()

    class Listener:
        def device_initialized(self, device: zigpy.device.Device) -> None:
            if not ready.done():
                ready.set_result(device)

    app.add_listener(Listener())
    await app.permit_with_link_key(eui64(esme.ieee), zigpy.util.convert_install_code(_code(1)), time_s=60)
    await esme.join()
    device = await asyncio.wait_for(ready, 60)
    cluster = device.endpoints[1].in_clusters[METERING]
    started = time.perf_counter()
    for _ in range(count):
        await cluster.read_attributes(["current_summ_delivered"], allow_cache=False)
    zigpy_rate = count / (time.perf_counter() - started)
    reader = ZclReader(app.stack)
    loop = asyncio.get_running_loop()
    virtual_start, started = loop.time(), time.perf_counter()
    ok = sum([await _read(reader, esme.nwk) for _ in range(count)])
    stack_rate = ok / (time.perf_counter() - started)
    per_read = (loop.time() - virtual_start) / max(ok, 1)
    await esme.close()
    await app.shutdown()
    return zigpy_rate, stack_rate, per_read


async def _day(hours: float) -> HomeReport:
    """Simulate `hours` of the semi-detached home with a dual band hub (tools.sim.scenario)."""
    medium = Medium(seed=0)
    home = medium.add_home(load_floorplan("semi-detached"))
    options = HomeOptions(duration_s=hours * 3600, dual_band=True, ihd_interval=10.0, gsme_poll=7.5)
    return await run_home(home, medium, options, rng=random.Random(0))


async def _join(seed: int, loss: float) -> bool:
    """One ESME 5 m from a hub stack joins with `loss` of frames dropped: True if it got in."""
    medium = Medium(seed=seed)
    medium.add_node("hub", (0.0, 0.0, 0.0))
    medium.add_node("esme", (5.0, 0.0, 0.0))
    radio = medium.radio("hub", Band.GHZ_2_4)
    hub = ZigbeeStack(radios=[radio], ieee=radio.info.extended_address, role=Role.COORDINATOR)
    await hub.form()
    hub.permit_joining(600)
    esme = electricity_meter([medium.radio("esme", Band.GHZ_2_4)], _code(seed))
    hub.link_keys[esme.ieee] = install_code_to_link_key(esme.install_code)
    medium.faults.frame_loss = loss
    try:
        await esme.join(channels=[[hub.macs[0].channel]])
        joined = True
    except JoinError:
        joined = False
    await esme.close()
    await hub.close()
    return joined


def joins_under_loss(trials: int = 30) -> dict[float, int]:
    """Joins failed of `trials` (each on a fresh medium, seed = trial number) at 10, 20 and 30 % frame loss."""
    return {
        loss: sum(not clock.run(_join(seed, loss), virtual=True, seed=seed) for seed in range(trials))
        for loss in (0.1, 0.2, 0.3)
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The options in `argv`; None means none given - never the process's own argv, which belongs to
    whoever runs us (`python -m bench zigbee_han` passes the benchmark's name there)."""
    parser = argparse.ArgumentParser(prog="bench.zigbee_han")
    parser.add_argument("--reads", type=int, default=300, help="ZCL round trips per measurement")
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours of the home")
    parser.add_argument("--joins", action="store_true", help="measure joins failed under frame loss instead")
    return parser.parse_args([] if argv is None else argv)


def main(argv: list[str] | None = None) -> None:
    """Run with the defaults, or with the options in `argv` as on the command line."""
    args = parse_args(argv)
    if args.joins:
        for loss, failed in joins_under_loss().items():
            print(f"frame loss {loss:.0%}: {failed} of 30 joins failed (each retried as real devices do)")
        return
    zigpy_rate, stack_rate, per_read = clock.run(_round_trips(args.reads), virtual=True)
    print(f"ZCL Read Attributes round trips, hub -> ESME, virtual time ({args.reads} each):")
    print(f"  through zigpy ControllerApplication: {zigpy_rate:8.1f} per wall second")
    print(
        f"  straight on ZigbeeStack:             {stack_rate:8.1f} per wall second "
        f"({per_read * 1000:.2f} ms of virtual air time each)"
    )
    print(f"  zigpy / stack ratio: {zigpy_rate / stack_rate:.2f}")
    wall = time.perf_counter()
    day = clock.run(_day(args.hours), virtual=True)
    wall = time.perf_counter() - wall
    devices = {d.role: d for d in day.devices}
    gsme, ihd = devices["gsme"], devices["ihd"]
    print(
        f"Simulated {day.day_s / 3600:.1f} h of the semi-detached home (commshub home: dual band hub on zigpy, "
        f"ESME router, sleepy GSME polling 7.5 s on {gsme.band}, IHD reading the ESME every 10 s, "
        f"hub reading both meters every 60 s):"
    )
    print(f"  wall time {wall:.1f} s: {day.simulated_s / wall:.0f}x faster than real time")
    print(
        f"  IHD reads {ihd.reads_ok}/{ihd.reads_ok + ihd.reads_failed} answered; hub reads "
        f"{sum(d.reads_ok for d in day.devices if d.role in ('esme', 'gsme'))} answered, "
        f"{sum(d.reads_failed for d in day.devices if d.role in ('esme', 'gsme'))} failed; "
        f"GSME MAC frames {gsme.mac_frames_sent}; frames on air {day.frames_on_air} "
        f"({day.frames_on_air / wall:.0f} per wall second); hub 868 MHz airtime in the last hour "
        f"{day.duty_cycle_s.get('hub', 0.0):.2f} s"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
