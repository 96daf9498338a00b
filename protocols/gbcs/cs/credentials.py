"""Typed CS02 payloads: credential details (CS02a/f), replacement (CS02b/g) and device certificates (CS02d).

Structures as gbcs.md 5.4 gives them and as every RTDS CS02 payload decodes (checked by
the round-trip test): the command names the authorising party's trust-anchor cell, the
replacement mode, the authorising sequence number and the floors the device must apply
to the replaced parties' originator counters (gbcs.md 4.7); the response reports, per
replaced cell, the prior and new subject identifiers and key identifiers.

Two control members have no name in the primer: `[0]` (never seen in RTDS) and `[1]`
(`81 01 01`, seen on immediate and load-controller commands). They are kept as plain
integers so every command rebuilds byte for byte; the device gives them no meaning [?].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from protocols.gbcs import der
from protocols.gbcs.cs.common import (
    AlertHeader,
    BitString,
    TrustAnchorCell,
    at_least,
    certificate,
    certificate_element,
    exactly,
    implicit_int,
)
from protocols.gbcs.der import Element

# ---------------------------------------------------------------------------------------------
# CS02a / CS02f provide security credentials details


@dataclass(frozen=True, slots=True)
class CredentialsDetailsRequest:
    """CS02a/CS02f command: the authorising party's cell, then the roles whose details are wanted."""

    authorising_cell: TrustAnchorCell
    roles: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CellDetails:
    """One trust-anchor cell as CS02a reports it: key usage, cell usage, subject id and key identifier."""

    key_usage: BitString
    subject_unique_id: bytes
    subject_key_identifier: bytes
    cell_usage: int | None = None


@dataclass(frozen=True, slots=True)
class RemotePartyDetails:
    """The answer for one role: status (0 = held), then its sequence number and cells when held."""

    role: int
    status: int
    sequence_number: int | None = None
    cells: tuple[CellDetails, ...] | None = None


@dataclass(frozen=True, slots=True)
class CredentialsDetailsResponse:
    parties: tuple[RemotePartyDetails, ...]


def _details_request(top: Element) -> CredentialsDetailsRequest:
    cell, roles = exactly(top, "provide-security-credentials-details", 2)
    return CredentialsDetailsRequest(
        TrustAnchorCell.read(cell, "authorising-cell"),
        tuple(der.to_int(role, "remote-party-role") for role in der.members(roles, "remote-party-roles")),
    )


def _details_request_element(value: CredentialsDetailsRequest) -> Element:
    return der.sequence(value.authorising_cell.element(), der.sequence(*map(der.integer, value.roles)))


def _cell_details(element: Element) -> CellDetails:
    parts = der.members(element, "trust-anchor-cell-details")
    if len(parts) not in (3, 4):
        raise element.fail("trust-anchor-cell-details", f"{len(parts)} members where 3 or 4 were expected")
    usage = der.to_int(parts[1], "cell-usage") if len(parts) == 4 else None
    return CellDetails(
        BitString.read(parts[0], "key-usage"),
        der.to_octets(parts[-2], "subject-unique-id"),
        der.to_octets(parts[-1], "subject-key-identifier"),
        usage,
    )


def _cell_details_element(cell: CellDetails) -> Element:
    usage = () if cell.cell_usage is None else (der.integer(cell.cell_usage),)
    return der.sequence(
        cell.key_usage.element(), *usage, der.octets(cell.subject_unique_id), der.octets(cell.subject_key_identifier)
    )


def _details_response(top: Element) -> CredentialsDetailsResponse:
    parties = []
    for item in der.members(top, "security-credentials-details"):
        parts = der.members(item, "remote-party-details")
        if len(parts) not in (2, 4):
            raise item.fail("remote-party-details", f"{len(parts)} members where 2 or 4 were expected")
        role = der.to_int(parts[0], "remote-party-role")
        status = der.to_int(parts[1], "status", der.ENUMERATED)
        if len(parts) == 2:
            parties.append(RemotePartyDetails(role, status))
            continue
        cells = tuple(_cell_details(cell) for cell in der.members(parts[3], "trust-anchor-cells"))
        parties.append(RemotePartyDetails(role, status, der.to_int(parts[2], "sequence-number"), cells))
    return CredentialsDetailsResponse(tuple(parties))


def _details_response_element(value: CredentialsDetailsResponse) -> Element:
    items = []
    for party in value.parties:
        parts = [der.integer(party.role), der.integer(party.status, der.ENUMERATED)]
        if party.sequence_number is not None or party.cells is not None:
            parts.append(der.integer(party.sequence_number or 0))
            parts.append(der.sequence(*(_cell_details_element(cell) for cell in party.cells or ())))
        items.append(der.sequence(*parts))
    return der.sequence(*items)


# ---------------------------------------------------------------------------------------------
# CS02b / CS02g update security credentials


@dataclass(frozen=True, slots=True)
class SpecialistFloor:
    """A floor for one specialist counter of a role (kind 0: prepayment top-up, gbcs.md 4.7)."""

    kind: int
    floor: int


@dataclass(frozen=True, slots=True)
class RoleFloor:
    """The originator-counter floor a replacement sets for one role, with its specialist floors."""

    role: int
    floor: int
    specialist: tuple[SpecialistFloor, ...] | None = None


@dataclass(frozen=True, slots=True)
class AuthorisingControl:
    """The authorising remote party control of a CS02b/CS02g command."""

    mode: int  #: credentials replacement mode (the low byte of the message code for 0x0102-0x0109)
    sequence_number: int  #: [3] the authorising party's sequence number (RTDS: the command's counter)
    authorising_cell: TrustAnchorCell | None = None  #: [2]
    floor: int | None = None  #: [4] new remote party's floor
    specialist_floors: tuple[SpecialistFloor, ...] | None = None  #: [5]
    role_floors: tuple[RoleFloor, ...] | None = None  #: [6] floors of several roles
    context_0: int | None = None  #: [0], meaning not in the primer
    context_1: int | None = None  #: [1], meaning not in the primer


@dataclass(frozen=True, slots=True)
class Replacement:
    """One certificate (DER) and the cell it replaces."""

    certificate: bytes
    target: TrustAnchorCell


@dataclass(frozen=True, slots=True)
class UpdateCredentialsCommand:
    control: AuthorisingControl
    replacements: tuple[Replacement, ...]
    certification_path: tuple[bytes, ...]  #: DER certificates of the issuers
    execution: datetime | None = None  #: future-dated execution; 9999-12-31T23:59:59Z cancels


@dataclass(frozen=True, slots=True)
class ReplacementOutcome:
    """Per replaced cell: status (0 replaced) and prior / new subject ids and key identifiers."""

    cell: TrustAnchorCell
    status: int
    prior_subject_id: bytes
    prior_key_identifier: bytes
    new_subject_id: bytes
    new_key_identifier: bytes


@dataclass(frozen=True, slots=True)
class ExecutionOutcome:
    counter: int  #: the authorising sequence number of the command it reports on
    mode: int
    floors: tuple[RoleFloor, ...]
    outcomes: tuple[ReplacementOutcome, ...]


@dataclass(frozen=True, slots=True)
class UpdateCredentialsResponse:
    """`SEQ{ NULL }` when a future-dated command is accepted, with the outcome when executed at once."""

    outcome: ExecutionOutcome | None = None


@dataclass(frozen=True, slots=True)
class CredentialsUpdateAlert:
    """0x00CB (CS02b) / 0x0124 (CS02g): the outcome of a future-dated replacement (alert 8F66 / 8F67)."""

    header: AlertHeader
    outcome: ExecutionOutcome


def _specialist(element: Element) -> tuple[SpecialistFloor, ...]:
    return tuple(
        SpecialistFloor(*(der.to_int(part, "floor") for part in exactly(item, "specialist-floor", 2)))
        for item in der.members(element, "specialist-floors", element.tag)
    )


def _specialist_element(floors: tuple[SpecialistFloor, ...], tag: int = der.SEQUENCE) -> Element:
    return der.sequence(*(der.sequence(der.integer(f.kind), der.integer(f.floor)) for f in floors), tag=tag)


def _role_floors(element: Element) -> tuple[RoleFloor, ...]:
    floors = []
    for item in der.members(element, "floor-sequence-numbers", element.tag):
        parts = der.members(item, "role-floor")
        if len(parts) not in (2, 3):
            raise item.fail("role-floor", f"{len(parts)} members where 2 or 3 were expected")
        specialist = _specialist(parts[2]) if len(parts) == 3 else None
        floors.append(RoleFloor(der.to_int(parts[0], "role"), der.to_int(parts[1], "floor"), specialist))
    return tuple(floors)


def _role_floors_element(floors: tuple[RoleFloor, ...], tag: int = der.SEQUENCE) -> Element:
    items = []
    for floor in floors:
        extra = () if floor.specialist is None else (_specialist_element(floor.specialist),)
        items.append(der.sequence(der.integer(floor.role), der.integer(floor.floor), *extra))
    return der.sequence(*items, tag=tag)


def _control(element: Element) -> AuthorisingControl:
    parts = at_least(element, "authorising-remote-party-control", 2)
    fields: dict[str, object] = {"mode": der.to_int(parts[0], "credentials-replacement-mode")}
    previous = -1
    for part in parts[1:]:
        number = part.tag & 0x1F
        if part.tag > 0xFF or part.tag & 0xC0 != 0x80 or number <= previous:
            raise part.fail("authorising-remote-party-control", f"tag {part.tag:#04x} out of order or unexpected")
        previous = number
        if number in (0, 1, 3, 4) and part.tag == 0x80 | number:
            name = {0: "context_0", 1: "context_1", 3: "sequence_number", 4: "floor"}[number]
            fields[name] = implicit_int(part, name, part.tag)
        elif part.tag == 0xA2:
            fields["authorising_cell"] = TrustAnchorCell.read(part, "authorising-party-cell", 0xA2)
        elif part.tag == 0xA5:
            fields["specialist_floors"] = _specialist(part)
        elif part.tag == 0xA6:
            fields["role_floors"] = _role_floors(part)
        else:
            raise part.fail("authorising-remote-party-control", f"unexpected tag {part.tag:#04x}")
    if "sequence_number" not in fields:
        raise element.fail("authorising-party-sequence-number", "[3] is missing")
    return AuthorisingControl(**fields)  # type: ignore[arg-type]  # names and types checked just above


def _control_element(control: AuthorisingControl) -> Element:
    parts = [der.integer(control.mode)]
    if control.context_0 is not None:
        parts.append(der.integer(control.context_0, 0x80))
    if control.context_1 is not None:
        parts.append(der.integer(control.context_1, 0x81))
    if control.authorising_cell is not None:
        parts.append(control.authorising_cell.element(0xA2))
    parts.append(der.integer(control.sequence_number, 0x83))
    if control.floor is not None:
        parts.append(der.integer(control.floor, 0x84))
    if control.specialist_floors is not None:
        parts.append(_specialist_element(control.specialist_floors, 0xA5))
    if control.role_floors is not None:
        parts.append(_role_floors_element(control.role_floors, 0xA6))
    return der.sequence(*parts)


def _update_command(top: Element) -> UpdateCredentialsCommand:
    parts = der.members(top, "update-security-credentials")
    if len(parts) not in (3, 4):
        raise top.fail("update-security-credentials", f"{len(parts)} members where 3 or 4 were expected")
    replacements = tuple(
        Replacement(certificate(cert, "certificate"), TrustAnchorCell.read(cell, "target-cell"))
        for cert, cell in (exactly(item, "replacement", 2) for item in der.members(parts[1], "replacements"))
    )
    path = tuple(certificate(cert, "certification-path") for cert in der.members(parts[2], "certification-path"))
    execution = der.to_time(parts[3], "execution-date-time") if len(parts) == 4 else None
    return UpdateCredentialsCommand(_control(parts[0]), replacements, path, execution)


def _update_command_element(value: UpdateCredentialsCommand) -> Element:
    replacements = der.sequence(
        *(der.sequence(certificate_element(r.certificate), r.target.element()) for r in value.replacements)
    )
    path = der.sequence(*map(certificate_element, value.certification_path))
    tail = () if value.execution is None else (der.generalized_time(value.execution),)
    return der.sequence(_control_element(value.control), replacements, path, *tail)


def _outcome(element: Element) -> ExecutionOutcome:
    counter, mode, floors, outcomes = exactly(element, "execution-outcome", 4)
    items = []
    for item in der.members(outcomes, "replacement-outcomes"):
        parts = exactly(item, "replacement-outcome", 6)
        ids = [der.to_octets(part, "subject-or-key-identifier") for part in parts[2:]]
        cell = TrustAnchorCell.read(parts[0], "trust-anchor-cell")
        items.append(ReplacementOutcome(cell, der.to_int(parts[1], "status", der.ENUMERATED), *ids))
    return ExecutionOutcome(
        der.to_int(counter, "originator-counter"), der.to_int(mode, "mode"), _role_floors(floors), tuple(items)
    )


def _outcome_element(outcome: ExecutionOutcome) -> Element:
    items = [
        der.sequence(
            item.cell.element(),
            der.integer(item.status, der.ENUMERATED),
            *map(
                der.octets,
                (item.prior_subject_id, item.prior_key_identifier, item.new_subject_id, item.new_key_identifier),
            ),
        )
        for item in outcome.outcomes
    ]
    return der.sequence(
        der.integer(outcome.counter),
        der.integer(outcome.mode),
        _role_floors_element(outcome.floors),
        der.sequence(*items),
    )


def _update_response(top: Element) -> UpdateCredentialsResponse:
    parts = der.members(top, "update-security-credentials-response")
    if len(parts) not in (1, 2):
        raise top.fail("update-security-credentials-response", f"{len(parts)} members where 1 or 2 were expected")
    der.to_null(parts[0], "accepted")
    return UpdateCredentialsResponse(_outcome(parts[1]) if len(parts) == 2 else None)


def _update_response_element(value: UpdateCredentialsResponse) -> Element:
    tail = () if value.outcome is None else (_outcome_element(value.outcome),)
    return der.sequence(der.null(), *tail)


def _update_alert(top: Element) -> CredentialsUpdateAlert:
    parts = exactly(top, "credentials-update-alert", 3)
    return CredentialsUpdateAlert(AlertHeader.read(parts, "credentials-update-alert"), _outcome(parts[2]))


def _update_alert_element(value: CredentialsUpdateAlert) -> Element:
    return der.sequence(*value.header.elements(), _outcome_element(value.outcome))


# ---------------------------------------------------------------------------------------------
# CS02d update device certificate


@dataclass(frozen=True, slots=True)
class DeviceCertificate:
    """CS02d command: the device's new certificate (DER)."""

    certificate: bytes


def _device_certificate(top: Element) -> DeviceCertificate:
    return DeviceCertificate(certificate(top, "certificate"))


def _device_certificate_element(value: DeviceCertificate) -> Element:
    return certificate_element(value.certificate)


#: value type -> (parse from an element, build an element)
PARSERS: dict[type, tuple[Callable[[Element], Any], Callable[[Any], Element]]] = {
    CredentialsDetailsRequest: (_details_request, _details_request_element),
    CredentialsDetailsResponse: (_details_response, _details_response_element),
    UpdateCredentialsCommand: (_update_command, _update_command_element),
    UpdateCredentialsResponse: (_update_response, _update_response_element),
    CredentialsUpdateAlert: (_update_alert, _update_alert_element),
    DeviceCertificate: (_device_certificate, _device_certificate_element),
}
