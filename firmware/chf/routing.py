"""What the CHF remembers about messages in transit: commands awaiting answers, and the sleepy GSME's queue.

Pending commands (gbcs.md 2.3, 6.5): a command handed on to a HAN device is remembered by
(device, originator, counter) until the device's response comes back - a response has the
command's counter with originator and recipient swapped - so the response goes to the
head-end connection the command came from, or to the HAN device that sent it (a PPMID's
PCS command to the GSME). Connection ids do not survive a restart: an entry made before
it (another `run`) is answered to every head-end. Entries are bounded (oldest dropped) and
forgotten after the response timeout.

GSME queue (gbcs.md 6.2-6.3): commands for the GSME wait in a bounded NVM FIFO per GSME
until the meter's GET takes them, one per GET, the GET-RESPONSE telling how many are
still waiting. A command handed to a GET is "in flight" until the adapter confirms it
gave the GET-RESPONSE to the tunnel (`delivered`), and only then leaves the queue; after a
restart (or a failed send) in-flight commands wait again, so a power cut between the two
loses nothing - at worst the GSME is offered a command twice and its counter check
refuses the second execution. A waiting command not taken within the retrieval timeout
is removed and reported (0x819D). Everything is in NVM.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hal.nvm import NvmFull
from protocols.gbcs.message import Message

if TYPE_CHECKING:
    from hal.nvm import Nvm

_PENDING = "chf.pending"
_QUEUES = "chf.gsme-queues"
_QUEUE = "chf.gsme-queue.{eui}"
_IN_FLIGHT = "chf.gsme-in-flight"


@dataclass(frozen=True, slots=True)
class Pending:
    """A command handed to a HAN device, awaiting its response."""

    device: bytes
    originator: bytes
    counter: int
    message_code: int
    connection_id: int | None  #: the head-end connection it came from (this run only)
    run: int
    reply_device: bytes | None  #: a HAN device that sent the command, when not a head-end
    utc: float
    command: bytes | None  #: the command itself, kept where the GPF needs it with the response

    @property
    def key(self) -> str:
        return pending_key(self.device, self.originator, self.counter)

    def to_nvm(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "originator": self.originator,
            "counter": self.counter,
            "code": self.message_code,
            "connection": self.connection_id,
            "run": self.run,
            "reply_device": self.reply_device,
            "utc": self.utc,
            "command": self.command,
        }

    @classmethod
    def from_nvm(cls, value: dict[str, Any]) -> Pending:
        return cls(
            value["device"],
            value["originator"],
            value["counter"],
            value["code"],
            value["connection"],
            value["run"],
            value["reply_device"],
            value["utc"],
            value["command"],
        )


def pending_key(device: bytes, originator: bytes, counter: int) -> str:
    return f"{device.hex()}:{originator.hex()}:{counter}"


class PendingCommands:
    """Commands awaiting a device's response, in NVM (see the module docstring)."""

    def __init__(self, nvm: Nvm, *, limit: int, timeout: float) -> None:
        self._nvm = nvm
        self._limit = limit
        self.timeout = timeout

    def _all(self) -> dict[str, dict[str, Any]]:
        return dict(self._nvm.get(_PENDING, {}))

    def add(self, pending: Pending) -> None:
        entries = self._all()
        entries[pending.key] = pending.to_nvm()
        while len(entries) > self._limit:
            oldest = min(entries, key=lambda key: entries[key]["utc"])
            del entries[oldest]
        self._nvm.put(_PENDING, entries)

    def take(self, device: bytes, originator: bytes, counter: int) -> Pending | None:
        """The command `originator` sent `device` with `counter` (removed), or None. A response names them as
        its originator, recipient and counter."""
        entries = self._all()
        found = entries.pop(pending_key(device, originator, counter), None)
        if found is None:
            return None
        self._nvm.put(_PENDING, entries)
        return Pending.from_nvm(found)

    def drop_device(self, device: bytes) -> list[Pending]:
        entries = self._all()
        dropped = [key for key, value in entries.items() if value["device"] == device]
        if dropped:
            self._nvm.put(_PENDING, {key: value for key, value in entries.items() if key not in dropped})
        return [Pending.from_nvm(entries[key]) for key in dropped]

    def expire(self, utc: float) -> list[Pending]:
        """Forget the commands whose response did not come within the timeout."""
        entries = self._all()
        old = [key for key, value in entries.items() if value["utc"] + self.timeout <= utc]
        if old:
            self._nvm.put(_PENDING, {key: value for key, value in entries.items() if key not in old})
        return [Pending.from_nvm(entries[key]) for key in old]

    def next_expiry(self) -> float | None:
        entries = self._all()
        return min(value["utc"] for value in entries.values()) + self.timeout if entries else None

    def entries(self) -> list[Pending]:
        return [Pending.from_nvm(value) for value in self._all().values()]


@dataclass(frozen=True, slots=True)
class Queued:
    """A command waiting for the GSME."""

    seq: int
    data: bytes
    originator: bytes
    counter: int
    message_code: int
    utc: float  #: when it was queued


class GsmeQueues:
    """The bounded NVM queue of commands for each sleepy GSME (see the module docstring)."""

    def __init__(self, nvm: Nvm, *, limit: int, timeout: float) -> None:
        self._nvm = nvm
        self.limit = limit
        self.timeout = timeout

    def euis(self) -> list[bytes]:
        return list(self._nvm.get(_QUEUES, []))

    def queued(self, eui: bytes) -> list[Queued]:
        return [
            Queued(seq, entry["data"], entry["originator"], entry["counter"], entry["code"], entry["utc"])
            for seq, entry in self._nvm.queue(_QUEUE.format(eui=eui.hex()))
        ]

    def _in_flight(self) -> dict[str, list[int]]:
        return dict(self._nvm.get(_IN_FLIGHT, {}))

    def waiting(self, eui: bytes) -> list[Queued]:
        """The commands not yet handed to a GET."""
        flying = set(self._in_flight().get(eui.hex(), []))
        return [entry for entry in self.queued(eui) if entry.seq not in flying]

    def count(self, eui: bytes) -> int:
        return len(self.waiting(eui))

    def put(self, eui: bytes, message: Message, data: bytes, utc: float) -> bool:
        """Queue `data` for `eui`; False (nothing written) when its queue is full."""
        entry = {
            "data": data,
            "originator": message.originator,
            "counter": message.originator_counter,
            "code": message.message_code,
            "utc": utc,
        }
        try:
            with self._nvm.transaction() as tx:
                tx.push(_QUEUE.format(eui=eui.hex()), entry, limit=self.limit)
                if eui not in self.euis():
                    tx.put(_QUEUES, [*self.euis(), eui])
        except NvmFull:
            return False
        return True

    def take(self, eui: bytes) -> tuple[Queued | None, int]:
        """The first waiting command (now in flight) and how many wait after it."""
        waiting = self.waiting(eui)
        if not waiting:
            return None, 0
        in_flight = self._in_flight()
        in_flight[eui.hex()] = [*in_flight.get(eui.hex(), []), waiting[0].seq]
        self._nvm.put(_IN_FLIGHT, in_flight)
        return waiting[0], len(waiting) - 1

    def delivered(self, eui: bytes, seq: int) -> None:
        """The GET-RESPONSE carrying command `seq` reached the tunnel: it leaves the queue."""
        with self._nvm.transaction():
            self._nvm.remove(_QUEUE.format(eui=eui.hex()), seq)
            self._forget_in_flight(eui, {seq})

    def _forget_in_flight(self, eui: bytes, seqs: set[int] | None = None) -> None:
        in_flight = self._in_flight()
        kept = [seq for seq in in_flight.pop(eui.hex(), []) if seqs is not None and seq not in seqs]
        if kept:
            in_flight[eui.hex()] = kept
        self._nvm.put(_IN_FLIGHT, in_flight)

    def release_in_flight(self, eui: bytes | None = None) -> None:
        """Commands in flight (to `eui`, or to every GSME) wait again: a restart, or a failed send."""
        if eui is None:
            self._nvm.put(_IN_FLIGHT, {})
        else:
            self._forget_in_flight(eui)

    def remove(self, eui: bytes, seq: int) -> None:
        with self._nvm.transaction():
            self._nvm.remove(_QUEUE.format(eui=eui.hex()), seq)
            self._forget_in_flight(eui, {seq})

    def drop(self, eui: bytes) -> list[Queued]:
        """Empty `eui`'s queue (it left the device log); what was in it."""
        queued = self.queued(eui)
        with self._nvm.transaction():
            for entry in queued:
                self._nvm.remove(_QUEUE.format(eui=eui.hex()), entry.seq)
            self._forget_in_flight(eui)
            self._nvm.put(_QUEUES, [known for known in self.euis() if known != eui])
        return queued

    def overdue(self, utc: float) -> list[tuple[bytes, Queued]]:
        """Commands queued longer than the retrieval timeout (not removed here)."""
        return [(eui, entry) for eui in self.euis() for entry in self.queued(eui) if entry.utc + self.timeout <= utc]

    def next_overdue(self) -> float | None:
        """UTC at which the oldest queued command becomes overdue."""
        fronts = [waiting[0].utc for eui in self.euis() if (waiting := self.waiting(eui))]
        return min(fronts) + self.timeout if fronts else None
