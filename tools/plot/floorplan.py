"""One floor of a home drawn as its floor plan places it: footprint, rooms, walls, meter boxes.

Why apart from the survey figure: the building is the background of every
plan view, and it is drawn from `hal.virtual.floorplan`'s data only - the
walls standing on that level (a wall listed for several levels is one
`Wall` per level), the footprint the floor slabs cover, the named rooms,
and the enclosure around each node that has one. Walls are coloured by
material and drawn thicker the more they cost on the band of the panel
(radio.md 4.3), so the concrete core of a block of flats stands out on
2.4 GHz more than on 868 MHz, as it does for the signal.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from hal.radio import Band
from hal.virtual import FloorPlan
from hal.virtual.floorplan import Level, Material

#: Colour per built-in material (a home file's own materials get grey).
MATERIAL_COLOURS = {
    "plasterboard": "#b8a98c",
    "brick-internal": "#c8744a",
    "brick-external": "#8c3b1e",
    "concrete": "#5c5c5c",
    "timber-floor": "#a0783c",
    "glazing": "#7fb3d5",
    "low-e-glazing": "#2e86c1",
    "metal-cabinet": "#34495e",
}
#: Side of the square drawn round a node in an enclosure, metres.
ENCLOSURE_SIDE_M = 0.7
#: Space kept round the building and its nodes, metres (labels go there).
MARGIN_M = 2.6


def material_colour(material: Material) -> str:
    return MATERIAL_COLOURS.get(material.name, "#7f7f7f")


def extent(home: FloorPlan) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) of the footprint and every node, with `MARGIN_M` round them."""
    xs = [0.0, home.size[0], *(node.position[0] for node in home.nodes)]
    ys = [0.0, home.size[1], *(node.position[1] for node in home.nodes)]
    return min(xs) - MARGIN_M, max(xs) + MARGIN_M, min(ys) - MARGIN_M * 0.6, max(ys) + MARGIN_M * 0.6


def on_level(home: FloorPlan, level: Level) -> list[str]:
    """Names of the nodes standing on `level`."""
    return [node.name for node in home.nodes if node.level == level.number]


def draw_level(ax: Axes, home: FloorPlan, level: Level, band: Band, *, gid_prefix: str = "") -> None:
    """Draw `level` of `home` on `ax` (metres, equal aspect): footprint, rooms, walls, enclosures.

    Walls and enclosures are named `wall.<band>.<level>` and `enclosure.<band>.<node>`, after `gid_prefix`.
    """
    x_min, x_max, y_min, y_max = extent(home)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_aspect("equal")
    ax.tick_params(labelsize=7)
    ax.set_facecolor("#fbfbf8")
    width, depth = home.size
    ax.add_patch(Rectangle((0.0, 0.0), width, depth, fill=False, linestyle=(0, (4, 3)), edgecolor="#b0b0b0", lw=0.8))
    for room in home.rooms:
        if room.level != level.number:
            continue
        ax.add_patch(
            Rectangle(
                (room.x_low, room.y_low),
                room.x_high - room.x_low,
                room.y_high - room.y_low,
                facecolor="#efeee6",
                edgecolor="none",
                zorder=0,
            )
        )
        ax.text(
            room.x_low + 0.15,
            room.y_high - 0.15,
            room.name,
            fontsize=6.5,
            color="#8a8a80",
            style="italic",
            ha="left",
            va="top",
            zorder=1,
        )
    for wall in home.walls:
        if abs(wall.z_low - level.elevation) > 1e-6:
            continue
        ax.add_line(
            Line2D(
                (wall.x1, wall.x2),
                (wall.y1, wall.y2),
                color=material_colour(wall.material),
                lw=1.0 + wall.material.loss_db(band) / 4.0,
                solid_capstyle="butt",
                zorder=2,
                gid=f"{gid_prefix}wall.{band.value}.{level.number}",
            )
        )
    for node in home.nodes:
        if node.level != level.number or node.enclosure is None:
            continue
        half = ENCLOSURE_SIDE_M / 2
        ax.add_patch(
            Rectangle(
                (node.position[0] - half, node.position[1] - half),
                ENCLOSURE_SIDE_M,
                ENCLOSURE_SIDE_M,
                facecolor="none",
                edgecolor=material_colour(node.enclosure),
                lw=2.5,
                hatch="////",
                zorder=3,
                gid=f"{gid_prefix}enclosure.{band.value}.{node.name}",
            )
        )


def level_title(level: Level, band: Band) -> str:
    """'level 1 · floor: concrete, 20 dB' - the slab under the level and its loss on the panel's band."""
    if level.floor is None:
        return f"level {level.number}"
    return f"level {level.number} · floor: {level.floor.name}, {level.floor.loss_db(band):g} dB"


def material_legend(home: FloorPlan) -> list[Patch]:
    """Legend entries for the materials of the home's walls, floors and enclosures, with both bands' losses."""
    used: dict[str, Material] = {}
    for material in [w.material for w in home.walls] + [s.material for s in home.slabs]:
        used.setdefault(material.name, material)
    for node in home.nodes:
        if node.enclosure is not None:
            used.setdefault(node.enclosure.name, node.enclosure)
    return [
        Patch(
            color=material_colour(material),
            label=f"{name}: {material.ghz_2_4:g} dB at 2.4 GHz, {material.mhz_868:g} dB at 868 MHz",
        )
        for name, material in used.items()
    ]
