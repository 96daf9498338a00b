"""Command-line options that `commshub home` and `commshub survey` share, defined once.

Why: both sub-commands run a home (built-in or TOML file) in virtual time
with a seed, can write the air to a pcap file and can print JSON; the
options must read and validate the same way in both, so they are built here
rather than copied. `number_in` makes the argparse `type=` for a bounded
number, so a bad value is a usage error (exit 2) naming the option's range.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hal.virtual import FloorPlan


def add_home_option(parser: argparse.ArgumentParser) -> None:
    """`--home NAME|FILE`: a built-in home or a home TOML file (read by `load_home_option`)."""
    parser.add_argument(
        "--home",
        default="semi-detached",
        metavar="NAME|FILE",
        help="built-in home (semi-detached, terraced, flats) or a home TOML file (default: semi-detached)",
    )


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """`--seed S`, `--pcap FILE` and `--json`: how a simulated run is seeded and where it writes."""
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default: 0)")
    parser.add_argument("--pcap", metavar="FILE", help="write the whole air to this pcap file (TAP link type)")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")


def load_home_option(args: argparse.Namespace, command: str) -> FloorPlan | None:
    """The home `--home` names, or None after one line on stderr saying why it cannot be used."""
    from hal.virtual import FloorPlanError, load_floorplan

    try:
        return load_floorplan(args.home)
    except FloorPlanError as exc:
        print(f"commshub {command}: {exc}", file=sys.stderr)
        return None


def number_in(name: str, low: float, high: float, *, include_low: bool = False) -> Callable[[str], float]:
    """An argparse `type` accepting a number in (`low`, `high`] (or [`low`, `high`] with `include_low`)."""
    interval = f"{'[' if include_low else '('}{_plain(low)}, {_plain(high)}]"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not (low <= value if include_low else low < value) or not value <= high:
            raise argparse.ArgumentTypeError(f"{name} must be in {interval}, not {text}")
        return value

    return parse


def _plain(bound: float) -> str:
    """A bound as people write it: 720, not 720.0 or 7.2e+02."""
    return str(int(bound)) if bound == int(bound) else str(bound)
