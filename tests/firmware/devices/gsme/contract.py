"""The `firmware.gbcs.contract` shapes (interfaces.md, "The GBCS endpoint contract"), for tests only.

`firmware.gbcs` is built on another branch; until it lands, `conftest` installs this module
under that name when the real one cannot be imported, so the GSME's handler is tested against
exactly the agreed dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CommandContext:
    message_code: int
    originator: bytes
    recipient: bytes
    counter: int
    role: int | None
    critical: bool
    other_information: Any
    now: float
    utc: float


@dataclass(frozen=True, slots=True)
class RaisedAlert:
    message_code: int
    payload: bytes
    recipient: bytes | None = None


@dataclass(frozen=True, slots=True)
class HandlerResult:
    response: bytes | None
    alerts: tuple[RaisedAlert, ...] = ()
