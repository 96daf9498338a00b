"""GBCS on the HAN, both ends: GB-HRGP tunnels over the ZigBee Tunneling cluster (gbcs.md 6.1-6.3), and the
ZigBee state a HAN node keeps in `hal.nvm`.

- `frames`: the Smart Energy ZCL frames GBCS uses (Tunneling, the gas mirror's Metering
  commands, Read / Report Attributes), built and read with zigpy's cluster definitions.
- `tunnels.Tunnels`: a node's tunnels as a sans-I/O machine, client and server.
- `segments`: GBT blocks for messages longer than a tunnel takes, and their reassembly.
- `header`: the one-byte GB tunnel header between the GSME and the CHF (GET / GET-RESPONSE / PUT).
"""

from .tunnels import Closed, Ignored, NoTunnel, Opened, Peer, Received, Refused, Reply, TunnelEvent, Tunnels

__all__ = [
    "Closed",
    "Ignored",
    "NoTunnel",
    "Opened",
    "Peer",
    "Received",
    "Refused",
    "Reply",
    "TunnelEvent",
    "Tunnels",
]
