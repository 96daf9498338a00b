"""The simulated day's report: each figure's artists against the run's record, the page, and the page in Chromium."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any

import numpy
import pytest
from matplotlib.figure import Figure
from PIL import Image

from tools.plot.airtime import airtime_figure
from tools.plot.joins import joins_figure
from tools.plot.reads import reads_figure
from tools.plot.report import FIGURES, INDEX, write_report
from tools.plot.rssi import rssi_figure
from tools.plot.style import DPI, device_colours
from tools.plot.traffic import traffic_figure
from tools.sim.report import HomeReport
from tools.sim.timeline import Timeline

from . import browser
from .conftest import png_size, simulated_day


def timeline_of(report: HomeReport) -> Timeline:
    assert report.timeline is not None
    return report.timeline


def gids(figure: Figure, prefix: str) -> dict[str, Any]:
    found = {}
    for artist in figure.findobj(lambda a: (a.get_gid() or "").startswith(prefix)):
        assert artist.get_gid() not in found, f"two artists named {artist.get_gid()}"
        found[artist.get_gid()] = artist
    return found


def test_joins_one_bar_per_emulated_device(dual_band_day: HomeReport) -> None:
    timeline = timeline_of(dual_band_day)
    figure = joins_figure(timeline, device_colours(d.node for d in timeline.devices))
    bars = gids(figure, "join.")
    joined = {d.node: d for d in dual_band_day.devices if d.skipped is None}
    assert set(bars) == {f"join.{node}" for node in joined} == {"join.esme-1", "join.gsme-1", "join.ihd-1"}
    for device in timeline.devices:
        bar = bars[f"join.{device.node}"]
        assert device.join_started_s is not None and device.join_ended_s is not None
        assert bar.get_x() == pytest.approx(device.join_started_s)
        assert bar.get_x() + bar.get_width() == pytest.approx(device.join_ended_s)
        assert joined[device.node].joined_at_s == pytest.approx(device.join_ended_s, abs=1e-5)
    text = " ".join(t.get_text() for t in figure.axes[0].texts)
    assert "on 868 MHz" in text and "on 2.4 GHz" in text  # the IHD of flat 1 joins on 868 MHz


def test_reads_every_read_drawn_with_its_outcome(dual_band_day: HomeReport) -> None:
    timeline = timeline_of(dual_band_day)
    figure = reads_figure(timeline, device_colours(d.node for d in timeline.devices))
    ticks, latencies = gids(figure, "reads."), gids(figure, "latency.")
    for device in dual_band_day.devices:
        if device.skipped is not None:
            continue
        record = next(d for d in timeline.devices if d.node == device.node)
        assert len(record.reads) == device.reads_ok + device.reads_failed > 0
        assert sum(record.reads.ok) == device.reads_ok
        offsets = ticks[f"reads.{device.node}"].get_offsets()
        assert len(offsets) == device.reads_ok
        latency = latencies[f"latency.{device.node}"].get_offsets()
        assert numpy.asarray(latency)[:, 1] == pytest.approx(
            [t for t, ok in zip(record.reads.latency_s, record.reads.ok, strict=True) if ok]
        )
    assert dual_band_day.ok and not gids(figure, "failed.")  # nothing failed: no red crosses


def test_reads_failures_are_marked() -> None:
    from tools.sim.timeline import DeviceTimeline, ReadSeries, RssiSeries

    reads = ReadSeries()
    for second, ok in ((10.0, True), (20.0, False), (30.0, True), (40.0, False)):
        reads.add(second, 0.05, ok)
    device = DeviceTimeline("ihd", "ihd", "hub", 0.0, 2.0, True, "2.4GHz", reads, RssiSeries())
    timeline = Timeline(60.0, 3.0, (device,), {"2.4GHz": [10], "868MHz": [0]}, ())
    figure = reads_figure(timeline, device_colours(["ihd"]))
    crosses = gids(figure, "failed.")["failed.ihd"].get_offsets()
    assert numpy.asarray(crosses)[:, 0] == pytest.approx([20.0, 40.0])  # seconds: a one-minute run
    assert "2 ok, 2 failed" in " ".join(t.get_text() for t in figure.axes[0].texts)


def test_rssi_a_line_per_device_the_hub_heard(dual_band_day: HomeReport) -> None:
    timeline = timeline_of(dual_band_day)
    figure = rssi_figure(timeline, device_colours(d.node for d in timeline.devices))
    lines = gids(figure, "rssi.")
    assert set(lines) == {"rssi.esme-1", "rssi.gsme-1", "rssi.ihd-1"}
    ihd = next(d for d in timeline.devices if d.node == "ihd-1")
    assert set(ihd.rssi.band) == {1}  # heard on 868 MHz only
    mean = numpy.mean(numpy.asarray(ihd.rssi.rssi_dbm, dtype=float))
    assert "868 MHz" in lines["rssi.ihd-1"].get_label() and f"{mean:.1f} dBm" in lines["rssi.ihd-1"].get_label()
    report_rssi = next(d.mean_rssi_dbm for d in dual_band_day.devices if d.node == "ihd-1")
    assert mean == pytest.approx(report_rssi, abs=3.0)  # the same link as the table's (APS messages) mean


def test_airtime_against_the_limit(dual_band_day: HomeReport) -> None:
    timeline = timeline_of(dual_band_day)
    figure = airtime_figure(timeline, device_colours(["hub-1", *(d.node for d in timeline.devices)]))
    steps = gids(figure, "airtime.")
    assert set(steps) == {"airtime.limit", "airtime.hub-1", "airtime.gsme-1", "airtime.ihd-1"}
    assert list(steps["airtime.limit"].get_ydata()) == [100.0, 100.0]
    for series in timeline.duty:
        assert series.used_s[-1] == pytest.approx(dual_band_day.duty_cycle_s[series.node], abs=1e-6)
    assert max(timeline_of(dual_band_day).duty[0].used_s) > 0


def test_traffic_counts_every_frame(dual_band_day: HomeReport) -> None:
    timeline = timeline_of(dual_band_day)
    assert sum(sum(counts) for counts in timeline.frames_per_minute.values()) == dual_band_day.frames_on_air
    figure = traffic_figure(timeline)
    steps = gids(figure, "frames.")
    assert set(steps) == {"frames.2.4GHz", "frames.868MHz"}
    for band, counts in timeline.frames_per_minute.items():
        assert list(steps[f"frames.{band}"].get_ydata())[:-1] == list(counts)


@pytest.fixture(scope="module")
def written(dual_band_day: HomeReport, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report") / "day"
    pcap = folder.parent / "day.pcap"
    pcap.write_bytes(b"")
    write_report(dual_band_day, folder, seed=0, wall_s=1.5, pcap=pcap)
    return folder


def test_the_folder_holds_the_page_the_pngs_and_the_json(written: Path) -> None:
    names = {path.name for path in written.iterdir()}
    assert names == {INDEX, "report.json", *(f"{spec.stem}.png" for spec in FIGURES)}
    for spec in FIGURES:
        width, height = png_size(written / f"{spec.stem}.png")
        assert width == 11 * DPI and 200 < height < 2000


def test_the_page_is_self_contained(written: Path, dual_band_day: HomeReport) -> None:
    page = (written / INDEX).read_text()
    inlined = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(inlined) == len(FIGURES)
    for data, spec in zip(inlined, FIGURES, strict=True):
        assert base64.b64decode(data) == (written / f"{spec.stem}.png").read_bytes()
    references = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert not [r for r in references if re.match(r"[a-z]+://", r)]  # nothing fetched from anywhere
    assert '<a href="../day.pcap">' in page  # the capture, relative to the page
    for device in dual_band_day.devices:
        assert f"{device.node}</td>" in page
    assert "OK</b>" in page and dual_band_day.hubs[0].network_key in page


def test_the_page_opens_cleanly_in_headless_chromium(written: Path) -> None:
    if browser.chromium() is None:
        pytest.fail("Chromium is needed to check the report page: apt-get install chromium (.ci/run does)")
    seen = browser.visit(browser.page_url(written / INDEX))
    assert seen.problems == []
    shot = Image.open(io.BytesIO(seen.screenshot)).convert("RGB")
    assert shot.size == (seen.width, seen.height) and seen.height > 3000  # tables and five figures
    pixels = numpy.asarray(shot)
    assert (pixels < 250).any(axis=2).mean() > 0.03  # not a blank page: text, tables and plots drawn
    assert len(numpy.unique(pixels.reshape(-1, 3)[::97], axis=0)) > 50  # in colour, not one flat tone


def test_the_browser_check_catches_a_broken_page(tmp_path: Path) -> None:
    if browser.chromium() is None:
        pytest.fail("Chromium is needed to check the report page: apt-get install chromium (.ci/run does)")
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html><body><img src="missing.png"><script>console.error("boom")</script>'
                    "<script>undefinedFunction()</script></body></html>")  # fmt: skip
    problems = " | ".join(browser.visit(browser.page_url(page)).problems)
    assert "boom" in problems and "exception" in problems and "ERR_FILE_NOT_FOUND" in problems


def test_a_single_band_day_says_there_was_no_sub_ghz_airtime(tmp_path: Path) -> None:
    report = simulated_day("terraced", 0.01)
    timeline = timeline_of(report)
    assert timeline.duty == () and report.duty_cycle_s == {}
    figure = airtime_figure(timeline, {})
    assert "No 868 MHz radio" in " ".join(t.get_text() for t in figure.axes[0].texts)
    files = write_report(report, tmp_path / "terraced", seed=0, wall_s=0.5)
    assert "No capture was written" in (tmp_path / "terraced" / INDEX).read_text() and len(files) == 7
