"""The ESME's non-volatile state: a typed view of its `hal.nvm` partition (interfaces.md, hal.nvm).

Why a wrapper: every piece of the meter's state (attribute values, registers, credit, pending
future-dated activations, logs and profiles) must survive a power cut, so nothing lives only in
memory. The wrapper keeps one transaction open per entry point (`handle`, `timer_fired`), so a
command's effects commit together (and join the envelope's transaction when one is open), and
stores DLMS values as their A-XDR bytes, which round-trip exactly.

`Nvm` is the part of the agreed `hal.nvm` interface this package uses, written as a Protocol so
any partition with that API fits (the real one, or a dict-backed one in tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from protocols.dlms import Data, axdr


class NvmTransaction(Protocol):
    def put(self, key: str, value: Any) -> None: ...
    def delete(self, key: str) -> None: ...
    def append(self, log: str, value: Any, keep: int) -> int: ...
    def push(self, queue: str, value: Any, limit: int) -> int: ...
    def remove(self, queue: str, seq: int) -> None: ...


class Nvm(Protocol):
    """The `hal.nvm` partition API (interfaces.md): what the ESME stores its state in."""

    def get(self, key: str, default: Any = None) -> Any: ...
    def put(self, key: str, value: Any) -> None: ...
    def delete(self, key: str) -> None: ...
    def transaction(self) -> AbstractContextManager[NvmTransaction]: ...
    def items(self, prefix: str = "") -> dict[str, Any]: ...
    def log(self, log: str) -> list[tuple[int, Any]]: ...
    def queue(self, queue: str) -> list[tuple[int, Any]]: ...


#: Most entries a future-dated queue holds; one command has at most a few dozen activation attributes.
PENDING_LIMIT = 256


class Store:
    """Reads from the partition, writes through the open transaction (or one per write outside one)."""

    def __init__(self, nvm: Nvm) -> None:
        self._nvm = nvm
        self._tx: NvmTransaction | None = None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of work; nested calls join the open one."""
        if self._tx is not None:
            yield
            return
        with self._nvm.transaction() as tx:
            self._tx = tx
            try:
                yield
            finally:
                self._tx = None

    def get(self, key: str, default: Any = None) -> Any:
        return self._nvm.get(key, default)

    def put(self, key: str, value: Any) -> None:
        if self._tx is None:
            self._nvm.put(key, value)
        else:
            self._tx.put(key, value)

    def delete(self, key: str) -> None:
        if self._tx is None:
            self._nvm.delete(key)
        else:
            self._tx.delete(key)

    def get_data(self, key: str, default: Data) -> Data:
        """A stored DLMS value, or `default` when none was ever written."""
        raw = self._nvm.get(key)
        return default if raw is None else axdr.parse(raw)

    def put_data(self, key: str, value: Data) -> None:
        self.put(key, axdr.build(value))

    def append(self, log: str, value: Any, keep: int) -> int:
        with self.transaction():
            assert self._tx is not None
            return self._tx.append(log, value, keep=keep)

    def log(self, log: str) -> list[tuple[int, Any]]:
        return self._nvm.log(log)

    def push(self, queue: str, value: Any) -> int:
        with self.transaction():
            assert self._tx is not None
            return self._tx.push(queue, value, limit=PENDING_LIMIT)

    def remove(self, queue: str, seq: int) -> None:
        with self.transaction():
            assert self._tx is not None
            self._tx.remove(queue, seq)

    def queue(self, queue: str) -> list[tuple[int, Any]]:
        return self._nvm.queue(queue)
