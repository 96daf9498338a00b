"""`commshub home`: the main job - a hub with a virtual home, in virtual time, no hardware needed.

    commshub home [--home NAME|FILE] [--hub NAME] [--hours H] [--seed S] [--pcap FILE] [--json]
                  [--single-band | --dual-band] [--ihd-interval S] [--hub-interval S] [--report DIR]

Builds the home's hub(s) on zigpy over our stack, the emulated meters and
displays, joins them by install code and runs simulated hours (default 1)
(`tools.sim.scenario.run_home`, on `hal.clock`'s virtual-time loop), then
prints a table per device (or `--json`). Progress goes to stderr every few
wall seconds, from the first join on. `--report DIR` writes an HTML page of
the run with its plots (joins, reads, RSSI, 868 MHz airtime, traffic), the
same plots as PNG files and the run's JSON into DIR (`tools.plot.report`;
needs the optional matplotlib extra).

Exit codes: 0 every emulated device joined and every read succeeded; 1 some
did not, or the `--pcap` file or the report could not be written to the end
(a full disk: the capture keeps the whole frames written) - one line per
problem on stderr; 2 bad home file, unknown hub or bad arguments, a `--pcap`
file or `--report` folder that cannot be created, or `--report` without
matplotlib installed. Each hub line carries the network key (hex) so Wireshark can decrypt
the capture. Heavy imports happen in `run`.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ._options import (
    PcapOption,
    add_home_option,
    add_run_options,
    load_home_option,
    number_in,
    open_pcap,
    output_path,
    plot_possible,
)

if TYPE_CHECKING:
    from tools.sim.report import HomeReport, Progress

#: Wall seconds between progress lines on stderr.
PROGRESS_WALL_S = 2.0
#: `--ihd-interval` and `--hub-interval`: seconds between reads.
_SECONDS = number_in("seconds", 0.1, 86400, include_low=True)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "home",
        help="run a hub with a virtual home (meters, IHD) in virtual time - the main job",
        description="A hub (zigpy on commshub's stack) and the home's emulated devices on a simulated "
        "dual-band air: join by install code, then simulated hours of meter reads (default 1); prints a report.",
    )
    add_home_option(parser)
    parser.add_argument(
        "--radio",
        default="virtual",
        metavar="SPEC",
        help="virtual (default), or a real radio: ezsp:PATH, znp:PATH, deconz:PATH, spinel:PATH ... "
        "(see docs/serial.md); the home's emulated devices are then not on its air",
    )
    parser.add_argument("--hub", metavar="NAME", help="run only this hub's network (e.g. hub-2 of the flats)")
    parser.add_argument(
        "--hours",
        type=number_in("hours", 0, 24 * 30),
        default=1.0,
        metavar="H",
        help="simulated hours after everyone joined (default: 1)",
    )
    add_run_options(parser)
    bands = parser.add_mutually_exclusive_group()
    bands.add_argument(
        "--single-band",
        dest="dual_band",
        action="store_false",
        default=None,
        help="2.4 GHz only (default: dual band where a device needs 868 MHz)",
    )
    bands.add_argument(
        "--dual-band", dest="dual_band", action="store_true", help="always add the 868 MHz radio to the hub"
    )
    parser.add_argument(
        "--ihd-interval",
        type=_SECONDS,
        default=10.0,
        metavar="S",
        help="seconds between an IHD's reads of its ESME (default: 10)",
    )
    parser.add_argument(
        "--hub-interval",
        type=_SECONDS,
        default=60.0,
        metavar="S",
        help="seconds between the hub's reads of each meter (default: 60)",
    )
    parser.add_argument(
        "--report",
        metavar="DIR",
        type=output_path(""),
        help="write an HTML report of the run with its plots (and the plots as PNG) into DIR (needs commshub[plot])",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    from hal import clock
    from hal.virtual import Medium
    from tools.sim.scenario import HomeOptions, HomeRunError, run_home

    home = load_home_option(args, "home")
    if home is None:
        return 2
    if args.radio != "virtual":
        if args.report is not None:
            print("commshub home: --report draws a simulated run: use it with --radio virtual", file=sys.stderr)
            return 2
        from .home_radio import run_on_radio

        return run_on_radio(args, home)
    if args.report is not None and not _report_folder(args.report):
        return 2
    options = HomeOptions(
        duration_s=round(args.hours * 3600, 6),
        dual_band=args.dual_band,
        hub=args.hub,
        ihd_interval=args.ihd_interval,
        hub_interval=args.hub_interval,
    )
    started = time.monotonic()
    last = [started]

    def progress(step: Progress) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_WALL_S:
            last[0] = now
            done = (
                f"joined {step.done:.0f} of {step.total:.0f} devices"
                if step.phase == "joining"
                else f"{step.done:.0f} of {step.total:.0f} simulated seconds"
            )
            print(f"home: {done} ({now - started:.1f} s wall)", file=sys.stderr, flush=True)

    async def main(capture: PcapOption | None) -> HomeReport:
        medium = Medium(seed=args.seed)
        placed = medium.add_home(home)
        if capture is not None:
            medium.add_sniffer(capture)
        return await run_home(placed, medium, options, rng=random.Random(args.seed), progress=progress)

    capture: PcapOption | None = None
    if args.pcap is not None:
        capture = open_pcap(args, "home")
        if capture is None:
            return 2
    try:
        report = clock.run(main(capture), virtual=True, seed=args.seed)
    except HomeRunError as exc:
        print(f"commshub home: {exc}", file=sys.stderr)
        return 2
    finally:
        captured = capture is None or capture.finish("home")
    wall = time.monotonic() - started
    if args.json:
        json.dump({**report.to_dict(), "seed": args.seed, "wall_s": round(wall, 3)}, sys.stdout, indent=2)
        print()
    else:
        print_report(report, wall, args.seed, sys.stdout)
    for problem in report.problems():
        print(f"commshub home: {problem}", file=sys.stderr)
    reported = args.report is None or _write_report(report, args, wall)
    return 0 if report.ok and captured and reported else 1


def _report_folder(folder: Path) -> bool:
    """Create `--report`'s folder before the run; False (after one line on stderr) if it cannot be used."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"commshub home: --report {folder}: cannot create the folder ({exc.strerror or exc})", file=sys.stderr)
        return False
    return plot_possible("home", "--report", folder)


def _write_report(report: HomeReport, args: argparse.Namespace, wall: float) -> bool:
    from tools.plot.report import INDEX, write_report

    pcap = None if args.pcap is None else Path(args.pcap)
    try:
        write_report(report, args.report, seed=args.seed, wall_s=wall, pcap=pcap)
    except OSError as exc:
        print(f"commshub home: --report {args.report}: cannot write ({exc.strerror or exc})", file=sys.stderr)
        return False
    print(f"home: wrote the report to {args.report / INDEX}", file=sys.stderr)
    return True


def print_report(report: HomeReport, wall: float, seed: int, out: TextIO) -> None:
    """The report as a hub line per network, an aligned device table and a summary."""
    from tools.sim.report import DEVICE_COLUMNS, device_row

    print(
        f"home {report.home!r}, seed {seed}: {report.day_s / 3600:.2f} simulated h of readings "
        f"({report.simulated_s:.0f} s in all) in {wall:.1f} s wall",
        file=out,
    )
    for hub in report.hubs:
        sub = f", 868 MHz {hub.sub_ghz_channel}" if hub.sub_ghz_channel else ""
        print(
            f"  hub {hub.node} {hub.eui64} PAN 0x{hub.pan_id:04X} channel {hub.channel}{sub} "
            f"network key {hub.network_key}",
            file=out,
        )
    headings = DEVICE_COLUMNS
    table = [headings, *(device_row(device) for device in report.devices)]
    widths = [max(len(row[i]) for row in table) for i in range(len(headings))]
    print(file=out)
    for row in table:
        print("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip(), file=out)
    if report.duty_cycle_s:
        duty = ", ".join(f"{node} {seconds:.3f} s" for node, seconds in report.duty_cycle_s.items())
        print(f"\n868 MHz duty cycle used in the rolling hour: {duty}", file=out)
    print(f"frames on air: {report.frames_on_air}", file=out)
    print(
        "result: OK - every emulated device joined and every read succeeded"
        if report.ok
        else f"result: FAILED - {len(report.problems())} problem(s)",
        file=out,
    )
