"""Independent 802.15.4 test vectors: frames built and dissected by scapy's dot15d4 layer.

Why scapy: it is a second, unrelated implementation (radio.md 9), so a frame
it builds checks our parser and a frame it dissects checks our builder.  Its
limits shape the set: its Data/Command layers always emit a destination PAN
(so no frames without a destination address here, hence no GTS request,
which goes to the PAN coordinator without one), it builds no GTS descriptors
and knows only the 2003/2006 PAN ID rule.  Those frames are checked against
tshark instead (test_mac_tshark.py).
"""

from __future__ import annotations

from typing import Any

from scapy.config import conf
from scapy.layers.dot15d4 import (
    Dot15d4AuxSecurityHeader,
    Dot15d4Beacon,
    Dot15d4Cmd,
    Dot15d4CmdAssocReq,
    Dot15d4CmdAssocResp,
    Dot15d4CmdCoordRealign,
    Dot15d4CmdCoordRealignPage,
    Dot15d4CmdDisassociation,
    Dot15d4Data,
    Dot15d4FCS,
)
from scapy.layers.zigbee import (
    ZCLGeneralReadAttributes,
    ZigbeeAppDataPayload,
    ZigBeeBeacon,
    ZigbeeClusterLibrary,
    ZigbeeNWK,
)
from scapy.packet import Packet, Raw

conf.dot15d4_protocol = "zigbee"  # type: ignore[assignment]  # scapy declares the setting None-typed

HUB = 0x0011223344556677
METER = 0x8877665544332211


def _zcl_read() -> Packet:
    """An unsecured NWK/APS/ZCL Read Attributes of Metering 0x0000 (as in radio.md 2.4)."""
    return (
        ZigbeeNWK(
            frametype=0, proto_version=2, discover_route=1, destination=0x0000, source=0x796F, radius=30, seqnum=0x10
        )
        / ZigbeeAppDataPayload(
            aps_frametype=0,
            delivery_mode=0,
            frame_control=0,
            dst_endpoint=1,
            cluster=0x0702,
            profile=0x0109,
            src_endpoint=1,
            counter=0x33,
        )
        / ZigbeeClusterLibrary(zcl_frametype=0, command_identifier=0, transaction_sequence=0x21)
        / ZCLGeneralReadAttributes(attribute_identifiers=[0x0000])
    )


def _nwk(destination: int, aps_payload: bytes) -> Packet:
    """A minimal unsecured NWK data frame (so tshark's ZigBee dissector is happy) around `aps_payload`."""
    return (
        ZigbeeNWK(
            frametype=0,
            proto_version=2,
            discover_route=1,
            destination=destination,
            source=0x796F,
            radius=30,
            seqnum=0x11,
        )
        / ZigbeeAppDataPayload(
            aps_frametype=0,
            delivery_mode=0,
            frame_control=0,
            dst_endpoint=1,
            cluster=0x0702,
            profile=0x0109,
            src_endpoint=1,
            counter=0x34,
        )
        / Raw(aps_payload)
    )


def _fcf(frame_type: int, dst: int, src: int, **kw: Any) -> Packet:
    return Dot15d4FCS(fcf_frametype=frame_type, fcf_destaddrmode=dst, fcf_srcaddrmode=src, **kw)


def _cmd(dst: int, src: int, cmd_id: int, *, dst_addr: int, src_addr: int | None, **kw: Any) -> Packet:
    fields: dict[str, Any] = dict(dest_panid=kw.pop("dest_panid", 0x1A62), dest_addr=dst_addr, cmd_id=cmd_id)
    if src_addr is not None:
        fields["src_addr"] = src_addr
    for name in ("src_panid", "aux_sec_header"):
        if name in kw:
            fields[name] = kw.pop(name)
    return _fcf(3, dst, src, **kw) / Dot15d4Cmd(**fields)


def frames() -> list[tuple[str, Packet]]:
    """(name, scapy packet) for every frame type and addressing combination scapy can build."""
    sec = dict(fcf_security=1, fcf_framever=1)
    return [
        ("ack", _fcf(2, 0, 0, seqnum=0x56)),
        ("ack-pending", _fcf(2, 0, 0, seqnum=0x57, fcf_pending=1)),
        ("beacon-request", _cmd(2, 0, 7, dst_addr=0xFFFF, src_addr=None, dest_panid=0xFFFF, seqnum=1)),
        (
            "data-zcl",
            _fcf(1, 2, 2, seqnum=0x2A, fcf_ackreq=1, fcf_panidcompress=1)
            / Dot15d4Data(dest_panid=0x1A62, dest_addr=0x0000, src_addr=0x796F)
            / _zcl_read(),
        ),
        (
            "data-broadcast",
            _fcf(1, 2, 2, seqnum=0x2B, fcf_panidcompress=1)
            / Dot15d4Data(dest_panid=0x1A62, dest_addr=0xFFFF, src_addr=0x0000)
            / _nwk(0xFFFD, b"\x00\x22\x00\x00\x00"),
        ),
        (
            "data-ext-short-nocomp",
            _fcf(1, 2, 3, seqnum=0x2C, fcf_ackreq=1)
            / Dot15d4Data(dest_panid=0x1A62, dest_addr=0x1234, src_panid=0xBEEF, src_addr=METER)
            / _nwk(0x1234, b"xy"),
        ),
        (
            "data-ext-ext",
            _fcf(1, 3, 3, seqnum=0x2D, fcf_ackreq=1, fcf_panidcompress=1, fcf_pending=1)
            / Dot15d4Data(dest_panid=0x1A62, dest_addr=HUB, src_addr=METER)
            / _nwk(0x0000, bytes(range(40))),
        ),
        (
            "data-short-dst-only",
            _fcf(1, 2, 0, seqnum=0x2E) / Dot15d4Data(dest_panid=0x1A62, dest_addr=0x0001) / _nwk(0x0001, b""),
        ),
        (
            "data-2006-empty",
            _fcf(1, 2, 2, seqnum=0x2F, fcf_framever=1, fcf_panidcompress=1)
            / Dot15d4Data(dest_panid=0x1A62, dest_addr=0x0002, src_addr=0x0003),
        ),
        (
            "assoc-request",
            _cmd(2, 3, 1, dst_addr=0x0000, src_addr=METER, dest_panid=0x1A62, src_panid=0xFFFF, seqnum=3, fcf_ackreq=1)
            / Dot15d4CmdAssocReq(allocate_address=1, receiver_on_when_idle=1, power_source=1, device_type=1),
        ),
        (
            "assoc-response",
            _cmd(3, 3, 2, dst_addr=METER, src_addr=HUB, seqnum=4, fcf_ackreq=1, fcf_panidcompress=1)
            / Dot15d4CmdAssocResp(short_address=0x796F, association_status=0),
        ),
        (
            "assoc-response-full",
            _cmd(3, 3, 2, dst_addr=METER, src_addr=HUB, seqnum=5, fcf_ackreq=1, fcf_panidcompress=1)
            / Dot15d4CmdAssocResp(short_address=0xFFFF, association_status=1),
        ),
        (
            "disassociation",
            _cmd(3, 3, 3, dst_addr=HUB, src_addr=METER, seqnum=6, fcf_ackreq=1, fcf_panidcompress=1)
            / Dot15d4CmdDisassociation(disassociation_reason=2),
        ),
        (
            "data-request-ext",
            _cmd(2, 3, 4, dst_addr=0x0000, src_addr=METER, seqnum=7, fcf_ackreq=1, fcf_panidcompress=1),
        ),
        (
            "data-request-short",
            _cmd(2, 2, 4, dst_addr=0x0000, src_addr=0x796F, seqnum=8, fcf_ackreq=1, fcf_panidcompress=1),
        ),
        ("pan-id-conflict", _cmd(3, 3, 5, dst_addr=HUB, src_addr=METER, seqnum=9, fcf_ackreq=1, fcf_panidcompress=1)),
        ("orphan", _cmd(2, 3, 6, dst_addr=0xFFFF, src_addr=METER, dest_panid=0xFFFF, src_panid=0xFFFF, seqnum=10)),
        (
            "coord-realign",
            _cmd(3, 3, 8, dst_addr=METER, src_addr=HUB, seqnum=11, dest_panid=0xFFFF, src_panid=0x1A62)
            / Dot15d4CmdCoordRealign(panid=0x1A62, coord_address=0x0000, channel=15, dev_address=0x796F),
        ),
        (
            "coord-realign-page",
            _cmd(2, 3, 8, dst_addr=0xFFFF, src_addr=HUB, seqnum=12, dest_panid=0xFFFF, src_panid=0x1A62, fcf_framever=1)
            / Dot15d4CmdCoordRealign(panid=0x1A62, coord_address=0x0000, channel=3, dev_address=0x796F)
            / Dot15d4CmdCoordRealignPage(channel_page=28),
        ),
        (
            "beacon-zigbee",
            _fcf(0, 0, 2, seqnum=0x80)
            / Dot15d4Beacon(
                src_panid=0x1A62,
                src_addr=0x0000,
                sf_beaconorder=15,
                sf_sforder=15,
                sf_finalcapslot=15,
                sf_pancoord=1,
                sf_assocpermit=1,
                gts_spec_permit=0,
            )
            / ZigBeeBeacon(
                proto_id=0,
                stack_profile=2,
                nwkc_protocol_version=2,
                router_capacity=1,
                device_depth=0,
                end_device_capacity=1,
                extended_pan_id=HUB,
                tx_offset=0xFFFFFF,
                update_id=0,
            ),
        ),
        (
            "beacon-pending",
            _fcf(0, 0, 3, seqnum=0x81)
            / Dot15d4Beacon(
                src_panid=0x1A62,
                src_addr=HUB,
                sf_beaconorder=6,
                sf_sforder=4,
                sf_finalcapslot=9,
                sf_battlifeextend=1,
                gts_spec_permit=1,
                pa_num_short=2,
                pa_short_addresses=[0x796F, 0x0001],
                pa_num_long=1,
                pa_long_addresses=[METER],
            ),
        ),
        (
            "data-secured-implicit",
            _fcf(1, 2, 2, seqnum=0x30, fcf_panidcompress=1, **sec)
            / Dot15d4Data(
                dest_panid=0x1A62,
                dest_addr=0x0000,
                src_addr=0x796F,
                aux_sec_header=Dot15d4AuxSecurityHeader(
                    sec_sc_seclevel=5, sec_sc_keyidmode=0, sec_framecounter=0x01020304
                ),
            )
            / Raw(b"\xaa" * 10 + b"\x11\x22\x33\x44"),
        ),
        (
            "data-secured-index",
            _fcf(1, 2, 3, seqnum=0x31, fcf_panidcompress=1, fcf_ackreq=1, **sec)
            / Dot15d4Data(
                dest_panid=0x1A62,
                dest_addr=0x0000,
                src_addr=METER,
                aux_sec_header=Dot15d4AuxSecurityHeader(
                    sec_sc_seclevel=6, sec_sc_keyidmode=1, sec_framecounter=7, sec_keyid_keyindex=2
                ),
            )
            / Raw(b"\xbb" * 16),
        ),
        (
            "data-secured-source4",
            _fcf(1, 2, 2, seqnum=0x32, fcf_panidcompress=1, **sec)
            / Dot15d4Data(
                dest_panid=0x1A62,
                dest_addr=0x0000,
                src_addr=0x796F,
                aux_sec_header=Dot15d4AuxSecurityHeader(
                    sec_sc_seclevel=1,
                    sec_sc_keyidmode=2,
                    sec_framecounter=0xFFFFFFFE,
                    sec_keyid_keysource=0xCAFEF00D,
                    sec_keyid_keyindex=0x10,
                ),
            )
            / Raw(b"open payload" + b"\x01\x02\x03\x04"),
        ),
        (
            "command-secured-source8",
            _cmd(
                3,
                3,
                4,
                dst_addr=HUB,
                src_addr=METER,
                seqnum=0x33,
                fcf_ackreq=1,
                fcf_panidcompress=1,
                aux_sec_header=Dot15d4AuxSecurityHeader(
                    sec_sc_seclevel=5,
                    sec_sc_keyidmode=3,
                    sec_framecounter=0x1000,
                    sec_keyid_keysource=HUB,
                    sec_keyid_keyindex=1,
                ),
                **sec,
            )
            / Raw(b"\xcc" * 4),
        ),
    ]
