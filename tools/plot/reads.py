"""Reads per device over time, failures marked, and how long each read took.

Why: the day's job is reading meters - the hub reads each meter through
zigpy, each IHD reads its ESME over its own stack. The upper panel has a
row per device with a tick for every answered read and a red cross for
every failed one, so a burst of failures stands out at its time; the lower
panel plots each read's round trip, where a sleepy gas meter's reads show
their wait for its next poll (up to the poll period) and a struggling
link its MAC and APS retries.
"""

from __future__ import annotations

import numpy
from matplotlib.figure import Figure

from tools.sim.timeline import Timeline

from .style import ALARM, Rgba, new_figure
from .timeaxis import time_axis


def reads_figure(timeline: Timeline, colours: dict[str, Rgba]) -> Figure:
    """Two panels sharing the time axis: reads per device (answered and failed), and round-trip times."""
    devices = [d for d in timeline.devices if len(d.reads)]
    axis = time_axis(timeline.end_s)
    figure = new_figure(11.0, 2.6 + 0.3 * max(len(devices), 1) + 3.2)
    rows_ax, latency_ax = figure.subplots(2, 1, sharex=True, height_ratios=[0.6 + 0.3 * max(len(devices), 1), 3.0])
    rows = list(range(len(devices)))[::-1]
    for row, device in zip(rows, devices, strict=True):
        started = axis.of(device.reads.started_s)
        latency = numpy.asarray(device.reads.latency_s, dtype=float)
        ok = numpy.frombuffer(bytes(device.reads.ok), dtype=numpy.uint8).astype(bool)
        colour = colours[device.node]
        rows_ax.scatter(started[ok], numpy.full(ok.sum(), row), marker="|", s=60, color=colour, lw=0.8,
                        gid=f"reads.{device.node}")  # fmt: skip
        latency_ax.scatter(started[ok], latency[ok], s=5, color=colour, label=device.node, gid=f"latency.{device.node}")
        failed = int((~ok).sum())
        if failed:
            rows_ax.scatter(started[~ok], numpy.full(failed, row), marker="x", s=40, color=ALARM, lw=1.5, zorder=3,
                            gid=f"failed.{device.node}")  # fmt: skip
            latency_ax.scatter(started[~ok], latency[~ok], marker="x", s=30, color=ALARM, lw=1.2, zorder=3)
        rows_ax.text(1.002, row, f" {int(ok.sum())} ok, {failed} failed", fontsize=7.5, va="center",
                     color=ALARM if failed else "#333333", transform=rows_ax.get_yaxis_transform())  # fmt: skip
    rows_ax.set_yticks(rows, [f"{d.node} ({d.role})" for d in devices], fontsize=8)
    rows_ax.set_ylim(-0.7, len(devices) - 0.3)
    rows_ax.axvline(axis.at(timeline.day_start_s), color="#444444", lw=1, linestyle="--")
    rows_ax.set_title(
        "Reads per device: a tick per answered read, a red ✗ per failed one (meters: the hub's zigpy reads; "
        "IHDs: their reads of the ESME)",
        fontsize=10,
        loc="left",
    )
    latency_ax.set_yscale("log")
    latency_ax.set_ylabel("round trip, s", fontsize=9)
    latency_ax.set_xlabel(axis.label, fontsize=9)
    latency_ax.set_title("How long each read took (failed reads: red ✗, at the time they gave up)", fontsize=10,
                         loc="left")  # fmt: skip
    latency_ax.grid(color="#e5e5e5")
    if devices:
        latency_ax.legend(fontsize=7.5, ncols=min(len(devices), 6), loc="upper left", markerscale=2.5)
    else:
        rows_ax.text(0.5, 0.5, "no reads in this run", ha="center", transform=rows_ax.transAxes)
    latency_ax.set_xlim(0, axis.at(timeline.end_s))
    return figure
