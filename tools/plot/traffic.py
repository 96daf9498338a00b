"""Frames on the air per minute, per band.

Why: the traffic of a run at a glance - the burst of scans, associations
and interviews while devices join, then the steady rhythm of reads and
polls; a stuck retry loop or a storm shows as a step up. Counted by the
run's sniffer: every whole frame that ended in the minute, ACKs included.
"""

from __future__ import annotations

import numpy
from matplotlib.figure import Figure

from tools.sim.timeline import MINUTE_S, Timeline

from .style import BAND_COLOURS, BAND_TITLES, new_figure


def traffic_figure(timeline: Timeline) -> Figure:
    """A step line per band of frames per minute."""
    figure = new_figure(11.0, 3.8)
    ax = figure.add_subplot()
    for band, counts in timeline.frames_per_minute.items():
        if not sum(counts):
            continue
        minutes = numpy.arange(len(counts) + 1)
        values = numpy.append(numpy.asarray(counts, dtype=float), counts[-1] if len(counts) else 0)
        ax.step(minutes, values, where="post", color=BAND_COLOURS[band], lw=1.5,
                label=f"{BAND_TITLES[band]}: {sum(counts)} frames", gid=f"frames.{band}")  # fmt: skip
    ax.axvline(timeline.day_start_s / MINUTE_S, color="#444444", lw=1, linestyle="--")
    ax.text(timeline.day_start_s / MINUTE_S, 1.0, " day of reads begins", fontsize=8, va="top",
            transform=ax.get_xaxis_transform())  # fmt: skip
    ax.set_xlim(0, max(timeline.end_s / MINUTE_S, 1.0))
    ax.set_ylim(bottom=0)
    ax.set_xlabel("minutes since the run started", fontsize=9)
    ax.set_ylabel("frames per minute", fontsize=9)
    ax.set_title("Frames on the air per minute, per band (every whole frame, ACKs included)", fontsize=10, loc="left")
    ax.grid(color="#e5e5e5")
    ax.legend(fontsize=8, loc="upper right")
    return figure
