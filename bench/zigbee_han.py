"""Benchmark of the virtual HAN: ZCL round trips per wall second, and a simulated day of a home.

Run: `.venv/bin/python -m bench.zigbee_han` (add `--hours N` to shorten the day).

1. ZCL request/response round trips per wall second, in virtual time: the hub
   reads the electricity meter's CurrentSummationDelivered over and over,
   once through zigpy (`Cluster.read_attributes` on our ControllerApplication)
   and once straight on the stack (`ZigbeeStack.send` + the response).
2. Wall time for a simulated day of the semi-detached home (hal.virtual): the
   hub, the ESME as a router, the GSME as a sleepy end device polling every
   7.5 s, and the IHD reading the ESME every 10 s. Prints the ratio of
   simulated to wall time and the traffic counts.

Figures are measurements on whatever machine runs this, never assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import zigpy.config as conf
import zigpy.device
import zigpy.util
import zigpy.zcl.foundation as zf

from firmware.devices import electricity_meter, gas_meter, in_home_display
from firmware.zigbee import DeliveryFailed, Role, ZigbeeStack
from firmware.zigbee.aps import ApsIndication
from firmware.zigbee.application import ControllerApplication, eui64
from hal import clock
from hal.radio import Band
from hal.virtual import Medium, load_home
from protocols.zigbee import install_code_crc, install_code_to_link_key

METERING = 0x0702


def _code(n: int) -> bytes:
    code = bytes([n, 0xA5] * 8)
    return code + install_code_crc(code)


def _read_request(tsn: int) -> bytes:
    return zf.ZCLHeader.general(tsn, zf.GeneralCommand.Read_Attributes).serialize() + b"\x00\x00"


class _Waiter:
    """Matches ZCL responses (by source and TSN) to the request waiting for them."""

    def __init__(self) -> None:
        self.pending: dict[tuple[int, int], asyncio.Future[bytes]] = {}

    def __call__(self, ind: ApsIndication) -> None:
        if ind.cluster == METERING and len(ind.payload) > 1:
            waiter = self.pending.pop((ind.src, ind.payload[1]), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(ind.payload)

    async def request(self, stack: ZigbeeStack, dst: int, tsn: int, timeout: float = 10.0) -> bool:
        future = asyncio.get_running_loop().create_future()
        self.pending[(dst, tsn)] = future
        try:
            await stack.send(dst, cluster=METERING, profile=0x0109, src_endpoint=1, dst_endpoint=1,
                             payload=_read_request(tsn))
            await asyncio.wait_for(future, timeout)
            return True
        except (DeliveryFailed, TimeoutError):
            self.pending.pop((dst, tsn), None)
            return False


async def _round_trips(count: int) -> tuple[float, float, float]:
    """(zigpy reads per wall s, stack reads per wall s, virtual seconds per stack read)."""
    medium = Medium(seed=0)
    medium.add_home(load_home("semi-detached"))
    esme = electricity_meter([medium.radio("esme", Band.GHZ_2_4)], _code(1), reading=1)
    config = {conf.CONF_DEVICE: {conf.CONF_DEVICE_PATH: "commshub:virtual"},
              conf.CONF_NWK: {conf.CONF_NWK_CHANNEL: 15},
              "commshub": {"radios": [medium.radio("hub", Band.GHZ_2_4)]}}
    app = await ControllerApplication.new(config, auto_form=True)
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
    waiter = _Waiter()
    app.stack.on_message = waiter
    loop = asyncio.get_running_loop()
    virtual_start, started = loop.time(), time.perf_counter()
    ok = sum([await waiter.request(app.stack, esme.nwk, n & 0xFF) for n in range(count)])
    stack_rate = ok / (time.perf_counter() - started)
    per_read = (loop.time() - virtual_start) / max(ok, 1)
    await esme.close()
    await app.shutdown()
    return zigpy_rate, stack_rate, per_read


async def _day(hours: float) -> dict[str, float]:
    """Simulate `hours` of the semi-detached home; returns counts and times."""
    medium = Medium(seed=0)
    medium.add_home(load_home("semi-detached"))
    hub_radios = [medium.radio("hub", Band.GHZ_2_4), medium.radio("hub", Band.MHZ_868)]
    hub = ZigbeeStack(radios=hub_radios, ieee=hub_radios[0].info.extended_address, role=Role.COORDINATOR)
    await hub.form()
    hub.permit_joining(3600)
    esme = electricity_meter([medium.radio("esme", Band.GHZ_2_4)], _code(1), reading=1000)
    gsme = gas_meter([medium.radio("gsme", Band.GHZ_2_4), medium.radio("gsme", Band.MHZ_868)], _code(2),
                     reading=500, poll_period=7.5)
    ihd = in_home_display([medium.radio("ihd", Band.GHZ_2_4)], _code(3))
    for device in (esme, gsme, ihd):
        hub.link_keys[device.ieee] = install_code_to_link_key(device.install_code)
    await esme.join()
    esme.stack.permit_joining(3600)
    await gsme.join()
    await ihd.join()
    waiter = _Waiter()
    ihd.stack.on_message = waiter
    loop = asyncio.get_running_loop()
    start, end = loop.time(), loop.time() + hours * 3600
    reads = ok = 0
    wall = time.perf_counter()
    while loop.time() < end:
        reads += 1
        ok += await waiter.request(ihd.stack, esme.nwk, reads & 0xFF)
        await asyncio.sleep(max(0.0, start + reads * 10.0 - loop.time()))
    wall = time.perf_counter() - wall
    result = {
        "simulated_s": loop.time() - start,
        "wall_s": wall,
        "ihd_reads": reads,
        "ihd_reads_ok": ok,
        "gsme_frames": gsme.stack.macs[0].counters.sent + gsme.stack.macs[1].counters.sent,
        "gsme_band": 1.0 if gsme.stack.nwk.state.parent_iface is gsme.stack.macs[1] else 0.0,
        "frames_on_air": float(medium.stats.transmissions),
        "hub_868_duty_s": medium.duty_cycle("hub").used(loop.time()),
    }
    for stack in (hub, esme.stack, gsme.stack, ihd.stack):
        await stack.close()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.zigbee_han")
    parser.add_argument("--reads", type=int, default=300, help="ZCL round trips per measurement")
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours of the home")
    args = parser.parse_args(argv)
    zigpy_rate, stack_rate, per_read = clock.run(_round_trips(args.reads), virtual=True)
    print(f"ZCL Read Attributes round trips, hub -> ESME, virtual time ({args.reads} each):")
    print(f"  through zigpy ControllerApplication: {zigpy_rate:8.1f} per wall second")
    print(f"  straight on ZigbeeStack:             {stack_rate:8.1f} per wall second "
          f"({per_read * 1000:.2f} ms of virtual air time each)")
    print(f"  zigpy / stack ratio: {zigpy_rate / stack_rate:.2f}")
    day = clock.run(_day(args.hours), virtual=True)
    print(f"Simulated {day['simulated_s'] / 3600:.1f} h of the semi-detached home (hub, ESME router, sleepy GSME "
          f"polling 7.5 s on {'868 MHz' if day['gsme_band'] else '2.4 GHz'}, IHD reading the ESME every 10 s):")
    print(f"  wall time {day['wall_s']:.1f} s: {day['simulated_s'] / day['wall_s']:.0f}x faster than real time")
    print(f"  IHD reads {int(day['ihd_reads_ok'])}/{int(day['ihd_reads'])} answered; "
          f"GSME MAC frames {int(day['gsme_frames'])}; frames on air {int(day['frames_on_air'])} "
          f"({day['frames_on_air'] / day['wall_s']:.0f} per wall second); hub 868 MHz airtime in the last hour "
          f"{day['hub_868_duty_s']:.2f} s")


if __name__ == "__main__":
    main()
