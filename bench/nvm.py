"""Benchmark `hal.nvm`: transactions committed per wall second, per durability setting.

Workloads, each a committed transaction per operation:
- put: one key replaced (a counter);
- append: one entry added to a log bounded at 100 (an event log);
- push/remove: one entry pushed to a queue and the oldest removed (a queued command handed over);
- command: the envelope's shape (interfaces.md): a nested block accepting a counter, a handler
  writing two keys in a device partition and appending to its event log, and a response pushed
  to an outbox queue, all one commit.
Stores: a file with `Durability.FULL` (the log synced at each commit: a power cut loses
nothing committed), a file with `Durability.NORMAL` (survives a killed process) and
`NvmStore.memory()`. Figures depend on the disk's sync latency (an SD card on a Raspberry Pi
syncs far slower than this machine's disk) and on machine load.
Run: `.venv/bin/python -m bench nvm`.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hal.nvm import Durability, NvmStore

SECONDS = 0.6  # per workload and store


def _workloads(store: NvmStore) -> dict[str, Callable[[int], None]]:
    chf, device = store.partition("chf"), store.partition("device/00db1234567890a0")

    def put(number: int) -> None:
        chf.put("counter", number)

    def append(number: int) -> None:
        chf.append("events", {"code": 0x8F66, "n": number}, keep=100)

    def push_remove(number: int) -> None:
        with chf.transaction() as tx:
            tx.push("commands", b"\x00" * 120, limit=1000)
            if number >= 10:
                tx.remove("commands", number - 9)

    def command(number: int) -> None:
        with chf.transaction() as envelope:
            envelope.put("counter/supplier", 2**63 + number)
            with device.transaction() as handler:
                handler.put("tariff", [number, number + 1, number + 2])
                handler.put("credit", number * 100)
                handler.append("events", number, keep=100)
            envelope.push("outbox", b"\x00" * 200, limit=10_000)

    return {"put": put, "append": append, "push/remove": push_remove, "command": command}


def _rate(operation: Callable[[int], None]) -> float:
    count, started = 0, time.perf_counter()
    deadline = started + SECONDS
    while True:
        for _ in range(50):
            operation(count)
            count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - started)


def main() -> None:
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        stores = {
            "file FULL": lambda: NvmStore.open(Path(folder) / "full.db", durability=Durability.FULL),
            "file NORMAL": lambda: NvmStore.open(Path(folder) / "normal.db", durability=Durability.NORMAL),
            "memory": NvmStore.memory,
        }
        for label, opener in stores.items():
            with opener() as store:
                rows[label] = {name: _rate(operation) for name, operation in _workloads(store).items()}
    names = list(next(iter(rows.values())))
    print(f"{'transactions/s':<16}" + "".join(f"{name:>14}" for name in names))
    for label, figures in rows.items():
        print(f"{label:<16}" + "".join(f"{figures[name]:>14,.0f}" for name in names))
    full, normal = rows["file FULL"], rows["file NORMAL"]
    print("NORMAL / FULL: " + ", ".join(f"{name} {normal[name] / full[name]:.1f}x" for name in names))


if __name__ == "__main__":
    main()
