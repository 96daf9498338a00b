"""A dict-backed stand-in for a `hal.nvm` partition, with exactly the agreed API (interfaces.md, hal.nvm).

Tests only, until `hal.nvm` lands: values are checked against the NVM value types (so a tuple
that SQLite could not store fails here too), transactions nest (the inner block joins the
outer one and an exception rolls back only the inner block's writes), logs are bounded and
queues refuse entries past their limit.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class NvmFull(Exception):
    """A queue is at its limit."""


def _check(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    if isinstance(value, list):
        return [_check(item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: _check(item) for key, item in value.items()}
    raise TypeError(f"{type(value).__name__} is not an NVM value")


class MemoryNvm:
    """One partition: key/value pairs, bounded logs and FIFO queues."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.logs: dict[str, list[tuple[int, Any]]] = {}
        self.queues: dict[str, list[tuple[int, Any]]] = {}
        self.seq = 0
        self.commits = 0
        self._depth = 0

    def get(self, key: str, default: Any = None) -> Any:
        return copy.deepcopy(self.values.get(key, default))

    def items(self, prefix: str = "") -> dict[str, Any]:
        return {key: copy.deepcopy(value) for key, value in self.values.items() if key.startswith(prefix)}

    def log(self, log: str) -> list[tuple[int, Any]]:
        return copy.deepcopy(self.logs.get(log, []))

    def queue(self, queue: str) -> list[tuple[int, Any]]:
        return copy.deepcopy(self.queues.get(queue, []))

    def put(self, key: str, value: Any) -> None:
        with self.transaction() as tx:
            tx.put(key, value)

    def delete(self, key: str) -> None:
        with self.transaction() as tx:
            tx.delete(key)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        snapshot = (
            dict(self.values),
            {name: list(entries) for name, entries in self.logs.items()},
            {name: list(entries) for name, entries in self.queues.items()},
            self.seq,
        )
        self._depth += 1
        try:
            yield Transaction(self)
        except BaseException:
            self.values, self.logs, self.queues, self.seq = snapshot
            raise
        finally:
            self._depth -= 1
        if self._depth == 0:
            self.commits += 1


class Transaction:
    """The operations of an open transaction."""

    def __init__(self, nvm: MemoryNvm) -> None:
        self._nvm = nvm

    def put(self, key: str, value: Any) -> None:
        self._nvm.values[key] = _check(copy.deepcopy(value))

    def delete(self, key: str) -> None:
        self._nvm.values.pop(key, None)

    def append(self, log: str, value: Any, keep: int) -> int:
        self._nvm.seq += 1
        entries = self._nvm.logs.setdefault(log, [])
        entries.append((self._nvm.seq, _check(copy.deepcopy(value))))
        del entries[: max(0, len(entries) - keep)]
        return self._nvm.seq

    def push(self, queue: str, value: Any, limit: int) -> int:
        entries = self._nvm.queues.setdefault(queue, [])
        if len(entries) >= limit:
            raise NvmFull(queue)
        self._nvm.seq += 1
        entries.append((self._nvm.seq, _check(copy.deepcopy(value))))
        return self._nvm.seq

    def remove(self, queue: str, seq: int) -> None:
        self._nvm.queues[queue] = [entry for entry in self._nvm.queues.get(queue, []) if entry[0] != seq]
