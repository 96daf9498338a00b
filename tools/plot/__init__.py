"""Plots of what the simulations measured: a site survey's floor plans, a simulated day's report.

Why a package of its own: matplotlib is an optional extra (`pip install
'commshub[plot]'`), so nothing outside `tools.plot` imports it and nothing
here imports it at module level - `commshub survey --plot` and `commshub
home --report` call `require_matplotlib()` first and say how to install it
when it is missing, before any simulation runs.

One module per figure (`survey`, `joins`, `reads`, `rssi`, `airtime`,
`traffic`), the shared look in `style`, the floor plan drawing in
`floorplan`, and the HTML page in `report`. Every figure function takes the
plain data a simulation returned and gives back a `matplotlib.figure.Figure`
on the Agg canvas: no pyplot, so no global figure state (a test, a fleet run
or a server may draw many at once) and no display needed.
"""

from __future__ import annotations

import importlib

#: File types `commshub survey --plot` writes, by suffix.
FORMATS = (".png", ".svg")
#: What to tell someone without matplotlib.
INSTALL_HINT = "pip install 'commshub[plot]'"


class PlotUnavailable(RuntimeError):
    """matplotlib, which plots need, is not installed."""


def require_matplotlib() -> None:
    """Return when matplotlib can be imported; raise PlotUnavailable (with the install hint) when not."""
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        raise PlotUnavailable(f"plots need matplotlib, an optional extra: {INSTALL_HINT}") from None
