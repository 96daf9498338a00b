"""`firmware.han.Tunnels`: both ends of GB-HRGP tunnels wired back to back in memory (gbcs.md 6.1; radio.md 5.6)."""

from __future__ import annotations

from firmware.han import Closed, Ignored, Opened, Peer, Received, Refused, Reply, TunnelEvent, Tunnels, frames
from firmware.han.frames import TUNNELING

HUB = Peer(0x00DB1234567890A2, 0x0000, 0x0A)
ESME = Peer(0x00DB1234567890A0, 0x1234, 0x01)
PPMID = Peer(0x00DB1234567890A4, 0x5678, 0x01)


def _replies(events: list[TunnelEvent]) -> list[bytes]:
    return [event.payload for event in events if isinstance(event, Reply)]


def _open(client: Tunnels, server: Tunnels, client_peer: Peer, server_peer: Peer) -> None:
    """client_peer's `client` opens a tunnel to server_peer's `server`."""
    asked = server.frame_received(client_peer, client.request(server_peer))
    assert [type(event) for event in asked] == [Reply, Opened]
    assert client.frame_received(server_peer, _replies(asked)[0]) == [Opened(server_peer, server=False)]


def test_a_tunnel_opens_and_carries_messages_both_ways() -> None:
    hub, esme = Tunnels(), Tunnels()
    _open(hub, esme, HUB, ESME)
    assert hub.is_open(ESME.ieee) and esme.serves(HUB.ieee) and not hub.serves(ESME.ieee)
    command = bytes.fromhex("dd00") + bytes(40)
    assert esme.frame_received(HUB, hub.transfer(ESME.ieee, command)) == [Received(HUB, command)]
    response = bytes.fromhex("df09") + bytes(10)
    assert hub.frame_received(ESME, esme.transfer(HUB.ieee, response)) == [Received(ESME, response)]


def test_the_response_grants_gbcs_settings_and_our_maximum() -> None:
    hub, esme = Tunnels(), Tunnels(max_transfer=1200)
    reply = _replies(esme.frame_received(HUB, hub.request(ESME)))[0]
    fields = frames.read(TUNNELING, reply).fields
    assert (int(fields.tunnel_status), int(fields.max_incoming_transfer_size)) == (0, 1200)
    hub.frame_received(ESME, reply)
    assert hub.limit(ESME.ieee) == 1200 and esme.limit(HUB.ieee) == 1500


def _request(**fields: object) -> bytes:
    settings = {"protocol_id": 6, "manufacturer_code": 0xFFFF, "flow_control_support": False,
                "max_incoming_transfer_size": 1500}  # fmt: skip
    return frames.command(TUNNELING, "request_tunnel", 1, **{**settings, **fields})


def _status(server: Tunnels, request: bytes) -> int:
    reply = _replies(server.frame_received(HUB, request))[0]
    return int(frames.read(TUNNELING, reply).fields.tunnel_status)


def test_requests_outside_gbcs_settings_are_refused_with_their_status() -> None:
    assert _status(Tunnels(), _request(protocol_id=0)) == 3  # DLMS/COSEM: protocol not supported
    assert _status(Tunnels(), _request(manufacturer_code=0x1234)) == 3
    assert _status(Tunnels(), _request(flow_control_support=True)) == 4
    full = Tunnels(max_tunnels=1)
    full.frame_received(PPMID, _request())
    assert _status(full, _request()) == 2  # no more tunnel ids


def test_a_refusal_reaches_the_client() -> None:
    hub, picky = Tunnels(), Tunnels(max_tunnels=0)
    reply = _replies(picky.frame_received(HUB, hub.request(ESME)))[0]
    assert hub.frame_received(ESME, reply) == [Refused(ESME, 2)]
    assert not hub.is_open(ESME.ieee)


def _error(events: list[TunnelEvent]) -> int:
    return int(frames.read(TUNNELING, _replies(events)[0]).fields.transfer_data_status)


def test_transfer_data_errors() -> None:
    esme = Tunnels(max_transfer=100)
    hub = Tunnels()
    _open(hub, esme, HUB, ESME)
    tunnel_id = int(frames.read(TUNNELING, hub.transfer(ESME.ieee, b"x")).fields.tunnel_id)
    unknown = frames.command(TUNNELING, "transfer_data", 2, tunnel_id=tunnel_id + 7, data=b"x")
    assert _error(esme.frame_received(HUB, unknown)) == 0  # no such tunnel
    stolen = frames.command(TUNNELING, "transfer_data", 3, tunnel_id=tunnel_id, data=b"x")
    assert _error(esme.frame_received(PPMID, stolen)) == 1  # wrong device
    assert _error(esme.frame_received(HUB, hub.transfer(ESME.ieee, bytes(101)))) == 2  # data overflow


def test_a_no_such_tunnel_error_or_a_closure_forgets_the_tunnel() -> None:
    hub, esme = Tunnels(), Tunnels()
    _open(hub, esme, HUB, ESME)
    restarted = Tunnels()  # the ESME lost its tunnels (a power cut)
    error = _replies(restarted.frame_received(HUB, hub.transfer(ESME.ieee, b"x")))[0]
    assert hub.frame_received(ESME, error) == [Closed(ESME, "TransferDataError NO_SUCH_TUNNEL")]
    assert not hub.is_open(ESME.ieee)
    _open(hub, esme, HUB, ESME)
    closing = hub.close(ESME.ieee)
    assert closing is not None and esme.frame_received(HUB, closing) == [Closed(HUB, "close_tunnel")]
    _open(hub, esme, HUB, ESME)
    notice = esme.close(HUB.ieee)
    assert notice is not None and hub.frame_received(ESME, notice) == [Closed(ESME, "tunnel_closure_notification")]


def test_a_client_asking_again_gets_a_new_tunnel_and_loses_the_old() -> None:
    hub, esme = Tunnels(), Tunnels()
    _open(hub, esme, HUB, ESME)
    old = hub.transfer(ESME.ieee, b"old")
    again = Tunnels()
    _open(again, esme, HUB, ESME)
    assert _error(esme.frame_received(HUB, old)) == 0  # the old tunnel id is gone
    assert esme.frame_received(HUB, again.transfer(ESME.ieee, b"new")) == [Received(HUB, b"new")]


def test_frames_that_are_not_gbcs_tunnelling_are_ignored_not_raised() -> None:
    tunnels = Tunnels()
    assert isinstance(tunnels.frame_received(HUB, b"\x11"), list)
    assert [type(event) for event in tunnels.frame_received(HUB, b"\x11\x01")] == [Ignored]
    supported = frames.command(TUNNELING, "get_supported_tunnel_protocols", 1, protocol_offset=0)
    assert [type(event) for event in tunnels.frame_received(HUB, supported)] == [Ignored]
    response = frames.command(TUNNELING, "request_tunnel_response", 1, tunnel_id=1, tunnel_status=0,
                              max_incoming_transfer_size=1500)  # fmt: skip
    assert [type(event) for event in tunnels.frame_received(HUB, response)] == [Ignored]  # to no request of ours
