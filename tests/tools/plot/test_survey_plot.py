"""The survey figure of each shipped home: what was drawn, artist by artist, and the files it saves."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.collections import QuadMesh
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation, Text

from hal.radio import Band
from hal.virtual import FloorPlan
from tools.plot.style import DPI, save
from tools.plot.survey import REACH_PER, survey_figure
from tools.sim.survey import SurveyReport

from .conftest import png_size


@pytest.fixture(scope="session")
def drawn(surveyed: tuple[FloorPlan, SurveyReport]) -> tuple[FloorPlan, SurveyReport, Figure]:
    home, report = surveyed
    return home, report, survey_figure(home, report)


def by_gid(figure: Figure, prefix: str) -> dict[str, list[object]]:
    """Every artist of the figure whose gid starts with `prefix`, by gid."""
    found: dict[str, list[object]] = {}
    for artist in figure.findobj(lambda a: (a.get_gid() or "").startswith(prefix)):
        found.setdefault(artist.get_gid(), []).append(artist)
    return found


BANDS = (Band.GHZ_2_4, Band.MHZ_868)


def test_one_marker_per_node_and_band_where_it_stands(drawn: tuple[FloorPlan, SurveyReport, Figure]) -> None:
    home, _, figure = drawn
    markers = by_gid(figure, "node.")
    assert set(markers) == {f"node.{band.value}.{node.name}" for band in BANDS for node in home.nodes}
    for band in BANDS:
        for node in home.nodes:
            (marker,) = markers[f"node.{band.value}.{node.name}"]
            assert isinstance(marker, Line2D) and marker.get_marker() != "None"
            assert tuple(marker.get_xydata()[0]) == pytest.approx(node.position[:2])


def test_one_link_per_node_and_band_coloured_through_the_scale_shown(
    drawn: tuple[FloorPlan, SurveyReport, Figure],
) -> None:
    home, report, figure = drawn
    links = by_gid(figure, "link.")
    members = [node for node in home.nodes if node.role != "hub"]
    assert set(links) == {f"link.{band.value}.{node.name}" for band in BANDS for node in members}
    (bar,) = [c for ax in figure.axes for c in ax.collections if isinstance(c, QuadMesh)]  # the one colour bar
    assert bar.norm.vmin == 0.0 and bar.norm.vmax == 1.0
    for band in BANDS:
        for link in report.links[band]:
            (line,) = links[f"link.{band.value}.{link.node}"]
            assert isinstance(line, Line2D)
            hub = home.node(link.hub).position[:2]
            node = home.node(link.node).position[:2]
            assert [tuple(xy) for xy in line.get_xydata()] == [pytest.approx(node), pytest.approx(hub)]
            assert link.per is not None
            assert to_rgba(line.get_color()) == pytest.approx(bar.cmap(bar.norm(link.per)))
            (marker,) = by_gid(figure, f"node.{band.value}.{link.node}")[f"node.{band.value}.{link.node}"]
            assert to_rgba(marker.get_markerfacecolor()) == pytest.approx(to_rgba(line.get_color()))


def test_rssi_and_per_beside_each_link(drawn: tuple[FloorPlan, SurveyReport, Figure]) -> None:
    _, report, figure = drawn
    labels = by_gid(figure, "label.")
    for band in BANDS:
        for link in report.links[band]:
            (label,) = labels[f"label.{band.value}.{link.node}"]
            assert isinstance(label, Annotation)
            text = label.get_text()
            assert link.node in text
            if link.mean_rssi_dbm is None:
                assert "no frame heard" in text and "PER 100 %" in text
            else:
                assert f"{link.mean_rssi_dbm:.1f} dBm" in text
            assert label.xy == pytest.approx(report_position(drawn[0], link.node))


def report_position(home: FloorPlan, name: str) -> tuple[float, float]:
    x, y, _ = home.node(name).position
    return x, y


def test_nodes_only_868_reaches_are_marked_and_named(drawn: tuple[FloorPlan, SurveyReport, Figure]) -> None:
    home, report, figure = drawn
    per = {band: {link.node: link.per for link in report.links[band]} for band in BANDS}
    only_868 = {n for n in per[Band.GHZ_2_4] if per[Band.GHZ_2_4][n] > REACH_PER >= per[Band.MHZ_868][n]}
    neither = {n for n in per[Band.GHZ_2_4] if min(per[Band.GHZ_2_4][n], per[Band.MHZ_868][n]) > REACH_PER}
    marks = by_gid(figure, "mark.")
    assert set(marks) == {f"mark.{band.value}.{n}" for band in BANDS for n in only_868 | neither}
    verdicts = {gid: texts[0].get_text() for gid, texts in by_gid(figure, "verdict.").items()}
    assert all(text.startswith(f"{gid.split('.', 1)[1]}: ") for gid, text in verdicts.items())
    verdicts = {gid: text.split(": ", 1)[1] for gid, text in verdicts.items()}
    hubs = {node.name for node in home.nodes if node.role == "hub"}
    assert set(verdicts) == {f"verdict.{hub}" for hub in hubs}
    for node in only_868:
        hub = home.node(node).hub
        assert "needs 868 MHz" in verdicts[f"verdict.{hub}"] and node in verdicts[f"verdict.{hub}"]
    if home.name == "flats":  # the physics of the block (docs/virtual-medium.md): flats 1-3 need 868 MHz
        assert only_868 == {"ihd-1", "ihd-2", "ihd-3"} and neither == {"ihd-4"}
        assert verdicts["verdict.hub-0"].startswith("2.4 GHz reaches all")
    else:
        assert not only_868 and not neither
        assert all(text.startswith("2.4 GHz reaches all") for text in verdicts.values())


def test_the_building_as_the_floor_plan_places_it(drawn: tuple[FloorPlan, SurveyReport, Figure]) -> None:
    home, _, figure = drawn
    walls = by_gid(figure, "wall.")
    for band in BANDS:
        for level in home.levels:
            expected = [w for w in home.walls if abs(w.z_low - level.elevation) < 1e-6]
            lines = walls.get(f"wall.{band.value}.{level.number}", [])
            assert sorted(tuple(map(tuple, line.get_xydata())) for line in lines) == sorted(
                ((w.x1, w.y1), (w.x2, w.y2)) for w in expected
            )
    boxes = by_gid(figure, "enclosure.")
    boxed = {node.name for node in home.nodes if node.enclosure is not None}
    assert set(boxes) == {f"enclosure.{band.value}.{name}" for band in BANDS for name in boxed}
    for gid, (box,) in boxes.items():
        assert isinstance(box, Rectangle)
        x, y = report_position(home, gid.rsplit(".", 1)[1])
        assert box.get_center() == pytest.approx((x, y))
    titles = [ax.get_title(loc="left") for ax in figure.axes]
    for level in home.levels:
        for band in ("2.4 GHz", "868 MHz"):
            title = next(t for t in titles if t.startswith(f"{band} · level {level.number}"))
            if level.floor is not None:
                assert f"floor: {level.floor.name}" in title


def test_duty_cycle_of_each_node_against_its_limit(drawn: tuple[FloorPlan, SurveyReport, Figure]) -> None:
    _, report, figure = drawn
    bars = by_gid(figure, "duty.")
    sub_ghz = {link.node: link.duty_cycle_s for link in report.links[Band.MHZ_868]}
    assert set(bars) == {f"duty.{name}" for name in [*sub_ghz, *report.hub_duty_cycle_s]}
    for name, used in [*sub_ghz.items(), *report.hub_duty_cycle_s.items()]:
        (patch,) = bars[f"duty.{name}"]
        assert patch.get_width() == pytest.approx(used)
    (duty_ax,) = {bar.axes for (bar,) in bars.values()}
    assert [line.get_xdata()[0] for line in duty_ax.lines] == [100.0]  # R22 page 28: 100 s per hour
    assert any(isinstance(t, Text) and "limit 100 s per hour" in t.get_text() for t in duty_ax.texts)


def test_png_file(drawn: tuple[FloorPlan, SurveyReport, Figure], tmp_path: Path) -> None:
    home, _, figure = drawn
    png = tmp_path / f"{home.name}.png"
    save(figure, png)
    width_in, height_in = figure.get_size_inches()
    assert png_size(png) == (round(width_in * DPI), round(height_in * DPI))
    assert 1000 <= png_size(png)[0] <= 1400  # readable on a screen without zooming out
    rows = len(home.levels) + (home.name == "flats")  # a floor per row, and the meter room magnified
    assert png_size(png)[1] > rows * 3.5 * DPI
