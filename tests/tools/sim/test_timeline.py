"""tools.sim.timeline: the air recorder's minute bins and airtime samples, and the report's JSON without it."""

from __future__ import annotations

import pytest

from hal.radio import Band, Channel, ReceivedFrame
from hal.virtual import Medium
from tools.sim.report import HomeReport
from tools.sim.timeline import AirRecorder, Timeline


def frame(at: float, channel: Channel) -> ReceivedFrame:
    return ReceivedFrame(b"\x02\x00\x01\x00\x00", channel, -40.0, 255, at)


def test_frames_binned_by_minute_and_band_and_airtime_sampled_at_each_new_minute() -> None:
    medium = Medium(seed=0)
    medium.add_node("hub", (0.0, 0.0, 1.0))
    recorder = AirRecorder(medium, start=1000.0)
    recorder.watch_duty("hub")
    meter = medium.duty_cycle("hub")  # page 28: no 868 MHz radio open
    two_four, sub_ghz = Channel(0, 15), Channel(28, 1)
    meter.charge(1001.0, 40_000)  # 40 ms on air at t = 1 s
    for at, channel in ((1001.0, two_four), (1030.0, sub_ghz), (1059.9, two_four), (1181.0, two_four)):
        recorder(frame(at, channel))
    meter.charge(1182.0, 10_000)
    frames, duty = recorder.finish(1200.0)
    assert frames == {"2.4GHz": [2, 0, 0, 1], "868MHz": [1, 0, 0, 0]}  # minute 3 is the partial last one
    (hub,) = duty
    assert hub.node == "hub" and hub.limit_s == pytest.approx(100.0)  # R22 page 28 (radio.md 3.2)
    assert list(hub.time_s) == pytest.approx([1.0, 181.0, 200.0])  # the first frame of each new minute, the end
    assert list(hub.used_s) == pytest.approx([0.04, 0.04, 0.05])


def test_json_leaves_the_timeline_out() -> None:
    timeline = Timeline(10.0, 1.0, (), {band.value: [0] for band in Band}, ())
    report = HomeReport("h", (), (), 10.0, 9.0, 0, {}, timeline)
    data = report.to_dict()
    assert "timeline" not in data and data["ok"] is True
    assert report == HomeReport("h", (), (), 10.0, 9.0, 0, {})  # the record is not part of the report's value
