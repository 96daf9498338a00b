"""Spinel radios on virtual RCPs on real ptys, for the tests (two radios on one `Medium` hear each other)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from firmware.dongles import SpinelRcp
from hal.radio import Band
from hal.serial.spinel_radio import SpinelRadio
from hal.virtual import Medium


class RcpBench:
    """Every virtual RCP made during one test, so the test can unplug them and close their ptys."""

    def __init__(self) -> None:
        self.rcps: list[SpinelRcp] = []

    def rcp(self, medium: Medium, node: str, band: Band, link_path: str | None = None) -> SpinelRcp:
        radio = medium.radio(node, band)
        rcp = SpinelRcp(radio, link_path=link_path, cca_threshold=round(radio.model.cca_threshold_dbm))
        rcp.plug()
        self.rcps.append(rcp)
        return rcp

    async def pair(self, band: Band, seed: int = 21) -> tuple[SpinelRadio, SpinelRadio]:
        """Nodes a and b 4 m apart (as the VirtualRadio contract pair), each behind its own RCP and pty."""
        medium = Medium(seed=seed)
        medium.add_node("a", (0.0, 0.0, 0.0))
        medium.add_node("b", (4.0, 1.0, 0.0))
        first, second = self.rcp(medium, "a", band), self.rcp(medium, "b", band)
        return await SpinelRadio.open(first.path), await SpinelRadio.open(second.path)

    def unplug_all(self) -> None:
        """Close every pty (works after the loop is gone: only file descriptors are left)."""
        for rcp in self.rcps:
            rcp.port.unplug()


@contextmanager
def rcp_bench() -> Iterator[RcpBench]:
    bench = RcpBench()
    try:
        yield bench
    finally:
        bench.unplug_all()
