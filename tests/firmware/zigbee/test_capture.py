"""A capture of the virtual HAN, decoded by the real tshark with the network key (radio.md 6.6)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hal import clock
from hal.capture import PcapCapture

from ..han import admit, formed_hub, medium_with, meter, read_summation

TSHARK = shutil.which("tshark")


@pytest.mark.skipif(TSHARK is None, reason="tshark (Wireshark) is not installed")
def test_tshark_decrypts_nwk_aps_zcl_and_finds_nothing_malformed(tmp_path: Path) -> None:
    pcap = tmp_path / "han.pcap"

    async def main() -> bytes:
        medium = medium_with(("hub", (0.0, 0.0, 0.0)), ("esme", (3.0, 0.0, 0.0)))
        capture = PcapCapture(pcap)
        medium.add_sniffer(capture)
        hub = await formed_hub(medium)
        inbox: list = []
        hub.on_message = inbox.append
        esme = meter(medium, "esme", reading=271828)
        admit(hub, esme)
        await esme.join()
        assert await read_summation(hub, esme, inbox, 3) == 271828
        await hub.close()
        await esme.close()
        capture.close()
        assert hub.params is not None
        return hub.params.network_key

    key = clock.run(main(), virtual=True)
    keys = f'uat:zigbee_pc_keys:"{key.hex()}","Normal","network key"'
    fields = subprocess.run(
        [
            TSHARK,
            "-n",
            "-r",
            str(pcap),
            "-o",
            keys,
            "-T",
            "fields",
            "-e",
            "frame.protocols",
            "-e",
            "_ws.malformed",
            "-e",
            "_ws.expert.message",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    assert len(fields) > 20
    assert not [line for line in fields if "malformed" in line.lower() or line.split("\t")[1:2] != [""]]
    protocols = {p for line in fields for p in line.split("\t")[0].split(":")}
    assert {"wpan-tap", "zbee_beacon", "zbee_nwk", "zbee_aps", "zbee_zdp", "zbee_zcl"} <= protocols
    # every NWK frame but the Transport Key (APS-encrypted under the joiner's link key) decrypts
    undecrypted = [line for line in fields if "Encrypted Payload" in line]
    assert len(undecrypted) <= 4  # the Transport Key and its retries only
    detail = subprocess.run(
        [TSHARK, "-n", "-r", str(pcap), "-o", keys, "-V", "-Y", "zbee_zcl"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "Read Attributes Response" in detail
    assert "Current Summation Delivered" in detail and "Uint48: 271828" in detail
