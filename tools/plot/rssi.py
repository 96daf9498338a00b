"""RSSI per device over the run: every data frame the hub heard from it (as last hop), by band.

Why: the survey says how strong a link should be; the day shows how it
was - a device's RSSI at the hub, frame by frame, with the band it came on,
against each band's noise floor (radio.md 4.4): the closer to the floor,
the nearer the link is to failing. A line per device gives the mean per
time bin, the dots every frame.
"""

from __future__ import annotations

import numpy
from matplotlib.figure import Figure

from hal.virtual import BAND_MODELS
from tools.sim.timeline import BANDS, Timeline

from .style import BAND_COLOURS, BAND_TITLES, Rgba, new_figure
from .timeaxis import time_axis

#: Time bins of the mean line.
BINS = 120
#: Markers of the frames heard on each band (in `BANDS` order).
BAND_MARKERS = ("o", "^")


def rssi_figure(timeline: Timeline, colours: dict[str, Rgba]) -> Figure:
    """One panel: RSSI of every frame the hub heard from each device, and its binned mean."""
    axis = time_axis(timeline.end_s)
    figure = new_figure(11.0, 5.2)
    ax = figure.add_subplot()
    heard = [d for d in timeline.devices if len(d.rssi)]
    edges = numpy.linspace(0.0, timeline.end_s, BINS + 1)
    for device in heard:
        times = numpy.asarray(device.rssi.time_s, dtype=float)
        rssi = numpy.asarray(device.rssi.rssi_dbm, dtype=float)
        bands = numpy.frombuffer(bytes(device.rssi.band), dtype=numpy.uint8)
        colour = colours[device.node]
        for index, marker in enumerate(BAND_MARKERS):
            mine = bands == index
            if mine.any():
                ax.scatter(axis.of(times[mine]), rssi[mine], s=4, marker=marker, color=colour, alpha=0.35, lw=0)
        which = numpy.clip(numpy.searchsorted(edges, times, side="right") - 1, 0, BINS - 1)
        counts = numpy.bincount(which, minlength=BINS)
        sums = numpy.bincount(which, weights=rssi, minlength=BINS)
        filled = counts > 0
        centres = (edges[:-1] + edges[1:]) / 2
        used = sorted({BANDS[b].value for b in set(bands.tolist())})
        label = f"{device.node} ({', '.join(BAND_TITLES[b] for b in used)}; mean {rssi.mean():.1f} dBm)"
        ax.plot(axis.of(centres[filled]), sums[filled] / counts[filled], color=colour, lw=1.6, label=label,
                gid=f"rssi.{device.node}")  # fmt: skip
    for band in BANDS:
        floor = BAND_MODELS[band].noise_floor_dbm
        ax.axhline(floor, color=BAND_COLOURS[band.value], lw=1, linestyle="--")
        ax.text(0.0, floor, f" noise floor {BAND_TITLES[band.value]} ({floor:.0f} dBm)", fontsize=7.5,
                color=BAND_COLOURS[band.value], va="bottom", transform=ax.get_yaxis_transform())  # fmt: skip
    ax.set_xlim(0, axis.at(timeline.end_s))
    ax.set_xlabel(axis.label, fontsize=9)
    ax.set_ylabel("RSSI at the hub, dBm", fontsize=9)
    ax.set_title(
        "RSSI per device: every data frame the hub heard from it as last hop (dots: ● 2.4 GHz, ▲ 868 MHz; "
        "line: mean per time bin)",
        fontsize=10,
        loc="left",
    )
    ax.grid(color="#e5e5e5")
    if heard:
        ax.legend(fontsize=7.5, loc="lower right", ncols=2)
    else:
        ax.text(0.5, 0.5, "the hub heard no data frame", ha="center", transform=ax.transAxes)
    return figure
