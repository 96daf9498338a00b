"""`hal.nvm` on real files that are not what they should be: an older schema (migrated), a newer one,
not SQLite, another application's database, damaged pages, locked by another process, read-only,
a full disk, failing writes. Each is a typed error naming the path; nothing is half-written."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hal.nvm import (
    NvmCorrupt,
    NvmFull,
    NvmLocked,
    NvmOpenError,
    NvmSchemaTooNew,
    NvmStore,
)
from tests.conftest import REPO


def _child(*arguments: str, prefix: tuple[str, ...] = ()) -> dict[str, object]:
    """Run `tests.hal.nvm.child` in a new process and return the JSON it printed last."""
    command = [*prefix, sys.executable, "-m", "tests.hal.nvm.child", *arguments]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _write_v1_file(path: Path) -> None:
    """A schema-1 file written by hand from docs/nvm.md (tables and value bytes), not by hal.nvm."""
    connection = sqlite3.connect(path)
    connection.executescript(
        """
        CREATE TABLE kv (partition TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
                         PRIMARY KEY (partition, key)) WITHOUT ROWID;
        CREATE TABLE entries (partition TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
                              seq INTEGER NOT NULL, value BLOB NOT NULL,
                              PRIMARY KEY (partition, kind, name, seq)) WITHOUT ROWID;
        INSERT INTO kv VALUES ('chf', 'counter', X'030900ffffffffffffffff');      -- 2**64 - 1
        INSERT INTO kv VALUES ('gpf', 'name', X'0503676173');                    -- 'gas'
        INSERT INTO entries VALUES ('chf', 'queue', 'alerts', 4, X'06020102');   -- b'\\x01\\x02'
        INSERT INTO entries VALUES ('chf', 'queue', 'alerts', 7, X'00');         -- None
        INSERT INTO entries VALUES ('chf', 'log', 'events', 2, X'0502686f');     -- 'ho'
        PRAGMA application_id = 1129138242;                                     -- 0x434d4842 "CMHB"
        PRAGMA user_version = 1;
        """
    )
    connection.close()


def test_a_version_1_file_is_migrated_on_open(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    _write_v1_file(path)
    with NvmStore.open(path) as store:
        assert store.schema_version == 2
        chf = store.partition("chf")
        assert chf.get("counter") == 2**64 - 1 and store.partition("gpf").get("name") == "gas"
        assert chf.queue("alerts") == [(4, b"\x01\x02"), (7, None)]
        assert chf.log("events") == [(2, "ho")]
        # the migration filled the sequence table from the entries: numbering carries on after 7 and 2
        assert chf.push("alerts", "new", limit=3) == 8  # and counted the 2 entries already there
        with pytest.raises(NvmFull):
            chf.push("alerts", "one too many", limit=3)
        assert chf.append("events", "new", keep=5) == 3
        chf.remove("alerts", 4)
        chf.remove("alerts", 7)
        chf.remove("alerts", 8)
        assert chf.push("alerts", "after emptying", limit=5) == 9
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == 2
    connection.close()


def test_a_file_of_a_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    NvmStore.open(path).close()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA user_version = 3")
    connection.close()
    before = path.read_bytes()
    with pytest.raises(NvmSchemaTooNew) as caught:
        NvmStore.open(path)
    assert (caught.value.found, caught.value.supported, caught.value.path) == (3, 2, str(path))
    assert "schema version 3 is newer than the 2" in str(caught.value) and str(path) in str(caught.value)
    assert path.read_bytes() == before


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"a hub's notes, not a database\n" * 200)
    before = path.read_bytes()
    with pytest.raises(NvmCorrupt) as caught:
        NvmStore.open(path)
    assert caught.value.path == str(path) and "file is not a database" in str(caught.value)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]  # no log file left beside it


def test_another_applications_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE photos (name TEXT)")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    with pytest.raises(NvmCorrupt, match=r"another application \(application id 0x00000000, 1 table"):
        NvmStore.open(path)
    assert path.read_bytes() == before


def test_damaged_pages_are_refused_on_open(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with NvmStore.open(path) as store:
        nvm = store.partition("chf")
        with nvm.transaction() as tx:
            for number in range(300):
                tx.put(f"key{number:04d}", bytes(100))
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    assert len(data) >= 6 * page_size
    data[3 * page_size : 5 * page_size] = b"\xa5" * (2 * page_size)  # two pages of the kv tree
    path.write_bytes(bytes(data))
    with pytest.raises(NvmCorrupt) as caught:
        NvmStore.open(path)
    assert caught.value.path == str(path) and "malformed" in str(caught.value)


def test_a_damaged_value_is_reported_with_its_key(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with NvmStore.open(path) as store:
        store.partition("chf").put("counter", 5)
    connection = sqlite3.connect(path)
    connection.execute("UPDATE kv SET value = X'0305ff' WHERE key = 'counter'")
    connection.commit()
    connection.close()
    with NvmStore.open(path) as store, pytest.raises(NvmCorrupt) as caught:
        store.partition("chf").get("counter")
    assert "partition 'chf', key 'counter': damaged value: length 5 runs past the end" in str(caught.value)


def test_a_second_process_gets_a_lock_error(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.hal.nvm.child", "hold", str(path)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and json.loads(holder.stdout.readline()) == {"ready": True}
        with pytest.raises(NvmLocked) as caught:
            NvmStore.open(path)
        assert caught.value.path == str(path) and "in use by another process" in str(caught.value)
        assert _child("open", str(path))["error"] == "NvmLocked"
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    with NvmStore.open(path) as store:  # released when the holder exits; its write is there
        assert store.partition("chf").get("holder") == "the first process"


def test_a_second_store_in_the_same_process_gets_a_lock_error(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with NvmStore.open(path) as first:
        first.partition("chf").put("k", 1)
        with pytest.raises(NvmLocked):
            NvmStore.open(path)
        assert first.partition("chf").get("k") == 1


def test_a_folder_or_a_missing_folder_is_an_open_error(tmp_path: Path) -> None:
    with pytest.raises(NvmOpenError, match="is a folder, not a file"):
        NvmStore.open(tmp_path)
    missing = tmp_path / "nowhere" / "state.db"
    with pytest.raises(NvmOpenError, match=r"folder .*nowhere does not exist") as caught:
        NvmStore.open(missing)
    assert caught.value.path == str(missing)


def test_a_read_only_path_is_refused_untouched(tmp_path: Path) -> None:
    """A read-only filesystem when we are root (permissions do not stop root), permissions otherwise."""
    folder = tmp_path / "state"
    folder.mkdir()
    path = folder / "state.db"
    with NvmStore.open(path) as store:
        store.partition("chf").put("k", 1)
    before = path.read_bytes()
    if os.geteuid() == 0:
        if shutil.which("unshare") is None:
            pytest.skip("running as root and util-linux `unshare` is absent: cannot make a read-only mount")
        remount = f'mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} && exec "$@"'
        prefix: tuple[str, ...] = ("unshare", "--mount", "sh", "-c", remount, "sh")
        probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
        if probe.returncode != 0:
            pytest.skip(f"running as root and cannot make a read-only mount: {probe.stderr.decode().strip()}")
        existing, fresh = (
            _child("open", str(path), prefix=prefix),
            _child("open", str(folder / "new.db"), prefix=prefix),
        )
    else:
        path.chmod(0o444)
        existing = _child("open", str(path))
        path.chmod(0o644)
        folder.chmod(0o555)
        fresh = _child("open", str(folder / "new.db"))
        folder.chmod(0o755)
    assert existing["error"] == "NvmReadOnly" and existing["path"] == str(path)
    assert fresh["error"] == "NvmReadOnly" and "cannot be written" in str(fresh["message"])
    assert path.read_bytes() == before and sorted(os.listdir(folder)) == ["state.db"]


def test_a_full_disk_rolls_back_the_transaction_whole(tmp_path: Path) -> None:
    """A real full disk: a 256 KiB tmpfs mounted in a private user and mount namespace."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    if shutil.which("unshare") is None:
        pytest.skip("util-linux `unshare` is absent: cannot mount a small tmpfs")
    script = f'mount -t tmpfs -o size=256k tmpfs {mount_point} && exec "$@"'
    prefix = ("unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh")
    probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"user namespaces are not available here: {probe.stderr.decode().strip()}")
    result = _child("fill", str(mount_point / "state.db"), prefix=prefix)
    assert result["error"] == "NvmDiskFull" and result["path"] == str(mount_point / "state.db")
    assert "the disk is full" in str(result["message"])
    assert isinstance(result["last"], int) and result["last"] > 5  # it did commit until the disk filled
    assert result["whole"] is True  # every committed transaction there, nothing of the failed one


def test_a_failing_write_rolls_back_the_transaction_whole(tmp_path: Path) -> None:
    """The OS refuses to grow the files past a size limit (RLIMIT_FSIZE): every write fails with EFBIG."""
    path = tmp_path / "state.db"
    result = _child("fill", str(path), str(200_000))
    assert result["error"] == "NvmIoError" and result["path"] == str(path)
    assert isinstance(result["last"], int) and result["last"] > 5
    assert result["whole"] is True


def test_a_transaction_sqlite_aborted_cannot_be_continued_or_committed(tmp_path: Path) -> None:
    """A write error in the middle of a big transaction makes SQLite roll all of it back; the outer
    block that caught the inner error must not carry on as if its earlier writes were still there."""
    result = _child("spill", str(tmp_path / "state.db"))
    assert result == {"inner": "NvmIoError", "later": "NvmTransactionError", "keys": ["before"]}
