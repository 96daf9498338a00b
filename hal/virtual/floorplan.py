"""Floor plans as data: a home's levels, rooms, walls and placed nodes, loaded from a small TOML file.

Why: "does the in-home display on the third floor reach the hub?" depends on
the building, so the building is an input, not code. A floor plan (a "home
file" to the command line) is declarative and validated once, at the edge; a
bad file raises `FloorPlanError` naming the file, the key and the problem,
and so does a file too large (`MAX_FILE_OCTETS`, read with a bounded read, so
`/dev/zero` cannot hold us) or nested too deeply for the TOML parser.
Geometry is kept minimal:

* a home is a box `size = [width, depth]` (metres) of `[[levels]]`; each level
  has a height and the material of its floor slab (the slab under it), so a
  link between levels crosses every slab in between (within the footprint);
* `[[walls]]` are vertical segments `from`/`to` on the listed levels;
* `[[rooms]]` are named rectangles used to place and describe nodes;
* `[[nodes]]` are radios-to-be: name, role, level, `at = [x, y]`, height above
  the floor, optional room, optional `enclosure` (a metal meter box: one large
  fixed loss on every link of that node, radio.md 4.3), `hub` (which hub
  the node belongs to when a building has several) and `profile` (the device
  profile an emulated device of that node is seeded from, by name: the device
  kind's own loader checks it).

Material losses per band are the midpoints of radio.md 4.3's ranges (marked
[?] there: modelling defaults, calibrate per house); a file may add its own
under `[materials.NAME]` with `mhz_868` and `ghz_2_4` in dB.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from hal.radio import Band

Point = tuple[float, float, float]

#: Roles a node may play (GBCS device types plus "other").
ROLES = frozenset({"hub", "esme", "gsme", "ihd", "ppmid", "cad", "hcalcs", "other"})
#: The floor plans shipped with commshub (files in hal/virtual/floorplans/).
BUILTIN_FLOORPLANS = ("semi-detached", "terraced", "flats")
#: The largest floor plan file read (the largest built-in one is under 20 kB; a 10,000-node estate about 1 MB).
MAX_FILE_OCTETS = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Material:
    """A building material and its one-pass loss per band, dB."""

    name: str
    mhz_868: float
    ghz_2_4: float

    def loss_db(self, band: Band) -> float:
        return self.mhz_868 if band is Band.MHZ_868 else self.ghz_2_4


#: Midpoints of radio.md 4.3 (AAU 2018 wall/window study, NTIA 94-306, iBwave notes).
MATERIALS: dict[str, Material] = {
    m.name: m
    for m in (
        Material("plasterboard", 2.0, 4.0),  # stud partition: 1-3 / 3-5 dB
        Material("brick-internal", 4.5, 8.0),  # ~100 mm: 3-6 / 6-10 dB
        Material("brick-external", 8.0, 12.5),  # ~200 mm solid/cavity: 6-10 / 10-15 dB
        Material("concrete", 12.5, 20.0),  # wall or floor slab: 10-15 / 15-25 dB
        Material("timber-floor", 4.5, 7.5),  # joists + boards + ceiling: 3-6 / 5-10 dB
        Material("glazing", 1.5, 2.5),  # ordinary double glazing: 1-2 / 2-3 dB
        Material("low-e-glazing", 25.0, 32.5),  # metallised coating: 20-30 / 25-40 dB
        Material("metal-cabinet", 22.5, 30.0),  # meter cabinet / external gas box: 15-30 / 20-40 dB
    )
}


class FloorPlanError(ValueError):
    """A floor plan that cannot be used: which file, which key, what is wrong."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source, self.key, self.problem = source, key, problem
        super().__init__(f"{source}: {key}: {problem}")


@dataclass(frozen=True, slots=True)
class Wall:
    """A vertical obstruction: a 2-D segment standing from `z_low` to `z_high`."""

    x1: float
    y1: float
    x2: float
    y2: float
    z_low: float
    z_high: float
    material: Material

    def crossed_by(self, start: Point, end: Point) -> bool:
        """True when the straight path start->end passes through this wall."""
        dx, dy = end[0] - start[0], end[1] - start[1]
        ex, ey = self.x2 - self.x1, self.y2 - self.y1
        denominator = dx * ey - dy * ex
        if denominator == 0.0:  # parallel (or a vertical path): grazing is not crossing
            return False
        cx, cy = self.x1 - start[0], self.y1 - start[1]
        along_path = (cx * ey - cy * ex) / denominator  # 0 at start, 1 at end
        along_wall = (cx * dy - cy * dx) / denominator  # 0 at one end of the wall, 1 at the other
        if not (0.0 < along_path < 1.0 and 0.0 <= along_wall <= 1.0):
            return False
        height = start[2] + along_path * (end[2] - start[2])
        return self.z_low <= height < self.z_high


@dataclass(frozen=True, slots=True)
class Slab:
    """A horizontal obstruction (a floor) at height `elevation` over a rectangle."""

    elevation: float
    x_low: float
    y_low: float
    x_high: float
    y_high: float
    material: Material

    def crossed_by(self, start: Point, end: Point) -> bool:
        """True when the straight path start->end passes through this slab."""
        if (start[2] - self.elevation) * (end[2] - self.elevation) >= 0.0:
            return False
        along_path = (self.elevation - start[2]) / (end[2] - start[2])
        cross_x = start[0] + along_path * (end[0] - start[0])
        cross_y = start[1] + along_path * (end[1] - start[1])
        return self.x_low <= cross_x <= self.x_high and self.y_low <= cross_y <= self.y_high


@dataclass(frozen=True, slots=True)
class Level:
    number: int
    elevation: float  #: z of the floor surface, metres
    height: float  #: floor to the next level's floor
    floor: Material | None  #: the slab under this level (None for the lowest)


@dataclass(frozen=True, slots=True)
class Room:
    name: str
    level: int
    x_low: float
    y_low: float
    x_high: float
    y_high: float


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """A node placed in a home; `position` is absolute once the home is placed."""

    name: str
    role: str
    level: int
    position: Point
    room: str | None = None
    enclosure: Material | None = None
    hub: str | None = None  #: the hub this node talks to (None for hubs)
    profile: str | None = None  #: the device profile to emulate it with (None: the kind's default)


@dataclass(frozen=True, slots=True)
class FloorPlan:
    """A validated floor plan of a home: its obstructions and nodes, in its own coordinates (or placed ones)."""

    name: str
    description: str
    source: str
    size: tuple[float, float]
    levels: tuple[Level, ...]
    rooms: tuple[Room, ...]
    walls: tuple[Wall, ...]
    slabs: tuple[Slab, ...]
    nodes: tuple[NodeSpec, ...]

    def node(self, name: str) -> NodeSpec:
        for spec in self.nodes:
            if spec.name == name:
                return spec
        raise KeyError(f"home {self.name!r} has no node {name!r}")

    def placed(self, origin: Point = (0.0, 0.0, 0.0), prefix: str = "") -> FloorPlan:
        """This floor plan moved by `origin`, with every node name (and hub reference) prefixed."""
        ox, oy, oz = origin
        return replace(
            self,
            walls=tuple(
                replace(
                    w, x1=w.x1 + ox, y1=w.y1 + oy, x2=w.x2 + ox, y2=w.y2 + oy, z_low=w.z_low + oz, z_high=w.z_high + oz
                )
                for w in self.walls
            ),
            slabs=tuple(
                replace(
                    s,
                    elevation=s.elevation + oz,
                    x_low=s.x_low + ox,
                    y_low=s.y_low + oy,
                    x_high=s.x_high + ox,
                    y_high=s.y_high + oy,
                )
                for s in self.slabs
            ),
            nodes=tuple(
                replace(
                    n,
                    name=prefix + n.name,
                    hub=None if n.hub is None else prefix + n.hub,
                    position=(n.position[0] + ox, n.position[1] + oy, n.position[2] + oz),
                )
                for n in self.nodes
            ),
        )


def load_floorplan(name_or_path: str | Path) -> FloorPlan:
    """A built-in floor plan by name ("semi-detached", "terraced", "flats") or a TOML file by path.

    The file is read with a bounded read: one larger than `MAX_FILE_OCTETS` (or
    an endless device) is refused with a FloorPlanError, never read forever.
    """
    if isinstance(name_or_path, str) and name_or_path in BUILTIN_FLOORPLANS:
        text = resources.files("hal.virtual.floorplans").joinpath(f"{name_or_path}.toml").read_text("utf-8")
        return parse_floorplan(text, source=f"<built-in home {name_or_path}>")
    path = Path(name_or_path)
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_OCTETS + 1)
    except OSError as exc:
        choices = ", ".join(BUILTIN_FLOORPLANS)
        problem = f"cannot read it ({exc.strerror or exc}); built-in homes: {choices}"
        raise FloorPlanError(str(path), "(file)", problem) from None
    if len(data) > MAX_FILE_OCTETS:
        raise FloorPlanError(str(path), "(file)", f"larger than {MAX_FILE_OCTETS} octets: not a home file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FloorPlanError(str(path), "(file)", f"not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    return parse_floorplan(text, source=str(path))


def parse_floorplan(text: str, *, source: str = "<string>") -> FloorPlan:
    """Validate a floor plan's TOML text; raise FloorPlanError naming `source`, the key and the problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FloorPlanError(source, "(syntax)", str(exc)) from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise FloorPlanError(source, "(syntax)", "arrays or tables nested too deeply") from None
    return _Reader(source, data).floorplan()


_NODE_KEYS = frozenset({"name", "role", "level", "at", "height", "room", "enclosure", "hub", "profile"})


class _Reader:
    """One pass over a parsed TOML document, turning every fault into a FloorPlanError with its key."""

    def __init__(self, source: str, data: dict[str, Any]) -> None:
        self.source = source
        self.data = data
        self.materials = dict(MATERIALS)

    def fail(self, key: str, problem: str) -> FloorPlanError:
        return FloorPlanError(self.source, key, problem)

    def get(self, table: dict[str, Any], key: str, path: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in table:
            if default is ...:
                raise self.fail(path, "missing")
            return default
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(path, f"expected {names}, got {type(value).__name__} {value!r}")
        return value

    def number(self, table: dict[str, Any], key: str, path: str, default: Any = ...) -> float:
        value = float(self.get(table, key, path, (int, float), default))
        if not math.isfinite(value):  # TOML allows nan and inf; no length or loss can be either
            raise self.fail(path, f"must be a finite number, not {value!r}")
        return value

    def pair(self, table: dict[str, Any], key: str, path: str) -> tuple[float, float]:
        value = self.get(table, key, path, list)
        if len(value) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            raise self.fail(path, f"expected [x, y] in metres, got {value!r}")
        if not all(math.isfinite(v) for v in value):
            raise self.fail(path, f"must be a finite number, not {value!r}")
        return float(value[0]), float(value[1])

    def tables(self, key: str, known: frozenset[str]) -> list[dict[str, Any]]:
        """The array of tables `[[key]]`, each checked for keys outside `known` (typos must not pass)."""
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, f"expected an array of tables ([[{key}]])")
        for index, table in enumerate(value):
            for name in table:
                if name not in known:
                    raise self.fail(
                        f"{key}[{index}].{name}", f"unknown key; expected one of {', '.join(sorted(known))}"
                    )
        return value

    def material(self, name: Any, path: str) -> Material:
        if not isinstance(name, str) or name not in self.materials:
            raise self.fail(path, f"unknown material {name!r}; known: {', '.join(sorted(self.materials))}")
        return self.materials[name]

    def floorplan(self) -> FloorPlan:
        known = {"name", "description", "size", "materials", "levels", "rooms", "walls", "nodes"}
        for key in self.data:
            if key not in known:
                raise self.fail(key, f"unknown key; expected one of {', '.join(sorted(known))}")
        name = self.get(self.data, "name", "name", str)
        description = self.get(self.data, "description", "description", str, "")
        width, depth = self.pair(self.data, "size", "size")
        if width <= 0 or depth <= 0:
            raise self.fail("size", "width and depth must be positive")
        self.read_materials()
        levels = self.read_levels()
        by_number = {level.number: level for level in levels}
        rooms = self.read_rooms(by_number)
        walls = self.read_walls(by_number)
        slabs = tuple(
            Slab(level.elevation, 0.0, 0.0, width, depth, level.floor) for level in levels if level.floor is not None
        )
        nodes = self.read_nodes(by_number, {room.name: room for room in rooms}, (width, depth))
        return FloorPlan(name, description, self.source, (width, depth), levels, rooms, walls, slabs, nodes)

    def read_materials(self) -> None:
        table = self.get(self.data, "materials", "materials", dict, {})
        for name, spec in table.items():
            path = f"materials.{name}"
            if not isinstance(spec, dict):
                raise self.fail(path, "expected a table with mhz_868 and ghz_2_4 (dB)")
            losses = [self.number(spec, key, f"{path}.{key}") for key in ("mhz_868", "ghz_2_4")]
            if min(losses) < 0:
                raise self.fail(path, "losses must not be negative")
            self.materials[name] = Material(name, *losses)

    def read_levels(self) -> tuple[Level, ...]:
        raw = self.tables("levels", frozenset({"level", "elevation", "height", "floor"}))
        if not raw:
            raise self.fail("levels", "a home needs at least one [[levels]] entry")
        entries = []
        for index, table in enumerate(raw):
            path = f"levels[{index}]"
            number = self.get(table, "level", f"{path}.level", int)
            entries.append((number, index, table))
        entries.sort()
        levels: list[Level] = []
        for position, (number, index, table) in enumerate(entries):
            path = f"levels[{index}]"
            if levels and number != levels[-1].number + 1:
                raise self.fail(f"{path}.level", f"levels must be consecutive; {number} follows {levels[-1].number}")
            height = self.number(table, "height", f"{path}.height", 2.6)
            if height <= 0:
                raise self.fail(f"{path}.height", "must be positive")
            default_elevation = levels[-1].elevation + levels[-1].height if levels else 0.0
            elevation = self.number(table, "elevation", f"{path}.elevation", default_elevation)
            if levels and abs(elevation - default_elevation) > 1e-9:
                raise self.fail(f"{path}.elevation", f"must be {default_elevation} (the level below's top)")
            floor = None
            if "floor" in table:
                floor = self.material(table["floor"], f"{path}.floor")
            elif position > 0:
                raise self.fail(f"{path}.floor", "missing (the slab between this level and the one below)")
            levels.append(Level(number, elevation, height, floor))
        return tuple(levels)

    def level(self, table: dict[str, Any], path: str, levels: dict[int, Level]) -> Level:
        number = self.get(table, "level", f"{path}.level", int)
        if number not in levels:
            raise self.fail(f"{path}.level", f"no such level {number}; levels are {sorted(levels)}")
        return levels[number]

    def read_rooms(self, levels: dict[int, Level]) -> tuple[Room, ...]:
        rooms: list[Room] = []
        for index, table in enumerate(self.tables("rooms", frozenset({"name", "level", "from", "to"}))):
            path = f"rooms[{index}]"
            name = self.get(table, "name", f"{path}.name", str)
            if any(room.name == name for room in rooms):
                raise self.fail(f"{path}.name", f"duplicate room {name!r}")
            level = self.level(table, path, levels)
            (x1, y1), (x2, y2) = self.pair(table, "from", f"{path}.from"), self.pair(table, "to", f"{path}.to")
            rooms.append(Room(name, level.number, min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)))
        return tuple(rooms)

    def read_walls(self, levels: dict[int, Level]) -> tuple[Wall, ...]:
        walls: list[Wall] = []
        for index, table in enumerate(self.tables("walls", frozenset({"from", "to", "material", "levels"}))):
            path = f"walls[{index}]"
            (x1, y1), (x2, y2) = self.pair(table, "from", f"{path}.from"), self.pair(table, "to", f"{path}.to")
            if (x1, y1) == (x2, y2):
                raise self.fail(path, "a wall needs two different end points")
            material = self.material(table.get("material"), f"{path}.material")
            numbers = self.get(table, "levels", f"{path}.levels", list, sorted(levels))
            for number in numbers:
                if isinstance(number, bool) or not isinstance(number, int) or number not in levels:
                    raise self.fail(f"{path}.levels", f"no such level {number!r}; levels are {sorted(levels)}")
                level = levels[number]
                walls.append(Wall(x1, y1, x2, y2, level.elevation, level.elevation + level.height, material))
        return tuple(walls)

    def read_nodes(
        self, levels: dict[int, Level], rooms: dict[str, Room], size: tuple[float, float]
    ) -> tuple[NodeSpec, ...]:
        raw = self.tables("nodes", _NODE_KEYS)
        nodes: list[NodeSpec] = []
        for index, table in enumerate(raw):
            path = f"nodes[{index}]"
            name = self.get(table, "name", f"{path}.name", str)
            if not name or any(node.name == name for node in nodes):
                raise self.fail(f"{path}.name", f"empty or duplicate node name {name!r}")
            role = self.get(table, "role", f"{path}.role", str)
            if role not in ROLES:
                raise self.fail(f"{path}.role", f"unknown role {role!r}; known: {', '.join(sorted(ROLES))}")
            level = self.level(table, path, levels)
            at_x, at_y = self.pair(table, "at", f"{path}.at")
            height = self.number(table, "height", f"{path}.height", 1.0)
            if not 0.0 < height < level.height:
                raise self.fail(f"{path}.height", f"must be above the floor and below the ceiling ({level.height} m)")
            room = self.get(table, "room", f"{path}.room", str, None)
            if room is not None:
                if room not in rooms:
                    raise self.fail(f"{path}.room", f"no such room {room!r}")
                inside = rooms[room]
                if inside.level != level.number or not (
                    inside.x_low <= at_x <= inside.x_high and inside.y_low <= at_y <= inside.y_high
                ):
                    where = f"({at_x}, {at_y}) on level {level.number}"
                    raise self.fail(f"{path}.at", f"{where} is not inside room {room!r}")
            enclosure = None
            if "enclosure" in table:
                enclosure = self.material(table["enclosure"], f"{path}.enclosure")
            hub = self.get(table, "hub", f"{path}.hub", str, None)
            profile = self.get(table, "profile", f"{path}.profile", str, None)
            if profile is not None and not profile:
                raise self.fail(f"{path}.profile", "an empty profile name names no profile")
            nodes.append(
                NodeSpec(
                    name, role, level.number, (at_x, at_y, level.elevation + height), room, enclosure, hub, profile
                )
            )
        if not nodes:
            raise self.fail("nodes", "a home needs at least one [[nodes]] entry")
        return tuple(self.resolve_hubs(nodes))

    def resolve_hubs(self, nodes: list[NodeSpec]) -> list[NodeSpec]:
        hubs = [node.name for node in nodes if node.role == "hub"]
        resolved = []
        for index, node in enumerate(nodes):
            path = f"nodes[{index}].hub"
            if node.role == "hub":
                if node.hub is not None:
                    raise self.fail(path, "a hub does not belong to another hub")
            elif node.hub is None:
                if len(hubs) != 1:
                    raise self.fail(path, f"missing: say which hub this node uses (hubs: {', '.join(hubs) or 'none'})")
                node = replace(node, hub=hubs[0])
            elif node.hub not in hubs:
                raise self.fail(path, f"{node.hub!r} is not a node with role 'hub'")
            resolved.append(node)
        return resolved
