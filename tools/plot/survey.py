"""The site survey as an installer reads it: each floor's plan, each node's link to its hub, per band.

Why this figure: the question a survey answers is "which nodes does a
2.4 GHz hub reach, and which need a Dual Band one?" (radio.md 4). So the
figure puts the two bands side by side, one row per floor (top floor first,
as the building stands), and colours every node's link to its hub by its
packet error rate on the one scale of the colour bar; each link is labelled
with the mean RSSI and the PER measured. A node that only 868 MHz reaches
is ringed in the 868 MHz colour, one that neither band reaches in black,
and the headline says per hub whether 2.4 GHz is enough - so a block of
flats shows at a glance which flats need 868 MHz. The bottom panel sets
each node's 868 MHz airtime against its regulated limit (radio.md 3.2): what
the survey used, and what a whole hour at the survey's rate would use.

A link "reaches" when it lost at most `REACH_PER` of the survey's test
frames. A hub on another floor than its node is drawn hollow on the node's
floor, where it stands in plan, with an arrow to its own floor.

Every drawn thing that stands for data has a `gid` naming it
(`node.<band>.<name>`, `link.<band>.<name>`, `label.<band>.<name>`,
`mark.<band>.<name>`, `duty.<name>`), so tests - and SVG readers, where a
gid becomes an element id - find what was drawn without guessing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter

from hal.duty_cycle import regulated_limit
from hal.radio import Band
from hal.virtual import FloorPlan, NodeSpec
from hal.virtual.floorplan import Level
from tools.sim.survey import SURVEY_CHANNELS, LinkReport, SurveyReport

from .floorplan import draw_level, extent, level_title, material_legend
from .labels import Label, place
from .style import (
    ALARM,
    BAND_COLOURS,
    BAND_TITLES,
    PER_TICKS,
    ROLE_MARKERS,
    Rgba,
    new_figure,
    per_colour,
    per_scale,
    percent,
)
from .zoom import crowded, zoom_box

#: A link that loses more than this fraction of the survey's test frames is not one to rely on.
REACH_PER = 0.1
#: Colour of the ring round a node that only 868 MHz reaches, and of what is said about it.
NEEDS_868 = BAND_COLOURS["868MHz"]
#: Colour of the ring round a node that neither band reaches.
NO_LINK = "#111111"
#: Colour of the labels' text.
TEXT = "#1a1a1a"
#: Width of one floor's panel, inches.
PANEL_WIDTH_IN = 5.6
#: Size of the labels beside links and hubs, points.
LABEL_FONTSIZE = 6.5
HOUR_S = 3600.0


@dataclass(frozen=True, slots=True)
class Reach:
    """Which bands reach one node, by the survey's measure (`REACH_PER`)."""

    node: str
    hub: str
    ghz_2_4: bool
    mhz_868: bool

    @property
    def only_868(self) -> bool:
        return self.mhz_868 and not self.ghz_2_4

    @property
    def neither(self) -> bool:
        return not (self.mhz_868 or self.ghz_2_4)


def reaches(link: LinkReport) -> bool:
    per = link.per
    return per is not None and per <= REACH_PER


def reach_by_node(report: SurveyReport) -> dict[str, Reach]:
    """Per non-hub node, whether each band reaches it."""
    by_band = {band: {link.node: link for link in links} for band, links in report.links.items()}
    return {
        link.node: Reach(
            link.node,
            link.hub,
            reaches(link),
            reaches(by_band[Band.MHZ_868][link.node]),
        )
        for link in report.links[Band.GHZ_2_4]
    }


def hub_verdicts(report: SurveyReport) -> list[tuple[str, str, str]]:
    """(hub, sentence, colour) per hub: does 2.4 GHz reach all its nodes, or which need 868 MHz, or none."""
    found = reach_by_node(report)
    hubs = list(dict.fromkeys([*report.hub_duty_cycle_s, *(r.hub for r in found.values())]))
    verdicts = []
    for hub in hubs:
        mine = [r for r in found.values() if r.hub == hub]
        only = [r.node for r in mine if r.only_868]
        lost = [r.node for r in mine if r.neither]
        parts, colour = [], BAND_COLOURS["2.4GHz"]
        if only:
            parts.append(f"needs 868 MHz (a Dual Band hub): {', '.join(only)} reached only on 868 MHz")
            colour = NEEDS_868
        if lost:
            parts.append(f"no link on either band: {', '.join(lost)}")
            colour = NO_LINK if not only else colour
        if not parts:
            parts.append(f"2.4 GHz reaches all {len(mine)} nodes: a 2.4 GHz hub will do")
        verdicts.append((hub, "; ".join(parts), colour))
    return verdicts


def survey_figure(home: FloorPlan, report: SurveyReport) -> Figure:
    """The whole survey figure for `home` (as the survey placed it, at the origin) and its `report`."""
    x_min, x_max, y_min, y_max = extent(home)
    panel_h = PANEL_WIDTH_IN * (y_max - y_min) / (x_max - x_min) + 0.3
    points_per_m = (PANEL_WIDTH_IN - 0.6) * 72 / (x_max - x_min)  # the floor panels' scale, near enough
    rows: list[tuple[Level, list[str]]] = []  # a floor, then (when crowded) its crowded nodes magnified
    crowds: dict[int, list[str]] = {}
    for level in sorted(home.levels, key=lambda level: -level.number):
        rows.append((level, []))
        spots = {node.name: (node.position[0], node.position[1]) for node in home.nodes if node.level == level.number}
        crowds[level.number] = crowded(spots, points_per_m)
        if crowds[level.number]:
            rows.append((level, crowds[level.number]))
    verdicts = hub_verdicts(report)
    duty_rows = _duty_rows(report)
    heights = [0.5 + 0.22 * len(verdicts), 0.62, *([panel_h] * len(rows)), 0.8 + 0.17 * len(duty_rows), 1.45]
    figure = new_figure(2 * PANEL_WIDTH_IN + 0.5, sum(heights))
    grid = figure.add_gridspec(len(heights), 2, height_ratios=heights)
    scale = per_scale()
    _headline(figure.add_subplot(grid[0, :]), home, report, verdicts)
    bar = figure.colorbar(scale, cax=figure.add_subplot(grid[1, :]), orientation="horizontal", ticks=PER_TICKS)
    bar.ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: percent(value)))
    bar.ax.tick_params(labelsize=8)
    bar.set_label(
        "packet error rate of each node's link to its hub (test frames both ways), one scale for both bands", fontsize=9
    )
    found = reach_by_node(report)
    panels: list[tuple[Axes, list[_Pending]]] = []
    for row, (level, crowd) in enumerate(rows, start=2):
        for column, band in enumerate((Band.GHZ_2_4, Band.MHZ_868)):
            ax = figure.add_subplot(grid[row, column])
            prefix = "zoom." if crowd else ""
            draw_level(ax, home, level, band, gid_prefix=prefix)
            title = f"{BAND_TITLES[band.value]} · {level_title(level, band)}"
            pending = _draw_links(ax, home, level.number, band, report, found, scale, gid_prefix=prefix)
            if crowd:
                where = [(home.node(name).position[0], home.node(name).position[1]) for name in crowd]
                box = zoom_box(where, points_per_m * (x_max - x_min), points_per_m * (y_max - y_min))
                ax.set_xlim(box[0], box[1])
                ax.set_ylim(box[2], box[3])
                title += f", magnified ×{(x_max - x_min) / (box[1] - box[0]):.1f} where the nodes crowd"
                pending = [p for p in pending if p.node in crowd]
            elif crowds[level.number]:
                _mark_zoomed(ax, [home.node(name).position[:2] for name in crowds[level.number]])
                pending = [p for p in pending if p.node not in crowds[level.number]]
            ax.set_title(title, fontsize=9, loc="left")
            panels.append((ax, pending))
    _duty_panel(figure.add_subplot(grid[-2, :]), report, duty_rows)
    _legend(figure.add_subplot(grid[-1, :]), home)
    figure.draw_without_rendering()  # lay the panels out, so labels are placed in their final points
    for ax, pending in panels:
        _place_labels(ax, pending)
    return figure


@dataclass(frozen=True, slots=True)
class _Pending:
    """A label to draw once the panel's scale is known."""

    x: float
    y: float
    text: str
    direction: tuple[float, float]
    colour: str
    weight: str
    gid: str | None
    node: str  #: the node it names (a hub's own name for a hub on another floor)


def _headline(ax: Axes, home: FloorPlan, report: SurveyReport, verdicts: list[tuple[str, str, str]]) -> None:
    ax.axis("off")
    ax.text(
        0.0,
        1.0,
        f"Site survey of {home.name!r}: {report.seconds:g} simulated s of test frames on both bands, "
        f"seed {report.seed}",
        fontsize=13,
        weight="bold",
        va="top",
        transform=ax.transAxes,
    )
    line = 1.0 / (len(verdicts) + 1.6)
    for index, (hub, sentence, colour) in enumerate(verdicts, start=1):
        ax.text(
            0.01,
            1.0 - (index + 0.5) * line,
            f"{hub}: {sentence}",
            fontsize=10,
            color=colour,
            weight="bold" if colour != BAND_COLOURS["2.4GHz"] else "normal",
            va="top",
            transform=ax.transAxes,
            gid=f"verdict.{hub}",
        )


def _draw_links(
    ax: Axes,
    home: FloorPlan,
    level: int,
    band: Band,
    report: SurveyReport,
    found: dict[str, Reach],
    scale: ScalarMappable,
    *,
    gid_prefix: str,
) -> list[_Pending]:
    """Markers, links and marks of the nodes on `level`; returns their labels, to place later.

    Markers, links and marks are named after `gid_prefix`; labels are drawn once, so never prefixed.
    """
    links = {link.node: link for link in report.links[band]}
    ghosts: dict[str, NodeSpec] = {}
    pending: list[_Pending] = []
    for node in home.nodes:
        if node.level != level:
            continue
        if node.role == "hub":
            _marker(ax, node, band, "#2b2b2b", size=11, gid_prefix=gid_prefix)
            pending.append(_Pending(*node.position[:2], node.name, (0.0, 1.0), TEXT, "bold", None, node.name))
            continue
        link = links[node.name]
        hub = home.node(link.hub)
        if hub.level != level:
            ghosts[hub.name] = hub
        colour = per_colour(scale, link.per)
        ax.add_line(
            Line2D(
                (node.position[0], hub.position[0]),
                (node.position[1], hub.position[1]),
                color=colour,
                lw=3.0,
                linestyle=":" if link.received == 0 else "-",
                solid_capstyle="round",
                zorder=4,
                gid=f"{gid_prefix}link.{band.value}.{node.name}",
            )
        )
        _marker(ax, node, band, colour, size=9, gid_prefix=gid_prefix)
        pending.append(_link_label(ax, node, hub, link, found[node.name], band, gid_prefix))
    for hub in ghosts.values():
        ax.add_line(
            Line2D(
                (hub.position[0],),
                (hub.position[1],),
                marker="s",
                markersize=11,
                markerfacecolor="white",
                markeredgecolor="#2b2b2b",
                markeredgewidth=1.2,
                linestyle="none",
                zorder=5,
                gid=f"{gid_prefix}hub-elsewhere.{band.value}.{level}.{hub.name}",
            )
        )
        arrow = "↓" if hub.level < level else "↑"
        text = f"{hub.name} {arrow} level {hub.level}"
        pending.append(_Pending(*hub.position[:2], text, (0.0, -1.0), TEXT, "normal", None, hub.name))
    return pending


def _marker(ax: Axes, node: NodeSpec, band: Band, colour: Rgba | str, *, size: float, gid_prefix: str) -> None:
    ax.add_line(
        Line2D(
            (node.position[0],),
            (node.position[1],),
            marker=ROLE_MARKERS.get(node.role, "o"),
            markersize=size,
            markerfacecolor=colour,
            markeredgecolor="black",
            markeredgewidth=0.8,
            linestyle="none",
            zorder=6,
            gid=f"{gid_prefix}node.{band.value}.{node.name}",
        )
    )


def _link_label(
    ax: Axes, node: NodeSpec, hub: NodeSpec, link: LinkReport, reach: Reach, band: Band, gid_prefix: str
) -> _Pending:
    """The node's ring if it needs one, and its label: name, RSSI and PER, on the side away from the hub."""
    dx, dy = node.position[0] - hub.position[0], node.position[1] - hub.position[1]
    length = math.hypot(dx, dy)
    direction = (dx / length, dy / length) if length > 1e-9 else (0.7071, 0.7071)
    rssi = "no frame heard" if link.mean_rssi_dbm is None else f"{link.mean_rssi_dbm:.1f} dBm"
    per = "-" if link.per is None else percent(link.per)
    lines = [node.name, f"{rssi} · PER {per}"]
    colour, weight = TEXT, "normal"
    if reach.only_868:
        lines.append("868 MHz only")
        colour, weight = NEEDS_868, "bold"
    elif reach.neither:
        lines.append("no link on either band")
        weight = "bold"
    if reach.only_868 or reach.neither:
        ax.add_line(
            Line2D(
                (node.position[0],),
                (node.position[1],),
                marker="o",
                markersize=21,
                markerfacecolor="none",
                markeredgecolor=NEEDS_868 if reach.only_868 else NO_LINK,
                markeredgewidth=2.4,
                linestyle="none",
                zorder=5,
                gid=f"{gid_prefix}mark.{band.value}.{node.name}",
            )
        )
    label = "\n".join(lines)
    return _Pending(*node.position[:2], label, direction, colour, weight, f"label.{band.value}.{node.name}", node.name)


def _mark_zoomed(ax: Axes, spots: list[tuple[float, float]]) -> None:
    """A dashed frame round the nodes the next row magnifies (their labels are there)."""
    xs, ys = [x for x, _ in spots], [y for _, y in spots]
    pad = 0.3
    ax.add_patch(
        Rectangle(
            (min(xs) - pad, min(ys) - pad),
            max(xs) - min(xs) + 2 * pad,
            max(ys) - min(ys) + 2 * pad,
            fill=False,
            linestyle="--",
            edgecolor="#444444",
            lw=0.9,
            zorder=8,
        )
    )
    ax.annotate(
        "magnified below",
        (max(xs) + pad, max(ys) + pad),
        xytext=(3, 3),
        textcoords="offset points",
        fontsize=6.5,
        color="#444444",
        style="italic",
    )


def _place_labels(ax: Axes, pending: list[_Pending]) -> None:
    """Draw the panel's labels where `labels.place` finds room (in points on the laid-out panel)."""
    to_points = 72.0 / ax.figure.dpi
    points = [ax.transData.transform((p.x, p.y)) * to_points for p in pending]
    box = ax.get_window_extent()
    bounds = (box.x0 * to_points, box.y0 * to_points, box.x1 * to_points, box.y1 * to_points)
    requests = [
        Label(float(x), float(y), p.text, LABEL_FONTSIZE, p.direction)
        for p, (x, y) in zip(pending, points, strict=True)
    ]
    for p, spot in zip(pending, place(requests, [tuple(xy) for xy in points], bounds), strict=True):
        text = ax.annotate(
            p.text,
            (p.x, p.y),
            xytext=(spot.dx, spot.dy),
            textcoords="offset points",
            ha=spot.ha,
            va=spot.va,
            fontsize=LABEL_FONTSIZE,
            linespacing=1.1,
            zorder=7,
            bbox={"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
            arrowprops={"arrowstyle": "-", "color": "#777777", "lw": 0.6} if spot.leader else None,
            gid=p.gid,
            color=p.colour,
            weight=p.weight,
        )
        text.set_in_layout(False)


@dataclass(frozen=True, slots=True)
class _DutyRow:
    node: str
    used_s: float
    refused: int


def _duty_rows(report: SurveyReport) -> list[_DutyRow]:
    """Each hub, then its nodes: the 868 MHz airtime each used in the rolling hour at the survey's end."""
    rows = []
    links = report.links[Band.MHZ_868]
    for hub, used in report.hub_duty_cycle_s.items():
        rows.append(_DutyRow(hub, used, 0))
        rows.extend(_DutyRow(link.node, link.duty_cycle_s or 0.0, link.refused) for link in links if link.hub == hub)
    return rows


def _duty_panel(ax: Axes, report: SurveyReport, rows: list[_DutyRow]) -> None:
    """Bars of airtime per node against the regulated limit of the survey's 868 MHz page."""
    page = SURVEY_CHANNELS[Band.MHZ_868].page
    limit_s = regulated_limit(page) * HOUR_S
    span = min(max(math.ceil(report.seconds - 1e-9), 1.0), HOUR_S)  # the survey sends once per started second
    colour = BAND_COLOURS["868MHz"]
    positions = list(range(len(rows)))[::-1]
    for position, row in zip(positions, rows, strict=True):
        hour = row.used_s * HOUR_S / span
        if span < HOUR_S:
            ax.barh(position, hour, color=colour, alpha=0.25, hatch="///", edgecolor=colour, lw=0)
        ax.barh(position, row.used_s, color=colour, gid=f"duty.{row.node}")
        text = f"{row.used_s:.2f} s used"
        if span < HOUR_S:
            text += f"; a whole hour at this rate: {hour:.1f} s ({hour / limit_s:.0%} of the limit)"
        if row.refused:
            text += f"; {row.refused} frames refused by the limit"
        ax.text(limit_s * 1.02, position, text, va="center", fontsize=7)  # beside the limit: never across it
    ax.axvline(limit_s, color=ALARM, lw=2)
    ax.text(limit_s, 1.0, f"regulated limit {limit_s:g} s per hour", color=ALARM, fontsize=8, ha="center",
            va="bottom", transform=ax.get_xaxis_transform())  # fmt: skip
    ax.set_yticks(positions, [row.node for row in rows], fontsize=7)
    ax.set_ylim(-0.7, len(rows) - 0.1)
    ax.set_xlim(0, limit_s * 1.75)
    ax.set_xlabel(
        f"868 MHz airtime in the rolling hour, s (regulated limit on page {page}: {limit_s:g} s per hour, "
        "radio.md 3.2); solid: used in the survey; hatched: a whole hour at the survey's rate",
        fontsize=8,
    )
    ax.tick_params(axis="x", labelsize=7)
    ax.set_title("868 MHz duty cycle per node against its limit", fontsize=10, loc="left")


def _legend(ax: Axes, home: FloorPlan) -> None:
    ax.axis("off")
    roles = sorted({node.role for node in home.nodes}, key=lambda role: list(ROLE_MARKERS).index(role))
    handles: list[Line2D | Patch] = [
        Line2D(
            [],
            [],
            marker=ROLE_MARKERS[role],
            linestyle="none",
            markerfacecolor="#2b2b2b" if role == "hub" else "#dddddd",
            markeredgecolor="black",
            markersize=8,
            label=role,
        )
        for role in roles
    ]
    handles += [
        Line2D([], [], marker="s", linestyle="none", markerfacecolor="white", markeredgecolor="#2b2b2b",
               markersize=8, label="hub on another floor (drawn where it stands in plan)"),
        Line2D([], [], marker="o", linestyle="none", markerfacecolor="none", markeredgecolor=NEEDS_868,
               markeredgewidth=2.2, markersize=12, label="reached only on 868 MHz: needs a Dual Band hub"),
        Line2D([], [], marker="o", linestyle="none", markerfacecolor="none", markeredgecolor=NO_LINK,
               markeredgewidth=2.2, markersize=12, label="no link on either band"),
        Line2D([], [], color="#888888", lw=2.5, linestyle=":", label="no test frame got through"),
        Patch(facecolor="none", edgecolor="#34495e", hatch="////", label="enclosure (meter box)"),
    ]  # fmt: skip
    handles += material_legend(home)
    ax.legend(handles=handles, loc="upper left", ncols=3, fontsize=7.5, frameon=False, mode="expand")
