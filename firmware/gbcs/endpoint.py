"""`GbcsEndpoint`: the envelope side of one GBCS endpoint, as a sans-I/O state machine (style.md "State machines").

Inputs: `receive(data, now, utc)` a whole GBCS message; `timer_fired(now, utc)` at or after
`deadline()`; `raise_alerts(alerts, now, utc)` for events the device model notices itself.
Outputs: `Outbound` messages (sealed bytes and the EUI they go to), each first queued in
NVM (`gbcs.outbox`) and handed back with its queue sequence number; the I/O adapter calls
`sent(seq)` once it has delivered one, and `pending()` after a restart returns what a
power cut left undelivered.

Theory of operation:

1. Intake runs the checks of `intake` in order; the first failure refuses the command:
   a security-log record, and for most refusals a generic critical alert (intake.RULES).
2. An accepted command runs in ONE NVM transaction: store its counter, call the payload
   handler, seal and queue the response and any alerts (interfaces.md "NVM transactions
   nest"): its effects, counter and answers are durable together or not at all. A handler
   that raises (a bug: handlers answer bad input with protocol errors) rolls all of it back;
   the failure is logged and the endpoint goes on serving.
3. A response has the command's message code and counter, originator and recipient
   swapped, CRA 2, the command's Other Information without a certificate, the
   grouping-header date-time where the registry says GBCS puts one, and is signed by the
   device (general-signing) when the registry's response forms are signed - or, where the
   use case has both forms, when the command was signed - else MACed for its recipient
   (gbcs.md 2.3, 4.2).
4. An alert gets the device's own originator counter, persisted and strictly increasing,
   goes to the handler's recipient or else the supplier (the anchor of role 2), and is
   signed when the registry shows its code signed (A:S), else MACed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from firmware.gbcs import alerts as alert_payloads
from firmware.gbcs import intake
from firmware.gbcs.contract import CommandContext, PayloadHandler, RaisedAlert
from firmware.gbcs.credentials import Credentials
from firmware.gbcs.intake import Refusal
from protocols.gbcs import registry, seal
from protocols.gbcs.cs.common import SUPPLIER
from protocols.gbcs.envelope import decode, encode
from protocols.gbcs.errors import GbcsDecodeError
from protocols.gbcs.message import Cra, Message, OtherInformation

if TYPE_CHECKING:
    from hal.nvm import Nvm

LOGGER = logging.getLogger(__name__)
OUTBOX = "gbcs.outbox"
SECURITY_LOG = "gbcs.security-log"
EVENT_LOG = "gbcs.event-log"
_ORIGINATOR_COUNTER = "gbcs.originator-counter"
_MALFORMED = "gbcs.malformed-count"
#: Log depth of GBCS devices' event and security logs (meters.md 2.6).
LOG_DEPTH = 100
_MAC_PLACEHOLDER = bytes(12)


@dataclass(frozen=True, slots=True)
class Outbound:
    """A sealed message to send: its bytes, the EUI it is for, and its place in the NVM outbox."""

    seq: int
    data: bytes
    destination: bytes
    cra: Cra
    message_code: int


def security_record(utc: float, code: int, refusal: Refusal, message: Message | None, detail: str) -> dict[str, Any]:
    """A security-log entry: GBCS's {timestamp, logCode} (meters.md 2.6) and what we know of the command."""
    return {
        "utc": int(utc),
        "code": code,
        "reason": refusal.value,
        "detail": detail,
        "message_code": None if message is None else message.message_code,
        "originator": None if message is None else message.originator,
        "counter": None if message is None else message.originator_counter,
    }


class GbcsEndpoint:
    """Checks, hands on, answers and alerts for one GBCS endpoint (see the module docstring)."""

    def __init__(
        self,
        credentials: Credentials,
        handler: PayloadHandler,
        nvm: Nvm,
        *,
        alert_family: str,
        joined: Callable[[bytes], bool] = lambda eui: False,
        clock_status: Callable[[], int] = lambda: 0xFF,
        outbox_limit: int = 256,
    ) -> None:
        """`alert_family`: "dlms" or "gbz", the family of the endpoint's own alerts; `joined(eui)`: whether a
        HAN device is in this device's join list (HAN-originated commands); `clock_status`: the status byte
        of response date-times."""
        self.credentials = credentials
        self.eui = credentials.eui
        self.handler = handler
        self._nvm = nvm
        self._family = alert_family
        self._joined = joined
        self.clock_status = clock_status  #: the status byte of response date-times
        self._outbox_limit = outbox_limit

    # -- intake --------------------------------------------------------------------------------

    def receive(self, data: bytes, now: float, utc: float) -> list[Outbound]:
        """Take one GBCS message; return the responses and alerts it leads to (already queued in NVM)."""
        try:
            message, regions = decode(bytes(data))
        except GbcsDecodeError as exc:
            return self._refuse(Refusal.MALFORMED, None, utc, str(exc))
        if message.cra is not Cra.COMMAND or message.gbt is not None:
            return self._refuse(Refusal.NOT_A_COMMAND, message, utc, f"CRA {int(message.cra)}")
        if message.recipient != self.eui:
            return self._refuse(Refusal.WRONG_RECIPIENT, message, utc, f"recipient {message.recipient.hex()}")
        info = registry.lookup(message.message_code)
        checked = intake.authenticate(message, regions, bytes(data), self.credentials, info)
        if checked.refusal is not None:
            return self._refuse(checked.refusal, message, utc, checked.detail)
        role = self.credentials.role_of(message.originator)
        if info is not None and info.han_originated:
            allowed = self._joined(message.originator)
        else:
            allowed = intake.authorised(role, info)
        if not allowed:
            return self._refuse(Refusal.ROLE_NOT_AUTHORISED, message, utc, f"role {role}")
        counter_key = intake.counter_key(message.originator, message.message_code)
        last = self._nvm.get(counter_key)
        if last is not None and message.originator_counter <= last:
            return self._refuse(Refusal.COUNTER_NOT_GREATER, message, utc, f"last accepted {last}")
        context = CommandContext(
            message_code=message.message_code,
            originator=message.originator,
            recipient=message.recipient,
            counter=message.originator_counter,
            role=role,
            critical=checked.signed,
            other_information=message.other_information,
            now=now,
            utc=utc,
        )
        return self._accept(message, context, counter_key, checked.signed, info)

    def _accept(
        self,
        message: Message,
        context: CommandContext,
        counter_key: str,
        signed: bool,
        info: registry.MessageCodeInfo | None,
    ) -> list[Outbound]:
        try:
            with self._nvm.transaction() as tx:
                tx.put(counter_key, message.originator_counter)
                result = self.handler.handle(message.payload, context)
                out = []
                if result.response is not None:
                    response = self._response(message, result.response, signed, info, context.utc)
                    out.append(self._queue(tx, response))
                out.extend(self._queue(tx, self._alert(alert, context.utc)) for alert in result.alerts)
        except Exception as exc:  # a handler bug must not stop the endpoint: rolled back, logged (BLE: logged)
            LOGGER.exception("%s: payload handler failed on message code %#06x", self.eui.hex(), message.message_code)
            with self._nvm.transaction() as tx:
                record = {"utc": int(context.utc), "code": intake.MALFORMED_COMMANDS, "detail": repr(exc)}
                tx.append(EVENT_LOG, record | {"message_code": message.message_code}, keep=LOG_DEPTH)
            return []
        return out

    def _refuse(self, refusal: Refusal, message: Message | None, utc: float, detail: str) -> list[Outbound]:
        rule = intake.RULES[refusal]
        LOGGER.info("%s: refused (%s): %s", self.eui.hex(), refusal.value, detail)
        with self._nvm.transaction() as tx:
            tx.append(SECURITY_LOG, security_record(utc, rule.code, refusal, message, detail), keep=LOG_DEPTH)
            codes = [rule.code] if rule.alert else []
            if refusal is Refusal.MALFORMED:
                count = self._nvm.get(_MALFORMED, 0) + 1
                tx.put(_MALFORMED, count)
                if count % intake.MALFORMED_ALERT_EVERY == 0:
                    codes.append(intake.MALFORMED_COMMANDS)
            if self._default_recipient() is None:  # no supplier or ACB anchor: nobody to alert, logged only
                return []
            return [self._queue(tx, self._generic_alert(code, utc)) for code in codes]

    # -- sealing ---------------------------------------------------------------------------------

    def _response(
        self, command: Message, payload: bytes, command_signed: bool, info: registry.MessageCodeInfo | None, utc: float
    ) -> Message:
        forms = {form for form in (info.forms if info else ()) if form.startswith("R:")}
        signed = forms == {"R:S"} or (forms != {"R:M"} and command_signed)
        other = command.other_information
        response = Message(
            cra=Cra.RESPONSE,
            originator_counter=command.originator_counter,
            originator=self.eui,
            recipient=command.originator,
            other_information=OtherInformation(
                other.message_code, other.remote_party_id, other.remote_party_counter, other.originator_counter
            ),
            payload=payload,
            date_time_raw=alert_payloads.dlms_date_time(utc, self.clock_status())
            if info and info.dated_response
            else None,
        )
        return self._seal(response, signed)

    def _seal(self, message: Message, signed: bool) -> Message:
        if signed:
            return seal(message, signing_key=self.credentials.signing_key())
        peer = message.recipient
        key = self.credentials.mac_key(
            peer, message.originator, int(message.cra), message.originator_counter, message.recipient
        )
        if key is None:  # no private key on either side: MAC with a generated KA key (its exported certificate)
            self.credentials.agreement_key()
            key = self.credentials.mac_key(
                peer, message.originator, int(message.cra), message.originator_counter, message.recipient
            )
        assert key is not None, "a generated KA key always agrees with a known peer key"
        return seal(Message(**{**message.__dict__, "mac": _MAC_PLACEHOLDER}), mac_key=key)

    def next_originator_counter(self) -> int:
        """The device's own originator counter for a message it originates (alerts, HAN commands): persisted,
        strictly increasing (gbcs.md 4.7)."""
        counter = int(self._nvm.get(_ORIGINATOR_COUNTER, 0)) + 1
        self._nvm.put(_ORIGINATOR_COUNTER, counter)
        return counter

    def queue_message(self, message: Message) -> Outbound:
        """Queue a message the device sealed itself (a HAN-originated command) in the outbox."""
        with self._nvm.transaction() as tx:
            return self._queue(tx, message)

    def _default_recipient(self) -> bytes | None:
        """Where alerts go unless their raiser says otherwise: the supplier, else the ACB."""
        return self.credentials.party(SUPPLIER) or self.credentials.acb

    def _alert(self, alert: RaisedAlert, utc: float, counter: int | None = None) -> Message:
        recipient = alert.recipient or self._default_recipient()
        if recipient is None:
            raise ValueError(f"{self.eui.hex()}: no supplier or ACB to send alert {alert.message_code:#06x} to")
        info = registry.lookup(alert.message_code)
        counter = self.next_originator_counter() if counter is None else counter
        message = Message(
            cra=Cra.ALERT,
            originator_counter=counter,
            originator=self.eui,
            recipient=recipient,
            other_information=OtherInformation(alert.message_code),
            payload=alert_payloads.with_invoke_id(alert.payload, counter),
        )
        return self._seal(message, signed=info is not None and info.has_form("A:S"))

    def _generic_alert(self, alert_code: int, utc: float) -> Message:
        counter = self.next_originator_counter()
        payload = alert_payloads.generic_alert_payload(self._family, alert_code, utc, counter)
        return self._alert(RaisedAlert(alert_payloads.GENERIC_CRITICAL_ALERT, payload), utc, counter)

    def _queue(self, tx: Any, message: Message) -> Outbound:
        """Put a sealed message in the NVM outbox (dropping the oldest, logged, when it is full)."""
        queued = self._nvm.queue(OUTBOX)
        for seq, dropped in queued[: max(0, len(queued) - self._outbox_limit + 1)]:
            tx.remove(OUTBOX, seq)
            LOGGER.warning("%s: outbox full, dropped message code %#06x", self.eui.hex(), dropped["message_code"])
        data = encode(message)
        entry = {
            "data": data,
            "destination": message.recipient,
            "cra": int(message.cra),
            "message_code": message.message_code,
        }
        seq = tx.push(OUTBOX, entry, limit=self._outbox_limit)
        return Outbound(seq, data, message.recipient, message.cra, message.message_code)

    # -- time and delivery -------------------------------------------------------------------------

    def deadline(self) -> float | None:
        """Loop time of the next self-driven event (the payload handler's)."""
        return self.handler.deadline()

    def timer_fired(self, now: float, utc: float) -> list[Outbound]:
        """Run what fell due; the alerts it raises are sealed and queued in the same transaction."""
        with self._nvm.transaction() as tx:
            raised = self.handler.timer_fired(now, utc)
            return [self._queue(tx, self._alert(alert, utc)) for alert in raised]

    def raise_alerts(self, raised: Iterable[RaisedAlert], now: float, utc: float) -> list[Outbound]:
        """Seal and queue alerts the device model raised on its own (supply events, tamper, ...)."""
        with self._nvm.transaction() as tx:
            return [self._queue(tx, self._alert(alert, utc)) for alert in raised]

    def pending(self) -> list[Outbound]:
        """Everything queued and not yet reported `sent` (after a restart: what a power cut left)."""
        return [
            Outbound(seq, entry["data"], entry["destination"], Cra(entry["cra"]), entry["message_code"])
            for seq, entry in self._nvm.queue(OUTBOX)
        ]

    def sent(self, seq: int) -> None:
        """The adapter delivered outbox entry `seq`: forget it."""
        with self._nvm.transaction() as tx:
            tx.remove(OUTBOX, seq)

    def security_log(self) -> list[dict[str, Any]]:
        return [entry for _, entry in self._nvm.log(SECURITY_LOG)]
