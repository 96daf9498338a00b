"""A dict-backed NVM partition with the agreed `hal.nvm.Nvm` API (interfaces.md), for tests only.

It stands in for `NvmStore.memory().partition(...)` until `hal.nvm` lands; the transaction
semantics are the agreed ones: everything inside commits together, an exception rolls the block
back (nested blocks join the outer one, savepoint-style), logs are bounded, queues raise when full.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class NvmFull(Exception):
    """A durable queue is at its limit."""


class MemoryNvm:
    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self._logs: dict[str, list[tuple[int, Any]]] = {}
        self._queues: dict[str, list[tuple[int, Any]]] = {}
        self._seq = 0

    def get(self, key: str, default: Any = None) -> Any:
        value = self._data.get(key, default)
        return copy.deepcopy(value) if isinstance(value, (dict, list)) else value

    def put(self, key: str, value: Any) -> None:
        self._data[key] = copy.deepcopy(value)

    def delete(self, key: str) -> None:
        self._data.pop(key, None)

    def items(self, prefix: str = "") -> dict[str, Any]:
        return {k: copy.deepcopy(v) for k, v in self._data.items() if k.startswith(prefix)}

    def log(self, log: str) -> list[tuple[int, Any]]:
        return copy.deepcopy(self._logs.get(log, []))

    def queue(self, queue: str) -> list[tuple[int, Any]]:
        return copy.deepcopy(self._queues.get(queue, []))

    def append(self, log: str, value: Any, keep: int) -> int:
        self._seq += 1
        entries = self._logs.setdefault(log, [])
        entries.append((self._seq, copy.deepcopy(value)))
        del entries[: max(0, len(entries) - keep)]
        return self._seq

    def push(self, queue: str, value: Any, limit: int) -> int:
        entries = self._queues.setdefault(queue, [])
        if len(entries) >= limit:
            raise NvmFull(queue)
        self._seq += 1
        entries.append((self._seq, copy.deepcopy(value)))
        return self._seq

    def remove(self, queue: str, seq: int) -> None:
        self._queues[queue] = [entry for entry in self._queues.get(queue, []) if entry[0] != seq]

    @contextmanager
    def transaction(self) -> Iterator[MemoryNvm]:
        # values are copied on the way in and out, so shallow copies are a faithful snapshot
        saved = (
            dict(self._data),
            {k: list(v) for k, v in self._logs.items()},
            {k: list(v) for k, v in self._queues.items()},
            self._seq,
        )
        try:
            yield self
        except BaseException:
            self._data, self._logs, self._queues, self._seq = saved
            raise
