"""FloorPlan files: the built-ins load, geometry counts what it should, bad files name file, key and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from hal.radio import Band
from hal.virtual import BUILTIN_FLOORPLANS, Medium, load_floorplan, parse_floorplan
from hal.virtual.floorplan import MATERIALS, MAX_FILE_OCTETS, FloorPlanError, Slab, Wall

MINIMAL = """
name = "box"
size = [10.0, 10.0]
[[levels]]
level = 0
[[levels]]
level = 1
floor = "timber-floor"
[[walls]]
from = [5.0, 0.0]
to = [5.0, 10.0]
material = "brick-internal"
levels = [0]
[[nodes]]
name = "hub"
role = "hub"
level = 0
at = [1.0, 1.0]
[[nodes]]
name = "ihd"
role = "ihd"
level = 0
at = [9.0, 1.0]
[[nodes]]
name = "cad"
role = "cad"
level = 1
at = [9.0, 1.0]
"""


@pytest.mark.parametrize("name", BUILTIN_FLOORPLANS)
def test_builtin_homes_load_with_a_hub_for_every_node(name: str) -> None:
    home = load_floorplan(name)
    hubs = {n.name for n in home.nodes if n.role == "hub"}
    assert home.name == name and hubs
    assert all(n.hub in hubs for n in home.nodes if n.role != "hub")


def test_flats_have_meters_in_the_basement_and_displays_upstairs() -> None:
    home = load_floorplan("flats")
    assert {n.level for n in home.nodes if n.role in {"hub", "esme", "gsme"}} == {-1}
    assert sorted(n.level for n in home.nodes if n.role == "ihd") == [0, 1, 2, 3, 4]


def test_walls_and_floors_crossed() -> None:
    medium = Medium()
    medium.add_home(parse_floorplan(MINIMAL))
    same_floor = medium.link("hub", "ihd", Band.GHZ_2_4)
    upstairs = medium.link("hub", "cad", Band.GHZ_2_4)
    assert same_floor.walls == ("brick-internal",) and same_floor.floors == ()
    # the wall stands on level 0 only; the path to the cad crosses x = 5 at z 1.0 + 1.3 = 2.3 m (level 0)
    assert upstairs.walls == ("brick-internal",) and upstairs.floors == ("timber-floor",)
    assert same_floor.obstruction_db == MATERIALS["brick-internal"].ghz_2_4


def test_wall_and_slab_geometry() -> None:
    wall = Wall(0.0, 0.0, 0.0, 10.0, 0.0, 3.0, MATERIALS["plasterboard"])
    assert wall.crossed_by((-1.0, 5.0, 1.0), (1.0, 5.0, 1.0))
    assert not wall.crossed_by((-1.0, 5.0, 4.0), (1.0, 5.0, 4.0))  # above the wall
    assert not wall.crossed_by((-1.0, 11.0, 1.0), (1.0, 11.0, 1.0))  # past its end
    assert not wall.crossed_by((1.0, 1.0, 1.0), (2.0, 9.0, 1.0))  # same side
    slab = Slab(3.0, 0.0, 0.0, 10.0, 10.0, MATERIALS["concrete"])
    assert slab.crossed_by((5.0, 5.0, 1.0), (5.0, 5.0, 5.0))
    assert not slab.crossed_by((5.0, 5.0, 1.0), (5.0, 5.0, 2.0))
    assert not slab.crossed_by((15.0, 5.0, 1.0), (15.0, 5.0, 5.0))  # outside the footprint


def test_placing_moves_and_prefixes() -> None:
    home = parse_floorplan(MINIMAL).placed((100.0, 0.0, 0.0), "no7-")
    ihd = home.node("no7-ihd")
    assert ihd.position[0] == 109.0 and ihd.hub == "no7-hub"
    assert home.walls[0].x1 == 105.0


def test_custom_materials(tmp_path: Path) -> None:
    text = MINIMAL.replace('material = "brick-internal"', 'material = "straw"') + (
        "[materials.straw]\nmhz_868 = 0.5\nghz_2_4 = 1.0\n"
    )
    path = tmp_path / "straw.toml"
    path.write_text(text)
    medium = Medium()
    medium.add_home(load_floorplan(path))
    assert medium.link("hub", "ihd", Band.MHZ_868).obstruction_db == 0.5


BAD = [
    ("name = ", "(syntax)", "Invalid"),
    (MINIMAL.replace('name = "box"\n', ""), "name", "missing"),
    (MINIMAL.replace('"brick-internal"', '"cheese"'), "walls[0].material", "unknown material 'cheese'"),
    (MINIMAL.replace('role = "ihd"', 'role = "toaster"'), "nodes[1].role", "unknown role"),
    (MINIMAL.replace("at = [9.0, 1.0]", "at = [9.0]", 1), "nodes[1].at", "expected [x, y]"),
    (MINIMAL.replace('floor = "timber-floor"\n', ""), "levels[1].floor", "missing"),
    (MINIMAL.replace("levels = [0]", "levels = [5]"), "walls[0].levels", "no such level 5"),
    (MINIMAL.replace('name = "ihd"', 'name = "hub"'), "nodes[1].name", "duplicate"),
    (MINIMAL.replace('role = "hub"', 'role = "esme"'), "nodes[0].hub", "say which hub"),
    ("colour = 3\n" + MINIMAL, "colour", "unknown key"),
    (MINIMAL + "colour = 3\n", "nodes[2].colour", "unknown key"),
    (MINIMAL.replace("size = [10.0, 10.0]", 'size = ["a", 1]'), "size", "expected [x, y]"),
]


@pytest.mark.parametrize("text, key, problem", BAD)
def test_bad_home_files_say_file_key_and_problem(tmp_path: Path, text: str, key: str, problem: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(FloorPlanError) as caught:
        load_floorplan(path)
    assert caught.value.source == str(path) and caught.value.key == key
    assert problem in caught.value.problem
    assert str(path) in str(caught.value) and key in str(caught.value)


def test_unknown_home_name_lists_the_builtins() -> None:
    with pytest.raises(FloorPlanError, match="built-in homes: semi-detached"):
        load_floorplan("castle")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("at = [9.0, 1.0]\n[[nodes]]", "at = [nan, 1.0]\n[[nodes]]", "nodes[1].at"),
        (
            'name = "hub"\nrole = "hub"\nlevel = 0\n',
            'name = "hub"\nrole = "hub"\nlevel = 0\nheight = inf\n',
            "nodes[0].height",
        ),
        ("size = [10.0, 10.0]", "size = [10.0, -inf]", "size"),
    ],
)
def test_non_finite_numbers_are_refused(old: str, new: str, key: str) -> None:
    """TOML allows nan and inf; a home must not (a nan position would poison every link budget)."""
    assert old in MINIMAL
    with pytest.raises(FloorPlanError, match="must be a finite number") as caught:
        parse_floorplan(MINIMAL.replace(old, new, 1), source="nan.toml")
    assert caught.value.source == "nan.toml" and caught.value.key == key


def test_a_file_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(MINIMAL.replace('"box"', '"caf\xe9"').encode("latin-1"))
    with pytest.raises(FloorPlanError, match="not UTF-8") as caught:
        load_floorplan(path)
    assert caught.value.source == str(path) and caught.value.key == "(file)"


def test_a_file_nested_too_deeply_is_a_floorplan_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(FloorPlanError, match="nested too deeply") as caught:
        load_floorplan(path)
    assert caught.value.source == str(path) and caught.value.key == "(syntax)"


def test_an_endless_or_huge_file_is_refused_after_a_bounded_read(tmp_path: Path) -> None:
    with pytest.raises(FloorPlanError, match=f"larger than {MAX_FILE_OCTETS} octets") as caught:
        load_floorplan("/dev/zero")
    assert caught.value.source == "/dev/zero"
    huge = tmp_path / "huge.toml"
    huge.write_text("# " + "x" * MAX_FILE_OCTETS + "\n")
    with pytest.raises(FloorPlanError, match="larger than"):
        load_floorplan(huge)
