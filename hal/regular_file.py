"""Open a path for reading only when it is a regular file, never blocking on a FIFO or a device.

Why one helper: `commshub decode` reads its input files and `hal.keystore` a key folder, and
both may be handed a FIFO, a device or a folder where a file was meant. Opening with
O_NONBLOCK means a FIFO without a writer cannot hang the open; one `fstat` on the open file
then says what it is (one system call fewer than a `stat` before the open, for runs that
read thousands of files).
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO


def open_regular_file(path: str | os.PathLike[str]) -> tuple[BinaryIO, int] | None:
    """(the file open for binary reading, its size) when `path` is a regular file, else None.

    OSError when it cannot be opened at all (missing, no permission, a symlink loop). The
    caller closes the file (`with file:`).
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
    except OSError:
        os.close(fd)
        raise
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        return None
    return open(fd, "rb"), info.st_size
