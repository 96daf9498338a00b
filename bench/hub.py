"""Benchmark of the whole hub: GBCS round trips per wall second, head-end TCP in to TCP out, through the HAN.

Run: `.venv/bin/python -m bench hub` (or `python -m bench.hub --count N --profile`).

One process, one core: the hub (`firmware.hub.start_hub` on the semi-detached virtual home, the
RTDS key store) listens on 127.0.0.1; a head-end (`hal.wan.WanClient`) on the same event loop
(virtual time) sends commands and verifies every answer. Measured:

1. ESME round trips: an ECS26a read (RTDS payload, sealed again with a new counter each time and
   MACed by the ACB): TCP -> CHF intake -> GB-HRGP tunnel on the virtual HAN (APS, NWK and MAC
   with their security, the simulated air) -> the ESME's GBCS endpoint checks the MAC and its
   DLMS model answers -> tunnel -> CHF -> TCP; the head-end parses the response and checks its
   MAC. One at a time, and with several in flight.
2. The CHF's own use cases: DBCH01 (read the sub-GHz channel) and ECS26i (identity), answered by
   the CHF without the HAN.
3. The HAN's bare ZCL round trip on the same network, for the ratio: zigpy reads the ESME's
   Metering CurrentSummationDelivered (`Cluster.read_attributes`).
4. With `--profile`: where the ESME round trip's time goes (cProfile, by function and by layer).

Figures are measurements on whatever machine runs this, never assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import pstats
import random
import time
from collections.abc import Awaitable, Callable

import zigpy.device

from bench._corpus import read_message, shared_dir
from firmware.devices.meters import METERING, SE_ENDPOINT
from firmware.gbcs.headend import command
from firmware.hub import Hub, HubConfig, start_hub
from firmware.zigbee.application import eui64
from hal import clock
from hal.keystore import load_keystore
from hal.nvm import NvmStore
from hal.virtual import Medium, load_floorplan
from hal.wan import WanClient, WanServer
from protocols.gbcs import Cra, KeyStore, Verdict, parse
from tools.virtual_hub import build_virtual_home

ESME_READ = "4.13_ECS26a/ECS26a_4.13_SINGLE_SUCCESS_COMMAND_GBCS.HEX"
CHF_READS = ("6.31_DBCH01/DBCH01_6.31_SUCCESS_COMMAND_GBCS.HEX", "6.2.4_ECS26i/ECS26i_6.2.4_SUCCESS_COMMAND_GBCS.HEX")
#: The round trip rate the hub issue asks for (verified GBCS round trips per second on one core).
BAR = 1000.0
#: Where CPU time is attributed in the profile: (label, path fragments of the functions' files).
LAYERS = (
    ("the simulated air (hal.virtual)", ("/hal/virtual/",)),
    ("the ZigBee stack (firmware.zigbee)", ("/firmware/zigbee/",)),
    ("802.15.4 / ZigBee codecs", ("/protocols/ieee802154/", "/protocols/zigbee/", "/protocols/fastpath")),
    ("GBCS codecs and crypto", ("/protocols/gbcs/", "/protocols/dlms/", "/cryptography/")),
    ("CHF, devices, tunnels, WAN", ("/firmware/chf/", "/firmware/gbcs/", "/firmware/devices/", "/firmware/han/",
                                    "/firmware/hub/", "/firmware/gpf/", "/hal/wan/", "/protocols/wan")),
    ("NVM (SQLite)", ("/hal/nvm/", "sqlite3")),
    ("asyncio", ("/asyncio/", "selectors")),
    ("zigpy", ("/zigpy/",)),
)  # fmt: skip


#: Counter serials shared by every command stream: an originator's counters rise across streams (gbcs.md 4.7).
_SERIALS = itertools.count(1)


class Commands:
    """Fresh commands from an RTDS one: its payload, a new counter each (low 24 bits kept: the DLMS invoke-id)."""

    def __init__(self, keystore: KeyStore, data: bytes) -> None:
        self.keystore = keystore
        self.template = parse(data, keystore)

    def next(self) -> bytes:
        message = self.template
        info = message.other_information
        counter = (next(_SERIALS) << 24) | (message.originator_counter & 0xFFFFFF)
        service_user = None if info.remote_party_id is None else (info.remote_party_id, counter)
        return command(
            self.keystore,
            originator=message.originator,
            recipient=message.recipient,
            counter=counter,
            message_code=message.message_code,
            payload=message.payload,
            sign=bool(message.signature),
            service_user=service_user,
        )


async def _start(keystore: KeyStore) -> tuple[Hub, Medium]:
    loop = asyncio.get_running_loop()
    home = build_virtual_home(load_floorplan("semi-detached"), seed=1)
    hub = await start_hub(
        HubConfig(listen_port=0),
        radios=home.radios,
        store=NvmStore.memory(),
        wan=lambda **callbacks: WanServer("127.0.0.1", 0, **callbacks),
        keystore=keystore,
        utc=lambda: 1_426_420_800.0 + loop.time(),
        rng=random.Random(1),
        devices=home.devices,
    )
    await hub.ready()
    await hub.open_wan()
    return hub, home.medium


async def _exchange(client: WanClient, keystore: KeyStore, data: bytes) -> None:
    """One command and its verified response (alerts that come meanwhile are read and dropped)."""
    await client.send(data)
    while True:
        answer = parse(await client.receive(3600.0), keystore)
        if answer.cra is Cra.RESPONSE:
            if answer.verdicts.mac is not Verdict.VALID and answer.verdicts.signature is not Verdict.VALID:
                raise AssertionError(f"response 0x{answer.message_code:04X} does not verify")
            return


async def _rate(count: int, window: int, make: Callable[[], Awaitable[None]]) -> float:
    """Round trips per wall second, `window` at a time."""
    started = time.perf_counter()
    done = 0
    while done < count:
        batch = min(window, count - done)
        await asyncio.gather(*(make() for _ in range(batch)))
        done += batch
    return count / (time.perf_counter() - started)


async def _bench(count: int, profile: bool) -> None:
    keystore = load_keystore(shared_dir() / "gbcs" / "keystore")
    rtds = shared_dir() / "gbcs" / "rtds"
    hub, medium = await _start(keystore)
    assert isinstance(hub.wan, WanServer)
    clients = [await WanClient.connect("127.0.0.1", hub.wan.port) for _ in range(8)]
    esme = Commands(keystore, read_message(rtds / ESME_READ))
    spare = iter(clients)
    solo = next(spare)

    async def one_esme() -> None:
        await _exchange(solo, keystore, esme.next())

    await _rate(10, 1, one_esme)  # warm-up: tunnel, caches
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
    frames_before = medium.stats.transmissions
    esme_rate = await _rate(count, 1, one_esme)
    esme_frames = (medium.stats.transmissions - frames_before) / count
    if profile:
        profiler.disable()
    window_rate = await _window(clients, keystore, esme, count)
    chf_rates = [await _chf_rate(solo, keystore, Commands(keystore, read_message(rtds / name)), count)
                 for name in CHF_READS]  # fmt: skip
    frames_before = medium.stats.transmissions
    zcl_rate = await _zcl_rate(hub, count)
    zcl_frames = (medium.stats.transmissions - frames_before) / count
    for client in clients:
        await client.close()
    await hub.close()
    print(f"ESME ECS26a round trips, TCP in to TCP out through the tunnel, MACs checked: {esme_rate:,.0f}/s one at a "
          f"time, {window_rate:,.0f}/s with 8 in flight ({esme_rate / BAR:.2f}x / {window_rate / BAR:.2f}x the "
          f"{BAR:,.0f}/s bar)")  # fmt: skip
    print(f"CHF's own use cases over TCP: DBCH01 {chf_rates[0]:,.0f}/s, ECS26i {chf_rates[1]:,.0f}/s")
    print(
        f"bare ZCL round trips on the same HAN (zigpy read of the ESME's Metering): {zcl_rate:,.0f}/s; "
        f"GBCS through the HAN runs at {esme_rate / zcl_rate:.2f}x that rate one at a time"
    )
    print(
        f"frames on the air per round trip: GBCS to the ESME {esme_frames:.1f} (TransferData in 64-octet APS "
        f"blocks, each with its MAC and APS acknowledgements, both ways), bare ZCL {zcl_frames:.1f}"
    )
    if profile:
        _report(profiler)


async def _window(clients: list[WanClient], keystore: KeyStore, commands: Commands, count: int) -> float:
    started = time.perf_counter()

    async def stream(client: WanClient, share: int) -> None:
        for _ in range(share):
            await _exchange(client, keystore, commands.next())

    await asyncio.gather(*(stream(client, count // len(clients)) for client in clients))
    return (count // len(clients)) * len(clients) / (time.perf_counter() - started)


async def _chf_rate(client: WanClient, keystore: KeyStore, commands: Commands, count: int) -> float:
    async def one() -> None:
        await _exchange(client, keystore, commands.next())

    return await _rate(count, 1, one)


async def _zcl_rate(hub: Hub, count: int) -> float:
    device = hub.han.app.get_device(ieee=eui64(int.from_bytes(hub.devices[0].eui, "big")))
    assert isinstance(device, zigpy.device.Device)
    cluster = device.endpoints[SE_ENDPOINT].in_clusters[METERING]

    async def one() -> None:
        await cluster.read_attributes(["current_summ_delivered"], allow_cache=False)

    return await _rate(count, 1, one)


def _report(profiler: cProfile.Profile) -> None:
    stats = pstats.Stats(profiler)
    table = stats.stats  # type: ignore[attr-defined]  # pstats keeps its table there: (file, line, name) -> entry
    total = sum(entry[2] for entry in table.values())
    shares = dict.fromkeys((label for label, _ in LAYERS), 0.0)
    for (filename, _line, name), entry in table.items():
        where = f"{filename} {name}"
        label = next((label for label, parts in LAYERS if any(part in where for part in parts)), None)
        if label is not None:
            shares[label] += entry[2]
    ranked = sorted(shares.items(), key=lambda item: -item[1])
    print("where an ESME round trip's CPU goes (own time): " + ", ".join(f"{k} {v / total:.0%}" for k, v in ranked))
    stats.sort_stats("tottime").print_stats(12)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.hub", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400, help="round trips per measurement (default 400)")
    parser.add_argument("--profile", action="store_true", help="profile the ESME round trips")
    args = parser.parse_args(argv)
    if not (shared_dir() / "gbcs" / "rtds").is_dir():
        print(f"bench.hub: no RTDS corpus at {shared_dir()}: set COMMSHUB_SHARED")
        return
    clock.run(_bench(args.count, args.profile), virtual=True)


if __name__ == "__main__":
    main()
