"""The CHF's WAN outbox: every message for a head-end is kept in NVM until the adapter confirms it sent it.

Why: a response or alert the CHF produced is part of the state change that produced it
(an accepted command's response, a queue timeout's alert); if the power fails before the
adapter has handed it to the WAN link, it must still go out after the restart (gbcs.md 2.3:
"never silence"). The endpoints of `firmware.gbcs` keep their own outboxes; their sealed
messages move here in the same NVM transaction, so there is one place to resume from.
Connection ids do not survive a restart: a response queued in an earlier run goes to every
head-end. Past `limit` messages the oldest is dropped and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from firmware.chf.actions import Action, ToDevice, ToWan
from firmware.gbcs.endpoint import GbcsEndpoint, Outbound
from hal.nvm import NvmFull
from protocols.gbcs.message import Cra

if TYPE_CHECKING:
    from hal.nvm import Nvm

LOGGER = logging.getLogger(__name__)
WAN_OUTBOX = "chf.wan-outbox"


class ChfOutbox:
    """Messages for the WAN, in NVM until sent (see the module docstring)."""

    def __init__(self, nvm: Nvm, *, limit: int, run: int, is_device: Callable[[bytes], bool]) -> None:
        self._nvm = nvm
        self._limit = limit
        self._run = run
        self._is_device = is_device

    def wan(self, data: bytes, connection_id: int | None) -> ToWan:
        """Keep `data` for the WAN; the order to send it to `connection_id` (None: every head-end)."""
        entry = {"data": data, "connection": connection_id, "run": self._run}
        with self._nvm.transaction():
            try:
                seq = self._nvm.push(WAN_OUTBOX, entry, limit=self._limit)
            except NvmFull:
                for oldest, dropped in self._nvm.queue(WAN_OUTBOX, first=1):
                    self._nvm.remove(WAN_OUTBOX, oldest)
                    LOGGER.warning("WAN outbox full: dropped a %d-byte message", len(dropped["data"]))
                seq = self._nvm.push(WAN_OUTBOX, entry, limit=self._limit)
        return ToWan(connection_id, data, seq)

    def sent(self, seq: int) -> None:
        self._nvm.remove(WAN_OUTBOX, seq)

    def unsent(self) -> list[ToWan]:
        """What is still to send (connections of an earlier run are gone: those go to every head-end)."""
        return [
            ToWan(entry["connection"] if entry["run"] == self._run else None, entry["data"], seq)
            for seq, entry in self._nvm.queue(WAN_OUTBOX)
        ]

    def take(self, endpoint: GbcsEndpoint, out: Sequence[Outbound], connection_id: int | None) -> list[Action]:
        """An endpoint's sealed messages as orders - responses to `connection_id`, or to the HAN device that sent
        the command; alerts to every head-end - each moved from the endpoint's outbox to this one."""
        actions: list[Action] = []
        with self._nvm.transaction():
            for message in out:
                if self._is_device(message.destination):
                    actions.append(ToDevice(message.destination, message.data))
                else:
                    actions.append(self.wan(message.data, connection_id if message.cra is Cra.RESPONSE else None))
                endpoint.sent(message.seq)
        return actions
