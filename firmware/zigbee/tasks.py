"""The background tasks one layer starts (an ACK to send, a poll to serve, a frame to relay), as one set.

Why: a layer reacts to a received frame from a plain callback, where it cannot
await; it starts a task instead. asyncio keeps only weak references to tasks,
so each layer must hold its own until they finish, and cancel what is left
when it closes. Every layer needs exactly that, so it is written once here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class TaskSet:
    """Tasks started with `spawn`, each held until it finishes; `cancel` stops those still running."""

    _tasks: set[asyncio.Task[Any]] = field(default_factory=set, init=False)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run `coro` as a task on the running loop."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def cancel(self) -> None:
        """Cancel every task still running."""
        for task in list(self._tasks):
            task.cancel()
