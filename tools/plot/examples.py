"""The example images of docs/plots.md, made again by one command.

    .venv/bin/python -m tools.plot.examples docs/plots

Why a command: the pictures in the docs must be what the code draws today,
so they are made by the same functions `commshub survey --plot` and
`commshub home --report` call, from fixed seeds, and stored as palette PNGs
of at most `COLOURS` colours: the figures are flat colours and text, so they
lose nothing visible and weigh about a third.
"""

from __future__ import annotations

import io
import random
import sys
from pathlib import Path

from matplotlib.figure import Figure
from PIL import Image

from hal import clock
from hal.virtual import Medium, load_floorplan
from tools.sim.report import HomeReport
from tools.sim.scenario import HomeOptions, run_home
from tools.sim.survey import survey

from .report import FIGURES, report_colours
from .style import DPI
from .survey import survey_figure

#: Colours kept in an example PNG.
COLOURS = 256


def _store(figure_png: bytes, path: Path) -> None:
    image = Image.open(io.BytesIO(figure_png)).convert("RGB")
    image.quantize(colors=COLOURS, method=Image.Quantize.FASTOCTREE).save(path, optimize=True)
    print(f"{path}: {image.width} x {image.height} px, {path.stat().st_size // 1024} KiB")


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


async def _day() -> HomeReport:
    medium = Medium(seed=0)
    home = medium.add_home(load_floorplan("flats"))
    return await run_home(home, medium, HomeOptions(duration_s=3600.0, hub="hub-1"), rng=random.Random(0))


def main(argv: list[str] | None = None) -> int:
    """Write the survey plots of two homes and the report figures of one flat's hour into the folder named."""
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0] if args else "docs/plots")
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("flats", "semi-detached"):
        home = load_floorplan(name)
        report = clock.run(survey(home, seconds=60.0, seed=0), virtual=True, seed=0)
        _store(_png(survey_figure(home, report)), folder / f"survey-{name}.png")
    day = clock.run(_day(), virtual=True, seed=0)
    assert day.timeline is not None
    colours = report_colours(day)
    for spec in FIGURES:
        _store(_png(spec.draw(day.timeline, colours)), folder / f"report-{spec.stem}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
