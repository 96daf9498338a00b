"""Joins on a timeline: when each device's admission opened, when it had joined (and on which band), or gave up.

Why: joining is where a home goes wrong first - a device too far for
2.4 GHz scans, backs off and retries (1, 2, 4 ... s) before it finds the
hub on 868 MHz or gives up. A bar per device from admission to the end of
its join shows how long each took and in what order the hub took them
(routers first); its end says the band, or that it never joined.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from tools.sim.timeline import Timeline

from .style import ALARM, BAND_COLOURS, BAND_TITLES, Rgba, new_figure


def joins_figure(timeline: Timeline, colours: dict[str, Rgba]) -> Figure:
    """One bar per emulated device, in the order they were admitted; the day's start marked."""
    devices = [d for d in timeline.devices if d.join_started_s is not None and d.join_ended_s is not None]
    figure = new_figure(11.0, 1.3 + 0.32 * max(len(devices), 1))
    ax = figure.add_subplot()
    rows = list(range(len(devices)))[::-1]
    for row, device in zip(rows, devices, strict=True):
        assert device.join_started_s is not None and device.join_ended_s is not None
        took = device.join_ended_s - device.join_started_s
        colour = colours[device.node] if device.joined else ALARM
        ax.barh(row, took, left=device.join_started_s, height=0.55, color=colour, gid=f"join.{device.node}")
        if device.joined and device.band is not None:
            text = f"{took:.2f} s, on {BAND_TITLES[device.band]}"
            ax.plot(device.join_ended_s, row, "o", color=BAND_COLOURS[device.band], markersize=6)
        else:
            text = f"did not join ({took:.0f} s of tries)"
            ax.plot(device.join_ended_s, row, "X", color=ALARM, markersize=9)
        ax.text(device.join_ended_s, row + 0.33, "  " + text, fontsize=7.5, va="bottom")
    ax.axvline(timeline.day_start_s, color="#444444", lw=1, linestyle="--")
    ax.text(timeline.day_start_s, len(devices) - 0.4, " day of reads begins", fontsize=8, va="bottom")
    ax.set_yticks(rows, [f"{d.node} ({d.role}, {d.hub})" for d in devices], fontsize=8)
    ax.set_ylim(-0.8, len(devices) + 0.2)
    end = max([timeline.day_start_s, *(d.join_ended_s for d in devices if d.join_ended_s is not None)])
    ax.set_xlim(0, end * 1.25 + 1)
    ax.set_xlabel("simulated seconds since the run started", fontsize=9)
    ax.set_title("Joins: admission opened → joined and interviewed (dot: band) or gave up (✗)", fontsize=10, loc="left")
    ax.grid(axis="x", color="#e5e5e5")
    if not devices:
        ax.text(0.5, 0.5, "no emulated device in this run", ha="center", transform=ax.transAxes)
    return figure
