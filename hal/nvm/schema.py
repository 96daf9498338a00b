"""The NVM file's schema, its version history and the migrations between versions.

Why versioned: a rig's state file outlives the code that wrote it. `PRAGMA user_version`
holds the schema version and `PRAGMA application_id` marks the file as commshub's, both in
the SQLite header (https://sqlite.org/pragma.html), so `open` can tell a file to migrate from
another application's database or from a file of a newer commshub, which it refuses
untouched. Migrations run in order, inside the same transaction as the version bump: a file
is either migrated whole or left as it was. A new file is built by running every migration
from version 0, so the path older files take is the path every test takes.

History:
- v1: `kv` (one row per key of a partition) and `entries` (the rows of bounded logs and
  FIFO queues, `kind` 'log' or 'queue'); a new entry's sequence number was the largest
  present plus one.
- v2: `sequences` keeps, per log or queue, the last sequence number given, so numbers are never
  reused even after a queue empties (otherwise a stale `remove(queue, seq)` could delete a
  newer entry that took the old number), and the number of entries present, so a bounded
  `push` checks its limit without counting the queue. Filled from `entries` on migration.
"""

from __future__ import annotations

#: `PRAGMA application_id` of a commshub NVM file: "CMHB" in ASCII.
APPLICATION_ID = 0x434D4842

#: The schema version this code writes.
SCHEMA_VERSION = 2

#: MIGRATIONS[n] takes a file from version n to n + 1 (statements run in one transaction).
MIGRATIONS: dict[int, tuple[str, ...]] = {
    0: (
        "CREATE TABLE kv (partition TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,"
        " PRIMARY KEY (partition, key)) WITHOUT ROWID",
        "CREATE TABLE entries (partition TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,"
        " seq INTEGER NOT NULL, value BLOB NOT NULL, PRIMARY KEY (partition, kind, name, seq)) WITHOUT ROWID",
    ),
    1: (
        "CREATE TABLE sequences (partition TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,"
        " last INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (partition, kind, name)) WITHOUT ROWID",
        "INSERT INTO sequences (partition, kind, name, last, count)"
        " SELECT partition, kind, name, MAX(seq), COUNT(*) FROM entries GROUP BY partition, kind, name",
    ),
}

LOG = "log"
QUEUE = "queue"

# The statements of the current schema, used by hal.nvm.store.
GET = "SELECT value FROM kv WHERE partition = ? AND key = ?"
PUT = "INSERT OR REPLACE INTO kv (partition, key, value) VALUES (?, ?, ?)"
DELETE = "DELETE FROM kv WHERE partition = ? AND key = ?"
ITEMS_FROM = "SELECT key, value FROM kv WHERE partition = ? AND key >= ? ORDER BY key"
SERIES = "SELECT last, count FROM sequences WHERE partition = ? AND kind = ? AND name = ?"
SET_SERIES = (
    "INSERT INTO sequences (partition, kind, name, last, count) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (partition, kind, name) DO UPDATE SET last = excluded.last, count = excluded.count"
)
ADD_ENTRY = "INSERT INTO entries (partition, kind, name, seq, value) VALUES (?, ?, ?, ?, ?)"
TRIM_LOG = "DELETE FROM entries WHERE partition = ? AND kind = 'log' AND name = ? AND seq <= ?"
REMOVE_ENTRY = "DELETE FROM entries WHERE partition = ? AND kind = 'queue' AND name = ? AND seq = ?"
UNCOUNT_ENTRY = "UPDATE sequences SET count = count - 1 WHERE partition = ? AND kind = 'queue' AND name = ?"
ENTRIES = "SELECT COUNT(*) FROM entries WHERE partition = ? AND kind = ? AND name = ?"
REMOVE_ENTRY = "DELETE FROM entries WHERE partition = ? AND kind = 'queue' AND name = ? AND seq = ?"
ENTRIES = "SELECT seq, value FROM entries WHERE partition = ? AND kind = ? AND name = ? ORDER BY seq LIMIT ?"
CLEAR_KV = "DELETE FROM kv WHERE partition = ?"
CLEAR_ENTRIES = "DELETE FROM entries WHERE partition = ?"
CLEAR_COUNTS = "UPDATE sequences SET count = 0 WHERE partition = ?"
PARTITIONS = "SELECT partition FROM kv UNION SELECT partition FROM entries ORDER BY 1"
