"""The ZCL frames of GBCS on the HAN, byte for byte against the layouts of gbcs.md 6.1 / radio.md 5.6 and ZCL 2.4."""

from __future__ import annotations

import pytest

from firmware.han import frames
from firmware.han.frames import METERING, TUNNELING
from protocols.gbz.errors import GbzDecodeError
from protocols.gbz.frame import ZclFrame

VECTORS = [  # gbcs.md 6.1: little-endian fields; frame controls 0x11 (client->server) / 0x19 (server->client)
    # RequestTunnel: protocol 6 GB-HRGP, manufacturer 0xFFFF, no flow control, 1 500 octets (0x05DC)
    (
        "request_tunnel",
        {
            "protocol_id": 6,
            "manufacturer_code": 0xFFFF,
            "flow_control_support": False,
            "max_incoming_transfer_size": 1500,
        },
        "11070006ffff00dc05",
    ),
    # RequestTunnelResponse: tunnel id 0x0102, status 0 success, 1 500 octets
    (
        "request_tunnel_response",
        {"tunnel_id": 0x0102, "tunnel_status": 0, "max_incoming_transfer_size": 1500},
        "190700020100dc05",
    ),
    ("transfer_data", {"tunnel_id": 3, "data": bytes.fromhex("dd00")}, "1107020300dd00"),
    ("transfer_data_to_client", {"tunnel_id": 3, "data": bytes.fromhex("0201df")}, "19070103000201df"),
    ("transfer_data_error_to_client", {"tunnel_id": 3, "transfer_data_status": 2}, "190702030002"),
    ("close_tunnel", {"tunnel_id": 9}, "1107010900"),
    ("tunnel_closure_notification", {"tunnel_id": 9}, "1907060900"),
]


@pytest.mark.parametrize(("name", "fields", "wire"), VECTORS)
def test_tunneling_commands(name: str, fields: dict[str, object], wire: str) -> None:
    assert frames.command(TUNNELING, name, 7, **fields).hex() == wire
    decoded = frames.read(TUNNELING, bytes.fromhex(wire))
    assert decoded.name == name and decoded.sequence == 7
    assert {key: getattr(decoded.fields, key) for key in fields} == fields


def test_the_mirror_commands() -> None:
    """SE 1.4 Metering: RequestMirror (s->c 0x01, empty), its response (c->s 0x01, endpoint u16), ConfigureMirror
    (s->c 0x08), and MirrorReportAttributeResponse (c->s 0x09: scheme, then scheme B's five flag words)."""
    assert frames.command(METERING, "request_mirror", 4).hex() == "190401"
    assert frames.command(METERING, "request_mirror_response", 4, endpoint_id=0x0B).hex() == "1104010b00"
    configure = frames.command(
        METERING, "configure_mirror", 5, issuer_event_id=1, reporting_interval=1800,
        mirror_notification_reporting=True, notification_scheme=2,
    )  # fmt: skip
    assert configure.hex() == "19050801000000080700" + "0102"
    flags = [1 << 21, 0, 0, 0, 0]
    answer = frames.command(
        METERING, "mirror_report_attribute_response", 6, notification_scheme=2, notification_flags=flags
    )
    assert answer.hex() == "11060902" + "00002000" + "00000000" * 4


def test_read_attributes_response_types_values_from_zigpys_table() -> None:
    """Time (0x000A) attribute 0 is UTCTime (0xE2), status 0x86 for what the server lacks (ZCL 2.5.2)."""
    request = ZclFrame(0x00, 9, 0x00, bytes.fromhex("00000100ffff"))
    answer = frames.read_response(request, {0x0000: 0x1D2C3B4A, 0x0001: 0x0F}, 0x000A)
    assert answer.hex() == "180901000000e24a3b2c1d010000180fffff86"


def test_a_report_round_trips_with_strings_kept_as_bytes() -> None:
    values = {0x0004: b"commshub", 0x0005: b"GSME\x00binary", 0x0000: 3}
    payload = frames.report_records(0x0000, values)
    assert payload.hex().startswith("00002003")  # ZCLVersion: id 0x0000, uint8 (0x20), 3
    assert frames.parse_report(payload) == values


@pytest.mark.parametrize("cut", [1, 2, 4, 7])
def test_a_short_report_is_a_typed_error(cut: int) -> None:
    payload = frames.report_records(0x0000, {0x0004: b"commshub"})
    with pytest.raises(GbzDecodeError):
        frames.parse_report(payload[:cut])


def test_an_unknown_command_is_a_typed_error() -> None:
    with pytest.raises(GbzDecodeError):
        frames.read(TUNNELING, bytes.fromhex("117f7f"))
