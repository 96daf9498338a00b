"""tools.zcl_cache: the ZCL table's cache file equals a fresh derivation, and bad files are replaced."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from protocols.gbcs.payload import zcl_table
from protocols.gbcs.payload.zcl_table import ZclTable
from tools import zcl_cache


@pytest.fixture(scope="module")
def fresh() -> ZclTable:
    return zcl_table.derive()


def test_cache_file_equals_a_fresh_derivation(tmp_path: Path, fresh: ZclTable) -> None:
    first = zcl_cache.load(tmp_path)  # derives and writes
    (written,) = tmp_path.iterdir()
    assert written.name == zcl_cache.cache_name() and first == fresh
    second = zcl_cache.load(tmp_path)  # reads the file
    assert second == fresh


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_write_removes_only_tables_unused_for_30_days(tmp_path: Path) -> None:
    """Two checkouts sharing the folder keep each other's table; a long-unused one goes."""
    other = tmp_path / "zcl-table-0.0.2-fedcba9876543210.json"  # another checkout's, in use
    stale = tmp_path / "zcl-table-0.0.1-0123456789abcdef.json"  # unused for 31 days
    for path, days in ((other, 29), (stale, 31)):
        path.write_text("{}")
        _age(path, days * 24 * 3600)
    zcl_cache.load(tmp_path)  # derives and writes ours
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([other.name, zcl_cache.cache_name()])


def test_reading_the_cache_marks_it_in_use(tmp_path: Path) -> None:
    zcl_cache.load(tmp_path)
    ours = tmp_path / zcl_cache.cache_name()
    _age(ours, 40 * 24 * 3600)
    zcl_cache.load(tmp_path)  # a read refreshes the mtime, so another checkout's write keeps it
    assert time.time() - ours.stat().st_mtime < 3600


def test_a_corrupt_cache_file_is_replaced(tmp_path: Path, fresh: ZclTable) -> None:
    (tmp_path / zcl_cache.cache_name()).write_text('{"format": 1, "clusters": ')
    assert zcl_cache.load(tmp_path) == fresh
    assert ZclTable.from_json(json.loads((tmp_path / zcl_cache.cache_name()).read_text())) == fresh


def test_an_unwritable_cache_folder_still_gives_the_table(tmp_path: Path, fresh: ZclTable) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    assert zcl_cache.load(blocker / "commshub") == fresh
    assert blocker.read_text() == "a file where the cache folder should be"


def test_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COMMSHUB_CACHE_DIR", str(tmp_path / "explicit"))
    assert zcl_cache.cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("COMMSHUB_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert zcl_cache.cache_dir() == tmp_path / "xdg" / "commshub"
