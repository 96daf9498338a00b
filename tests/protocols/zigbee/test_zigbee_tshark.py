"""Frames we secure, wrapped in 802.15.4 data frames in a pcap, decrypted by the real tshark.

The independent check of our CCM* nonce/a-data rules and key hashing: Wireshark's ZigBee
dissectors (packet-zbee-nwk/-aps/-security.c) given only the keys must decrypt and dissect every
frame with no malformed or error markers. The MAC wrapper and pcap bytes are written here by hand
(radio.md 2.1, 2.4, 6.6) so this test depends on nothing but our zigbee codecs and tshark.
"""

from __future__ import annotations

import functools
import operator
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import crcmod.predefined
import pytest
from zigpy.zcl import foundation

from protocols.zigbee import (
    ApsFrame,
    ApsFrameType,
    DeliveryMode,
    DeviceAnnce,
    ExtendedHeader,
    Fragmentation,
    KeyId,
    KeyType,
    Leave,
    LinkStatus,
    LinkStatusEntry,
    NwkFrame,
    NwkFrameType,
    TransportKey,
    ZdoFrame,
    build_aps,
    build_aps_command,
    build_nwk,
    build_nwk_command,
    build_zdo,
    secure_aps,
    secure_nwk,
)
from tests.protocols.zigbee.vectors import mac_data_frame, write_pcap

pytestmark = pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark (Wireshark) is not installed")

NWK_KEY = bytes.fromhex("01030507090B0D0F00020406080A0C0D")  # radio.md 5.2
LINK_KEY = bytes.fromhex("66B6900981E1EE3CA4206B6B861C02BB")  # radio.md 5.7 install-code key
PAN = 0x1A62
HUB, METER = 0x0000, 0x796F
HUB_IEEE, METER_IEEE = 0x0011223344556677, 0x70B3D5FFFE000001
_kermit = crcmod.predefined.mkCrcFun("kermit")  # 802.15.4 FCS, radio.md 2.4


@dataclass(frozen=True)
class Capture:
    """One tshark pass: the verbose text and the requested fields, one dict per frame."""

    text: str
    rows: list[dict[str, str]]


def tshark(path: Path, keys: list[bytes], fields: list[str]) -> Capture:
    """Run tshark on `path` with `keys` as pre-configured ZigBee keys."""
    options: list[str] = []
    for index, key in enumerate(keys):
        options += ["-o", f'uat:zigbee_pc_keys:"{key.hex().upper()}","Normal","k{index}"']
    base = ["tshark", "-n", "-r", str(path), *options]
    text = subprocess.run([*base, "-V"], capture_output=True, text=True, timeout=60, check=True).stdout
    out = subprocess.run(
        [
            *base,
            "-T",
            "fields",
            "-E",
            "separator=|",
            "-E",
            "occurrence=a",
            *functools.reduce(operator.iadd, (["-e", f] for f in fields), []),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    rows = [dict(zip(fields, line.split("|"), strict=False)) for line in out.splitlines()]
    return Capture(text, rows)


def zcl_read_attributes(tsn: int) -> bytes:
    """A ZCL Read Attributes of attribute 0x0000 (zigpy builds the ZCL frame)."""
    header = foundation.ZCLHeader.general(tsn, foundation.GeneralCommand.Read_Attributes)
    return header.serialize() + b"\x00\x00"


def nwk_secured(payload: bytes, seq: int, counter: int, *, command: bool = False) -> bytes:
    """`payload` in a NWK frame from the meter to the hub, secured with the network key."""
    frame = NwkFrame(
        NwkFrameType.COMMAND if command else NwkFrameType.DATA, dst=HUB, src=METER, seq=seq, payload=payload
    )
    return secure_nwk(frame, key=NWK_KEY, src_ieee=METER_IEEE, frame_counter=counter, key_seq=0)


def aps_data(cluster: int, counter: int, payload: bytes) -> ApsFrame:
    return ApsFrame(
        ApsFrameType.DATA,
        counter,
        dst_endpoint=1,
        cluster=cluster,
        profile=0x0109,
        src_endpoint=1,
        ack_request=True,
        payload=payload,
    )


def test_tshark_decrypts_nwk_and_aps_security(tmp_path: Path) -> None:
    read_metering = build_aps(aps_data(0x0702, 0x10, zcl_read_attributes(0x21)))
    aps_secured = secure_aps(
        aps_data(0x0702, 0x11, zcl_read_attributes(0x22)), key=LINK_KEY, src_ieee=METER_IEEE, frame_counter=7
    )
    nwk_frames = [nwk_secured(read_metering, 1, 0x123), nwk_secured(aps_secured, 2, 0x124)]
    path = tmp_path / "zigbee.pcap"
    write_pcap(path, [mac_data_frame(f, i, HUB, METER) for i, f in enumerate(nwk_frames)])
    capture = tshark(
        path,
        [NWK_KEY, LINK_KEY],
        ["zbee_nwk.src", "zbee_aps.cluster", "zbee_aps.counter", "zbee_zcl.cmd.tsn", "zbee_zcl.cmd.id"],
    )
    assert "Malformed" not in capture.text and "Expert Info (Error" not in capture.text
    assert [r["zbee_aps.cluster"] for r in capture.rows] == ["0x0702", "0x0702"]
    assert [r["zbee_aps.counter"] for r in capture.rows] == ["16", "17"]
    assert [r["zbee_zcl.cmd.tsn"] for r in capture.rows] == ["33", "34"]
    assert capture.text.count("Read Attributes") >= 2


def test_tshark_decrypts_transport_key_with_only_the_link_key(tmp_path: Path) -> None:
    """Key id 2 (key-transport) and 3 (key-load) use keyed hashes of the link key: tshark, given
    only the install-code link key, must derive the same keys and read the delivered keys."""
    network_key = TransportKey(KeyType.STANDARD_NETWORK, NWK_KEY, key_seq=0, dst_ieee=METER_IEEE, src_ieee=HUB_IEEE)
    app_key = TransportKey(KeyType.APP_LINK, bytes(range(16)), partner_ieee=HUB_IEEE, initiator=1)
    frames = []
    for seq, (command, key_id) in enumerate([(network_key, KeyId.KEY_TRANSPORT), (app_key, KeyId.KEY_LOAD)]):
        aps = secure_aps(
            ApsFrame(ApsFrameType.COMMAND, seq, payload=build_aps_command(command)),
            key=LINK_KEY,
            src_ieee=HUB_IEEE,
            frame_counter=seq,
            key_id=key_id,
        )
        nwk = build_nwk(
            NwkFrame(NwkFrameType.DATA, dst=METER, src=HUB, seq=seq, radius=1, discover_route=0, payload=aps)
        )
        frames.append(mac_data_frame(nwk, seq, METER, HUB))
    path = tmp_path / "transport_key.pcap"
    write_pcap(path, frames)
    capture = tshark(path, [LINK_KEY], ["zbee_aps.cmd.id", "zbee_aps.cmd.key_type", "zbee_aps.cmd.key"])
    assert "Malformed" not in capture.text and "Expert Info (Error" not in capture.text
    assert [(r["zbee_aps.cmd.id"], r["zbee_aps.cmd.key_type"]) for r in capture.rows] == [
        ("0x05", "0x01"),
        ("0x05", "0x03"),
    ]
    assert [r["zbee_aps.cmd.key"].replace(":", "") for r in capture.rows] == [NWK_KEY.hex(), bytes(range(16)).hex()]


def test_tshark_reads_nwk_commands_zdo_and_fragments(tmp_path: Path) -> None:
    leave = nwk_secured(build_nwk_command(Leave(request=True, rejoin=True)), 1, 0x200, command=True)
    link_status = nwk_secured(build_nwk_command(LinkStatus((LinkStatusEntry(HUB, 1, 3),))), 2, 0x201, command=True)
    annce = build_aps(
        ApsFrame(
            ApsFrameType.DATA,
            9,
            DeliveryMode.BROADCAST,
            dst_endpoint=0,
            cluster=0x0013,
            profile=0,
            src_endpoint=0,
            payload=build_zdo(ZdoFrame(3, DeviceAnnce(METER, METER_IEEE, 0x8E))),
        )
    )
    fragment = build_aps(
        ApsFrame(
            ApsFrameType.DATA,
            10,
            dst_endpoint=1,
            cluster=0x0704,
            profile=0x0109,
            src_endpoint=1,
            ack_request=True,
            extended=ExtendedHeader(Fragmentation.FIRST, block_number=3),
            payload=bytes(range(60)),
        )
    )
    frames = [leave, link_status, nwk_secured(annce, 3, 0x202), nwk_secured(fragment, 4, 0x203)]
    path = tmp_path / "misc.pcap"
    write_pcap(path, [mac_data_frame(f, i, HUB, METER) for i, f in enumerate(frames)])
    capture = tshark(
        path, [NWK_KEY], ["zbee_nwk.cmd.id", "zbee_zdp.cluster", "zbee_zdp.nwk_addr", "zbee_aps.fragmentation"]
    )
    assert "Malformed" not in capture.text and "Expert Info (Error" not in capture.text
    assert [r["zbee_nwk.cmd.id"] for r in capture.rows[:2]] == ["0x04", "0x08"]
    assert "Device Announcement" in capture.text and "0x796f" in capture.rows[2]["zbee_zdp.nwk_addr"]
    assert capture.rows[3]["zbee_aps.fragmentation"] == "0x01"
