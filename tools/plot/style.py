"""The look every commshub figure shares: one PER colour scale, a marker per role, a colour per band.

Why one place: the survey and the day's report put the same things side by
side - two bands, the same devices, link quality - and a reader must be able
to carry a colour from one figure to the next. The packet error rate scale
is the one of the survey plot's colour bar: green for a clean link through
yellow to red for a dead one, on a square-root scale so the few per cent
that separate a good link from a marginal one are visible, not all one green.

Figures are built on matplotlib's Agg canvas directly (no pyplot): headless,
and no global state. Sizes are fixed in inches at `DPI`, never "tight", so a
PNG's pixel size is known before it is drawn.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import matplotlib
import numpy
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import PowerNorm
from matplotlib.figure import Figure

#: Pixels per inch of every figure saved as PNG.
DPI = 100
#: Ticks of the PER colour bar (fractions).
PER_TICKS = (0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0)
#: The two HAN bands, by the names reports use (hal.radio.Band values), with their colours in line plots.
BAND_COLOURS = {"2.4GHz": "#1f6fb4", "868MHz": "#7b3294"}
#: How a band is written on a figure.
BAND_TITLES = {"2.4GHz": "2.4 GHz", "868MHz": "868 MHz"}
#: Marker per node role (hal.virtual.floorplan.ROLES).
ROLE_MARKERS = {
    "hub": "s",
    "esme": "o",
    "gsme": "^",
    "ihd": "D",
    "ppmid": "p",
    "cad": "h",
    "hcalcs": "v",
    "other": "o",
}
#: Colour of whatever is over a limit or failed (a failed read, the regulated duty-cycle limit).
ALARM = "#c0392b"
#: Colour of a link that could not be measured (nothing was sent).
UNMEASURED = "#9e9e9e"


def per_scale() -> ScalarMappable:
    """The packet error rate colour scale: a mappable for `to_rgba(per)` and the colour bar."""
    return ScalarMappable(norm=PowerNorm(0.5, vmin=0.0, vmax=1.0), cmap=matplotlib.colormaps["RdYlGn_r"])


Rgba = tuple[float, float, float, float]


def per_colour(scale: ScalarMappable, per: float | None) -> Rgba | str:
    """The colour of a packet error rate on `scale` (`UNMEASURED` grey when there is none)."""
    if per is None:
        return UNMEASURED
    red, green, blue, alpha = (float(value) for value in scale.to_rgba(numpy.array([per]))[0])
    return (red, green, blue, alpha)


def new_figure(width_in: float, height_in: float) -> Figure:
    """An empty figure of that size (rounded to whole pixels) on the Agg canvas, with constrained layout."""
    size = (round(width_in * DPI) / DPI, round(height_in * DPI) / DPI)
    figure = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def save(figure: Figure, path: Path) -> None:
    """Write `figure` to `path`, PNG or SVG by its suffix, at `DPI` (the whole figure: its size is fixed)."""
    figure.savefig(path, format=path.suffix.lstrip(".").lower(), dpi=DPI)


def device_colours(names: Iterable[str]) -> dict[str, tuple[float, float, float, float]]:
    """A distinct colour per device, the same in every figure of one report (matplotlib's tab20 cycle)."""
    palette = matplotlib.colormaps["tab20"]
    ordered = list(dict.fromkeys(names))
    return {name: palette((2 * index) % 20 / 20 + (index // 10 % 2) / 20) for index, name in enumerate(ordered)}


def percent(fraction: float) -> str:
    """A PER as people read it: 0 %, 2.5 %, 100 %."""
    value = fraction * 100
    return f"{value:.0f} %" if value in (0, 100) or value >= 10 else f"{value:.1f} %"
