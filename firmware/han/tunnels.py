"""GB-HRGP tunnels of one HAN node, both ends, as a sans-I/O machine (gbcs.md 6.1-6.2; radio.md 5.6).

Why one machine for both ends: the CHF is a tunnel *client* of the ESME, PPMID and HCALCS and
the *server* of the GSME's tunnel; the meters are one or the other. The Tunneling cluster's
rules are the same whichever way round, so one object keyed by the peer serves a node:

- Client: `request(peer)` gives a RequestTunnel (protocol 6 GB-HRGP, manufacturer 0xFFFF, no
  flow control, our maximum incoming transfer size); the server's RequestTunnelResponse opens
  the tunnel (`Opened`) or refuses it (`Refused`, with the status).
- Server: a RequestTunnel is accepted when it asks for GB-HRGP from the standard manufacturer
  without flow control (else PROTOCOL_NOT_SUPPORTED / FLOW_CONTROL_NOT_SUPPORTED), while fewer
  than `max_tunnels` are open (else NO_MORE_TUNNEL_IDS). A peer asking again (it restarted)
  gets a new tunnel and its old one is forgotten: GBCS keeps one tunnel per device.
- Both: TransferData on an open tunnel from its own peer is `Received`; on an unknown tunnel
  id the answer is TransferDataError NO_SUCH_TUNNEL, from another device WRONG_DEVICE, and
  data longer than our maximum DATA_OVERFLOW (ZigBee SE Tunneling, gbcs.md 6.1). A
  TransferDataError NO_SUCH_TUNNEL or a closure (CloseTunnel to a server,
  TunnelClosureNotification to a client) forgets the tunnel (`Closed`); the node opens a new
  one when it next has something to send.
- `transfer(ieee, data)` gives the TransferData frame in our direction of that tunnel;
  `fits(ieee, size)` says whether the peer takes it in one transfer (`segments` cuts longer
  GBCS messages into GBT blocks).

Each input is one received ZCL frame of cluster 0x0704 with the peer it came from; each output
a list of events, and frames to send back are `Reply` events. Nothing here waits or reads a clock.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from protocols.gbz.errors import GbzDecodeError
from protocols.zigbee.smart_energy import TransferDataStatus, TunnelStatus

from . import frames
from .frames import GB_HRGP, MANUFACTURER_CODE, MAX_TRANSFER, TUNNELING

#: Tunnel ids a server hands out: 0x0000-0xFFFE (0xFFFF is "no tunnel" in RequestTunnelResponse).
_LAST_TUNNEL_ID = 0xFFFE


@dataclass(frozen=True, slots=True)
class Peer:
    """Where the other end of a tunnel is: its EUI-64, NWK address and Tunneling endpoint."""

    ieee: int
    nwk: int
    endpoint: int


@dataclass(frozen=True, slots=True)
class Reply:
    """A Tunneling frame to send back to `peer` (a response or an error)."""

    peer: Peer
    payload: bytes


@dataclass(frozen=True, slots=True)
class Received:
    """Whole transfer data from `peer` (a GBCS message, or a GB tunnel header and one)."""

    peer: Peer
    data: bytes


@dataclass(frozen=True, slots=True)
class Opened:
    """A tunnel with `peer` is open (we are its client or its server)."""

    peer: Peer
    server: bool  #: we serve it


@dataclass(frozen=True, slots=True)
class Refused:
    """Our RequestTunnel was refused with `status` (a `TunnelStatus`)."""

    peer: Peer
    status: int


@dataclass(frozen=True, slots=True)
class Closed:
    """The tunnel with `peer` is gone (closed by it, or unknown to it)."""

    peer: Peer
    reason: str


@dataclass(frozen=True, slots=True)
class Ignored:
    """A frame that is not part of the tunnel protocol as GBCS uses it, or does not decode; logged by the node."""

    peer: Peer
    reason: str


TunnelEvent = Reply | Received | Opened | Refused | Closed | Ignored


class NoTunnel(Exception):
    """There is no open tunnel with that device."""


@dataclass(slots=True)
class _Tunnel:
    peer: Peer
    tunnel_id: int
    server: bool  #: we are the server of this tunnel
    peer_max: int  #: the peer's maximum incoming transfer size


@dataclass(slots=True)
class Tunnels:
    """The GB-HRGP tunnels of one node (see the module docstring)."""

    max_transfer: int = MAX_TRANSFER
    max_tunnels: int = 16
    _tunnels: dict[int, _Tunnel] = field(default_factory=dict)  #: by the peer's EUI-64
    _requested: dict[int, Peer] = field(default_factory=dict)  #: RequestTunnels awaiting their response
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _sequence: itertools.count[int] = field(default_factory=itertools.count)

    # -- queries --------------------------------------------------------------------------------

    def is_open(self, ieee: int) -> bool:
        return ieee in self._tunnels

    def peer(self, ieee: int) -> Peer | None:
        tunnel = self._tunnels.get(ieee)
        return None if tunnel is None else tunnel.peer

    def peers(self) -> list[Peer]:
        return [tunnel.peer for tunnel in self._tunnels.values()]

    def serves(self, ieee: int) -> bool:
        """Whether we are the server of the open tunnel with `ieee`."""
        tunnel = self._tunnels.get(ieee)
        return tunnel is not None and tunnel.server

    def fits(self, ieee: int, size: int) -> bool:
        """Whether the peer takes `size` octets in one TransferData."""
        tunnel = self._tunnels.get(ieee)
        return tunnel is not None and size <= tunnel.peer_max

    def limit(self, ieee: int) -> int:
        """The peer's maximum incoming transfer size (raises NoTunnel)."""
        return self._tunnel(ieee).peer_max

    # -- what we send -----------------------------------------------------------------------------

    def _next_sequence(self) -> int:
        return next(self._sequence) & 0xFF

    def request(self, peer: Peer) -> bytes:
        """RequestTunnel to `peer`'s Tunneling server (we become its client)."""
        self._requested[peer.ieee] = peer
        return frames.command(
            TUNNELING,
            "request_tunnel",
            self._next_sequence(),
            protocol_id=GB_HRGP,
            manufacturer_code=MANUFACTURER_CODE,
            flow_control_support=False,
            max_incoming_transfer_size=self.max_transfer,
        )

    def transfer(self, ieee: int, data: bytes) -> bytes:
        """TransferData of `data` on the tunnel with `ieee`, in our direction; raises NoTunnel."""
        tunnel = self._tunnel(ieee)
        name = "transfer_data_to_client" if tunnel.server else "transfer_data"
        return frames.command(TUNNELING, name, self._next_sequence(), tunnel_id=tunnel.tunnel_id, data=data)

    def close(self, ieee: int) -> bytes | None:
        """Close the tunnel with `ieee`: CloseTunnel (client) or TunnelClosureNotification (server); None if none."""
        tunnel = self._tunnels.pop(ieee, None)
        if tunnel is None:
            return None
        name = "tunnel_closure_notification" if tunnel.server else "close_tunnel"
        return frames.command(TUNNELING, name, self._next_sequence(), tunnel_id=tunnel.tunnel_id)

    def forget(self, ieee: int) -> None:
        """Drop the tunnel with `ieee` without telling it (the device left the network)."""
        self._tunnels.pop(ieee, None)
        self._requested.pop(ieee, None)

    def _tunnel(self, ieee: int) -> _Tunnel:
        tunnel = self._tunnels.get(ieee)
        if tunnel is None:
            raise NoTunnel(f"no tunnel with {ieee:016x}")
        return tunnel

    # -- what we receive --------------------------------------------------------------------------

    def frame_received(self, peer: Peer, payload: bytes) -> list[TunnelEvent]:
        """One Tunneling frame from `peer`: what it leads to."""
        try:
            frame = frames.read(TUNNELING, payload)
        except GbzDecodeError as exc:
            return [Ignored(peer, f"undecodable Tunneling frame: {exc}")]
        if frame.name is None:
            return [Ignored(peer, f"profile-wide command 0x{frame.command_id:02X}")]
        handler = _HANDLERS.get(frame.name)
        if handler is None:
            return [Ignored(peer, f"{frame.name} is not used by GBCS")]
        return handler(self, peer, frame)

    def _request_tunnel(self, peer: Peer, frame: frames.Frame) -> list[TunnelEvent]:
        fields = frame.fields
        if int(fields.protocol_id) != GB_HRGP or int(fields.manufacturer_code) != MANUFACTURER_CODE:
            return [self._tunnel_response(peer, frame, 0xFFFF, TunnelStatus.PROTOCOL_NOT_SUPPORTED)]
        if bool(fields.flow_control_support):
            return [self._tunnel_response(peer, frame, 0xFFFF, TunnelStatus.FLOW_CONTROL_NOT_SUPPORTED)]
        self._tunnels.pop(peer.ieee, None)
        if len(self._tunnels) >= self.max_tunnels:
            return [self._tunnel_response(peer, frame, 0xFFFF, TunnelStatus.NO_MORE_TUNNEL_IDS)]
        tunnel_id = self._free_id()
        self._tunnels[peer.ieee] = _Tunnel(peer, tunnel_id, True, int(fields.max_incoming_transfer_size))
        return [self._tunnel_response(peer, frame, tunnel_id, TunnelStatus.SUCCESS), Opened(peer, server=True)]

    def _free_id(self) -> int:
        used = {tunnel.tunnel_id for tunnel in self._tunnels.values()}
        while (candidate := next(self._ids) % (_LAST_TUNNEL_ID + 1)) in used:
            pass
        return candidate

    def _tunnel_response(self, peer: Peer, frame: frames.Frame, tunnel_id: int, status: TunnelStatus) -> Reply:
        payload = frames.command(
            TUNNELING,
            "request_tunnel_response",
            frame.sequence,
            tunnel_id=tunnel_id,
            tunnel_status=status,
            max_incoming_transfer_size=self.max_transfer,
        )
        return Reply(peer, payload)

    def _request_tunnel_response(self, peer: Peer, frame: frames.Frame) -> list[TunnelEvent]:
        asked = self._requested.pop(peer.ieee, None)
        if asked is None:
            return [Ignored(peer, "RequestTunnelResponse to no request of ours")]
        fields = frame.fields
        if int(fields.tunnel_status) != TunnelStatus.SUCCESS:
            return [Refused(peer, int(fields.tunnel_status))]
        self._tunnels[peer.ieee] = _Tunnel(peer, int(fields.tunnel_id), False, int(fields.max_incoming_transfer_size))
        return [Opened(peer, server=False)]

    def _transfer_data(self, peer: Peer, frame: frames.Frame) -> list[TunnelEvent]:
        tunnel_id, data = int(frame.fields.tunnel_id), bytes(frame.fields.data)
        name = "transfer_data_error_to_client" if frame.name == "transfer_data" else "transfer_data_error"
        server = frame.name == "transfer_data"  # a client sent it: we must be this tunnel's server
        own = self._tunnels.get(peer.ieee)
        if own is None or own.tunnel_id != tunnel_id or own.server != server:
            others = (t for t in self._tunnels.values() if t.server and server and t.tunnel_id == tunnel_id)
            status = TransferDataStatus.WRONG_DEVICE if any(others) else TransferDataStatus.NO_SUCH_TUNNEL
            return [self._error(peer, name, tunnel_id, status)]
        if len(data) > self.max_transfer:
            return [self._error(peer, name, tunnel_id, TransferDataStatus.DATA_OVERFLOW)]
        own.peer = peer  # its NWK address may have changed since (a rejoin)
        return [Received(peer, data)]

    def _error(self, peer: Peer, name: str, tunnel_id: int, status: TransferDataStatus) -> Reply:
        payload = frames.command(
            TUNNELING, name, self._next_sequence(), tunnel_id=tunnel_id, transfer_data_status=status
        )
        return Reply(peer, payload)

    def _transfer_data_error(self, peer: Peer, frame: frames.Frame) -> list[TunnelEvent]:
        status = int(frame.fields.transfer_data_status)
        tunnel = self._tunnels.get(peer.ieee)
        if tunnel is None or tunnel.tunnel_id != int(frame.fields.tunnel_id):
            return [Ignored(peer, f"TransferDataError {status} on a tunnel we do not have")]
        if status == TransferDataStatus.DATA_OVERFLOW:
            return [Ignored(peer, "TransferDataError: data overflow (our transfer exceeded its maximum)")]
        del self._tunnels[peer.ieee]
        return [Closed(peer, f"TransferDataError {TransferDataStatus(status).name}")]

    def _closed_by_peer(self, peer: Peer, frame: frames.Frame) -> list[TunnelEvent]:
        tunnel = self._tunnels.get(peer.ieee)
        if tunnel is None or tunnel.tunnel_id != int(frame.fields.tunnel_id):
            return [Ignored(peer, f"{frame.name} of a tunnel we do not have")]
        del self._tunnels[peer.ieee]
        return [Closed(peer, frame.name or "closed")]


_HANDLERS = {
    "request_tunnel": Tunnels._request_tunnel,
    "request_tunnel_response": Tunnels._request_tunnel_response,
    "transfer_data": Tunnels._transfer_data,
    "transfer_data_to_client": Tunnels._transfer_data,
    "transfer_data_error": Tunnels._transfer_data_error,
    "transfer_data_error_to_client": Tunnels._transfer_data_error,
    "close_tunnel": Tunnels._closed_by_peer,
    "tunnel_closure_notification": Tunnels._closed_by_peer,
}
