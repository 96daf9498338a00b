"""`commshub sniff`: capture 802.15.4 frames from a radio to pcap, a file or live to stdout for Wireshark.

    commshub sniff --radio spinel:PATH|ezsp:PATH|nrf:PATH|ti:PATH|virtual --channel N [--page P]
                   -w FILE|- [--count N] [--seconds S] [--home NAME|FILE] [--seed S]

Radios (`hal.radios` spelling, settings after `?`: baudrate, flow_control):
* `spinel:PATH` - an OpenThread RCP in promiscuous mode (2.4 GHz, or GB868
  pages with our vendor extension);
* `ezsp:PATH` - a Silicon Labs NCP in mfglib mode, through zigpy's packet
  capture (bellows), 2.4 GHz; other zigpy libraries that offer packet
  capture work the same way (`znp`, `deconz` do not offer it);
* `nrf:PATH` - nRF Sniffer for 802.15.4 (2.4 GHz); `ti:PATH` - TI SmartRF
  Packet Sniffer 2 on a CC1352 (2.4 GHz and 868 MHz: `--page 28 --channel 0`);
* `virtual` - a virtual home's air (`--home`, `--seed`): a hub on our stack
  and the home's devices joining, in real time.

`-w FILE` writes pcap with the TAP link type (channel, RSSI, LQI and FCS
kind per frame: radio.md 6.6); `-w -` streams it to stdout, e.g.
`commshub sniff --radio nrf:/dev/ttyACM0 --channel 15 -w - | wireshark -k -i -`.
Stops after `--count` frames, `--seconds`, or Ctrl-C. A summary goes to
stderr. Exit codes: 0 done, 1 the radio failed or went away, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from ._options import add_home_option

Closer = Callable[[], Awaitable[None]]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "sniff",
        help="capture 802.15.4 frames from a sniffer, RCP, NCP or the virtual air to pcap",
        description="Capture frames on one channel to a pcap file (TAP link type) or live to stdout.",
    )
    parser.add_argument(
        "--radio", required=True, metavar="SPEC", help="spinel:PATH, ezsp:PATH, nrf:PATH, ti:PATH or virtual"
    )
    parser.add_argument("--channel", type=int, required=True, metavar="N", help="channel number within the page")
    parser.add_argument("--page", type=int, default=0, metavar="P", help="channel page: 0 (2.4 GHz) or 28-31 (GB868)")
    parser.add_argument("-w", dest="write", required=True, metavar="FILE|-", help="pcap file, or - for stdout")
    parser.add_argument("--count", type=int, metavar="N", help="stop after N frames")
    parser.add_argument("--seconds", type=float, metavar="S", help="stop after S seconds")
    add_home_option(parser)
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the virtual air (virtual only)")
    return parser


def run(args: argparse.Namespace) -> int:
    from hal import clock
    from hal.capture import CaptureError, PcapCapture
    from hal.radio import Channel, ChannelError
    from hal.radios import RadioSpecError

    try:
        channel = Channel(args.page, args.channel)
    except ChannelError as exc:
        print(f"commshub sniff: {exc}", file=sys.stderr)
        return 2
    try:
        capture = PcapCapture("/dev/stdout" if args.write == "-" else args.write)
    except CaptureError as exc:
        print(f"commshub sniff: -w {args.write}: cannot write ({exc.reason})", file=sys.stderr)
        return 2
    try:
        frames = clock.run(sniff(args, channel, capture))
    except RadioSpecError as exc:
        print(f"commshub sniff: {exc}", file=sys.stderr)
        return 2
    except (OSError, TimeoutError) as exc:
        print(f"commshub sniff: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        frames = capture.frames
    finally:
        capture.close()
    print(f"sniff: {frames} frames on {channel} written to {args.write}", file=sys.stderr)
    return 0


async def sniff(args: argparse.Namespace, channel: Any, receiver: Any) -> int:
    """Capture on `channel` into `receiver` until `args.count` frames or `args.seconds`; the frames counted."""
    from hal.radios import parse_radio_spec

    spec = parse_radio_spec(args.radio)
    counted = [0]
    done = asyncio.Event()

    def counting(frame: Any) -> None:
        receiver(frame)
        counted[0] += 1
        if args.count is not None and counted[0] >= args.count:
            done.set()

    close = await open_sniffer(spec, channel, counting, args)
    try:
        async with asyncio.timeout(args.seconds):
            await done.wait()
    except TimeoutError:
        pass
    finally:
        await close()
    return counted[0]


async def open_sniffer(spec: Any, channel: Any, receiver: Any, args: argparse.Namespace) -> Closer:
    """Start capturing on `channel` from the radio `spec` names; returns how to stop."""
    from hal.radios import RadioSpecError, kind_of

    if spec.name == "nrf" or spec.name == "ti":
        from hal.serial.sniffer_hosts import NrfSnifferHost, TiSnifferHost

        host_class = NrfSnifferHost if spec.name == "nrf" else TiSnifferHost
        host = host_class(spec.path, receiver, **({"baudrate": spec.baudrate} if spec.baudrate else {}))
        await host.start(channel)
        return host.close
    if spec.name == "spinel":
        from hal.radios import open_raw_radio

        radio = await open_raw_radio(spec)
        await radio.set_channel(channel)
        radio.set_address_filter(None)
        radio.set_promiscuous(True)
        radio.set_receiver(receiver)
        return radio.close
    if spec.name == "virtual":
        return await _sniff_virtual_home(channel, receiver, args)
    if kind_of(spec).ncp:
        return await _sniff_ncp(spec, channel, receiver)
    raise RadioSpecError(f"radio {spec.name!r} cannot sniff")


async def _sniff_ncp(spec: Any, channel: Any, receiver: Any) -> Closer:
    """zigpy's packet capture on an NCP dongle (bellows: mfglib)."""
    from hal.radio import ReceivedFrame
    from hal.radios import RadioSpecError, application_class, zigpy_device_config

    if channel.page != 0:
        raise RadioSpecError(f"{spec.name} dongles capture on 2.4 GHz channels only")
    app = application_class(spec)({"device": zigpy_device_config(spec), "use_thread": False})
    await app.connect()
    loop = asyncio.get_running_loop()

    async def pump() -> None:
        async for packet in app.packet_capture(channel=channel.number):
            psdu = bytes(packet.data) + packet.compute_fcs()
            receiver(ReceivedFrame(psdu, channel, float(packet.rssi), int(packet.lqi), loop.time()))

    task = loop.create_task(pump())

    async def close() -> None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await app.disconnect()

    return close


async def _sniff_virtual_home(channel: Any, receiver: Any, args: argparse.Namespace) -> Closer:
    """A virtual home with traffic (our hub admitting its devices), heard by an ideal sniffer on `channel`."""
    from firmware.dongles.home_devices import HomeDevices, home_identities, start_our_hub
    from hal.radios import RadioSpecError
    from hal.virtual import FloorPlanError, Medium, load_floorplan

    try:
        home = load_floorplan(args.home)
    except FloorPlanError as exc:
        raise RadioSpecError(str(exc)) from None
    hub = next((n.name for n in home.nodes if n.role == "hub"), None)
    if hub is None or channel.page != 0:
        raise RadioSpecError("the virtual home's hub runs on a 2.4 GHz channel and needs a hub node")
    medium = Medium(seed=args.seed)
    medium.add_home(home)
    medium.add_sniffer(lambda frame: receiver(frame) if frame.channel == channel else None)
    identities = home_identities(home, hub, args.seed)
    devices = HomeDevices(medium, identities, channels=[channel.number], reading_seed=args.seed)
    han, _ = await start_our_hub(medium, hub, identities, channel=channel.number, seed=args.seed)
    devices.start()

    async def close() -> None:
        await devices.close()
        await han.shutdown()

    return close
