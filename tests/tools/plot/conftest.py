"""Shared runs for the plot tests: a short survey of each shipped home, short simulated days."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest

from hal import clock
from hal.virtual import FloorPlan, Medium, load_floorplan
from hal.virtual.floorplan import BUILTIN_FLOORPLANS
from tools.sim.report import HomeReport
from tools.sim.scenario import HomeOptions, run_home
from tools.sim.survey import SurveyReport, survey

#: Simulated seconds of each test survey: enough rounds for a PER per link, fast to run.
SURVEY_SECONDS = 10.0


@pytest.fixture(scope="session", params=BUILTIN_FLOORPLANS)
def surveyed(request: pytest.FixtureRequest) -> tuple[FloorPlan, SurveyReport]:
    """A shipped home and a short survey of it (seed 0)."""
    home = load_floorplan(request.param)
    return home, clock.run(survey(home, seconds=SURVEY_SECONDS, seed=0), virtual=True, seed=0)


def simulated_day(home_name: str, hours: float, hub: str | None = None) -> HomeReport:
    async def main() -> HomeReport:
        medium = Medium(seed=0)
        placed = medium.add_home(load_floorplan(home_name))
        options = HomeOptions(duration_s=hours * 3600, hub=hub)
        return await run_home(placed, medium, options, rng=random.Random(0))

    return clock.run(main(), virtual=True, seed=0)


@pytest.fixture(scope="session")
def dual_band_day() -> HomeReport:
    """Flat 1 of the block for 3 simulated minutes: a Dual Band hub whose IHD joins on 868 MHz."""
    return simulated_day("flats", 0.05, hub="hub-1")


def png_size(path_or_bytes: Path | bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk (PNG spec 11.2.2), read without an image library."""
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else path_or_bytes.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height
