"""Command-line options that `commshub home` and `commshub survey` share, defined once.

Why: both sub-commands run a home (built-in or TOML file) in virtual time
with a seed, can write the air to a pcap file and can print JSON; the
options must read and validate the same way in both, so they are built here
rather than copied. `number_in` makes the argparse `type=` for a bounded
number, so a bad value is a usage error (exit 2) naming the option's range.

`--pcap FILE` (`PcapOption`): a path that cannot be created is a usage error
(exit 2, one line naming it); a write that fails during the run (a full
disk) stops the capture, not the run: the file keeps the whole frames
written so far, and the command reports the path and exits 1 at the end.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hal.capture import PcapCapture
    from hal.radio import ReceivedFrame
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
    parser.add_argument(
        "--pcap", metavar="FILE", type=_pcap_path, help="write the whole air to this pcap file (TAP link type)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")


def load_home_option(args: argparse.Namespace, command: str) -> FloorPlan | None:
    """The home `--home` names, or None after one line on stderr saying why it cannot be used."""
    from hal.virtual import FloorPlanError, load_floorplan

    try:
        return load_floorplan(args.home)
    except FloorPlanError as exc:
        print(f"commshub {command}: {exc}", file=sys.stderr)
        return None


def output_path(*suffixes: str) -> Callable[[str], Path]:
    """An argparse `type` for a path to write, whose suffix says its format (one of `suffixes`; "" for a folder)."""

    def parse(text: str) -> Path:
        if not text.strip():
            raise argparse.ArgumentTypeError("an empty path names no file")
        path = Path(text)
        if "" not in suffixes and path.suffix.lower() not in suffixes:
            raise argparse.ArgumentTypeError(f"{text!r}: the file name must end in {' or '.join(suffixes)}")
        return path

    return parse


def plot_possible(command: str, option: str, folder: Path) -> bool:
    """Whether `--plot`/`--report` can work: matplotlib installed and `folder` there; else one line on stderr.

    Checked before the run, so a missing extra or a mistyped folder costs no simulation.
    """
    from tools.plot import INSTALL_HINT, PlotUnavailable, require_matplotlib

    try:
        require_matplotlib()
    except PlotUnavailable:
        print(f"commshub {command}: {option} needs matplotlib, an optional extra: {INSTALL_HINT}", file=sys.stderr)
        return False
    if not folder.is_dir():
        print(f"commshub {command}: {option}: no such folder {folder}", file=sys.stderr)
        return False
    return True


def _pcap_path(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path names no file")
    return text


class PcapOption:
    """`--pcap FILE` while a run goes on: a sniffer that keeps the first write failure instead of raising it.

    The medium would otherwise fail the next transmission with it, deep in the
    stack; a full disk must end the capture, not the simulation.
    """

    def __init__(self, capture: PcapCapture) -> None:
        self.capture = capture
        self.failure: Exception | None = None

    def __call__(self, frame: ReceivedFrame) -> None:
        from hal.capture import CaptureError

        if self.failure is not None:
            return
        try:
            self.capture(frame)
        except CaptureError as exc:
            self.failure = exc

    def finish(self, command: str) -> bool:
        """Close the file and say what was written; False (after one line on stderr) if writing failed."""
        self.capture.close()
        if self.failure is not None:
            print(f"commshub {command}: --pcap {self.failure}", file=sys.stderr)
            return False
        print(f"{command}: wrote {self.capture.frames} frames to {self.capture.path}", file=sys.stderr)
        return True


def open_pcap(args: argparse.Namespace, command: str, *, epoch: float = 0.0) -> PcapOption | None:
    """The capture `--pcap` asks for, or None after one line on stderr saying why the file cannot be written."""
    from hal.capture import CaptureError, PcapCapture

    try:
        return PcapOption(PcapCapture(args.pcap, epoch=epoch))
    except CaptureError as exc:
        print(f"commshub {command}: --pcap {args.pcap}: cannot write ({exc.reason})", file=sys.stderr)
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
