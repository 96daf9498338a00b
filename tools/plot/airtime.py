"""868 MHz airtime per rolling hour per node, against the regulated limit.

Why: a GB868 transmitter may be on air at most 100 s in any hour on pages
28/29, 90 s on 30/31 (R22, radio.md 3.2); a Dual Band hub watches that
number and changes state as it climbs. The figure plots, about once a
minute, each node's airtime over the hour before, with its limit, on a log
scale - the usual use is orders of magnitude below the limit, and how many
is what one wants to read.
"""

from __future__ import annotations

import numpy
from matplotlib.figure import Figure

from tools.sim.timeline import Timeline

from .style import ALARM, Rgba, new_figure
from .timeaxis import time_axis

#: The lowest airtime drawn (log scale): a node that sent nothing sits here.
FLOOR_S = 1e-3


def airtime_figure(timeline: Timeline, colours: dict[str, Rgba]) -> Figure:
    """A step line per node with an 868 MHz radio, and a line at each limit."""
    axis = time_axis(timeline.end_s)
    figure = new_figure(11.0, 4.6)
    ax = figure.add_subplot()
    if not timeline.duty:
        ax.axis("off")
        ax.text(0.5, 0.5, "No 868 MHz radio in this run (every hub was 2.4 GHz only): no sub-GHz airtime.",
                ha="center", va="center", fontsize=11, transform=ax.transAxes)  # fmt: skip
        return figure
    limits = sorted({series.limit_s for series in timeline.duty})
    for series in timeline.duty:
        used = numpy.maximum(numpy.asarray(series.used_s, dtype=float), FLOOR_S)
        peak = max(series.used_s, default=0.0)
        colour = colours.get(series.node, (0.2, 0.2, 0.2, 1.0))
        ax.step(axis.of(series.time_s), used, where="post", color=colour, lw=1.5,
                label=f"{series.node}: peak {peak:.3g} s ({peak / series.limit_s:.2%} of its limit)",
                gid=f"airtime.{series.node}")  # fmt: skip
    for limit in limits:
        ax.axhline(limit, color=ALARM, lw=2, gid="airtime.limit")
        ax.text(0.0, limit, f" regulated limit {limit:g} s per hour", color=ALARM, fontsize=8, va="bottom",
                transform=ax.get_yaxis_transform())  # fmt: skip
    ax.set_yscale("log")
    ax.set_ylim(FLOOR_S * 0.8, max(limits) * 2.5)
    ax.set_xlim(0, axis.at(timeline.end_s))
    ax.set_xlabel(axis.label, fontsize=9)
    ax.set_ylabel("868 MHz airtime in the hour before, s", fontsize=9)
    ax.set_title("868 MHz airtime per rolling hour, per node, against the regulated limit", fontsize=10, loc="left")
    ax.grid(color="#e5e5e5", which="both")
    ax.legend(fontsize=7.5, loc="center right", ncols=1 if len(timeline.duty) < 8 else 2)
    return figure
