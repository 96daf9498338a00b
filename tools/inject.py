"""`commshub inject`: transmit raw 802.15.4 frames from a radio: hex on the command line, or a pcap replayed.

    commshub inject --radio spinel:PATH|ezsp:PATH --channel N [--page P]
                    (--hex MPDU [MPDU ...] | --pcap FILE) [--interval S] [--csma]

Frames are MAC frames without FCS in `--hex` (the FCS is computed), or the
records of a pcap file (TAP or WITHFCS link type, as `commshub sniff` and
Wireshark write them; the FCS is recomputed). `spinel:` sends through the
RCP (direct, or CSMA-CA with `--csma`); `ezsp:` through the NCP's
manufacturing library (mfglib). The sniffer firmwares (`nrf`, `ti`) cannot
transmit. One line per frame on stdout: its number, length and the radio's
answer. Exit codes: 0 every frame sent, 1 some were not (or the radio
failed), 2 bad arguments or input.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "inject",
        help="transmit raw 802.15.4 frames (hex or a pcap replay) from an RCP or an NCP",
        description="Transmit MAC frames on one channel: from hex (FCS added) or a pcap file's records.",
    )
    parser.add_argument("--radio", required=True, metavar="SPEC", help="spinel:PATH or ezsp:PATH")
    parser.add_argument("--channel", type=int, required=True, metavar="N")
    parser.add_argument("--page", type=int, default=0, metavar="P")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--hex", nargs="+", metavar="MPDU", help="MAC frames without FCS, in hex")
    source.add_argument("--pcap", metavar="FILE", help="replay the frames of a pcap file")
    parser.add_argument("--interval", type=float, default=0.01, metavar="S", help="seconds between frames")
    parser.add_argument("--csma", action="store_true", help="CSMA-CA before each frame (spinel only)")
    return parser


def frames_from(args: argparse.Namespace) -> list[bytes]:
    """The MPDUs (without FCS) to send; ValueError naming the bad input."""
    from protocols.pcap import PcapDecodeError, read

    if args.hex is not None:
        mpdus = []
        for text in args.hex:
            try:
                mpdus.append(bytes.fromhex(text))
            except ValueError:
                raise ValueError(f"{text!r} is not hex") from None
    else:
        try:
            _, records = read(Path(args.pcap).read_bytes())
        except (OSError, PcapDecodeError) as exc:
            raise ValueError(f"{args.pcap}: {exc}") from None
        mpdus = [r.psdu[:-2] for r in records]
    for number, mpdu in enumerate(mpdus, 1):
        if not 1 <= len(mpdu) <= 125:
            raise ValueError(f"frame {number}: {len(mpdu)} octets is no MAC frame (1-125 without FCS)")
    return mpdus


def run(args: argparse.Namespace) -> int:
    from hal import clock
    from hal.radio import Channel, ChannelError
    from hal.radios import RadioSpecError, parse_radio_spec

    try:
        spec = parse_radio_spec(args.radio)
        channel = Channel(args.page, args.channel)
        mpdus = frames_from(args)
    except (RadioSpecError, ChannelError, ValueError) as exc:
        print(f"commshub inject: {exc}", file=sys.stderr)
        return 2
    if spec.name not in ("spinel", "ezsp"):
        print(f"commshub inject: {spec.name} cannot transmit (spinel and ezsp can)", file=sys.stderr)
        return 2
    try:
        results = clock.run(inject(spec, channel, mpdus, interval=args.interval, csma=args.csma))
    except (OSError, TimeoutError) as exc:
        print(f"commshub inject: {exc}", file=sys.stderr)
        return 1
    for number, (mpdu, result) in enumerate(zip(mpdus, results, strict=True), 1):
        print(f"{number} {len(mpdu) + 2} octets: {result}")
    return 0 if all(r == "sent" for r in results) else 1


async def inject(spec: Any, channel: Any, mpdus: list[bytes], *, interval: float, csma: bool) -> list[str]:
    """Send each MPDU (FCS added) on `channel`; one word per frame: "sent" or why not."""
    from protocols.ieee802154.fcs import append_fcs

    results: list[str] = []
    if spec.name == "spinel":
        from hal.radio import TxMode
        from hal.radios import open_raw_radio

        radio = await open_raw_radio(spec)
        try:
            await radio.set_channel(channel)
            for mpdu in mpdus:
                result = await radio.transmit(append_fcs(mpdu), mode=TxMode.CSMA if csma else TxMode.DIRECT)
                results.append("sent" if result.status.value == "sent" else result.status.value)
                await asyncio.sleep(interval)
        finally:
            await radio.close()
        return results
    from hal.serial.ezsp_host import EzspHost

    host = await EzspHost.open(spec.path, baudrate=spec.baudrate or 115200)
    try:
        await host.reset()
        for name, params in (
            ("mfglibStart", {"rx_callback": False}),
            ("mfglibSetChannel", {"channel": channel.number}),
        ):
            answer = await host.command(name, **params)
            if answer["status"] != 0:
                raise OSError(f"{name} refused by the NCP (status {answer['status']:#04x})")
        for mpdu in mpdus:
            answer = await host.command("mfglibSendPacket", packet=mpdu + b"\x00\x00")
            results.append("sent" if answer["status"] == 0 else f"status {answer['status']:#04x}")
            await asyncio.sleep(interval)
        await host.command("mfglibEnd")
    finally:
        await host.close()
    return results
