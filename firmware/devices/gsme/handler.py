"""The GSME behind the GBCS endpoint contract (interfaces.md): `firmware.gbcs` hands it GBZ payloads.

A thin adapter: `Gsme` does the work and speaks in its own values, so that it can be driven
(and benchmarked) without the envelope layer; this module turns its answers into the contract's
`HandlerResult` and `RaisedAlert`. The envelope layer seals what comes back: the response with
the command's counter, each alert with the GSME's own originator counter.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from firmware.gbcs.contract import CommandContext, HandlerResult, RaisedAlert
from protocols.gbz import Cipher

from .engine import CommandFacts, Gsme
from .model import GsmeAlert
from .prepayment import UtrnCheck
from .profile import GsmeProfile

if TYPE_CHECKING:
    from hal.nvm import Nvm


def _raised(alerts: list[GsmeAlert]) -> tuple[RaisedAlert, ...]:
    return tuple(RaisedAlert(alert.message_code, alert.payload) for alert in alerts)


class GsmePayloadHandler:
    """`PayloadHandler` of a GSME: state in `nvm`, seeded from `profile`, gas usage drawn from `rng`.

    `utrn_check` verifies top-up codes and `cipher_for` gives the payload key of a response
    (gbcs.md 4.4); both come from the composition root, which holds the device's keys.
    """

    def __init__(
        self,
        nvm: Nvm,
        profile: GsmeProfile,
        rng: random.Random,
        *,
        utrn_check: UtrnCheck | None = None,
        cipher_for: Callable[[CommandFacts], Cipher | None] | None = None,
    ) -> None:
        self.gsme = Gsme(nvm, profile, rng, utrn_check=utrn_check, cipher_for=cipher_for)

    def handle(self, payload: bytes, context: CommandContext) -> HandlerResult:
        response, alerts = self.gsme.handle(payload, context)
        return HandlerResult(response, _raised(alerts))

    def deadline(self) -> float | None:
        return self.gsme.deadline()

    def timer_fired(self, now: float, utc: float) -> tuple[RaisedAlert, ...]:
        return _raised(self.gsme.timer_fired(now, utc))
