"""The credential use cases every device answers: CS02a/CS02f details, CS02b/CS02g replacement, CS02d.

CS02a/f (gbcs.md 5.4): per requested role, status 0 with the anchors' sequence number and
cells (key usage, subject EUI, key identifier); status 25 (0x19) when the device holds no
anchor for a role it could hold, 127 (0x7F) for a role it keeps none for (transitional
CoS, issuing authority): the two error statuses of the RTDS CS02a/f error scenarios [?].

CS02b/g: the replacement mode names which roles may be replaced (the mode's low byte, its
name in gbcs.md 5.4); each new certificate must verify against a certificate of the
command's certification path and match its target cell (key usage, role in OU), else its
outcome status is 10 (0x0A), the status RTDS reports for a certificate that does not
verify [?]. Replaced cells take the new key; the floors of the command become the stored
originator counters of the parties they name (gbcs.md 4.7; specialist kind 0 is the
top-up counter) - never below the counter of the command itself when it names its own
sender. A future-dated command is answered `SEQ{NULL}` and run at its time, its outcome
raised as alert 0x00CB (CS02b) / 0x0124 (CS02g) with 8F66 (all replaced) or 8F67, to the
party that sent it; 9999-12-31T23:59:59Z cancels.

CS02d: a new certificate of one of the device's own keys: 0 installed, 1 not a
certificate, 2 not this device's key, 3 the certificate already installed [?].
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from firmware.gbcs import certificates, intake
from firmware.gbcs.contract import CommandContext, RaisedAlert
from firmware.gbcs.credentials import Credentials, TrustAnchor
from firmware.gbcs.schedule import CANCEL, Schedule
from protocols.gbcs import cs
from protocols.gbcs.cs.common import (
    ACB,
    DIGITAL_SIGNATURE,
    KEY_AGREEMENT,
    LOAD_CONTROLLER,
    NETWORK_OPERATOR,
    RECOVERY,
    ROOT,
    SUPPLIER,
    TRANSITIONAL_COS,
    WAN_PROVIDER,
    AlertHeader,
    TrustAnchorCell,
)
from protocols.gbcs.keystore import KeyUsage

if TYPE_CHECKING:
    from hal.nvm import Nvm

HELD, NOT_HELD, NOT_KEPT = 0, 0x19, 0x7F
REPLACED, NOT_VERIFIED = 0, 0x0A
INSTALLED, NOT_A_CERTIFICATE, NOT_OWN_KEY, ALREADY_INSTALLED = 0, 1, 2, 3
SUCCESS_ALERT, FAILURE_ALERT = 0x8F66, 0x8F67
#: Roles a device may hold trust anchors for (gbcs.md 2.1): CS02a answers 25 or 127 by this.
_KEPT_ROLES = frozenset((ROOT, RECOVERY, SUPPLIER, NETWORK_OPERATOR, ACB, WAN_PROVIDER, LOAD_CONTROLLER))
_ALL_REPLACEABLE = frozenset(
    (RECOVERY, SUPPLIER, NETWORK_OPERATOR, ACB, TRANSITIONAL_COS, WAN_PROVIDER, LOAD_CONTROLLER)
)
#: Replacement mode -> roles it may replace (gbcs.md 5.4 mode names: rootBySupplier ... anyByContingency, CS02g).
_MODE_ROLES: dict[int, frozenset[int]] = {
    0: frozenset((ROOT,)),
    1: frozenset((ROOT,)),
    2: frozenset((SUPPLIER,)),
    3: frozenset((NETWORK_OPERATOR,)),
    4: frozenset((ACB,)),
    5: frozenset((WAN_PROVIDER,)),
    6: frozenset((TRANSITIONAL_COS,)),
    7: frozenset((SUPPLIER,)),
    8: _ALL_REPLACEABLE,
    9: _ALL_REPLACEABLE,
    10: frozenset((LOAD_CONTROLLER,)),
    11: frozenset((LOAD_CONTROLLER,)),
}
#: Alert message code of a future-dated replacement's outcome: CS02g codes report as 0x0124, others 0x00CB.
_ALERT_CODE = {0x0125: 0x0124, 0x0126: 0x0124}
_SCHEDULE = "gbcs.pending.credentials"


def _cell_usage(anchor: TrustAnchor) -> tuple[cs.BitString, int | None]:
    return (DIGITAL_SIGNATURE if anchor.usage is KeyUsage.DS else KEY_AGREEMENT), anchor.cell_usage


def _usage_of(cell: TrustAnchorCell) -> KeyUsage | None:
    if cell.key_usage == DIGITAL_SIGNATURE:
        return KeyUsage.DS
    if cell.key_usage == KEY_AGREEMENT:
        return KeyUsage.PP_KA if cell.cell_usage == 1 else KeyUsage.KA
    return None


class CredentialUseCases:
    """CS02a/b/d/f/g against one endpoint's `Credentials`."""

    def __init__(self, credentials: Credentials, nvm: Nvm) -> None:
        self._credentials = credentials
        self._nvm = nvm
        self.schedule = Schedule(nvm, _SCHEDULE)

    # -- CS02a / CS02f ----------------------------------------------------------------------------

    def details(self, request: cs.CredentialsDetailsRequest) -> cs.CredentialsDetailsResponse:
        parties = []
        for role in request.roles:
            anchors = [anchor for anchor in self._credentials.anchors() if anchor.role == role]
            if not anchors:
                parties.append(cs.RemotePartyDetails(role, NOT_HELD if role in _KEPT_ROLES else NOT_KEPT))
                continue
            cells = []
            for anchor in sorted(anchors, key=lambda a: (a.usage is not KeyUsage.DS, a.cell_usage or 0)):
                usage, cell_usage = _cell_usage(anchor)
                cells.append(cs.CellDetails(usage, anchor.eui, anchor.key_identifier, cell_usage))
            parties.append(cs.RemotePartyDetails(role, HELD, anchors[0].sequence_number, tuple(cells)))
        return cs.CredentialsDetailsResponse(tuple(parties))

    # -- CS02b / CS02g ----------------------------------------------------------------------------

    def update(
        self, command: cs.UpdateCredentialsCommand, payload: bytes, context: CommandContext
    ) -> cs.UpdateCredentialsResponse:
        self.schedule.observe(context.now, context.utc)
        key = f"{context.message_code:04x}"
        if command.execution == CANCEL:
            self.schedule.cancel(key)
            return cs.UpdateCredentialsResponse()
        if command.execution is not None and command.execution.timestamp() > context.utc:
            entry = {"payload": payload, "code": context.message_code, "originator": context.originator}
            self.schedule.put(key, command.execution, entry | {"counter": context.counter})
            return cs.UpdateCredentialsResponse()
        return cs.UpdateCredentialsResponse(self._execute(command, context.originator, context.counter))

    def _execute(self, command: cs.UpdateCredentialsCommand, originator: bytes, counter: int) -> cs.ExecutionOutcome:
        control = command.control
        allowed = _MODE_ROLES.get(control.mode, frozenset())
        outcomes = []
        for replacement in command.replacements:
            outcomes.append(self._replace(replacement, command.certification_path, allowed))
        floors = control.role_floors
        if floors is None:
            target = next((r.target.role for r in command.replacements), None)
            floors = (
                ()
                if target is None or control.floor is None
                else (cs.RoleFloor(target, control.floor, control.specialist_floors),)
            )
        for floor in floors:
            self._apply_floor(floor, originator, counter)
        return cs.ExecutionOutcome(control.sequence_number, control.mode, floors, tuple(outcomes))

    def _replace(
        self, replacement: cs.Replacement, path: tuple[bytes, ...], allowed: frozenset[int]
    ) -> cs.ReplacementOutcome:
        target = replacement.target
        usage = _usage_of(target)
        prior = None if usage is None else self._credentials.anchor(target.role, usage, target.cell_usage)
        try:
            named = certificates.identity(replacement.certificate)
        except ValueError:
            named = None
        valid = (
            named is not None
            and usage is not None
            and target.role in allowed
            and named.eui is not None
            and (named.role is None or named.role == target.role)
            and (named.usage is KeyUsage.DS) == (usage is KeyUsage.DS)
            and any(certificates.verifies(named.certificate, issuer) for issuer in path)
        )
        prior_id = prior.eui if prior else bytes(8)
        prior_key = prior.key_identifier if prior else bytes(8)
        if not valid or named is None or named.eui is None or usage is None:
            return cs.ReplacementOutcome(target, NOT_VERIFIED, prior_id, prior_key, prior_id, prior_key)
        public = certificates.public_key_bytes(named.public_key)
        self._credentials.put_anchor(TrustAnchor(target.role, usage, named.eui, public, target.cell_usage))
        return cs.ReplacementOutcome(target, REPLACED, prior_id, prior_key, named.eui, named.key_identifier)

    def _apply_floor(self, floor: cs.RoleFloor, originator: bytes, counter: int) -> None:
        party = self._credentials.party(floor.role)
        self._credentials.set_sequence_number(floor.role, floor.floor)
        if party is None:
            return
        own = counter if party == originator else -1
        self._nvm.put(intake.counter_key(party, 0), max(floor.floor, own))
        for specialist in floor.specialist or ():
            if specialist.kind == 0:  # prepayment top-up (gbcs.md 4.7)
                self._nvm.put(intake.counter_key(party, min(intake.TOP_UP_CODES)), specialist.floor)

    def due(self, utc: float) -> list[RaisedAlert]:
        """Run the replacements whose time has come; their outcome alerts."""
        raised = []
        for _, entry in self.schedule.due(utc):
            command = cs.parse(entry["code"], cs.COMMAND, entry["payload"])
            outcome = self._execute(command, entry["originator"], entry["counter"])
            code = SUCCESS_ALERT if all(o.status == REPLACED for o in outcome.outcomes) else FAILURE_ALERT
            alert = cs.CredentialsUpdateAlert(AlertHeader(code, _when(utc)), outcome)
            raised.append(RaisedAlert(_ALERT_CODE.get(entry["code"], 0x00CB), cs.build(alert), entry["originator"]))
        return raised

    # -- CS02d ------------------------------------------------------------------------------------

    def device_certificate(self, value: cs.DeviceCertificate) -> cs.ResponseCode:
        try:
            named = certificates.identity(value.certificate)
        except ValueError:
            return cs.ResponseCode(NOT_A_CERTIFICATE)
        usage = named.usage
        own = None if usage is None else self._credentials.public_key(usage)
        if (
            named.eui != self._credentials.eui
            or own is None
            or own.public_numbers() != named.public_key.public_numbers()
        ):
            return cs.ResponseCode(NOT_OWN_KEY)
        assert usage is not None
        if self._credentials.own_certificate(usage) == value.certificate:
            return cs.ResponseCode(ALREADY_INSTALLED)
        self._credentials.install_certificate(usage, value.certificate)
        return cs.ResponseCode(INSTALLED)


def _when(utc: float) -> datetime:
    return datetime.fromtimestamp(int(utc), UTC)


def pending_entries(nvm: Nvm) -> dict[str, Any]:
    """The pending future-dated replacements (for tests and diagnostics)."""
    return dict(nvm.get(_SCHEDULE, {}))
