"""A process that commits NVM transactions until it is killed: `python -m tests.hal.nvm.writer PATH DURABILITY`.

Transaction n (counting on from what the file holds) writes, in two partitions:
- "w": n = n, slot<n % 5> = n, blob = n % 251 repeated n % 3000 times (a few pages, varying);
  log "log" appends n (keep 50); queue "queue" pushes n and removes entries older than n - 5;
- a nested block that fails after writing "poison" (its writes must never be seen);
- a nested block that succeeds, writing "mirror" = n in partition "device/w".
It prints n after each commit. `expected_state(n)` is what the file must hold after commit n.
"""

from __future__ import annotations

import sys
from typing import Any

from hal.nvm import Durability, NvmStore

LOG_KEEP = 50
QUEUE_SPAN = 5


class _Abandoned(Exception):
    """Raised inside the nested block that must leave no trace."""


def _blob(number: int) -> bytes:
    return bytes([number % 251]) * (number % 3000)


def expected_state(last: int) -> dict[str, Any]:
    """Everything partitions "w" and "device/w" hold after transactions 1..last committed."""
    keys: dict[str, Any] = {}
    if last:
        keys = {"blob": _blob(last), "n": last}
        for number in range(max(1, last - 4), last + 1):
            keys[f"slot{number % 5}"] = number
    return {
        "w": dict(sorted(keys.items())),
        "log": [(number, number) for number in range(max(1, last - LOG_KEEP + 1), last + 1)],
        "queue": [(number, number) for number in range(max(1, last - QUEUE_SPAN), last + 1)],
        "device": {"mirror": last} if last else {},
    }


def actual_state(store: NvmStore) -> dict[str, Any]:
    """What the file holds, in the shape of `expected_state`."""
    nvm = store.partition("w")
    return {
        "w": nvm.items(),
        "log": nvm.log("log"),
        "queue": nvm.queue("queue"),
        "device": store.partition("device/w").items(),
    }


def main(path: str, durability: str) -> None:
    store = NvmStore.open(path, durability=Durability[durability])
    nvm, device = store.partition("w"), store.partition("device/w")
    number = int(nvm.get("n", 0))
    print(f"ready {number}", flush=True)
    while True:
        number += 1
        with nvm.transaction() as tx:
            tx.put("n", number)
            tx.put(f"slot{number % 5}", number)
            tx.put("blob", _blob(number))
            tx.append("log", number, keep=LOG_KEEP)
            tx.push("queue", number, limit=QUEUE_SPAN + 2)
            for seq, _ in tx.queue("queue"):
                if seq < number - QUEUE_SPAN:
                    tx.remove("queue", seq)
            try:
                with tx.transaction() as doomed:
                    doomed.put("poison", number)
                    device.put("poison", number)
                    raise _Abandoned
            except _Abandoned:
                pass
            with device.transaction() as inner:
                inner.put("mirror", number)
        print(number, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
