"""Read a folder of GBCS key files into a `protocols.gbcs.KeyStore` (gbcs.md 1).

Why here: `protocols` does no I/O (architecture.md), so the codec's key store is built from
bytes (`KeyStore.from_pem`) and this module, at the edge, lists and reads the folder.

What it promises, as `commshub decode --keystore DIR` shows it:

* a folder that cannot be listed, or a path that is not a folder, raises `KeyStoreError`
  (`what="key store"`): the caller cannot proceed without its keys;
* a key file whose bytes are not PEM at all raises `KeyStoreError` naming it;
* a key file that cannot be read (no permission, a symlink loop, a dangling link, a file
  larger than any key file can be) is recorded in the store's `problems` and left out, so the
  checks that need it give `no-key` and decoding carries on; names not following
  `<eui>-<ka|ds|pp-ka>.<pem|key>` are listed in `skipped`.
"""

from __future__ import annotations

import os
from pathlib import Path

from hal.regular_file import open_regular_file
from protocols.gbcs import KeyStore, KeyStoreError
from protocols.gbcs.keystore import parse_key_file_name

#: Largest key file read: a PEM certificate of GBCS (P-256, gbcs.md 1) is under 1 KiB; this
#: leaves room for long subject names and chains while refusing to read a huge file whole.
MAX_KEY_FILE_BYTES = 64 * 1024


def load_keystore(directory: str | Path) -> KeyStore:
    """The key store of every `<eui>-<usage>.<pem|key>` file in `directory` (see the module docstring)."""
    folder = Path(directory)
    try:
        with os.scandir(folder) as listing:  # DirEntry: names without a stat per file
            names = sorted(entry.name for entry in listing)
    except OSError as exc:
        reason = "is not a folder" if folder.exists() and not folder.is_dir() else "cannot list the folder"
        raise KeyStoreError(folder, f"{reason}: {exc.strerror or exc}", what="key store") from None
    files: dict[str, bytes] = {}
    unreadable: list[KeyStoreError] = []
    skipped: list[str] = []
    for name in names:
        path = folder / name
        is_key_name = parse_key_file_name(name) is not None
        try:
            content = _read_key_file(path) if is_key_name else None
        except OSError as exc:
            unreadable.append(KeyStoreError(path, f"cannot be read: {exc.strerror or exc}"))
            continue
        if content is None:  # another name, or a folder, FIFO, device...: not a key file
            skipped.append(name)
            continue
        files[str(path)] = content
    store = KeyStore.from_pem(files)
    store.skipped = tuple(skipped)
    store.problems.extend(unreadable)
    return store


def _read_key_file(path: Path) -> bytes | None:
    """The bytes of the regular file at `path`; None when it is not a regular file.

    OSError when it cannot be opened or read (a symlink loop raises ELOOP here), or when it is
    larger than `MAX_KEY_FILE_BYTES`. A FIFO cannot hang the load (`open_regular_file`).
    """
    opened = open_regular_file(path)
    if opened is None:
        return None
    file, size = opened
    with file:
        if size > MAX_KEY_FILE_BYTES:
            raise OSError(f"{size} bytes, more than a key file's {MAX_KEY_FILE_BYTES}")
        return file.read(MAX_KEY_FILE_BYTES + 1)
