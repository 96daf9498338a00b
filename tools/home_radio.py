"""`commshub home --radio SPEC`: the hub's zigpy code on a real radio, admitting the home's devices.

Why apart from `home`'s simulation: with a radio on a serial port the air is
real and time is real. The hub runs unchanged on zigpy - on the dongle's own
firmware through its radio library (`ezsp`, `znp`, `deconz`, ...: the NCP
runs the network) or on our stack over a raw radio (`spinel`) - and the
home's emulated devices are *not* on that air. What `home` does then:

1. start the network on the radio (form it on the hub's channel, or resume
   the one the dongle has);
2. admit each emulated device of the home by its EUI-64 and install code as
   `commshub dongle --home ... --seed ...` derives them
   (`firmware.dongles.home_devices`), so a virtual dongle started with the
   same home and seed has exactly those meters join; real meters on a bench
   join if their identities match (or not at all);
3. for `--hours` of real time, read CurrentSummationDelivered of every
   device that joined every `--hub-interval` seconds;
4. report per device: joined, NWK address, reads ok and failed, last value.

Exit codes: 0 every device joined and every read succeeded; 1 otherwise;
2 a bad `--radio` value or a radio library that is not installed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass, field
from typing import Any

#: The 2.4 GHz channel a hub forms on (the first of `tools.sim.scenario.HUB_CHANNELS`).
HUB_CHANNEL = 15
METERING, SUMMATION = 0x0702, 0x0000
#: Seconds between looks for newly interviewed devices.
POLL_S = 0.5


@dataclass(slots=True)
class DeviceRow:
    node: str
    role: str
    eui64: str
    nwk: int | None = None
    reads_ok: int = 0
    reads_failed: int = 0
    last_value: int | None = None
    metering: bool = True  #: the device serves Metering (an IHD does not: nothing to read)
    errors: list[str] = field(default_factory=list)


def run_on_radio(args: argparse.Namespace, home: Any) -> int:
    """`commshub home --radio SPEC` (see the module docstring)."""
    from hal import clock
    from hal.radios import RadioSpecError, parse_radio_spec

    try:
        spec = parse_radio_spec(args.radio)
    except RadioSpecError as exc:
        print(f"commshub home: --radio {exc}", file=sys.stderr)
        return 2
    hubs = [n.name for n in home.nodes if n.role == "hub" and (args.hub is None or n.name == args.hub)]
    if not hubs:
        print(f"commshub home: no hub node {args.hub or ''} in home {home.name!r}", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        rows, network = clock.run(_run(spec, home, hubs[0], args))
    except RadioSpecError as exc:
        print(f"commshub home: --radio {exc}", file=sys.stderr)
        return 2
    except (OSError, TimeoutError) as exc:
        print(f"commshub home: radio {spec}: {exc}", file=sys.stderr)
        return 1
    print(f"home {home.name!r} on {spec} ({time.monotonic() - started:.1f} s): {network}")
    for row in rows:
        nwk = "-" if row.nwk is None else f"0x{row.nwk:04X}"
        value = "-" if row.last_value is None else str(row.last_value)
        reads = f"reads ok {row.reads_ok} failed {row.reads_failed}"
        print(f"  {row.node:<10} {row.role:<5} {row.eui64} {nwk:<6} {reads} last {value}")
    ok = all(row.nwk is not None and (not row.metering or (row.reads_ok and not row.reads_failed)) for row in rows)
    for row in rows:
        for error in row.errors[:1]:
            print(f"commshub home: {row.node}: {error}", file=sys.stderr)
    print("result: OK" if ok else "result: FAILED")
    return 0 if ok else 1


async def _start(spec: Any, channel: int, seed: int) -> Any:
    """A running zigpy ControllerApplication on the radio: an NCP library's, or ours on a raw radio."""
    import random

    import zigpy.config as conf

    from firmware.hub import HanSettings, HubHan
    from hal.radios import application_class, kind_of, open_raw_radio, zigpy_device_config

    if kind_of(spec).ncp:
        config = {
            conf.CONF_DEVICE: zigpy_device_config(spec),
            conf.CONF_NWK: {conf.CONF_NWK_CHANNEL: channel},
            conf.CONF_TOPO_SCAN_ENABLED: False,
            conf.CONF_NWK_BACKUP_ENABLED: False,
            "use_thread": False,
        }
        return await application_class(spec).new(config, auto_form=True)
    radio = await open_raw_radio(spec)
    han = await HubHan.start([radio], HanSettings.random(random.Random(seed), channel=channel))
    return han.app


async def _run(spec: Any, home: Any, hub: str, args: argparse.Namespace) -> tuple[list[DeviceRow], str]:
    import zigpy.types as zt
    import zigpy.util

    from firmware.dongles.home_devices import home_identities

    identities = home_identities(home, hub, args.seed)
    app = await _start(spec, HUB_CHANNEL, args.seed)
    info = app.state.network_info
    network = f"PAN 0x{int(info.pan_id):04X} channel {info.channel} network key {bytes(info.network_key.key).hex()}"
    rows = {i.node: DeviceRow(i.node, i.role, f"{i.eui64:016x}") for i in identities}
    ieees = {i.node: zt.EUI64(i.eui64.to_bytes(8, "little")) for i in identities}
    try:
        for identity in identities:
            await app.permit_with_link_key(
                ieees[identity.node], zigpy.util.convert_install_code(identity.install_code), time_s=254
            )
        loop = asyncio.get_running_loop()
        end = loop.time() + args.hours * 3600
        due = dict.fromkeys(rows, loop.time())  # a device is read as soon as zigpy has interviewed it
        while loop.time() < end:
            for identity in identities:
                row = rows[identity.node]
                if loop.time() >= due[identity.node] and await _read(app, ieees[identity.node], row):
                    due[identity.node] = loop.time() + args.hub_interval
            await asyncio.sleep(min(POLL_S, max(0.0, end - loop.time())))
    finally:
        await app.shutdown()
    return list(rows.values()), network


async def _read(app: Any, ieee: Any, row: DeviceRow) -> bool:
    """One read of the device's CurrentSummationDelivered through zigpy; False until zigpy has interviewed it."""
    import zigpy.exceptions

    device = app.devices.get(ieee)
    if device is None or not device.is_initialized:
        return False
    row.nwk = int(device.nwk)
    clusters = [ep.in_clusters[METERING] for ep in device.non_zdo_endpoints if METERING in ep.in_clusters]
    if not clusters:
        row.metering = False
        return True
    try:
        values, failures = await clusters[0].read_attributes([SUMMATION])
    except (zigpy.exceptions.ZigbeeException, TimeoutError) as exc:
        row.reads_failed += 1
        row.errors.append(str(exc) or type(exc).__name__)
        return True
    if SUMMATION in values:
        row.reads_ok += 1
        row.last_value = int(values[SUMMATION])
    else:
        row.reads_failed += 1
        row.errors.append(f"read refused: {failures}")
    return True
