"""`WanOutbox`: responses and alerts on their way to head-ends, kept in NVM while none can take them.

Why (issue-level policy, docs/wan.md "Outbox"): a hub answers each command to the head-end that
sent it and sends each alert to every connected head-end; while no head-end is connected, a
real hub keeps them and hands them over when the WAN comes back, bounded by its memory. This is
the mechanism; the hub decides what is a response and what is an alert.

Rules:
- A message goes out at once when nothing is waiting and no NVM transaction is open.
  Otherwise it is pushed on an NVM queue (order kept) and the queue is flushed: after the open
  transaction commits (so a response is never sent for a command whose effects were rolled
  back, and is durable with them), or when `flush()` is called, which the composition root wires
  to the link's `on_connect`.
- A response whose head-end has gone (connection ids do not survive reconnects or restarts) is
  sent to every connected head-end instead, like an alert.
- The queue holds at most `limit` messages: past it the oldest is dropped, logged and reported
  through `on_drop` (once the drop has committed).
- Delivery is at least once: a message leaves the queue, durably, after it was handed to at least
  one connection; a crash in between may send it again after the restart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from hal.nvm import Nvm, NvmFull
from hal.wan.link import WanLink
from protocols.wan import check_message_size

LOGGER = logging.getLogger(__name__)

#: Default number of messages kept while no head-end is connected (about 4 MB of the largest
#: RTDS messages: far more than a day of a home's alerts).
DEFAULT_OUTBOX_LIMIT = 1000

#: Default NVM queue name (the partition is the caller's, e.g. the CHF's).
DEFAULT_QUEUE = "wan/outbox"


@dataclass(frozen=True, slots=True)
class DroppedMessage:
    """A message dropped, unsent, because the outbox was full."""

    seq: int  # its number in the NVM queue
    data: bytes
    connection_id: int | None  # the head-end it answered (this run), None for an alert


class WanOutbox:
    """Send responses and alerts now if possible, else keep them (bounded) in NVM until a head-end connects."""

    def __init__(
        self,
        link: WanLink,
        nvm: Nvm,
        *,
        queue: str = DEFAULT_QUEUE,
        limit: int = DEFAULT_OUTBOX_LIMIT,
        on_drop: Callable[[DroppedMessage], None] | None = None,
    ) -> None:
        self._link = link
        self._nvm = nvm
        self.queue = queue
        self.limit = limit
        self._on_drop = on_drop
        self._flushing = False
        # A run number stored with each message, so a connection id of an earlier run (ids restart
        # at 1) is never mistaken for a connection of this one.
        session_key = f"{queue}/session"
        self._session = int(nvm.get(session_key, 0)) + 1
        nvm.put(session_key, self._session)

    @property
    def pending(self) -> int:
        """Messages waiting in NVM for a head-end."""
        return len(self._nvm.queue(self.queue))

    def respond(self, connection_id: int, data: bytes) -> None:
        """A response to the head-end of `connection_id` (to all head-ends if it has gone)."""
        self._deliver_or_keep(connection_id, data)

    def alert(self, data: bytes) -> None:
        """An alert for every connected head-end."""
        self._deliver_or_keep(None, data)

    def flush(self) -> int:
        """Send what is waiting, in order, while a head-end takes it; how many went out.

        Inside an open NVM transaction this waits for the commit (and returns 0). Called again
        while flushing (a callback raising an alert as a head-end is dropped), it only queues:
        the running flush sends what was added, once.
        """
        if self._nvm.store.in_transaction:
            self._nvm.after_commit(self.flush)
            return 0
        if self._flushing:
            return 0
        self._flushing = True
        try:
            total = 0
            while self._link.connections:
                waiting = self._nvm.queue(self.queue)
                sent: list[int] = []
                for seq, entry in waiting:
                    target = entry["to"] if entry["session"] == self._session else None
                    if not self._send(target, entry["data"]):
                        break
                    sent.append(seq)
                if not sent:
                    break
                with self._nvm.transaction() as tx:
                    for seq in sent:
                        tx.remove(self.queue, seq)
                total += len(sent)
            return total
        finally:
            self._flushing = False

    def _deliver_or_keep(self, target: int | None, data: bytes) -> None:
        check_message_size(data, self._link.limits.max_message_size)  # refused now, not at a later flush
        if not self._nvm.store.in_transaction and not self._nvm.queue(self.queue, first=1) and self._send(target, data):
            return
        self._keep(target, data)
        self.flush()

    def _send(self, target: int | None, data: bytes) -> bool:
        if target is not None and self._link.send(target, data):
            return True
        return self._link.broadcast(data) > 0

    def _keep(self, target: int | None, data: bytes) -> None:
        entry = {"to": target, "session": self._session, "data": data}
        with self._nvm.transaction() as tx:
            try:
                tx.push(self.queue, entry, limit=self.limit)
            except NvmFull:
                [(seq, oldest)] = tx.queue(self.queue, first=1)
                tx.remove(self.queue, seq)
                tx.push(self.queue, entry, limit=self.limit)
                dropped = DroppedMessage(
                    seq, oldest["data"], oldest["to"] if oldest["session"] == self._session else None
                )
                tx.after_commit(lambda: self._report(dropped))

    def _report(self, dropped: DroppedMessage) -> None:
        kind = "an alert" if dropped.connection_id is None else f"a response to head-end {dropped.connection_id}"
        LOGGER.warning(
            "WAN outbox full (%d messages): dropped the oldest, #%d, %s of %d bytes",
            self.limit,
            dropped.seq,
            kind,
            len(dropped.data),
        )
        if self._on_drop is not None:
            self._on_drop(dropped)
