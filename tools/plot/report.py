"""A simulated day as one HTML page: its figures, the per-device table, the capture linked.

Why a page: a test engineer reads a run the way they read a test report -
the verdict first, the table of devices, then the plots to see when and
where it went wrong - and hands it on as one file. So the page is
self-contained: the figures are inlined as base64 PNGs, the style is in the
page, there is no script and nothing is fetched (it opens from a mail or an
archive with no network). The same figures are written as PNG files beside
it, with `report.json` (the `--json` data of the run), and the `--pcap`
capture, when there is one, is linked by its path relative to the page.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from tools.sim.report import DEVICE_COLUMNS, DeviceReport, HomeReport, device_row
from tools.sim.timeline import Timeline

from .airtime import airtime_figure
from .joins import joins_figure
from .reads import reads_figure
from .rssi import rssi_figure
from .style import DPI, Rgba, device_colours
from .traffic import traffic_figure

#: The page's file name in the report folder.
INDEX = "index.html"


@dataclass(frozen=True, slots=True)
class FigureSpec:
    """One figure of the report: its file stem, heading, and how to draw it."""

    stem: str
    heading: str
    draw: Callable[[Timeline, dict[str, Rgba]], Figure]


#: The report's figures, in page order.
FIGURES = (
    FigureSpec("joins", "Joins on a timeline", joins_figure),
    FigureSpec("reads", "Reads per device over time", reads_figure),
    FigureSpec("rssi", "RSSI per device", rssi_figure),
    FigureSpec("airtime", "868 MHz airtime per hour against the limit", airtime_figure),
    FigureSpec("traffic", "Frames on the air per minute", lambda timeline, _: traffic_figure(timeline)),
)


def write_report(report: HomeReport, folder: Path, *, seed: int, wall_s: float, pcap: Path | None = None) -> list[Path]:
    """Write the page, a PNG per figure and `report.json` into `folder` (created); returns the files written.

    Raises ValueError for a report without a timeline, OSError when a file cannot be written.
    """
    if report.timeline is None:
        raise ValueError("the report has no timeline to plot (it was not made by tools.sim.scenario.run_home)")
    folder.mkdir(parents=True, exist_ok=True)
    colours = report_colours(report)
    written, sections = [], []
    for spec in FIGURES:
        png = _png(spec.draw(report.timeline, colours))
        path = folder / f"{spec.stem}.png"
        path.write_bytes(png)
        written.append(path)
        sections.append(_figure_section(spec, png))
    data = {**report.to_dict(), "seed": seed, "wall_s": round(wall_s, 3)}
    json_path = folder / "report.json"
    json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    written.append(json_path)
    page = folder / INDEX
    capture = None if pcap is None else os.path.relpath(pcap.resolve(), folder.resolve())
    page.write_text(_page(report, seed, wall_s, colours, sections, capture), encoding="utf-8")
    written.append(page)
    return written


def report_colours(report: HomeReport) -> dict[str, Rgba]:
    """A colour per device, then per hub (its airtime line), the same in every figure of the report."""
    devices = [] if report.timeline is None else [d.node for d in report.timeline.devices]
    return device_colours([*devices, *(hub.node for hub in report.hubs)])


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _figure_section(spec: FigureSpec, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    heading = html.escape(spec.heading)
    return (
        f'<section id="{spec.stem}"><h2>{heading}</h2>'
        f'<img src="data:image/png;base64,{data}" alt="{heading}">'
        f'<p class="file">also as <a href="{spec.stem}.png">{spec.stem}.png</a></p></section>'
    )


_STYLE = """
body { font: 14px/1.45 "DejaVu Sans", Arial, sans-serif; margin: 24px auto; max-width: 1140px; color: #1a1a1a; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.meta { color: #555; margin: 0 0 12px; }
.ok { background: #e3f4e8; border-left: 6px solid #1e8449; padding: 8px 12px; }
.failed { background: #fbe5e1; border-left: 6px solid #c0392b; padding: 8px 12px; }
table { border-collapse: collapse; font-size: 12.5px; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 6px; text-align: left; white-space: nowrap; }
td.note { white-space: normal; color: #7a2a1f; } th { background: #f3f3f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
img { max-width: 100%; border: 1px solid #e3e3e3; } .file { color: #666; font-size: 12px; margin: 2px 0; }
code { font-size: 12px; }
"""


def _page(
    report: HomeReport,
    seed: int,
    wall_s: float,
    colours: dict[str, Rgba],
    sections: list[str],
    capture: str | None,
) -> str:
    title = f"commshub home: {report.home}, seed {seed}"
    problems = report.problems()
    verdict = (
        '<p class="ok"><b>OK</b>: every emulated device joined and every read succeeded.</p>'
        if not problems
        else '<div class="failed"><b>FAILED</b>: '
        f"{len(problems)} problem(s)<ul>{''.join(f'<li>{html.escape(p)}</li>' for p in problems)}</ul></div>"
    )
    pcap = (
        f'<p>Capture of the whole air (both bands): <a href="{html.escape(capture)}">{html.escape(capture)}</a> '
        "(Wireshark; each hub's network key below decrypts it).</p>"
        if capture is not None
        else "<p>No capture was written (run with <code>--pcap FILE</code> to link one here).</p>"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{html.escape(title)}</title><style>{_STYLE}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p class="meta">{report.day_s / 3600:.2f} simulated h of readings ({report.simulated_s:.0f} s in all) in
{wall_s:.1f} s wall; {report.frames_on_air} frames on the air.</p>
{verdict}
{pcap}
<h2>Hubs</h2>
{_hub_table(report)}
<h2>Devices</h2>
{_device_table(report.devices, colours)}
{"".join(sections)}
<p class="file">The run's data: <a href="report.json">report.json</a> (what <code>--json</code> prints).</p>
</body></html>
"""


def _table(headings: tuple[str, ...], rows: list[list[str]], numeric: frozenset[int] = frozenset()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headings)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"num" if i in numeric else "note" if i == len(row) - 1 else ""}">{cell}</td>'
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _hub_table(report: HomeReport) -> str:
    rows = [
        [
            html.escape(hub.node),
            html.escape(hub.eui64),
            f"0x{hub.pan_id:04X}",
            str(hub.channel),
            html.escape(hub.sub_ghz_channel or "-"),
            html.escape(", ".join(hub.bands)),
            f"<code>{html.escape(hub.network_key)}</code>",
        ]
        for hub in report.hubs
    ]
    headings = ("hub", "EUI-64", "PAN", "2.4 GHz channel", "868 MHz channel", "bands", "network key")
    return _table(headings, rows)


def _device_table(devices: tuple[DeviceReport, ...], colours: dict[str, Rgba]) -> str:
    rows = []
    for device in devices:
        cells = [html.escape(cell) for cell in device_row(device)]
        colour = colours.get(device.node)
        if colour is not None:
            red, green, blue = (round(255 * c) for c in colour[:3])
            cells[0] = f'<span class="swatch" style="background: rgb({red},{green},{blue})"></span>{cells[0]}'
        rows.append(cells)
    numeric = frozenset(DEVICE_COLUMNS.index(c) for c in ("joined s", "reads ok", "failed", "last value", "RSSI dBm"))
    return _table(DEVICE_COLUMNS, rows, numeric=numeric)
