"""The ESME's non-volatile state: a typed view of its `hal.nvm` partition (interfaces.md, hal.nvm).

Why a wrapper: every piece of the meter's state (attribute values, registers, credit, pending
future-dated activations, logs and profiles) must survive a power cut, so nothing lives only in
memory. The wrapper keeps one transaction open per entry point (`handle`, `timer_fired`), so a
command's effects commit together (and join the envelope's transaction when one is open), and
stores DLMS values as their A-XDR bytes, which round-trip exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hal.nvm import Nvm
from protocols.dlms import Data, axdr

#: Most entries a future-dated queue holds; one command has at most a few dozen activation attributes.
PENDING_LIMIT = 256


class Store:
    """The partition, with DLMS values stored as A-XDR and a read cache valid for one entry-point call.

    The cache is filled by reads and updated by writes during one `transaction()` and dropped
    when it ends, so a rollback of the envelope's enclosing transaction after the call can
    never leave it stale.
    """

    def __init__(self, nvm: Nvm) -> None:
        self._nvm = nvm
        self._depth = 0
        self._cache: dict[str, Any] = {}

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of work (a savepoint inside an enclosing transaction)."""
        with self._nvm.transaction():
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._cache.clear()

    def get(self, key: str, default: Any = None) -> Any:
        if self._depth and key in self._cache:
            value = self._cache[key]
        else:
            value = self._nvm.get(key)
            if self._depth:
                self._cache[key] = value
        return default if value is None else value

    def put(self, key: str, value: Any) -> None:
        self._nvm.put(key, value)
        if self._depth:
            self._cache[key] = value

    def delete(self, key: str) -> None:
        self._nvm.delete(key)
        if self._depth:
            self._cache[key] = None

    def get_data(self, key: str, default: Data) -> Data:
        """A stored DLMS value, or `default` when none was ever written."""
        raw = self.get(key)
        return default if raw is None else axdr.parse(raw)

    def put_data(self, key: str, value: Data) -> None:
        self.put(key, axdr.build(value))

    def append(self, log: str, value: Any, keep: int) -> int:
        return self._nvm.append(log, value, keep=keep)

    def log(self, log: str) -> list[tuple[int, Any]]:
        return self._nvm.log(log)

    def push(self, queue: str, value: Any) -> int:
        return self._nvm.push(queue, value, limit=PENDING_LIMIT)

    def remove(self, queue: str, seq: int) -> None:
        self._nvm.remove(queue, seq)

    def queue(self, queue: str) -> list[tuple[int, Any]]:
        return self._nvm.queue(queue)
