"""NWK and APS commands: scapy-built commands both ways (scapy's ZigbeeNWKCommandPayload and
ZigbeeAppCommandPayload are the independent encoder), field-presence rules, unknown IDs."""

from __future__ import annotations

import pytest
from scapy.layers.zigbee import LinkStatusEntry as ScapyLinkStatusEntry
from scapy.layers.zigbee import ZigbeeAppCommandPayload, ZigbeeNWKCommandPayload
from scapy.packet import Packet

from protocols.zigbee import (
    ConfirmKey,
    EndDeviceTimeoutRequest,
    EndDeviceTimeoutResponse,
    KeyType,
    Leave,
    LinkStatus,
    LinkStatusEntry,
    NetworkReport,
    NetworkStatus,
    NetworkUpdate,
    NwkStatus,
    RejoinRequest,
    RejoinResponse,
    RemoveDevice,
    RequestKey,
    RouteRecord,
    RouteReply,
    RouteRequest,
    TransportKey,
    UpdateDevice,
    VerifyKey,
    ZigbeeDecodeError,
    ZigbeeEncodeError,
    build_aps_command,
    build_nwk_command,
    parse_aps_command,
    parse_nwk_command,
)

KEY = bytes.fromhex("01030507090B0D0F00020406080A0C0D")
A, B = 0x0011223344556677, 0x70B3D5FFFE000001

NWK_VECTORS: list[tuple[Packet, object]] = [
    (
        ZigbeeNWKCommandPayload(
            cmd_identifier=1, many_to_one=1, route_request_identifier=9, destination_address=0xFFFC, path_cost=0
        ),
        RouteRequest(9, 0xFFFC, many_to_one=1),
    ),
    (
        ZigbeeNWKCommandPayload(
            cmd_identifier=1,
            dest_addr_bit=1,
            route_request_identifier=2,
            destination_address=0x1234,
            path_cost=3,
            ext_dst=A,
        ),
        RouteRequest(2, 0x1234, 3, dst_ieee=A),
    ),
    (
        ZigbeeNWKCommandPayload(
            cmd_identifier=2,
            originator_addr_bit=1,
            responder_addr_bit=1,
            route_request_identifier=2,
            originator_address=0,
            responder_address=0x1234,
            path_cost=5,
            originator_addr=A,
            responder_addr=B,
        ),
        RouteReply(2, 0, 0x1234, 5, originator_ieee=A, responder_ieee=B),
    ),
    (
        ZigbeeNWKCommandPayload(cmd_identifier=3, status_code=0x11, destination_address=0x796F),
        NetworkStatus(NwkStatus.BAD_FRAME_COUNTER, 0x796F),
    ),
    (ZigbeeNWKCommandPayload(cmd_identifier=4, request=1, rejoin=1), Leave(request=True, rejoin=True)),
    (ZigbeeNWKCommandPayload(cmd_identifier=4, remove_children=1), Leave(remove_children=True)),
    (
        ZigbeeNWKCommandPayload(cmd_identifier=5, rr_relay_count=2, rr_relay_list=[0x1111, 0x2222]),
        RouteRecord((0x1111, 0x2222)),
    ),
    (
        ZigbeeNWKCommandPayload(
            cmd_identifier=6, allocate_address=1, receiver_on_when_idle=1, power_source=1, device_type=1
        ),
        RejoinRequest(0x8E),
    ),
    (ZigbeeNWKCommandPayload(cmd_identifier=7, network_address=0x4A2B, rejoin_status=0), RejoinResponse(0x4A2B, 0)),
    (
        ZigbeeNWKCommandPayload(
            cmd_identifier=8,
            first_frame=1,
            last_frame=1,
            entry_count=2,
            link_status_list=[
                ScapyLinkStatusEntry(neighbor_network_address=0x0001, incoming_cost=1, outgoing_cost=3),
                ScapyLinkStatusEntry(neighbor_network_address=0x796F, incoming_cost=7, outgoing_cost=7),
            ],
        ),
        LinkStatus((LinkStatusEntry(0x0001, 1, 3), LinkStatusEntry(0x796F, 7, 7))),
    ),
    (
        ZigbeeNWKCommandPayload(
            cmd_identifier=9,
            report_command_identifier=0,
            report_information_count=2,
            epid=B,
            PAN_ID_conflict_report=[0x1A62, 0x1234],
        ),
        NetworkReport(B, (0x1A62, 0x1234)),
    ),
    (
        ZigbeeNWKCommandPayload(
            cmd_identifier=10,
            update_command_identifier=0,
            update_information_count=1,
            epid=B,
            update_id=3,
            new_PAN_ID=0x4321,
        ),
        NetworkUpdate(B, 3, 0x4321),
    ),
    (ZigbeeNWKCommandPayload(cmd_identifier=11, req_timeout=8, ed_conf=0), EndDeviceTimeoutRequest(8)),
    (
        ZigbeeNWKCommandPayload(cmd_identifier=12, status=0, mac_data_poll_keepalive=1, ed_timeout_req_keepalive=1),
        EndDeviceTimeoutResponse(0, 0x03),
    ),
]

APS_VECTORS: list[tuple[Packet, object]] = [
    (
        ZigbeeAppCommandPayload(cmd_identifier=5, key_type=1, key=KEY, key_seqnum=3, dest_addr=B, src_addr=A),
        TransportKey(KeyType.STANDARD_NETWORK, KEY, key_seq=3, dst_ieee=B, src_ieee=A),
    ),
    (
        ZigbeeAppCommandPayload(cmd_identifier=5, key_type=4, key=KEY, dest_addr=B, src_addr=A),
        TransportKey(KeyType.TC_LINK, KEY, dst_ieee=B, src_ieee=A),
    ),
    (
        ZigbeeAppCommandPayload(cmd_identifier=5, key_type=3, key=KEY, partner_addr=B, initiator_flag=1),
        TransportKey(KeyType.APP_LINK, KEY, partner_ieee=B, initiator=1),
    ),
    (
        ZigbeeAppCommandPayload(cmd_identifier=6, address=B, short_address=0x796F, update_status=1),
        UpdateDevice(B, 0x796F, 1),
    ),
    (ZigbeeAppCommandPayload(cmd_identifier=7, address=B), RemoveDevice(B)),
    (ZigbeeAppCommandPayload(cmd_identifier=8, key_type=4), RequestKey(KeyType.TC_LINK)),
    (ZigbeeAppCommandPayload(cmd_identifier=8, key_type=2, partner_addr=A), RequestKey(KeyType.APP_MASTER, A)),
    (ZigbeeAppCommandPayload(cmd_identifier=15, key_type=4, address=B, key_hash=KEY), VerifyKey(4, B, KEY)),
    (ZigbeeAppCommandPayload(cmd_identifier=16, status=0, key_type=4, address=B), ConfirmKey(0, 4, B)),
]


@pytest.mark.parametrize("pkt, command", NWK_VECTORS, ids=[type(c).__name__ for _, c in NWK_VECTORS])
def test_nwk_commands_match_scapy(pkt: Packet, command: object) -> None:
    wire = bytes(pkt)
    assert parse_nwk_command(wire) == command
    assert build_nwk_command(command) == wire  # type: ignore[arg-type]


@pytest.mark.parametrize("pkt, command", APS_VECTORS, ids=[type(c).__name__ for _, c in APS_VECTORS])
def test_aps_commands_match_scapy(pkt: Packet, command: object) -> None:
    wire = bytes(pkt)
    assert parse_aps_command(wire) == command
    assert build_aps_command(command) == wire  # type: ignore[arg-type]


def test_request_key_for_application_link_key_carries_partner() -> None:
    # source: Wireshark packet-zbee-aps.c dissect_zbee_aps_req_key: partner for app master (2) and app link (3)
    assert build_aps_command(RequestKey(KeyType.APP_LINK, A)) == bytes.fromhex("0803") + A.to_bytes(8, "little")


def test_presence_rules_and_unbuildable_values() -> None:
    with pytest.raises(ZigbeeEncodeError, match="key_seq"):
        TransportKey(KeyType.STANDARD_NETWORK, KEY, dst_ieee=B, src_ieee=A)
    with pytest.raises(ZigbeeEncodeError, match="partner_ieee"):
        RequestKey(KeyType.TC_LINK, A)
    with pytest.raises(ZigbeeEncodeError):
        build_aps_command(TransportKey(KeyType.TC_LINK, b"short", dst_ieee=B, src_ieee=A))
    with pytest.raises(ZigbeeEncodeError):
        build_nwk_command(RouteRecord((0x10000,)))
    with pytest.raises(ZigbeeEncodeError):
        build_nwk_command(UpdateDevice(1, 2, 3))  # type: ignore[arg-type]  # an APS command


@pytest.mark.parametrize(
    "parse, data, offset, field",
    [
        (parse_nwk_command, b"", 0, "command_id"),
        (parse_nwk_command, b"\x0d\x00", 0, "command_id"),  # link power delta: not carried
        (parse_nwk_command, b"\x0a\x22" + bytes(11), 2, "update_type"),  # update type 1 is undefined
        (parse_nwk_command, b"\x07\x2b", 2, "body -> short_address"),
        (parse_nwk_command, b"\x04\x60\x00", 2, "end"),  # trailing octet
        (parse_aps_command, b"\x01" + bytes(40), 0, "command_id"),  # SKKE: obsolete
        (parse_aps_command, b"\x05\x01" + KEY, 18, "body -> key_seq"),
    ],
)
def test_malformed_commands_name_field_and_offset(parse: object, data: bytes, offset: int, field: str) -> None:
    with pytest.raises(ZigbeeDecodeError) as err:
        parse(data, base=0)  # type: ignore[operator]
    assert err.value.offset == offset
    assert field in err.value.field
