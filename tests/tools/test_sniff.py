"""`commshub sniff` from every virtual dongle: the captures open in the real tshark with nothing malformed.

Each dongle (nRF sniffer twin, TI sniffer twin, Spinel RCP, EZSP NCP in
mfglib mode through bellows' packet capture) stands beside a virtual home
where our hub admits an electricity meter that joins; `tools.sniff.sniff`
captures the join traffic over a real pty into a pcap file in tmp_path, and
tshark reads it: every frame's FCS is correct and none is malformed. The
TI twin also captures on 868 MHz (page 28). Real-time loop: bellows and the
sniffer hosts talk through real ptys.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from firmware.dongles import EzspNcp, NrfSnifferTwin, SpinelRcp, TiSnifferTwin
from firmware.dongles.home_devices import HomeDevices, home_identities, start_our_hub
from hal import clock
from hal.capture import PcapCapture
from hal.radio import Band, Channel, TxMode
from hal.virtual import Medium, load_floorplan
from protocols.ieee802154.fcs import append_fcs
from tools.sniff import sniff

TSHARK = shutil.which("tshark")
needs_tshark = pytest.mark.skipif(TSHARK is None, reason="tshark not installed (.ci/run installs Debian's)")
CHANNEL = 15
FRAMES = 8
HUB_CHANNEL = Channel(0, CHANNEL)


def _tshark(path: Path, *fields: str) -> list[list[str]]:
    assert TSHARK is not None
    args = [TSHARK, "-r", str(path), "-T", "fields", "-E", "separator=|", "-E", "occurrence=f"]
    for field in fields:
        args += ["-e", field]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True).stdout
    return [line.split("|") for line in out.splitlines()]


def _args(radio: str, count: int) -> argparse.Namespace:
    return argparse.Namespace(radio=radio, count=count, seconds=20.0, home="semi-detached", seed=0)


def _capture(protocol: str, path: Path, channel: Channel = HUB_CHANNEL) -> int:
    async def main() -> int:
        home = load_floorplan("semi-detached")
        medium = Medium(seed=2)
        medium.add_home(home)
        hub = next(n for n in home.nodes if n.role == "hub")
        medium.add_node("stick", hub.position)
        dongle: Any
        if protocol == "nrf":
            dongle = NrfSnifferTwin(medium)
        elif protocol == "ti":
            dongle = TiSnifferTwin(medium)
        elif protocol == "spinel":
            dongle = SpinelRcp(medium.radio("stick", Band.GHZ_2_4))
        else:
            dongle = EzspNcp(medium.radio("stick", Band.GHZ_2_4))
        dongle.plug()
        closers: list[Any] = [dongle.close]
        try:
            if channel.page == 0:
                identities = [i for i in home_identities(home, hub.name, 0) if i.role == "esme"][:1]
                devices = HomeDevices(medium, identities, channels=[CHANNEL], retry_s=0.5)
                han, _ = await start_our_hub(medium, hub.name, identities, channel=CHANNEL, seed=0)
                closers += [devices.close, han.shutdown]
                devices.start()
            else:
                await _transmit_sub_ghz(medium, channel)
            with PcapCapture(path) as capture:
                return await sniff(_args(f"{protocol}:{dongle.path}", FRAMES), channel, capture)
        finally:
            for close in reversed(closers):
                await close()

    return clock.run(main())


async def _transmit_sub_ghz(medium: Medium, channel: Channel) -> None:
    """A ZigBee beacon request and data-request frames on `channel`, every 50 ms, from a node on 868 MHz."""
    import asyncio

    medium.add_node("gsme-868", (2.0, 0.0, 0.0))
    radio = medium.radio("gsme-868", Band.MHZ_868)
    await radio.set_channel(channel)

    async def chatter() -> None:
        for sequence in range(4 * FRAMES):
            await radio.transmit(
                append_fcs(bytes((0x03, 0x08, sequence, 0xFF, 0xFF, 0xFF, 0xFF, 0x07))), mode=TxMode.DIRECT
            )
            await asyncio.sleep(0.05)

    asyncio.get_running_loop().create_task(chatter())


@needs_tshark
@pytest.mark.parametrize("protocol", ["nrf", "ti", "spinel", "ezsp"])
def test_capture_opens_cleanly_in_tshark(protocol: str, tmp_path: Path) -> None:
    path = tmp_path / f"{protocol}.pcap"
    counted = _capture(protocol, path)
    rows = _tshark(path, "wpan.fcs_ok", "wpan.frame_type", "_ws.malformed", "wpan-tap.ch_num")
    assert counted >= FRAMES and len(rows) == counted
    assert all(row[0] == "1" for row in rows), rows  # FCS correct
    assert all(row[2] == "" for row in rows), rows  # nothing malformed
    assert {row[3] for row in rows} == {str(CHANNEL)}
    assert _tshark(path, "frame.number")[0] == ["1"]


@needs_tshark
def test_ti_twin_captures_on_868_mhz(tmp_path: Path) -> None:
    path = tmp_path / "ti-868.pcap"
    counted = _capture("ti", path, Channel(28, 5))
    rows = _tshark(path, "wpan.fcs_ok", "wpan.cmd", "_ws.malformed", "wpan-tap.ch_num", "wpan-tap.ch_page")
    assert counted >= FRAMES and len(rows) == counted
    assert all(row == ["1", "0x07", "", "5", "28"] for row in rows), rows
