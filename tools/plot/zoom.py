"""Where a floor's nodes stand too close to read at the floor's scale, and the box to magnify them in.

Why: a meter room holds every flat's hub and meters within a few metres -
hubs 15 cm from their electricity meters - so at the scale of the whole
floor their markers and labels pile up. The survey figure then adds a row
magnifying that spot; this module finds it. Nodes are "crowded" when one
stands within `CROWDED_PT` of another at the floor panel's scale; a spot is
worth a zoom when at least `ZOOM_FROM_NODES` nodes are crowded there (two
touching markers, a hub on its meter, read fine as they are).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: Two markers closer than this (points, at the panel's scale) crowd each other.
CROWDED_PT = 20.0
#: Crowded nodes needed before a floor gets a magnified row.
ZOOM_FROM_NODES = 4
#: Room kept round the crowded nodes in the zoomed panel, points: each side's labels go there.
LABEL_ROOM_X_PT = 100.0
LABEL_ROOM_Y_PT = 26.0
#: The largest magnification, points per metre (a tight pair of nodes is not blown up without end).
MAX_POINTS_PER_M = 120.0

Point = tuple[float, float]


def crowded(points: dict[str, Point], points_per_m: float) -> list[str]:
    """Names of the nodes that stand within `CROWDED_PT` of another, if there are at least `ZOOM_FROM_NODES`."""
    reach = CROWDED_PT / points_per_m
    names = [
        name
        for name, (x, y) in points.items()
        if any(other != name and math.dist((x, y), where) < reach for other, where in points.items())
    ]
    return names if len(names) >= ZOOM_FROM_NODES else []


def zoom_box(points: Sequence[Point], width_pt: float, height_pt: float) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) showing `points` with label room round them, in the panel's aspect ratio."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    span_x, span_y = max(max(xs) - min(xs), 0.1), max(max(ys) - min(ys), 0.1)
    scale = min(
        (width_pt - 2 * LABEL_ROOM_X_PT) / span_x,
        (height_pt - 2 * LABEL_ROOM_Y_PT) / span_y,
        MAX_POINTS_PER_M,
    )
    scale = max(scale, 1e-3)
    centre_x, centre_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    half_w, half_h = width_pt / scale / 2, height_pt / scale / 2
    return centre_x - half_w, centre_x + half_w, centre_y - half_h, centre_y + half_h
