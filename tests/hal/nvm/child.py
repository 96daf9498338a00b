"""A second process for the NVM file tests: `python -m tests.hal.nvm.child COMMAND PATH`.

Commands, each printing one JSON object per line on stdout:
- `hold PATH`: open the store, write a key, print {"ready": true}, keep the file until stdin closes.
- `open PATH`: try to open the store; print {"error": class name, "message": ...} or {"opened": true}.
- `spill PATH`: under a 1 MB file size limit, write 8 MB in a nested block inside an outer one, so
  SQLite must spill pages mid-transaction and fails; catch that in the outer block and keep
  writing; print what each step raised and what the file holds afterwards.
- `fill PATH [FILE_SIZE_LIMIT]`: commit 4 KiB values until the disk is full (or, with a limit, until
  the file size limit makes writes fail); then reopen and print what the error was, the last
  committed number and whether the file holds exactly keys 0..last.
"""

from __future__ import annotations

import json
import resource
import signal
import sys

from hal.nvm import NvmError, NvmStore


def _say(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def hold(path: str) -> None:
    with NvmStore.open(path) as store:
        store.partition("chf").put("holder", "the first process")
        _say(ready=True)
        sys.stdin.read()


def try_open(path: str) -> None:
    try:
        NvmStore.open(path).close()
    except NvmError as error:
        _say(error=type(error).__name__, message=str(error), path=error.path)
    else:
        _say(opened=True)


def _limit_file_size(limit: int) -> int:
    """Make writes past `limit` bytes fail with EFBIG; returns the hard limit to restore."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG from write(), not a signal
    hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    return hard


def spill(path: str) -> None:
    store = NvmStore.open(path)
    nvm = store.partition("chf")
    nvm.put("before", 1)
    hard = _limit_file_size(1_000_000)
    inner_error = later_error = ""
    try:
        with nvm.transaction() as outer:
            outer.put("outer", 1)
            try:
                with outer.transaction() as inner:
                    for number in range(2000):
                        inner.put(f"key{number}", bytes(4000))
            except NvmError as error:
                inner_error = type(error).__name__
            outer.put("after", 2)
    except NvmError as error:
        later_error = type(error).__name__
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
    store.close()
    with NvmStore.open(path) as reopened:
        _say(inner=inner_error, later=later_error, keys=sorted(reopened.partition("chf").items()))


def fill(path: str, limit: int | None) -> None:
    hard = _limit_file_size(limit) if limit is not None else 0
    store = NvmStore.open(path)
    nvm = store.partition("chf")
    last = -1
    failure: NvmError | None = None
    for number in range(100_000):
        try:
            with nvm.transaction() as tx:
                tx.put(f"key{number:06d}", bytes(4096))
                tx.put("last", number)
        except NvmError as error:
            failure = error
            break
        last = number
    store.close()
    if limit is not None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
    with NvmStore.open(path) as store:
        nvm = store.partition("chf")
        keys = sorted(nvm.items("key"))
        whole = keys == [f"key{n:06d}" for n in range(last + 1)] and nvm.get("last") == (last if last >= 0 else None)
    _say(
        error=type(failure).__name__ if failure else None,
        message=str(failure),
        path=failure.path if failure else None,
        last=last,
        whole=whole,
    )


if __name__ == "__main__":
    command, target = sys.argv[1], sys.argv[2]
    if command == "hold":
        hold(target)
    elif command == "open":
        try_open(target)
    elif command == "spill":
        spill(target)
    elif command == "fill":
        fill(target, int(sys.argv[3]) if len(sys.argv) > 3 else None)
    else:
        sys.exit(f"unknown command {command!r}")
