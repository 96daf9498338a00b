"""A GBCS device the CHF reaches over a tunnel it opens: ESME, PPMID, HCALCS, the a6 device (gbcs.md 6.1-6.2).

The device serves the Tunneling cluster on its Smart Energy endpoint; after it joined, the
hub discovers that endpoint (zigpy's interview) and opens a GB-HRGP tunnel as client. What
arrives on the tunnel is a whole GBCS message, or a GBT block of one (`firmware.han.segments`
puts them together); the device's `firmware.gbcs` endpoint checks and answers it.

What the endpoint answers goes back over the same tunnel (`HanNode.flush`); when the hub
(re)opens the tunnel, whatever waited in the outbox goes out.
"""

from __future__ import annotations

import logging

from firmware.han import Opened, Received, TunnelEvent

from .han_node import HanNode

LOGGER = logging.getLogger(__name__)


class TunnelServerNode(HanNode):
    """A GBCS device serving a tunnel to the CHF (see the module docstring)."""

    def tunnel_event(self, event: TunnelEvent) -> None:
        super().tunnel_event(event)
        if isinstance(event, Received):
            whole = self.reassembly.add(event.data)
            if whole is not None:
                self.receive_command(whole)
        elif isinstance(event, Opened):
            LOGGER.info("%s: tunnel open with %016x", self.name, event.peer.ieee)
            self.attached.set()
            self.deliver([])
