"""A dict-backed stand-in with the agreed `hal.nvm` API (interfaces.md), for these tests only.

To be replaced by `hal.nvm.NvmStore.memory()` once hal.nvm lands. It keeps the semantics the
envelope relies on: transactions nest (an inner block joins the outer one; an exception
escaping it rolls back only its writes), values are copied in and out (as serialisation
would), bounded logs drop their oldest entries, queues refuse pushes past their limit.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class NvmFull(Exception):
    """A queue push past its limit."""


class FakeNvmStore:
    def __init__(self) -> None:
        self.values: dict[tuple[str, str], Any] = {}
        self.logs: dict[tuple[str, str], list[tuple[int, Any]]] = {}
        self.queues: dict[tuple[str, str], list[tuple[int, Any]]] = {}
        self.sequence = 0
        self.depth = 0
        self.commits = 0

    def partition(self, name: str) -> FakeNvm:
        return FakeNvm(self, name)

    def snapshot(self) -> tuple[Any, ...]:
        return copy.deepcopy((self.values, self.logs, self.queues, self.sequence))

    def restore(self, state: tuple[Any, ...]) -> None:
        self.values, self.logs, self.queues, self.sequence = state


_TYPES = (type(None), bool, int, float, str, bytes)


def _check(value: Any) -> Any:
    if isinstance(value, _TYPES):
        return value
    if isinstance(value, list | tuple):
        return [_check(item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: _check(item) for key, item in value.items()}
    raise TypeError(f"{type(value).__name__} cannot be stored in NVM")


class FakeNvm:
    def __init__(self, store: FakeNvmStore, name: str) -> None:
        self._store = store
        self._name = name

    def get(self, key: str, default: Any = None) -> Any:
        return copy.deepcopy(self._store.values.get((self._name, key), default))

    def put(self, key: str, value: Any) -> None:
        with self.transaction() as tx:
            tx.put(key, value)

    def delete(self, key: str) -> None:
        with self.transaction() as tx:
            tx.delete(key)

    @contextmanager
    def transaction(self) -> Iterator[FakeTransaction]:
        saved = self._store.snapshot()
        self._store.depth += 1
        try:
            yield FakeTransaction(self._store, self._name)
        except BaseException:
            self._store.restore(saved)
            raise
        finally:
            self._store.depth -= 1
        if self._store.depth == 0:
            self._store.commits += 1

    def items(self, prefix: str = "") -> dict[str, Any]:
        return {
            key: copy.deepcopy(value)
            for (name, key), value in self._store.values.items()
            if name == self._name and key.startswith(prefix)
        }

    def log(self, log: str) -> list[tuple[int, Any]]:
        return copy.deepcopy(self._store.logs.get((self._name, log), []))

    def queue(self, queue: str) -> list[tuple[int, Any]]:
        return copy.deepcopy(self._store.queues.get((self._name, queue), []))


class FakeTransaction:
    def __init__(self, store: FakeNvmStore, name: str) -> None:
        self._store = store
        self._name = name

    def put(self, key: str, value: Any) -> None:
        self._store.values[(self._name, key)] = _check(copy.deepcopy(value))

    def delete(self, key: str) -> None:
        self._store.values.pop((self._name, key), None)

    def _next(self) -> int:
        self._store.sequence += 1
        return self._store.sequence

    def append(self, log: str, value: Any, keep: int) -> int:
        entries = self._store.logs.setdefault((self._name, log), [])
        seq = self._next()
        entries.append((seq, _check(copy.deepcopy(value))))
        del entries[: max(0, len(entries) - keep)]
        return seq

    def push(self, queue: str, value: Any, limit: int) -> int:
        entries = self._store.queues.setdefault((self._name, queue), [])
        if len(entries) >= limit:
            raise NvmFull(queue)
        seq = self._next()
        entries.append((seq, _check(copy.deepcopy(value))))
        return seq

    def remove(self, queue: str, seq: int) -> None:
        entries = self._store.queues.get((self._name, queue), [])
        entries[:] = [entry for entry in entries if entry[0] != seq]
