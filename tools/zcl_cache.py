"""The on-disk cache of the ZCL table that GBZ decoding reads (`protocols.gbcs.payload.zcl_table`).

Why: deriving the table imports zigpy and our Smart Energy extensions (about half a second),
longer than `commshub decode` needs for the whole RTDS corpus; reading it back from a JSON
file takes milliseconds. The codec stays free of I/O: this module, at the tool's edge, finds,
reads and writes the file, and returns the table for the caller to pass to the decoder.

The file is `zcl-table-<zigpy version>-<hash>.json` in `$COMMSHUB_CACHE_DIR`, else
`$XDG_CACHE_HOME/commshub`, else `~/.cache/commshub`; the hash covers the sources the table
is derived from, so installing another zigpy or editing them selects a new file. Writes are
atomic; a corrupt or foreign file is derived afresh and replaced; an unwritable folder only
costs the derivation on each run. Several checkouts or venvs may share the folder, each
with its own file, so a write removes only other tables unused for `STALE_AFTER` (a file's
mtime is refreshed whenever it is read), never one another checkout may still be using.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from importlib.util import find_spec
from pathlib import Path

from protocols.gbcs.payload import zcl_table
from protocols.gbcs.payload.zcl_table import ZclTable

LOGGER = logging.getLogger(__name__)
#: Other checkouts' tables not read or written for this long (by mtime) are removed on a write.
STALE_AFTER = 30 * 24 * 3600.0


def cache_dir() -> Path:
    """Where the derived ZCL table is cached (see the module docstring)."""
    explicit = os.environ.get("COMMSHUB_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "commshub"


def _zigpy_version() -> str:
    """zigpy's installed version, from its dist-info folder name (no import of zigpy or importlib.metadata)."""
    spec = find_spec("zigpy")
    if spec is None or spec.origin is None:
        return "absent"
    site = Path(spec.origin).parent.parent
    found = sorted(p.name[len("zigpy-") : -len(".dist-info")] for p in site.glob("zigpy-*.dist-info"))
    return found[-1] if found else "unknown"


def cache_name() -> str:
    """The cache file name: zigpy's version and a hash of the sources the table is derived from."""
    digest = hashlib.sha256()
    for path in zcl_table.source_files():
        digest.update(path.read_bytes())
    return f"zcl-table-{_zigpy_version()}-{digest.hexdigest()[:16]}.json"


def _write(path: Path, table: ZclTable) -> None:
    """Write `table` to `path` atomically, then remove other tables unused for `STALE_AFTER`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as out:
        json.dump(table.to_json(), out, separators=(",", ":"))
    os.replace(out.name, path)
    oldest_kept = path.stat().st_mtime - STALE_AFTER
    for other in path.parent.glob("zcl-table-*.json"):
        try:
            if other != path and other.stat().st_mtime < oldest_kept:
                other.unlink()
        except OSError:  # removed meanwhile by another process, or not ours to remove
            continue


def load(folder: Path) -> ZclTable:
    """The table cached in `folder` for this zigpy and these sources, else derived and written there."""
    path = Path(folder) / cache_name()
    try:
        cached = ZclTable.from_json(json.loads(path.read_bytes()))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        LOGGER.info("ZCL table cache %s unusable (%s); deriving it afresh", path, exc)
    else:
        _mark_used(path)
        return cached
    table = zcl_table.derive()
    try:
        _write(path, table)
    except OSError as exc:
        LOGGER.info("cannot write the ZCL table cache %s (%s); it will be derived again next run", path, exc)
    return table


def _mark_used(path: Path) -> None:
    """Refresh `path`'s mtime, so other checkouts sharing the folder see it as in use."""
    with contextlib.suppress(OSError):  # a read-only cache folder still serves reads
        os.utime(path)
