"""Where the nodes stand, and the static link gain between every pair of them (radio.md 4.1-4.3).

Why a module of its own: the medium answers "what does node B hear of node A"
for every frame, but the part of the answer that does not change per frame -
path loss, the walls and floors in between, enclosures, shadowing - depends
only on where the nodes are. `Placement` owns that: it places floor plans and
free-standing nodes, computes each pair's `Link` once per band, caches its
gain, and keeps per node the set of nodes that could hear it at all (at the
highest transmit power any band model allows), so the air can skip nodes
that cannot be concerned by a frame. Moving a node clears every cache.

A link tests only the walls of floor plans whose bounding box its path
enters, so a street of homes costs per link what one home does. A wall that
two touching homes both declare at the same place (a party wall) is counted
once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hal.radio import Band

from .floorplan import FloorPlan, Material, Point, Slab, Wall
from .propagation import BandModel

if TYPE_CHECKING:
    from .radio import VirtualRadio


class PlacementError(ValueError):
    """A node that cannot be placed: a name already used, or a position that is not three finite numbers."""


@dataclass(frozen=True, slots=True)
class Link:
    """The static budget of one node pair on one band (what the placement caches, spelled out)."""

    node_a: str  #: one end's node name
    node_b: str  #: the other end's node name
    band: Band
    distance_m: float
    walls: tuple[str, ...]  #: materials of the walls crossed
    floors: tuple[str, ...]  #: materials of the floor slabs crossed
    path_loss_db: float
    obstruction_db: float  #: walls + floors + enclosures
    shadowing_db: float

    @property
    def gain_db(self) -> float:
        """Received power minus transmit power."""
        return -self.path_loss_db - self.obstruction_db + self.shadowing_db


@dataclass(eq=False, slots=True)
class Node:
    """A place in the world that may own one radio per band (the medium keeps `radios` and `powered`)."""

    index: int
    name: str
    position: Point
    role: str
    enclosure: Material | None
    hub: str | None
    powered: bool = True
    power_changed_at: float = -math.inf
    radios: dict[Band, VirtualRadio] = field(default_factory=dict)


def _position(name: str, position: Point) -> Point:
    """`position` as three finite floats (a nan or inf coordinate would poison every link budget)."""
    try:
        coordinates = tuple(float(c) for c in position)
    except (TypeError, ValueError):
        raise PlacementError(f"node {name!r}: position must be three finite numbers, not {position!r}") from None
    if len(coordinates) != 3 or not all(math.isfinite(c) for c in coordinates):
        raise PlacementError(f"node {name!r}: position must be three finite numbers, not {position!r}")
    return coordinates[0], coordinates[1], coordinates[2]


class Placement:
    """Nodes placed in floor plans, their pairwise link gains per band, and who can hear whom."""

    def __init__(self, seed: int, models: dict[Band, BandModel]) -> None:
        self.seed = seed
        self.models = models
        #: the loudest transmit power any band allows: "can hear at all" is judged at this power
        self.max_tx_dbm = max(m.max_tx_dbm for m in models.values())
        #: per band, the weakest link gain over which a node at the highest power is still heard at all
        self.audible_floor = {band: model.audible_dbm - self.max_tx_dbm for band, model in models.items()}
        self._nodes: dict[str, Node] = {}
        self._by_index: list[Node] = []
        self._floorplans: list[FloorPlan] = []
        self._obstacles: list[_Obstacles] = []  # per placed floor plan: its bounding box, walls and slabs
        self._gains: dict[tuple[Band, int, int], float] = {}
        self._audible: dict[tuple[Band, int], tuple[Node, ...]] = {}
        self._audible_sets: dict[tuple[Band, int], frozenset[Node]] = {}

    # ---------------------------------------------------------------- placing
    def add_floorplan(self, floorplan: FloorPlan, origin: Point = (0.0, 0.0, 0.0), prefix: str = "") -> FloorPlan:
        """Place `floorplan` at `origin`, its nodes named `prefix + name`; returns the placed floor plan."""
        placed = floorplan.placed(origin, prefix)
        for spec in placed.nodes:
            if spec.name in self._nodes:
                raise PlacementError(f"node {spec.name!r} already exists; place the home with another prefix")
        self._floorplans.append(placed)
        known = {w for group in self._obstacles for w in group.walls}  # a shared party wall is one wall
        self._obstacles.append(_Obstacles.of(tuple(w for w in placed.walls if w not in known), placed.slabs))
        for spec in placed.nodes:
            self._add(spec.name, spec.position, spec.role, spec.enclosure, spec.hub)
        self._invalidate()
        return placed

    def add_node(self, name: str, position: Point, *, role: str, enclosure: Material | None, hub: str | None) -> None:
        """A free-standing node (only the walls of floor plans already placed lie between it and others)."""
        if name in self._nodes:
            raise PlacementError(f"node {name!r} already exists")
        self._add(name, position, role, enclosure, hub)
        self._invalidate()

    def _add(self, name: str, position: Point, role: str, enclosure: Material | None, hub: str | None) -> None:
        node = Node(len(self._by_index), name, _position(name, position), role, enclosure, hub)
        self._nodes[name] = node
        self._by_index.append(node)

    def move(self, name: str, position: Point) -> None:
        """Move a node; every cached link budget is recomputed on demand."""
        self.node(name).position = _position(name, position)
        self._invalidate()

    def _invalidate(self) -> None:
        self._gains.clear()
        self._audible.clear()
        self._audible_sets.clear()

    @property
    def floorplans(self) -> tuple[FloorPlan, ...]:
        return tuple(self._floorplans)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._nodes)

    def node(self, name: str) -> Node:
        try:
            return self._nodes[name]
        except KeyError:
            raise KeyError(f"no node named {name!r} on this medium") from None

    # ---------------------------------------------------------------- links
    def link(self, node_a: str, node_b: str, band: Band) -> Link:
        """The full link budget between two nodes (for surveys and tests)."""
        first, second = self.node(node_a), self.node(node_b)
        model = self.models[band]
        pa, pb = first.position, second.position
        distance = math.dist(pa, pb)
        near = [group for group in self._obstacles if group.may_cross(pa, pb)]
        walls = tuple(w.material for group in near for w in group.walls if w.crossed_by(pa, pb))
        floors = tuple(s.material for group in near for s in group.slabs if s.crossed_by(pa, pb))
        enclosures = tuple(n.enclosure for n in (first, second) if n.enclosure is not None)
        obstruction = sum(m.loss_db(band) for m in walls + floors + enclosures)
        return Link(
            node_a,
            node_b,
            band,
            distance,
            tuple(m.name for m in walls),
            tuple(m.name for m in floors),
            model.path_loss_db(distance),
            obstruction,
            model.shadowing_db(self.seed, node_a, node_b),
        )

    def gain_db(self, first: Node, second: Node, band: Band) -> float:
        """Cached `Link.gain_db` of two nodes (symmetric)."""
        low, high = (first, second) if first.index < second.index else (second, first)
        key = (band, low.index, high.index)
        gain = self._gains.get(key)
        if gain is None:
            gain = self._gains[key] = self.link(first.name, second.name, band).gain_db
        return gain

    def audible_from(self, node: Node, band: Band) -> tuple[Node, ...]:
        """Nodes that could hear `node` on `band` at the highest transmit power (cached)."""
        key = (band, node.index)
        found = self._audible.get(key)
        if found is None:
            floor = self.audible_floor[band]
            found = tuple(n for n in self._by_index if n is not node and self.gain_db(node, n, band) >= floor)
            self._audible[key] = found
            self._audible_sets[key] = frozenset(found)
        return found

    def audible_set(self, node: Node, band: Band) -> frozenset[Node]:
        """`audible_from` as a set (cached alongside it)."""
        key = (band, node.index)
        found = self._audible_sets.get(key)
        if found is None:
            self.audible_from(node, band)
            found = self._audible_sets[key]
        return found

    def cached_audible_set(self, node: Node, band: Band) -> frozenset[Node] | None:
        """`audible_set` if it is already known, else None (a caller may prefer not to compute it)."""
        return self._audible_sets.get((band, node.index))


@dataclass(frozen=True, slots=True)
class _Obstacles:
    """One placed floor plan's walls and slabs with their bounding box, so far-away links skip them all."""

    walls: tuple[Wall, ...]
    slabs: tuple[Slab, ...]
    low: Point
    high: Point

    @classmethod
    def of(cls, walls: tuple[Wall, ...], slabs: tuple[Slab, ...]) -> _Obstacles:
        xs = [c for w in walls for c in (w.x1, w.x2)] + [c for s in slabs for c in (s.x_low, s.x_high)]
        ys = [c for w in walls for c in (w.y1, w.y2)] + [c for s in slabs for c in (s.y_low, s.y_high)]
        zs = [c for w in walls for c in (w.z_low, w.z_high)] + [s.elevation for s in slabs]
        if not xs:
            return cls(walls, slabs, (math.inf,) * 3, (-math.inf,) * 3)  # nothing to cross
        return cls(walls, slabs, (min(xs), min(ys), min(zs)), (max(xs), max(ys), max(zs)))

    def may_cross(self, start: Point, end: Point) -> bool:
        """False when the segment's bounding box misses this floor plan's (then nothing is crossed)."""
        (lx, ly, lz), (hx, hy, hz) = self.low, self.high
        return (
            (start[0] if start[0] < end[0] else end[0]) <= hx
            and (start[0] if start[0] > end[0] else end[0]) >= lx
            and (start[1] if start[1] < end[1] else end[1]) <= hy
            and (start[1] if start[1] > end[1] else end[1]) >= ly
            and (start[2] if start[2] < end[2] else end[2]) <= hz
            and (start[2] if start[2] > end[2] else end[2]) >= lz
        )
