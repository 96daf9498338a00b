"""The GSME's non-volatile state on a `hal.nvm` partition: ZCL attributes, logs, pending commands.

Why one small class: every handler reads and writes the meter through it, so the NVM layout is
written once. Layout (keys of the partition):

- `a/CCCC/AAAA`: ZCL attribute AAAA of cluster CCCC (hex), an int or bytes;
- `k/NAME`: model values with no ZCL attribute (clock, calendars, flags...);
- logs (bounded, oldest dropped): `event/3` and `event/4` (ZSE Events log ids: the event log and
  the security log), `snapshot`, `prepay_snapshot`, `top_up`, `debt`, `samples/N` (sampled data);
- the queue `pending`: future-dated components waiting for their time (gbcs.md 5.3 from-date-time).

Writes made while handling one command happen inside the caller's transaction (`hal.nvm`
transactions nest), so a command's effects land together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the agreed interface (interfaces.md); any object with that API works
    from hal.nvm import Nvm

#: Bounds of the logs (entries kept; the oldest go first).
LOG_LIMITS = {"event/3": 100, "event/4": 100, "snapshot": 200, "prepay_snapshot": 200, "top_up": 10, "debt": 60}
SAMPLE_LIMIT = 800
PENDING_LIMIT = 64


class GsmeState:
    """Attribute and log access for the model; `tx` is the open transaction (or None between commands)."""

    def __init__(self, nvm: Nvm) -> None:
        self.nvm = nvm
        self._tx: Any = None
        #: Read-through cache (the model reads the tariff every half hour it accounts). What a transaction
        #: wrote is evicted when it ends: an enclosing transaction (the envelope layer's) may still roll
        #: it back, and then only the NVM knows the value.
        self._cache: dict[str, Any] = {}
        self._written: set[str] = set()
        self._keys: dict[tuple[int, int], str] = {}

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit: joins an enclosing transaction of the same store (interfaces.md)."""
        outer = self._tx
        try:
            with self.nvm.transaction() as tx:
                self._tx = tx
                try:
                    yield
                finally:
                    self._tx = outer
        finally:
            if outer is None:
                for key in self._written:
                    self._cache.pop(key, None)
                self._written.clear()

    def _get(self, key: str, default: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = self.nvm.get(key)
        value = self._cache[key]
        return default if value is None else value

    def _put(self, key: str, value: Any) -> None:
        self._writer().put(key, value)
        self._cache[key] = value
        self._written.add(key)

    def _writer(self) -> Any:
        return self.nvm if self._tx is None else self._tx

    # --- attributes and values -------------------------------------------------------------------

    def attribute(self, cluster_id: int, attribute_id: int, default: Any = None) -> Any:
        key = self._keys.get((cluster_id, attribute_id))
        if key is None:
            key = self._keys[(cluster_id, attribute_id)] = f"a/{cluster_id:04X}/{attribute_id:04X}"
        return self._get(key, default)

    def has_attribute(self, cluster_id: int, attribute_id: int) -> bool:
        return self.attribute(cluster_id, attribute_id) is not None

    def set_attribute(self, cluster_id: int, attribute_id: int, value: Any) -> None:
        self._put(f"a/{cluster_id:04X}/{attribute_id:04X}", value)

    def attributes(self, cluster_id: int) -> dict[int, Any]:
        prefix = f"a/{cluster_id:04X}/"
        return {int(key[len(prefix) :], 16): value for key, value in self.nvm.items(prefix).items()}

    def value(self, name: str, default: Any = None) -> Any:
        return self._get(f"k/{name}", default)

    def set_value(self, name: str, value: Any) -> None:
        self._put(f"k/{name}", value)

    # --- logs ------------------------------------------------------------------------------------

    def append(self, log: str, entry: dict[str, Any]) -> None:
        keep = SAMPLE_LIMIT if log.startswith("samples/") else LOG_LIMITS[log]
        if self._tx is not None:
            self._tx.append(log, entry, keep=keep)
        else:
            with self.nvm.transaction() as tx:
                tx.append(log, entry, keep=keep)
        self._cache.pop(f"log:{log}", None)
        self._written.add(f"log:{log}")

    def entries(self, log: str) -> list[tuple[int, dict[str, Any]]]:
        """A log's entries, oldest first, without those a clear removed (`clear`)."""
        key = f"log:{log}"
        if key not in self._cache:
            floor = self.value(f"cleared/{log}", 0)
            self._cache[key] = [(seq, entry) for seq, entry in self.nvm.log(log) if seq > floor]
            if self._tx is not None:
                self._written.add(key)  # it may hold entries of this transaction
        return list(self._cache[key])

    def clear(self, log: str) -> None:
        """Hide every entry so far: bounded logs cannot be emptied, so a clear records the last sequence."""
        entries = self.nvm.log(log)
        if entries:
            self.set_value(f"cleared/{log}", entries[-1][0])
        self._cache.pop(f"log:{log}", None)
        self._written.add(f"log:{log}")

    # --- pending future-dated components ---------------------------------------------------------

    def pending(self) -> list[tuple[int, dict[str, Any]]]:
        return self.nvm.queue("pending")

    def add_pending(self, entry: dict[str, Any]) -> None:
        with self.nvm.transaction() as tx:
            tx.push("pending", entry, limit=PENDING_LIMIT)

    def remove_pending(self, seq: int) -> None:
        with self.nvm.transaction() as tx:
            tx.remove("pending", seq)
