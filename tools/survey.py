"""`commshub survey`: a simulated site survey of a home on both HAN bands (radio.md 4).

    commshub survey [--home NAME|FILE] [--seconds N] [--seed S] [--pcap FILE] [--json] [--plot FILE]

Places the home's nodes on a virtual medium and has every node exchange test
frames with its hub on 2.4 GHz and on 868 MHz for N simulated seconds (in
virtual time: a minute takes a fraction of a wall second), then prints one
link table per band: node, distance, walls/floors crossed, enclosure (meter
box) and its loss, mean RSSI, packet error rate, frames sent/received and the
node's 868 MHz duty cycle used.
`--json` prints the same as one JSON object; `--pcap` writes everything the
air carried (both bands, TAP link type) for Wireshark; `--plot FILE.png` (or
`.svg`) draws the home's floors with every link coloured by its packet error
rate, both bands side by side (`tools.plot.survey`; needs the optional
matplotlib extra). Long runs report progress on stderr.

Exit codes: 0 survey done; 1 survey done, but the `--pcap` file could not be
written to the end (a full disk: it keeps the whole frames written) or the
plot could not be written; 2 bad home file, arguments, pcap or plot path, or
`--plot` without matplotlib installed. Heavy imports happen in `run`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ._options import (
    add_home_option,
    add_run_options,
    load_home_option,
    number_in,
    open_pcap,
    output_path,
    plot_possible,
)

if TYPE_CHECKING:
    from hal.virtual import FloorPlan
    from tools.sim.survey import SurveyReport

#: Runs at least this long (simulated seconds) report progress on stderr.
PROGRESS_FROM_SECONDS = 600.0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "survey",
        help="simulate a HAN site survey of a home on 2.4 GHz and 868 MHz",
        description="Every node of a home exchanges test frames with its hub on both bands in virtual time; "
        "prints a link table per band.",
    )
    add_home_option(parser)
    parser.add_argument(
        "--seconds",
        type=number_in("seconds", 0, 30 * 86400),
        default=60.0,
        metavar="N",
        help="simulated seconds of traffic (default: 60)",
    )
    add_run_options(parser)
    parser.add_argument(
        "--plot",
        metavar="FILE",
        type=output_path(".png", ".svg"),
        help="draw the survey on the home's floor plans to FILE.png or FILE.svg (needs commshub[plot])",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    from hal import clock
    from tools.sim.survey import survey

    home = load_home_option(args, "survey")
    if home is None:
        return 2
    if args.plot is not None and not plot_possible("survey", "--plot", args.plot.parent):
        return 2

    def progress(done: float, total: float) -> None:
        print(f"survey: {done:.0f} of {total:.0f} simulated seconds", file=sys.stderr, flush=True)

    reporter = progress if args.seconds >= PROGRESS_FROM_SECONDS else None
    capture = None
    if args.pcap is not None:
        capture = open_pcap(args, "survey", epoch=clock.DEFAULT_VIRTUAL_EPOCH)  # the virtual loop's date
        if capture is None:
            return 2
    try:
        report = clock.run(
            survey(home, seconds=args.seconds, seed=args.seed, sniffer=capture, progress=reporter),
            virtual=True,
            seed=args.seed,
        )
    finally:
        captured = capture is None or capture.finish("survey")
    if args.json:
        json.dump(report.to_dict(), sys.stdout, indent=2)
        print()
    else:
        print_tables(report, sys.stdout)
    plotted = args.plot is None or _plot(home, report, args.plot)
    return 0 if captured and plotted else 1


def _plot(home: FloorPlan, report: SurveyReport, path: Path) -> bool:
    """Draw the survey to `path`; False (after one line on stderr) when the file cannot be written."""
    from tools.plot.style import save
    from tools.plot.survey import survey_figure

    try:
        save(survey_figure(home, report), path)
    except OSError as exc:
        print(f"commshub survey: --plot {path}: cannot write ({exc.strerror or exc})", file=sys.stderr)
        return False
    print(f"survey: drew the plot to {path}", file=sys.stderr)
    return True


def print_tables(report: SurveyReport, out: TextIO) -> None:
    """The report as one aligned table per band."""
    data = report.to_dict()
    print(f"site survey of {data['home']!r}: {data['seconds']:g} simulated seconds, seed {data['seed']}", file=out)
    headings = (
        "node",
        "role",
        "hub",
        "dist m",
        "walls",
        "floors",
        "enclosure",
        "RSSI dBm",
        "PER",
        "sent",
        "recv",
        "868 DC used",
    )
    for band, rows in data["bands"].items():
        table = [headings]
        for row_data in rows:
            duty = (
                "-"
                if row_data["duty_cycle_s"] is None
                else f"{row_data['duty_cycle_s']:.3f} s ({row_data['duty_cycle_percent']:.3f}%)"
            )
            if row_data["refused"]:
                duty += f", {row_data['refused']} refused"
            table.append(
                (
                    row_data["node"],
                    row_data["role"],
                    row_data["hub"],
                    f"{row_data['distance_m']:.1f}",
                    str(row_data["walls"]),
                    str(row_data["floors"]),
                    "-"
                    if row_data["enclosure"] is None
                    else f"{row_data['enclosure']} {row_data['enclosure_db']:.1f} dB",
                    "-" if row_data["mean_rssi_dbm"] is None else f"{row_data['mean_rssi_dbm']:.1f}",
                    "-" if row_data["per"] is None else f"{row_data['per']:.1%}",
                    str(row_data["sent"]),
                    str(row_data["received"]),
                    duty,
                )
            )
        widths = [max(len(row[i]) for row in table) for i in range(len(headings))]
        print(f"\n{band}", file=out)
        for row in table:
            print(
                "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip(), file=out
            )
    hubs = ", ".join(f"{hub} {seconds:.3f} s" for hub, seconds in data["hub_duty_cycle_s"].items())
    print(f"\nhub 868 MHz duty cycle used in the rolling hour: {hubs}", file=out)
