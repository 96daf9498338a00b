"""Labels beside points on a plan, moved apart so none covers another or a marker.

Why: a meter room holds a dozen meters and hubs within a few metres, and
each link's RSSI and PER must still be read beside it. matplotlib does not
avoid overlaps, so this places labels before they are drawn: each label
first tries its preferred spot (beside its point, on the side away from
where its link runs), then spots shifted up and down by growing steps, then
the same on the other side; the first spot that overlaps no label placed
so far, no marker, and stays inside the panel wins. A label that ends up
away from its point is tied to it by a thin leader line.

Work is in typographic points on the panel (the plan's metres times the
panel's scale), with text boxes estimated from the font size: exact enough
to keep labels apart, and it needs no renderer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Average width of a character of DejaVu Sans, in font sizes.
CHAR_WIDTH_EM = 0.58
#: Line height, in font sizes.
LINE_HEIGHT_EM = 1.22
#: Distance between a point and its label, points.
OFFSET_PT = 10.0
#: Gap kept between two labels, points.
GAP_PT = 2.0
#: Half the side of the box a marker occupies, points.
MARKER_HALF_PT = 6.0
#: Vertical steps tried, points (both ways, growing).
SHIFT_STEP_PT = 5.0
SHIFTS = 30

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in points


@dataclass(frozen=True, slots=True)
class Label:
    """A label to place: its point (in points on the panel), its text, font size, and preferred side."""

    x: float
    y: float
    text: str
    fontsize: float
    direction: tuple[float, float]  #: unit vector from the point towards where the label should go


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a label goes: offset from its point (points), alignment, and whether it needs a leader line."""

    dx: float
    dy: float
    ha: str
    va: str
    leader: bool


def size(label: Label) -> tuple[float, float]:
    """Estimated (width, height) of the label's text box, points."""
    lines = label.text.split("\n")
    width = max(len(line) for line in lines) * label.fontsize * CHAR_WIDTH_EM + 4.0
    return width, len(lines) * label.fontsize * LINE_HEIGHT_EM + 3.0


def _alignment(ux: float, uy: float) -> tuple[str, str]:
    ha = "left" if ux > 0.35 else "right" if ux < -0.35 else "center"
    va = "bottom" if uy > 0.35 else "top" if uy < -0.35 else "center"
    return ha, va


def _box(x: float, y: float, ha: str, va: str, width: float, height: float) -> Box:
    x0 = x if ha == "left" else x - width if ha == "right" else x - width / 2
    y0 = y if va == "bottom" else y - height if va == "top" else y - height / 2
    return x0, y0, x0 + width, y0 + height


def _overlaps(first: Box, second: Box) -> bool:
    return not (
        first[2] + GAP_PT <= second[0]
        or second[2] + GAP_PT <= first[0]
        or first[3] + GAP_PT <= second[1]
        or second[3] + GAP_PT <= first[1]
    )


def _inside(box: Box, bounds: Box) -> bool:
    return box[0] >= bounds[0] and box[1] >= bounds[1] and box[2] <= bounds[2] and box[3] <= bounds[3]


def place(labels: Sequence[Label], markers: Sequence[tuple[float, float]], bounds: Box) -> list[Placement]:
    """A placement per label (in the given order), labels higher on the panel placed first."""
    obstacles: list[Box] = [
        (x - MARKER_HALF_PT, y - MARKER_HALF_PT, x + MARKER_HALF_PT, y + MARKER_HALF_PT) for x, y in markers
    ]
    placements: list[Placement | None] = [None] * len(labels)
    for index in sorted(range(len(labels)), key=lambda i: -labels[i].y):
        label = labels[index]
        width, height = size(label)
        ux, uy = label.direction
        best: Placement | None = None
        for side in (1.0, -1.0):
            sx, sy = side * ux, uy
            ha, va = _alignment(sx, sy)
            base_x, base_y = label.x + OFFSET_PT * sx, label.y + OFFSET_PT * sy
            for step in range(SHIFTS + 1):
                for sign in (1.0, -1.0) if step else (1.0,):
                    shift = sign * step * SHIFT_STEP_PT
                    box = _box(base_x, base_y + shift, ha, va, width, height)
                    if _inside(box, bounds) and not any(_overlaps(box, other) for other in obstacles):
                        best = Placement(base_x - label.x, base_y + shift - label.y, ha, va, abs(shift) > OFFSET_PT)
                        break
                if best is not None:
                    break
            if best is not None:
                break
        if best is None:  # nowhere free: the preferred spot, overlapping
            ha, va = _alignment(ux, uy)
            best = Placement(OFFSET_PT * ux, OFFSET_PT * uy, ha, va, False)
        placements[index] = best
        obstacles.append(_box(label.x + best.dx, label.y + best.dy, best.ha, best.va, width, height))
    return [p for p in placements if p is not None]
