"""The CHF's payload handler: its DLMS use cases behind its `GbcsEndpoint` (the contract of firmware.gbcs).

The CS use cases addressed to the CHF (CS02a/CS02f, CS02b WAN-provider-by-WAN-provider ...)
are answered by the common CS handler `firmware.gbcs.assemble` composes in front of this
one; everything else the CHF answers is DLMS (gbcs.md 5.7): the payload is parsed, the
`CosemServer` answers it, and the HAN orders the instructions gave are kept in `actions`
for the `Chf` to hand to its adapter once the command's NVM transaction has committed.
A payload that is not a DLMS access-request gets no response: it is written to the
security log (the command was authentic, its content is not a CHF use case).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.chf.actions import Action
from firmware.chf.cosem import Call, CosemServer
from firmware.gbcs.contract import CommandContext, HandlerResult, RaisedAlert
from firmware.gbcs.endpoint import LOG_DEPTH, SECURITY_LOG
from protocols import dlms
from protocols.dlms import AccessRequest, DlmsDecodeError

if TYPE_CHECKING:
    from hal.nvm import Nvm

#: Security-log code of a payload a device does not answer (0x8F1E "command integrity check failed").
UNANSWERED_PAYLOAD = 0x8F1E


class UntimedHandler:
    """What the CHF's and the GPF's payload handlers share: no self-driven events of their own (their timers are
    the CHF's and the common CS handler's), and authentic payloads they do not answer logged, unanswered."""

    def __init__(self, nvm: Nvm) -> None:
        self._nvm = nvm

    def _not_answered(self, context: CommandContext, detail: str) -> HandlerResult:
        log_unanswered(self._nvm, context, detail)
        return HandlerResult(None)

    def deadline(self) -> float | None:
        return None

    def timer_fired(self, now: float, utc: float) -> tuple[RaisedAlert, ...]:
        return ()


class ChfHandler(UntimedHandler):
    """`PayloadHandler` of the CHF's own use cases (see the module docstring)."""

    def __init__(self, server: CosemServer, nvm: Nvm) -> None:
        super().__init__(nvm)
        self.server = server
        self.actions: list[Action] = []

    def take_actions(self) -> list[Action]:
        """The HAN orders of the commands handled since the last call."""
        actions, self.actions = self.actions, []
        return actions

    def handle(self, payload: bytes, context: CommandContext) -> HandlerResult:
        try:
            request = dlms.parse(payload)
        except DlmsDecodeError as exc:
            return self._not_answered(context, str(exc))
        if not isinstance(request, AccessRequest):
            return self._not_answered(context, f"a {type(request).__name__}, not an access-request")
        call = Call(context)
        response = self.server.answer(request, call)
        self.actions += call.actions
        return HandlerResult(response, tuple(call.alerts))


def log_unanswered(nvm: Nvm, context: CommandContext, detail: str) -> None:
    """A security-log record of an authentic command whose payload the device does not answer (0x8F1E)."""
    record_security(
        nvm,
        context.utc,
        UNANSWERED_PAYLOAD,
        "payload-malformed",
        detail,
        message_code=context.message_code,
        originator=context.originator,
        counter=context.counter,
    )


def record_security(
    nvm: Nvm,
    utc: float,
    code: int,
    reason: str,
    detail: str = "",
    *,
    message_code: int | None = None,
    originator: bytes | None = None,
    counter: int | None = None,
) -> None:
    """A security-log record in the form and log of `firmware.gbcs`'s refusals (its {timestamp, logCode} and
    what is known of the message)."""
    record = {
        "utc": int(utc),
        "code": code,
        "reason": reason,
        "detail": detail,
        "message_code": message_code,
        "originator": originator,
        "counter": counter,
    }
    nvm.append(SECURITY_LOG, record, keep=LOG_DEPTH)
