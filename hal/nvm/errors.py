"""The typed errors of `hal.nvm`, each naming the file it is about.

Why typed and path-naming: a hub's state file sits on a rig's SD card or in a test's
temporary folder; when it cannot be used the operator must learn which file and why
(locked by another process, not a commshub file, too new, read-only, disk full) without
reading a SQLite traceback. SQLite's result codes (https://sqlite.org/rescode.html) are
translated in one place, `translate`, so every caller sees the same types.
"""

from __future__ import annotations

import sqlite3

#: The `path` of an in-memory store (`NvmStore.memory()`), as SQLite names it.
MEMORY_PATH = ":memory:"


class NvmError(Exception):
    """Something went wrong with the NVM file at `path` (or ":memory:")."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"NVM {path}: {reason}")


class NvmOpenError(NvmError):
    """The file cannot be opened at all: a missing folder, a folder in its place, no permission."""


class NvmLocked(NvmError):
    """Another process (or another store in this one) holds the file: two writers would corrupt it."""


class NvmCorrupt(NvmError):
    """Not a SQLite file, a damaged one, a SQLite file of another application, or an undecodable value."""


class NvmSchemaTooNew(NvmError):
    """The file was written by a newer commshub (a schema this code does not know): left untouched."""

    def __init__(self, path: str, found: int, supported: int) -> None:
        self.found = found
        self.supported = supported
        super().__init__(
            path, f"schema version {found} is newer than the {supported} this commshub understands; upgrade commshub"
        )


class NvmReadOnly(NvmError):
    """The file (or its folder, where SQLite keeps the write-ahead log) cannot be written."""


class NvmDiskFull(NvmError):
    """The disk is full: the transaction was rolled back whole."""


class NvmIoError(NvmError):
    """The operating system failed a read or write: the transaction was rolled back whole."""


class NvmClosed(NvmError):
    """The store was closed."""


class NvmTransactionError(NvmError):
    """A transaction used wrongly: opened in one asyncio task and written from another, or
    continued after SQLite aborted it."""


class NvmValueError(NvmError, TypeError):
    """A value (or key) that NVM cannot store losslessly; nothing was written."""


class NvmFull(NvmError):
    """`push` on a queue already holding `limit` entries: the caller decides what to drop."""

    def __init__(self, path: str, partition: str, queue: str, limit: int) -> None:
        self.partition = partition
        self.queue = queue
        self.limit = limit
        super().__init__(path, f"queue {queue!r} of partition {partition!r} is full ({limit} entries)")


_BY_PRIMARY_CODE: dict[int, type[NvmError]] = {
    sqlite3.SQLITE_BUSY: NvmLocked,
    sqlite3.SQLITE_LOCKED: NvmLocked,
    sqlite3.SQLITE_READONLY: NvmReadOnly,
    sqlite3.SQLITE_IOERR: NvmIoError,
    sqlite3.SQLITE_CORRUPT: NvmCorrupt,
    sqlite3.SQLITE_NOTADB: NvmCorrupt,
    sqlite3.SQLITE_FULL: NvmDiskFull,
    sqlite3.SQLITE_CANTOPEN: NvmOpenError,
    sqlite3.SQLITE_PERM: NvmOpenError,
    sqlite3.SQLITE_AUTH: NvmOpenError,
}

_EXPLANATIONS: dict[type[NvmError], str] = {
    NvmLocked: "in use by another process (one hub per state file)",
    NvmReadOnly: "cannot be written (check the file's and its folder's permissions)",
    NvmCorrupt: "not a usable SQLite file",
    NvmDiskFull: "the disk is full",
    NvmIoError: "the operating system failed a read or write",
    NvmOpenError: "cannot be opened (does its folder exist, is it a file?)",
}


def translate(error: sqlite3.Error, path: str) -> NvmError:
    """The typed `NvmError` for a sqlite3 exception raised while using the file at `path`."""
    if isinstance(error, sqlite3.ProgrammingError) and "closed" in str(error):
        return NvmClosed(path, "the store is closed")
    code = getattr(error, "sqlite_errorcode", None)
    kind = _BY_PRIMARY_CODE.get(code & 0xFF, NvmError) if isinstance(code, int) else NvmError
    explanation = _EXPLANATIONS.get(kind)
    reason = f"{explanation}: {error}" if explanation else f"SQLite error: {error}"
    return kind(path, reason)
