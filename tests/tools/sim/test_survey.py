"""`tools.sim.survey`: the simulated site survey on both bands (radio.md 4)."""

from __future__ import annotations

from hal import clock
from hal.radio import Band
from hal.virtual import load_floorplan
from tools.sim.survey import survey

BANDS = (Band.GHZ_2_4, Band.MHZ_868)


def test_flats_upper_floor_ihd_reaches_basement_hub_on_868_only() -> None:
    """The issue's question: the second-floor IHD (three concrete slabs up) on each band."""
    report = clock.run(survey(load_floorplan("flats"), seconds=30, seed=0), virtual=True)
    rows = {band: {r.node: r for r in report.links[band]} for band in BANDS}
    upstairs_868, upstairs_24 = rows[Band.MHZ_868]["ihd-2"], rows[Band.GHZ_2_4]["ihd-2"]
    assert upstairs_868.floors == 3 and upstairs_868.sent == 60
    assert upstairs_868.per is not None and upstairs_868.per < 0.05
    assert upstairs_24.sent == 60 and upstairs_24.received == 0
    # the ground-floor flat still works on both bands, the top floor on neither
    assert rows[Band.GHZ_2_4]["ihd-0"].per == 0.0 and rows[Band.MHZ_868]["ihd-0"].per == 0.0
    assert rows[Band.GHZ_2_4]["ihd-4"].received == 0 and rows[Band.MHZ_868]["ihd-4"].received == 0
