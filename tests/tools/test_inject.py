"""`commshub inject` through the virtual EZSP NCP (mfglib) and the virtual Spinel RCP, on ptys in virtual time.

What the radio puts on air is checked by an ideal sniffer on the medium: the
MPDUs given (hex, or a pcap replayed) with a correct FCS, on the channel asked.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from firmware.dongles import EzspNcp, SpinelRcp
from hal import clock
from hal.capture import PcapCapture
from hal.radio import Band, Channel, ReceivedFrame
from hal.radios import parse_radio_spec
from hal.virtual import Medium
from protocols.ieee802154.fcs import append_fcs
from tools.cli import main
from tools.inject import frames_from, inject

#: A beacon request (radio.md 2.4) and a MAC Data Request command, both without FCS.
BEACON_REQUEST = bytes.fromhex("030801ffffffff07")
DATA_REQUEST = bytes.fromhex("6388020000ffff34120400")
CHANNEL = Channel(0, 20)


def _inject(protocol: str, mpdus: list[bytes]) -> tuple[list[str], list[ReceivedFrame]]:
    async def main() -> tuple[list[str], list[ReceivedFrame]]:
        medium = Medium(seed=1)
        medium.add_node("stick", (0.0, 0.0, 0.0))
        heard: list[ReceivedFrame] = []
        medium.add_sniffer(heard.append)
        radio = medium.radio("stick", Band.GHZ_2_4)
        dongle: Any = EzspNcp(radio) if protocol == "ezsp" else SpinelRcp(radio)
        dongle.plug()
        try:
            results = await inject(
                parse_radio_spec(f"{protocol}:{dongle.path}"), CHANNEL, mpdus, interval=0.01, csma=False
            )
        finally:
            await dongle.close()
        return results, heard

    return clock.run(main(), virtual=True)


@pytest.mark.parametrize("protocol", ["ezsp", "spinel"])
def test_frames_go_on_air_with_their_fcs(protocol: str) -> None:
    results, heard = _inject(protocol, [BEACON_REQUEST, DATA_REQUEST])
    assert results == ["sent", "sent"]
    assert [(f.psdu, f.channel) for f in heard] == [
        (append_fcs(BEACON_REQUEST), CHANNEL),
        (append_fcs(DATA_REQUEST), CHANNEL),
    ]


def test_a_pcap_is_replayed(tmp_path: Path) -> None:
    path = tmp_path / "replay.pcap"
    with PcapCapture(path) as capture:
        for number, mpdu in enumerate((BEACON_REQUEST, DATA_REQUEST)):
            capture(ReceivedFrame(append_fcs(mpdu), Channel(0, 11), -40.0, 200, 0.1 * number))
    mpdus = frames_from(argparse.Namespace(hex=None, pcap=str(path)))
    assert mpdus == [BEACON_REQUEST, DATA_REQUEST]
    results, heard = _inject("ezsp", mpdus)
    assert results == ["sent", "sent"] and [f.psdu[:-2] for f in heard] == mpdus


def test_bad_input_and_receive_only_radios_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inject", "--radio", "nrf:/dev/null", "--channel", "15", "--hex", "030801ffffffff07"]) == 2
    assert "cannot transmit" in capsys.readouterr().err
    assert main(["inject", "--radio", "ezsp:/dev/null", "--channel", "15", "--hex", "zz"]) == 2
    assert "'zz' is not hex" in capsys.readouterr().err
    (tmp_path / "junk.pcap").write_bytes(b"not a pcap file")
    assert main(["inject", "--radio", "ezsp:/dev/null", "--channel", "15", "--pcap", str(tmp_path / "junk.pcap")]) == 2
    assert "pcap magic" in capsys.readouterr().err
    assert main(["inject", "--radio", "ezsp:/nonexistent/tty", "--channel", "15", "--hex", "030801ffffffff07"]) == 1
    assert "cannot open serial port '/nonexistent/tty'" in capsys.readouterr().err
