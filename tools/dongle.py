"""`commshub dongle`: a virtual USB dongle on a pty, answering as a real one would, until Ctrl-C.

    commshub dongle --protocol spinel|ezsp|nrf|ti [--home NAME|FILE] [--hub NAME] [--seed S]
                    [--link PATH] [--channel N] [--no-devices]

* `spinel`: an OpenThread RCP (nRF52840 / EFR32 / CC2652 with ot-rcp) whose air
  is the home's virtual air: run our hub on it (`--radio spinel:PATH`) or any
  Spinel host;
* `ezsp`: a Silicon Labs EZSP NCP (EmberZNet 7.4, EZSP 13) whose network is
  our ZigBee stack on that air: bellows / zigpy / `commshub home --radio ezsp:PATH`;
* `nrf`, `ti`: the two sniffer firmwares of radio.md 6.5 (nRF Sniffer for
  802.15.4, TI SmartRF Packet Sniffer 2), hearing a home whose hub runs on
  our own stack, so there is traffic to capture.

The dongle sits at the hub's place in the home. The home's meters and
displays are there too (unless `--no-devices`), each trying to join every
10 s; their EUI-64s and install codes are printed at start-up - a hub with
the same `--home` and `--seed` derives the same ones. The pty path is
printed on stdout (and linked at `--link PATH`, like a /dev/serial/by-id
name). Exit codes: 0 after Ctrl-C or SIGTERM, 2 bad home file or arguments.
"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from ._options import add_home_option, load_home_option

PROTOCOLS = ("spinel", "ezsp", "nrf", "ti")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "dongle",
        help="a virtual USB dongle (Spinel RCP, EZSP NCP, nRF or TI sniffer) on a pty",
        description="Open a pty that answers as a real dongle, backed by a virtual home's air; runs until Ctrl-C.",
    )
    parser.add_argument("--protocol", choices=PROTOCOLS, required=True, help="which dongle firmware to be")
    add_home_option(parser)
    parser.add_argument("--hub", metavar="NAME", help="the hub node the dongle stands in for (default: the first)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed of the air and identities")
    parser.add_argument("--link", metavar="PATH", help="also make PATH a symlink to the pty (like /dev/serial/by-id)")
    parser.add_argument(
        "--channel",
        type=int,
        choices=range(11, 27),
        metavar="N",
        help="the channel the devices scan (default: ZigBee's preferred 11, 15, 20, 25); for nrf/ti the hub's",
    )
    parser.add_argument("--no-devices", action="store_true", help="no emulated meters or displays")
    parser.add_argument(
        "--retry", type=float, default=10.0, metavar="S", help="seconds between a device's join attempts (default: 10)"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    from hal import clock

    home = load_home_option(args, "dongle")
    if home is None:
        return 2
    hubs = [n.name for n in home.nodes if n.role == "hub"]
    hub = args.hub or (hubs[0] if hubs else None)
    if hub not in hubs:
        print(f"commshub dongle: no hub node {hub!r} in home {home.name!r} (hubs: {', '.join(hubs)})", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` unplugs as cleanly as Ctrl-C
    try:
        clock.run(_serve(args, home, hub))
    except KeyboardInterrupt:
        print("dongle: unplugged", file=sys.stderr)
    return 0


async def _serve(args: argparse.Namespace, home: Any, hub: str) -> None:
    import asyncio

    from firmware.dongles.home_devices import HomeDevices, home_identities
    from hal.radio import Band
    from hal.virtual import Medium

    medium = Medium(seed=args.seed)
    medium.add_home(home)
    identities = [] if args.no_devices else home_identities(home, hub, args.seed)
    channels = None if args.channel is None else [args.channel]
    devices = HomeDevices(medium, identities, channels=channels, retry_s=args.retry, reading_seed=args.seed)
    for identity in identities:
        code = identity.install_code.hex()
        print(f"device {identity.node} {identity.role} EUI-64 {identity.eui64:016x} install code {code}")
    closers = []
    if args.protocol in ("spinel", "ezsp"):
        from firmware.dongles import EzspNcp, SpinelRcp

        radio = medium.radio(hub, Band.GHZ_2_4)
        dongle: Any = (
            EzspNcp(radio, link_path=args.link) if args.protocol == "ezsp" else SpinelRcp(radio, link_path=args.link)
        )
        path = dongle.plug()
        closers.append(dongle.close)
    else:
        path = await _sniffed_home(medium, home, hub, args, devices, closers)
    print(f"{args.protocol} dongle at {path}", flush=True)
    devices.start()
    try:
        await asyncio.Event().wait()
    finally:
        await devices.close()
        for close in closers:
            await close()


async def _sniffed_home(
    medium: Any, home: Any, hub: str, args: argparse.Namespace, devices: Any, closers: list[Any]
) -> str:
    """A sniffer twin beside the hub, and the hub on our own stack admitting the devices: traffic to hear."""
    from firmware.dongles.home_devices import start_our_hub
    from firmware.dongles.sniffers import NrfSnifferTwin, TiSnifferTwin

    spec = next(n for n in home.nodes if n.name == hub)
    medium.add_node("sniffer", spec.position)
    twin = (NrfSnifferTwin if args.protocol == "nrf" else TiSnifferTwin)(medium, link_path=args.link)
    path = twin.plug()
    closers.append(twin.close)
    han, settings = await start_our_hub(medium, hub, devices.identities, channel=args.channel or 15, seed=args.seed)
    closers.append(han.shutdown)
    key = settings.network_key.hex()
    print(f"hub {hub} on channel {settings.channel}, PAN 0x{settings.pan_id:04X}, network key {key}")
    return path
