"""Future-dated commands held in NVM until their execution time (meters.md 3.4; gbcs.md 5.4 CS02b, CS06).

Why a helper: CS02b/CS02g credential replacements and CS06 firmware activations may be
future-dated; the device answers at once, keeps the command, runs it at its UTC time and
reports the outcome in an alert (0x00CB/0x0124, 0x00CA). A GeneralizedTime of
9999-12-31T23:59:59Z cancels what is pending (gbcs.md 0). Times are UTC; the loop-time
deadline is derived from the latest (now, utc) pair the device has seen, so it survives
a restart whose loop clock starts again from zero.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hal.nvm import Nvm

#: The execution time that cancels a pending future-dated command (gbcs.md 0).
CANCEL = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


class Schedule:
    """Pending future-dated commands of one kind, at most one per key, in NVM under `name`."""

    def __init__(self, nvm: Nvm, name: str) -> None:
        self._nvm = nvm
        self._name = name
        self._offset: float | None = None  #: loop time minus UTC, from the latest call

    def observe(self, now: float, utc: float) -> None:
        """Learn how loop time maps to UTC (every entry point passes both)."""
        self._offset = now - utc

    def put(self, key: str, execution: datetime, entry: dict[str, Any]) -> None:
        pending = dict(self._nvm.get(self._name, {}))
        pending[key] = {**entry, "execution": int(execution.timestamp())}
        self._nvm.put(self._name, pending)

    def cancel(self, key: str) -> bool:
        pending = dict(self._nvm.get(self._name, {}))
        found = pending.pop(key, None) is not None
        self._nvm.put(self._name, pending)
        return found

    def deadline(self) -> float | None:
        pending = self._nvm.get(self._name, {})
        if not pending or self._offset is None:
            return None
        return min(entry["execution"] for entry in pending.values()) + self._offset

    def due(self, utc: float) -> list[tuple[str, dict[str, Any]]]:
        """Remove and return the entries whose execution time has come."""
        pending = dict(self._nvm.get(self._name, {}))
        ready = sorted(
            ((key, entry) for key, entry in pending.items() if entry["execution"] <= utc),
            key=lambda item: item[1]["execution"],
        )
        for key, _ in ready:
            del pending[key]
        if ready:
            self._nvm.put(self._name, pending)
        return ready
