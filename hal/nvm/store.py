"""`NvmStore` (one SQLite file) and `Nvm` (one partition of it): the hub's non-volatile memory.

Why SQLite (architecture.md, hal.nvm): a Communications Hub keeps its device log, counters,
queued commands, pending alerts and logs across power cuts. SQLite gives atomic, durable
transactions on one file, recovery after a crash, and a format anyone can inspect.

Shape, and why:
- One file, several partitions (`"chf"`, `"gpf"`, `"device/<eui>"`): a transaction spans
  partitions, so a command's effects on the CHF and on a device commit together.
- Write-ahead logging (https://sqlite.org/wal.html) in EXCLUSIVE locking mode: commits append
  to the log (fast), a crash is recovered on the next open, and the file stays locked for as
  long as a store has it open, so a second process gets `NvmLocked` instead of two writers.
- `Durability.FULL` (SQLite `synchronous=FULL`, the default) syncs the log on every commit:
  a committed transaction survives a power cut. `Durability.NORMAL` syncs only at checkpoints:
  a commit survives the process being killed, and a power cut may lose the last commits (never
  corrupts). FULL is the default because a hub's NVM exists for power cuts and GBCS replay
  protection depends on it: an originator counter that went back after a power cut would let a
  replayed command in. NORMAL is for simulations and CI, where the process, not the machine,
  is what dies (3 to 90 times the commit rate of FULL here, with the disk; `python -m bench nvm`).
- Transactions nest (interfaces.md): the outermost `transaction()` is a SQLite transaction,
  each inner one a savepoint. An exception leaving a block undoes that block's writes only
  and propagates; only the outermost commit makes anything durable. Each single write outside
  a block is its own transaction; inside one it joins it.
- One asyncio loop uses a store (no threads). A block must not `await`: another task's writes
  would land in it. A write from another task while a block is open raises
  `NvmTransactionError` rather than silently joining it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import Callable
from enum import Enum
from types import TracebackType
from typing import Any, Generic, TypeVar

from hal.nvm import schema, values
from hal.nvm.errors import (
    MEMORY_PATH,
    NvmClosed,
    NvmCorrupt,
    NvmError,
    NvmFull,
    NvmOpenError,
    NvmReadOnly,
    NvmSchemaTooNew,
    NvmTransactionError,
    NvmValueError,
    translate,
)

LOGGER = logging.getLogger(__name__)

ScopeResult = TypeVar("ScopeResult")


class Durability(Enum):
    """What a commit survives (SQLite `PRAGMA synchronous` in WAL mode)."""

    FULL = "FULL"  # the log is synced at every commit: survives a power cut
    NORMAL = "NORMAL"  # synced at checkpoints: survives a killed process, a power cut may lose the last commits


#: FULL: a hub's NVM is for power cuts (see the module docstring).
DEFAULT_DURABILITY = Durability.FULL


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop: plain synchronous use
        return None


class _Scope(Generic[ScopeResult]):
    """The context manager of one (possibly nested) transaction."""

    __slots__ = ("_result", "_store")

    def __init__(self, store: NvmStore, result: ScopeResult) -> None:
        self._store = store
        self._result = result

    def __enter__(self) -> ScopeResult:
        self._store._begin()
        return self._result

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._store._end(committing=error is None)


class NvmStore:
    """One NVM file (or in-memory database) holding any number of partitions."""

    def __init__(self, connection: sqlite3.Connection, path: str, durability: Durability | None) -> None:
        """Use `NvmStore.open(path)` or `NvmStore.memory()`."""
        self._connection = connection
        self.path = path
        self.durability = durability
        self._pending: list[list[Callable[[], object]]] = []  # after-commit callbacks per open level
        self._owner: asyncio.Task[Any] | None = None
        self._aborted = False
        self._partitions: dict[str, Nvm] = {}

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, durability: Durability = DEFAULT_DURABILITY) -> NvmStore:
        """Open (creating it if absent) the NVM file at `path`, migrating its schema to the current one.

        Raises `NvmLocked` (another process has it), `NvmCorrupt` (not a SQLite file, damaged, or
        another application's database), `NvmSchemaTooNew`, `NvmReadOnly`, `NvmOpenError` (missing
        folder, a folder in its place), `NvmDiskFull`/`NvmIoError`. A refused file is left untouched.
        """
        where = os.path.abspath(os.fspath(path))
        _check_path(where)
        try:
            connection = sqlite3.connect(where, isolation_level=None, timeout=0)
        except sqlite3.Error as error:
            raise translate(error, where) from None
        store = cls(connection, where, durability)
        try:
            connection.execute("PRAGMA locking_mode = EXCLUSIVE")
            store._check_header()  # before anything writes, so a refused file stays as it was
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                raise NvmOpenError(where, f"SQLite cannot keep a write-ahead log here (journal mode {mode})")
            connection.execute(f"PRAGMA synchronous = {durability.value}")
            store._migrate()
        except sqlite3.Error as error:
            connection.close()
            raise translate(error, where) from None
        except NvmError:
            connection.close()
            raise
        return store

    @classmethod
    def memory(cls) -> NvmStore:
        """A store in memory: the same code on an in-memory SQLite database (unit tests, fleets)."""
        store = cls(sqlite3.connect(MEMORY_PATH, isolation_level=None), MEMORY_PATH, None)
        store._migrate()
        return store

    def _check_header(self) -> None:
        application_id = self._connection.execute("PRAGMA application_id").fetchone()[0]
        version = self._connection.execute("PRAGMA user_version").fetchone()[0]
        if application_id != schema.APPLICATION_ID:
            tables = self._connection.execute("SELECT COUNT(*) FROM sqlite_schema").fetchone()[0]
            if application_id != 0 or version != 0 or tables:
                raise NvmCorrupt(
                    self.path,
                    f"a SQLite database of another application (application id 0x{application_id:08x}, "
                    f"{tables} table(s)), not a commshub NVM file",
                )
        if version > schema.SCHEMA_VERSION:
            raise NvmSchemaTooNew(self.path, version, schema.SCHEMA_VERSION)
        # a damaged page found now is a clear refusal, rather than a failure in the middle of the hub's work
        problems = [row[0] for row in self._connection.execute("PRAGMA quick_check(5)").fetchall()]
        if problems != ["ok"]:
            raise NvmCorrupt(self.path, "damaged: " + "; ".join(problems))

    def _migrate(self) -> None:
        """Bring the schema to `schema.SCHEMA_VERSION` in one transaction (and take the write lock)."""
        with self.transaction():
            version = self._execute("PRAGMA user_version").fetchone()[0]
            for step in range(version, schema.SCHEMA_VERSION):
                LOGGER.info("NVM %s: migrating schema from version %d to %d", self.path, step, step + 1)
                for statement in schema.MIGRATIONS[step]:
                    self._execute(statement)
            if version != schema.SCHEMA_VERSION:
                self._execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION}")
                self._execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")

    @property
    def schema_version(self) -> int:
        """The file's schema version (always `schema.SCHEMA_VERSION` once open)."""
        return int(self._execute("PRAGMA user_version").fetchone()[0])

    def partition(self, name: str) -> Nvm:
        """The partition `name` (e.g. "chf", "gpf", "device/00db1234567890a0"); created on first write."""
        found = self._partitions.get(name)
        if found is None:
            if not isinstance(name, str) or not name:
                raise NvmValueError(self.path, f"a partition name must be a non-empty str, not {name!r}")
            found = self._partitions[name] = Nvm(self, name)
        return found

    def partitions(self, prefix: str = "") -> list[str]:
        """Names of the partitions holding anything, sorted; only those starting with `prefix`."""
        names = [row[0] for row in self._execute(schema.PARTITIONS).fetchall()]
        return [name for name in names if name.startswith(prefix)]

    def transaction(self) -> _Scope[NvmStore]:
        """A block whose writes (to any partition) commit together or not at all; nests as a savepoint."""
        return _Scope(self, self)

    @property
    def in_transaction(self) -> bool:
        """True inside a `transaction()` block."""
        return bool(self._pending)

    def after_commit(self, callback: Callable[[], object]) -> None:
        """Call `callback` once the outermost open transaction commits (now, when none is open).

        Dropped if the block it was registered in rolls back. For effects outside the file that
        must follow the data, never precede it (sending a queued response). A callback that raises
        is logged and the others still run: the data is committed either way.
        """
        if self._pending:
            self._pending[-1].append(callback)
        else:
            callback()

    def close(self) -> None:
        """Close the file (rolling back an open transaction) and release its lock; idempotent."""
        self._pending.clear()
        self._connection.close()

    def __enter__(self) -> NvmStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"NvmStore({self.path!r}, durability={self.durability and self.durability.name})"

    # -- transactions ---------------------------------------------------------------------------

    def _begin(self) -> None:
        task = _current_task()
        depth = len(self._pending)
        if depth == 0:
            self._execute("BEGIN IMMEDIATE")
            self._owner = task
        else:
            self._check_joinable(task)
            self._execute(f"SAVEPOINT nvm{depth}")
        self._pending.append([])

    def _check_joinable(self, task: asyncio.Task[Any] | None) -> None:
        """Refuse to let `task` write into the open transaction unless it opened it and it is alive."""
        if task is not self._owner:
            raise NvmTransactionError(
                self.path, "a transaction is open in another asyncio task (never await inside a transaction)"
            )
        if self._aborted:
            raise NvmTransactionError(self.path, "the open transaction was aborted by an earlier error")

    def _end(self, *, committing: bool) -> None:
        if not self._pending:  # close() inside the block rolled everything back
            if committing:
                raise NvmClosed(self.path, "closed inside a transaction, which was rolled back")
            return
        callbacks = self._pending.pop()
        depth = len(self._pending)
        if depth:
            if self._aborted:
                return  # SQLite already rolled everything back; the outermost block reports it
            if committing:
                self._execute(f"RELEASE nvm{depth}")
                self._pending[-1].extend(callbacks)
            else:
                self._execute(f"ROLLBACK TO nvm{depth}")
                self._execute(f"RELEASE nvm{depth}")
            return
        aborted, self._aborted, self._owner = self._aborted, False, None
        if not committing or aborted:
            if self._connection.in_transaction:
                self._execute("ROLLBACK")
            if committing:
                raise NvmTransactionError(
                    self.path, "rolled back: an error inside the transaction aborted it (and was caught)"
                )
            return
        try:
            self._connection.execute("COMMIT")
        except sqlite3.Error as error:
            if self._connection.in_transaction:
                self._connection.execute("ROLLBACK")
            raise translate(error, self.path) from None
        for callback in callbacks:
            try:
                callback()
            except Exception:  # committed already: raising would tell the caller it was not
                LOGGER.exception("NVM %s: an after-commit callback failed", self.path)

    def _execute(self, sql: str, parameters: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        try:
            return self._connection.execute(sql, parameters)
        except sqlite3.Error as error:
            if self._pending and not self._connection.in_transaction:
                self._aborted = True  # SQLite rolled the whole transaction back (e.g. disk full)
            raise translate(error, self.path) from None
        except UnicodeEncodeError as error:
            raise NvmValueError(self.path, f"a name that is not valid Unicode: {error}") from None

    def _write(self, sql: str, parameters: tuple[Any, ...]) -> sqlite3.Cursor:
        """One write statement: its own transaction outside a block, part of the open one inside."""
        if self._pending:
            self._check_joinable(_current_task())
            return self._execute(sql, parameters)
        with _Scope(self, None):
            return self._execute(sql, parameters)

    def _encode(self, partition: str, where: str, value: object) -> bytes:
        try:
            return values.encode(value)
        except values.UnstorableValue as error:
            raise NvmValueError(self.path, f"partition {partition!r}, {where}: {error}") from None

    def _decode(self, partition: str, where: str, data: bytes) -> Any:
        try:
            return values.decode(data)
        except values.UndecodableValue as error:
            raise NvmCorrupt(self.path, f"partition {partition!r}, {where}: damaged value: {error}") from None


def _check_path(where: str) -> None:
    """Say plainly what SQLite would report as "unable to open" or "disk I/O error"."""
    folder = os.path.dirname(where)
    if os.path.isdir(where):
        raise NvmOpenError(where, "is a folder, not a file")
    if not os.path.isdir(folder):
        raise NvmOpenError(where, f"its folder {folder} does not exist")
    if os.path.exists(where) and not os.access(where, os.W_OK):
        raise NvmReadOnly(where, "the file cannot be written (its permissions, or a read-only filesystem)")
    if not os.access(folder, os.W_OK):
        raise NvmReadOnly(
            where, f"its folder {folder} cannot be written (SQLite keeps its write-ahead log beside the file)"
        )


def _check_name(store: NvmStore, what: str, name: object) -> str:
    if not isinstance(name, str):
        raise NvmValueError(store.path, f"a {what} must be a str, not {type(name).__name__} {name!r}")
    return name


def _check_bound(what: str, bound: object) -> int:
    if not isinstance(bound, int) or isinstance(bound, bool) or bound < 1:
        raise ValueError(f"{what} must be a positive int, not {bound!r}")
    return bound


class Nvm:
    """One partition of an `NvmStore`: keys, bounded logs and FIFO queues under one name.

    Values are None, bool, int (any size), float, str, bytes, and lists and dicts (str keys)
    of these (`hal.nvm.values`). Reads return what was stored (`Any`: the caller knows the shape).
    """

    __slots__ = ("name", "store")

    def __init__(self, store: NvmStore, name: str) -> None:
        """Use `store.partition(name)`."""
        self.store = store
        self.name = name

    def get(self, key: str, default: Any = None) -> Any:
        """The value stored under `key`, or `default`."""
        _check_name(self.store, "key", key)
        row = self.store._execute(schema.GET, (self.name, key)).fetchone()
        return default if row is None else self.store._decode(self.name, f"key {key!r}", row[0])

    def put(self, key: str, value: object) -> None:
        """Store `value` under `key` (replacing any); raises `NvmValueError` for an unstorable value."""
        _check_name(self.store, "key", key)
        encoded = self.store._encode(self.name, f"key {key!r}", value)
        self.store._write(schema.PUT, (self.name, key, encoded))

    def delete(self, key: str) -> bool:
        """Remove `key`; True if it was there."""
        _check_name(self.store, "key", key)
        return self.store._write(schema.DELETE, (self.name, key)).rowcount > 0

    def items(self, prefix: str = "") -> dict[str, Any]:
        """Every key starting with `prefix` and its value, in key order."""
        found: dict[str, Any] = {}
        for key, data in self.store._execute(schema.ITEMS_FROM, (self.name, _check_name(self.store, "prefix", prefix))):
            if not key.startswith(prefix):
                break
            found[key] = self.store._decode(self.name, f"key {key!r}", data)
        return found

    def append(self, log: str, value: object, *, keep: int) -> int:
        """Add `value` to the bounded log `log`, dropping the oldest beyond `keep` entries; its sequence number."""
        _check_name(self.store, "log name", log)
        _check_bound("keep", keep)
        return self._add(schema.LOG, log, self.store._encode(self.name, f"log {log!r}", value), keep=keep)

    def push(self, queue: str, value: object, *, limit: int) -> int:
        """Add `value` at the back of the FIFO `queue`; its sequence number.

        Raises `NvmFull` (writing nothing) when the queue already holds `limit` entries: what to
        drop, and how to report it, is the caller's decision.
        """
        _check_name(self.store, "queue name", queue)
        _check_bound("limit", limit)
        return self._add(schema.QUEUE, queue, self.store._encode(self.name, f"queue {queue!r}", value), limit=limit)

    def remove(self, queue: str, seq: int) -> bool:
        """Remove entry `seq` from `queue`; True if it was there."""
        _check_name(self.store, "queue name", queue)
        with self.transaction():
            removed = self.store._execute(schema.REMOVE_ENTRY, (self.name, queue, seq)).rowcount > 0
            if removed:
                self.store._execute(schema.UNCOUNT_ENTRY, (self.name, queue))
        return removed

    def log(self, log: str) -> list[tuple[int, Any]]:
        """The entries of `log`, oldest first, as (sequence number, value)."""
        return self._entries(schema.LOG, _check_name(self.store, "log name", log), -1)

    def queue(self, queue: str, *, first: int | None = None) -> list[tuple[int, Any]]:
        """The entries of `queue`, front (oldest) first, as (sequence number, value); only the
        `first` ones when given (the front of a long queue without reading all of it)."""
        count = -1 if first is None else _check_bound("first", first)  # LIMIT -1: no limit
        return self._entries(schema.QUEUE, _check_name(self.store, "queue name", queue), count)

    def clear(self) -> None:
        """Remove every key, log and queue entry of this partition (sequence numbers are not reused)."""
        with self.transaction():
            self.store._execute(schema.CLEAR_KV, (self.name,))
            self.store._execute(schema.CLEAR_ENTRIES, (self.name,))
            self.store._execute(schema.CLEAR_COUNTS, (self.name,))

    def transaction(self) -> _Scope[Nvm]:
        """A block whose writes (to this and any other partition of the store) commit together or not at all.

        Nested inside another open block of the same store it is a savepoint: an exception leaving
        it undoes its own writes and propagates; the outermost block's commit makes them durable.
        """
        return _Scope(self.store, self)

    def after_commit(self, callback: Callable[[], object]) -> None:
        """`NvmStore.after_commit`: run `callback` once the open transaction commits."""
        self.store.after_commit(callback)

    def _add(self, kind: str, name: str, encoded: bytes, *, keep: int = 0, limit: int = 0) -> int:
        """Add an entry to a log (trimmed to `keep`) or a queue (refused past `limit`); its number."""
        with self.transaction():
            row = self.store._execute(schema.SERIES, (self.name, kind, name)).fetchone()
            last, count = row if row is not None else (0, 0)
            if limit and count >= limit:
                raise NvmFull(self.store.path, self.name, name, limit)
            seq = last + 1
            self.store._execute(schema.ADD_ENTRY, (self.name, kind, name, seq, encoded))
            count += 1
            if keep and count > keep:
                count -= self.store._execute(schema.TRIM_LOG, (self.name, name, seq - keep)).rowcount
            self.store._execute(schema.SET_SERIES, (self.name, kind, name, seq, count))
        return seq

    def _entries(self, kind: str, name: str, count: int) -> list[tuple[int, Any]]:
        where = f"{kind} {name!r}"
        rows = self.store._execute(schema.ENTRIES, (self.name, kind, name, count)).fetchall()
        return [(seq, self.store._decode(self.name, where, data)) for seq, data in rows]

    def __repr__(self) -> str:
        return f"Nvm({self.store.path!r}, {self.name!r})"
